import Polling
import RelayCore

/// Okta System Log: `GET {baseURL}/api/v1/logs` in polling mode.
///
/// - Auth: an API token (`Authorization: SSWS <token>`; the admin who made it needs the
///   Read-only Administrator role or higher), or, as Okta recommends, an OAuth service app:
///   client credentials at `{baseURL}/oauth2/v1/token` with a `private_key_jwt` assertion (RS256
///   or ES256, `aud` = that URL, iss = sub = client id, ≤ 1 h) and scope `okta.logs.read`.
/// - Polling: the first request is `since` + `sortOrder=ASCENDING` + `limit`, without `until`;
///   Okta then always answers with a `Link: <…>; rel="next"`, also on an empty page, and filters on
///   the time events were stored, so an event published late still comes after the cursor. A page
///   shorter than `limit`, or a next link equal to the request, ends the cycle; the last next link
///   is kept as the stream's position and requested again next cycle (never crafted by hand).
/// - Rate limit: `X-Rate-Limit-Limit/-Remaining/-Reset` (epoch seconds, per minute; 20–120 a minute
///   for `/api/v1/logs` depending on the org): we take at most `rateShare` of it.
/// - Retention: 90 days. A rejected stored position (400) falls back to the watermark − lookback.
/// Docs (confirmed): https://developer.okta.com/docs/reference/api/system-log/ (polling vs bounded
/// requests, Link headers, retention), .../reference/rl-best-practices/ (headers),
/// .../guides/implement-oauth-for-okta-serviceapp/ (assertion claims, scope). UNCONFIRMED: Okta's
/// error for an expired `after` cursor (we treat any 400 on a stored position as one), the delay
/// between publishing and storing an event.
public struct OktaSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(90 * 86_400), lag: .zero, pageSize: 1000, requestsPerSecond: 1)
    public var settings: PollSettings
    var token: Secret?
    var clientID: String?
    var privateKey: Secret?
    var keyID: String?

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        token = section.secret("token")
        clientID = section.string("clientID")
        privateKey = section.secret("privateKey")
        keyID = section.string("keyID")
        if section.credentialForm([(["token"], "an API token"), (["clientID", "privateKey"], "an OAuth service app")]) == 1,
           let key = privateKey, (try? JWTSigningKey.pem(key.reveal())) == nil {
            section.report("privateKey", "is not a PEM RSA or EC private key (the service app's key, PKCS#8 or PKCS#1)")
        }
    }

    public func streams() throws -> [any VendorAPI] { [SystemLog(baseURL: settings.baseURL)] }

    public func authenticator() throws -> any Authenticator {
        if let token { return StaticTokenAuth(token: token, scheme: "SSWS") }
        guard let clientID, let privateKey else { throw PollError.credential("neither token nor clientID and privateKey are set") }
        let tokenURL = "\(settings.baseURL)/oauth2/v1/token"
        let assertion = JWTClientAssertion(clientID: clientID, audience: tokenURL, key: try JWTSigningKey.pem(privateKey.reveal()), keyID: keyID)
        let fetch = OAuth2.clientCredentials(tokenURL: tokenURL, clientID: clientID, authentication: .assertion(assertion), scope: "okta.logs.read")
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [privateKey.reveal()])
    }

    struct SystemLog: VendorAPI {
        var baseURL: String
        var sourceType: String { "okta" }
        var stream: String { "system_log" }
        var permissionHint: String {
            "the API token's admin lacks a role that can read the System Log (Read-only Administrator or higher), or the service app lacks the okta.logs.read scope"
        }
        var eventsPath: [String] { [] }
        var idPath: [String] { ["uuid"] }
        var timePath: [String] { ["published"] }
        var paging: Paging { .linkHeader(endsWhenRepeated: true) }
        var progress: StreamProgress { .resumable }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([("since", window.from.description), ("sortOrder", "ASCENDING"), ("limit", String(pageSize))])
            return HTTPRequest(url: "\(baseURL)/api/v1/logs?\(query)", headers: [("Accept", "application/json")])
        }
    }
}
