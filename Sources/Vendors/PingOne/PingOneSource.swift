import Polling
import RelayCore

/// PingOne audit activities: `GET {baseURL}/v1/environments/{environmentID}/activities`.
///
/// - Auth: a worker application's client credentials at
///   `POST {authURL}/{environmentID}/as/token` (`client_secret_basic`, PingOne's default for worker
///   apps); the app needs a role that can read audit activities (Environment Admin, or a custom
///   role with that permission).
/// - Hosts by `region`: `com`, `eu`, `ca`, `asia`, `com.au` → `https://auth.pingone.<region>` and
///   `https://api.pingone.<region>`; `authURL`/`baseURL` override them.
/// - Window: `filter=recordedAt gt "…" AND recordedAt lt "…"` (ms, UTC `Z`), `limit`; paging by
///   `_links.next.href` (absolute, carries a cursor), absent on the last page.
/// - Order: newest first, so a window's progress moves only once every page of it is committed,
///   and a rejected cursor restarts the window (never from the watermark).
/// - Limits: the activities endpoint is in the Audit rate-limit group (10 requests/s); 429 with
///   `Retry-After`. Only the last 14 days are served (older needs a restore request): retention 14 days.
/// Docs: https://developer.pingidentity.com/pingone-api/platform/audit-activities/get-user-activities.html,
/// .../platform/reference/paging-ordering-filtering-collections.html, .../platform/rate-limiting.html.
/// UNCONFIRMED: newest-first order (inferred from Elastic's collector; we do not rely on it), the
/// largest `limit` (500 by default, as Elastic uses), the error for an expired cursor.
public struct PingOneSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(14 * 86_400), pageSize: 1000, requestsPerSecond: 5)
    public static let regions = ["com", "eu", "ca", "asia", "com.au"]

    public var settings: PollSettings
    var authURL: String
    var environmentID: String
    var client: ClientCredentials

    public init(_ section: ConfigSection) {
        let region = section.string("region")
        if let region, !Self.regions.contains(region) {
            section.report("region", "\(section.quoted("region")) is not a PingOne region (\(Self.regions.joined(separator: ", ")))")
        }
        if region == nil && !(section.has("baseURL") && section.has("authURL")) {
            section.report("region", "set region (com, eu, ca, asia, com.au) or both authURL and baseURL")
        }
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: region.map { "https://api.pingone.\($0)" }, baseURLRequired: false)
        if !section.has("pageSize") { settings.pageSize = 500 }
        var auth = section.string("authURL") ?? region.map { "https://auth.pingone.\($0)" } ?? ""
        while auth.hasSuffix("/") { auth.removeLast() }
        if section.has("authURL"), URLParts(auth) == nil { section.report("authURL", "\(section.quoted("authURL")) is not an http(s) URL") }
        authURL = auth
        environmentID = section.requiredString("environmentID")
        if environmentID.contains("/") || environmentID.contains("?") {
            section.report("environmentID", "\(section.quoted("environmentID")) is not an environment id")
        }
        client = ClientCredentials(section)
    }

    public func streams() throws -> [any VendorAPI] { [Activities(baseURL: settings.baseURL, environmentID: environmentID)] }

    public func authenticator() throws -> any Authenticator {
        let fetch = OAuth2.clientCredentials(tokenURL: "\(authURL)/\(PercentEncoding.encode(environmentID))/as/token", clientID: client.id,
                                             authentication: .secretBasic(client.secret))
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [client.secret.reveal()])
    }

    struct Activities: VendorAPI {
        var baseURL: String
        var environmentID: String
        var sourceType: String { "pingone" }
        var stream: String { "activities" }
        var permissionHint: String {
            "the worker app lacks a role that can read audit activities (Environment Admin, or a custom role with that permission)"
        }
        var eventsPath: [String] { ["_embedded", "activities"] }
        var idPath: [String] { ["id"] }
        var timePath: [String] { ["recordedAt"] }
        var paging: Paging { .bodyURL(["_links", "next", "href"]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let filter = "recordedAt gt \"\(window.from.millisecondsDescription)\" AND recordedAt lt \"\(window.to.millisecondsDescription)\""
            let query = PercentEncoding.query([("filter", filter), ("limit", String(pageSize))])
            return HTTPRequest(url: "\(baseURL)/v1/environments/\(PercentEncoding.encode(environmentID))/activities?\(query)",
                               headers: [("Accept", "application/json")])
        }
    }
}
