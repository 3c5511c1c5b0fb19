import Foundation
import Normalizers
import Relay
import RelayCore
import Testing
import Vendors
import Webhooks

/// The GitHub half of `github-webhook` (signature, headers, ping) and its config, without a process.
@Suite struct GitHubWebhookTests {
    static func request(_ body: String, headers: [(String, String)]) -> WebhookRequest {
        WebhookRequest(sourceID: "gh", headers: WebhookHeaders(headers), body: Array(body.utf8))
    }

    /// GitHub's own test vector (vendor-apis.md, from GitHub's "Validating webhook deliveries").
    @Test func gitHubsTestVectorVerifies() {
        let secret = "It's a Secret to Everybody"
        let expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(HMACSHA256Verifier.sign(Array("Hello, World!".utf8), secret: secret) == expected)
        let endpoint = GitHubWebhook(sourceID: "gh", secrets: [Secret(secret)])
        let signed = Self.request("Hello, World!", headers: [("X-Hub-Signature-256", "sha256=\(expected)")])
        #expect(endpoint.authenticate(signed) == .valid)
        // Upper-case hex is the same signature; header names are case-insensitive.
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("x-hub-signature-256", "sha256=\(expected.uppercased())")])) == .valid)
    }

    @Test func wrongMissingOrMalformedSignaturesAreRefused() {
        let endpoint = GitHubWebhook(sourceID: "gh", secrets: [Secret("It's a Secret to Everybody")])
        let good = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [])) == .missing)
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("X-Hub-Signature-256", "")])) == .missing)
        #expect(endpoint.authenticate(Self.request("Hello, World?", headers: [("X-Hub-Signature-256", "sha256=\(good)")])) == .invalid)
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("X-Hub-Signature-256", good)])) == .invalid)
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("X-Hub-Signature-256", "sha256=\(good.dropLast(2))")])) == .invalid)
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("X-Hub-Signature-256", "sha256=zz\(good.dropFirst(2))")])) == .invalid)
        // The SHA-1 header alone is not enough.
        #expect(endpoint.authenticate(Self.request("Hello, World!", headers: [("X-Hub-Signature", "sha1=01")])) == .missing)
    }

    @Test func eitherSecretVerifiesDuringARotation() {
        let body = "{\"zen\":\"x\"}"
        let endpoint = GitHubWebhook(sourceID: "gh", secrets: [Secret("new"), Secret("old")])
        for secret in ["new", "old"] {
            let signature = "sha256=" + HMACSHA256Verifier.sign(Array(body.utf8), secret: secret)
            #expect(endpoint.authenticate(Self.request(body, headers: [("X-Hub-Signature-256", signature)])) == .valid)
        }
        let other = "sha256=" + HMACSHA256Verifier.sign(Array(body.utf8), secret: "older")
        #expect(endpoint.authenticate(Self.request(body, headers: [("X-Hub-Signature-256", other)])) == .invalid)
    }

    @Test func deliveriesKeepTheirHeadersWhereTheNormalizerReadsThem() throws {
        let endpoint = GitHubWebhook(sourceID: "gh", secrets: [Secret("s")])
        let headers = [("Content-Type", "application/json"), ("X-GitHub-Event", "member"), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
                       ("X-GitHub-Hook-ID", "42")]
        guard case .store(let delivery) = endpoint.disposition(of: Self.request(" {\"action\":\"added\"}\n", headers: headers)) else {
            Issue.record("not stored")
            return
        }
        #expect(delivery.deliveryID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        #expect(delivery.sourceType == "github" && delivery.stream == "webhook")
        #expect(String(decoding: delivery.event, as: UTF8.self)
            == #"{"X-GitHub-Event":"member","X-GitHub-Delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","X-GitHub-Hook-ID":"42","action":"added"}"#)  // whitespace around the object is dropped
        #expect(delivery.tags.map { "\($0.key)=\($0.value)" } == ["X-GitHub-Event=member", "X-GitHub-Delivery=72d3162e-cc78-11e3-81ab-4c9367dc0958", "X-GitHub-Hook-ID=42"])

        // The existing normalizer names and identifies the record from them.
        let normalizer = PageNormalizer(registry: VendorCatalog.normalizers)
        let record = try normalizer.normalize(event: delivery.event[...], sourceType: "github", stream: "webhook",
                                              identity: SourceIdentity(workspaceID: "w", sourceID: "gh"), receivedAt: .now())
        #expect(record.eventName == "member.added")
        #expect(record.eventID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")

        // An empty object gets no stray comma.
        guard case .store(let empty) = endpoint.disposition(of: Self.request("{ }", headers: headers)) else { return }
        #expect((try? JSONSerialization.jsonObject(with: Data(empty.event))) != nil)
    }

    @Test func pingIsAcknowledgedAndBadDeliveriesAreRefused() {
        let endpoint = GitHubWebhook(sourceID: "gh", secrets: [Secret("s")])
        if case .acknowledge(let status, _) = endpoint.disposition(of: Self.request("{\"zen\":\"z\"}", headers: [("X-GitHub-Event", "ping")])) {
            #expect(status == 200)
        } else {
            Issue.record("ping not acknowledged")
        }
        let cases: [([(String, String)], String, Int)] = [
            ([], "{}", 400),  // no X-GitHub-Event
            ([("X-GitHub-Event", "push"), ("Content-Type", "application/x-www-form-urlencoded")], "payload=%7B%7D", 415),
            ([("X-GitHub-Event", "push\"},{\"x")], "{}", 400),
            ([("X-GitHub-Event", "push"), ("X-GitHub-Delivery", String(repeating: "a", count: 200))], "{}", 400),
            ([("X-GitHub-Event", "push")], "[1,2]", 400),
        ]
        for (headers, body, expected) in cases {
            if case .reject(let status, _) = endpoint.disposition(of: Self.request(body, headers: headers)) {
                #expect(status == expected, "\(headers)")
            } else {
                Issue.record("accepted: \(headers) \(body)")
            }
        }
    }

    static func parse(_ yaml: String) throws -> (RelayConfiguration?, [String]) {
        let value = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: SecretResolver(environment: ["GH_SECRET": "from-env"]))
        return (configuration, problems.map(\.description))
    }

    @Test func configReadsSecretsLikeOtherSourcesAndNamesWhatIsWrong() throws {
        let (good, none) = try Self.parse("""
            sources: [{id: gh, type: github-webhook, secret: "${env:GH_SECRET}", maxBodyBytes: 1MiB}]
            sinks: [{type: stdout}]
            webhooks: {listen: "0.0.0.0:8443", maxConcurrent: 16, readTimeout: 5s}
            """)
        #expect(none.isEmpty)
        let configuration = try #require(good)
        #expect(configuration.webhookSources.map(\.id) == ["gh"])
        #expect(configuration.webhookSources.first?.maxBodyBytes == 1 << 20)
        #expect(configuration.webhooks.listen == "0.0.0.0:8443" && configuration.webhooks.maxConcurrent == 16)
        #expect(RelayRuntime.spoolConfiguration(configuration).maxRecordBytes >= 2 << 20)

        let (_, problems) = try Self.parse("""
            sources:
              - {id: gh, type: github-webhook}
              - {id: "a/b", type: github-webhook, secret: "", previousSecret: "${env:MISSING}"}
              - {id: big, type: github-webhook, secret: s}
            sinks: [{type: stdout}]
            spool: {maxBytes: 64MiB}
            webhooks: {listen: "nowhere", tls: {cert: /c.pem, key: /k.pem}, colour: red}
            """)
        #expect(problems.contains("sources[0].secret: is required"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("sources[1].id: \"a/b\" is part of the webhook URL") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("sources[1].secret: is empty") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("sources[1].previousSecret:") && $0.contains("MISSING") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("sources[2].maxBodyBytes: a delivery of 26214400 bytes cannot fit a spool segment") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("webhooks.listen: \"nowhere\" is not host:port") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("webhooks.tls.cert: /c.pem cannot be read") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("webhooks.tls.key: /k.pem cannot be read") }, "\(problems)")
        #expect(problems.contains("webhooks.colour: unknown key"), "\(problems)")
        // No secret value in any message.
        #expect(!problems.joined().contains("from-env"))
    }
}
