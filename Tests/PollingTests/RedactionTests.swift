import Polling
import Testing

@Suite struct RedactionTests {
    @Test func urlsLoseUserinfoAndSensitiveQueryValuesButKeepTheRest() {
        #expect(Redaction.url("https://user:pa55@api.example.com/v1/logs?limit=10&access_token=abc&X-Amz-Signature=f00&cursor=MjAw")
            == "https://<redacted>@api.example.com/v1/logs?limit=10&access_token=<redacted>&X-Amz-Signature=<redacted>&cursor=MjAw")
        #expect(Redaction.url("https://api.example.com/path") == "https://api.example.com/path")
        #expect(Redaction.url("https://h/p?apiKey=k1&client_secret=s2&sig=s3&page=2")
            == "https://h/p?apiKey=<redacted>&client_secret=<redacted>&sig=<redacted>&page=2")
    }

    @Test func credentialHeadersAreRedacted() {
        #expect(Redaction.header(name: "Authorization", value: "Bearer abc") == "<redacted>")
        #expect(Redaction.header(name: "proxy-authorization", value: "Basic x") == "<redacted>")
        #expect(Redaction.header(name: "X-API-Key", value: "k") == "<redacted>")
        #expect(Redaction.header(name: "Accept", value: "application/json") == "application/json")
    }

    @Test func textLosesKnownSecretsBearerTokensAndJWTs() {
        let text = #"{"error":"bad token s3cr3t-value","hint":"Authorization: Bearer abc.def.ghi","jwt":"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln"}"#
        let redacted = Redaction.text(text, secrets: ["s3cr3t-value"])
        #expect(!redacted.contains("s3cr3t-value"))
        #expect(!redacted.contains("abc.def.ghi"))
        #expect(!redacted.contains("eyJpc3MiOiJ4In0"))
        #expect(redacted.contains("bad token <redacted>"))
        #expect(Redaction.text("nothing secret here") == "nothing secret here")
    }
}
