import Polling
import RelayCore

/// ConductorOne System Log (OCSF events): `POST https://{host}/api/v1/systemlog/events`.
///
/// - Auth: OAuth2 client credentials at `/auth/v1/token`, the client authenticating with an
///   EdDSA-signed JWT assertion (iss = sub = client id, aud = token host, ±2 min). The key is the
///   Ed25519 JWK in the last colon-separated part of the client secret (`secret-token:…:…:<jwk>`).
/// - Host: the client id is `<id>@<host>/<use-case>`; `baseURL` overrides the derived host.
/// - Paging: `pageSize` (≤ 100, as the c1i CLI caps it) and `pageToken` / `nextPageToken`.
/// - Window: `since` (inclusive) and `until` (exclusive), RFC 3339; ascending.
/// - Rate limits, retention and event delay are not published: 2 req/s, 90 days, 30 s lag and
///   5 min lookback are assumptions.
/// Docs: https://conductorone.com/docs/api-reference/system-log/list-events
public struct ConductorOneSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(90 * 86_400), pageSize: 100, requestsPerSecond: 2)
    public var settings: PollSettings
    var client: ClientCredentials

    public init(_ section: ConfigSection) {
        client = ClientCredentials(section)
        let host = Self.host(fromClientID: client.id)
        if !client.id.isEmpty && host == nil && !section.has("baseURL") {
            section.report("clientID", "\(section.quoted("clientID")) is not of the form <id>@<hostname>/<use-case>; set baseURL")
        }
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: host.map { "https://\($0)" }, baseURLRequired: false)
        if !client.secret.isEmpty, (try? Self.signingKey(client.secret)) == nil {
            section.report("clientSecret", "is not a ConductorOne client secret (secret-token:…:…:<Ed25519 JWK>)")
        }
    }

    /// The host between `@` and `/` in `<id>@<hostname>/<use-case>`.
    public static func host(fromClientID clientID: String) -> String? {
        guard let at = clientID.lastIndex(of: "@") else { return nil }
        let rest = clientID[clientID.index(after: at)...]
        let host = rest.prefix { $0 != "/" }
        return host.isEmpty ? nil : String(host)
    }

    /// The Ed25519 key in the client secret's last part (a base64url JWK).
    public static func signingKey(_ secret: Secret) throws(PollError) -> JWTSigningKey {
        let parts = secret.reveal().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "secret-token", let jwk = Base64URL.decode(String(parts[3])) else {
            throw PollError.credential("the client secret is not of the form secret-token:<issuer>:<version>:<key>")
        }
        return try JWK.signingKey(json: jwk)
    }

    public func streams() throws -> [any VendorAPI] { [API(baseURL: settings.baseURL)] }

    public func authenticator() throws -> any Authenticator {
        let key = try Self.signingKey(client.secret)
        var assertion = JWTClientAssertion(clientID: client.id, audience: URLParts(settings.baseURL)?.host ?? "", key: key)
        assertion.headerNonce = true
        let fetch = OAuth2.clientCredentials(tokenURL: "\(settings.baseURL)/auth/v1/token", clientID: client.id, authentication: .assertion(assertion))
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [client.secret.reveal()])
    }

    public struct API: VendorAPI {
        public var baseURL: String
        public var sourceType: String { "conductor-one" }
        public var stream: String { "system_log" }
        public var permissionHint: String { "the API credential was rejected or lacks access to the system log (it needs a role that can read it)" }
        public var eventsPath: [String] { ["list"] }
        public var idPath: [String] { ["metadata", "uid"] }
        public var timePath: [String] { ["time"] }
        public var paging: Paging { .bodyToken([["nextPageToken"]]) }

        public func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var body: [(String, JWTValue)] = [
                ("pageSize", .integer(Int64(pageSize))), ("since", .string(window.from.description)),
                ("until", .string(window.to.description)), ("sortDirection", "SORT_DIRECTION_ASC"),
            ]
            if let pageToken { body.append(("pageToken", .string(pageToken))) }
            return HTTPRequest(method: .post, url: "\(baseURL)/api/v1/systemlog/events",
                               headers: [("Accept", "application/json"), ("Content-Type", "application/json")], body: JSONBody.object(body))
        }
    }
}
