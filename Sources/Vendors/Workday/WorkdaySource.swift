import Polling
import RelayCore

/// Workday User Activity Logging: `GET {baseURL}/activityLogging` (baseURL
/// `https://HOST/ccx/api/privacy/v1/TENANT`).
///
/// - Auth: an API client for integrations with the "User Activity Logging" domain (View access),
///   its client id and secret, and a refresh token; the refresh-token grant at `tokenURL`
///   (`https://HOST/ccx/oauth2/TENANT/token`, client credentials as HTTP Basic). Where the tenant
///   rotates refresh tokens, the new one is persisted sealed in the committed cursor (polling kit
///   v2), so a restart never uses the revoked one. User activity logging must be enabled for the
///   tenant (Edit Tenant Setup - System).
/// - Window: `from`/`to` (ISO 8601 UTC with milliseconds), `limit` (≤ 1,000) and `offset`, pages
///   while full; a window's progress moves only once all its pages are committed. One window
///   can page through 10,000 rows per `instancesReturned`: we send `instancesReturned=10` and
///   windows of at most an hour, so a backfill goes hour by hour.
/// - No event id: the record's eventID is a content hash of the raw entry, and the lookback
///   overlap is deduplicated on it.
/// - Rate limit: 429 with `Retry-After`.
/// Docs: Workday community "User Activity Logging" (privacy API v1), grove's Workday connector.
/// UNCONFIRMED: whether Workday rotates refresh tokens (handled either way), the order within a
/// window (not relied on), retention (30 days assumed), the event delay (60 s lag).
public struct WorkdaySource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(30 * 86_400), lag: .seconds(60), pageSize: 1000, requestsPerSecond: 2)
    public var settings: PollSettings
    var tokenURL: String
    var client: ClientCredentials
    var refreshToken: Secret

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        tokenURL = section.requiredString("tokenURL")
        if !tokenURL.isEmpty, URLParts(tokenURL) == nil { section.report("tokenURL", "\(section.quoted("tokenURL")) is not an http(s) URL") }
        client = ClientCredentials(section)
        refreshToken = section.requiredSecret("refreshToken")
    }

    public func streams() throws -> [any VendorAPI] { [ActivityLogging(baseURL: settings.baseURL)] }

    public func authenticator() throws -> any Authenticator {
        let rotating = RotatingRefreshToken(configured: refreshToken, sealingSecret: client.secret, sourceID: settings.id)
        let grant = OAuth2.RefreshGrant(tokenURL: tokenURL, clientID: client.id, authentication: .secretBasic(client.secret), refreshToken: rotating)
        return CachedBearerAuth(cache: TokenCache(fetch: grant.cacheFetch), redactions: [client.secret.reveal()], rotatingRefreshToken: rotating)
    }

    struct ActivityLogging: VendorAPI {
        var baseURL: String
        var sourceType: String { "workday" }
        var stream: String { "activity_logging" }
        var permissionHint: String {
            "the API client lacks the \"User Activity Logging\" domain (or user activity logging is not enabled for the tenant)"
        }
        var eventsPath: [String] { ["data"] }
        var idPath: [String] { [] }  // no id: the content hash identifies an entry
        var timePath: [String] { ["requestTime"] }
        var paging: Paging { .offset }
        var progress: StreamProgress { .windows(order: .newestFirst) }  // order not documented: never relied on
        var maximumWindow: Duration? { .seconds(3600) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([("from", window.from.millisecondsDescription), ("to", window.to.millisecondsDescription),
                                               ("limit", String(pageSize)), ("offset", pageToken ?? "0"),
                                               ("instancesReturned", "10")])
            return HTTPRequest(url: "\(baseURL)/activityLogging?\(query)", headers: [("Accept", "application/json")])
        }
    }
}
