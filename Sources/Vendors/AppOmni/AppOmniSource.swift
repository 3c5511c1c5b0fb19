import Polling
import RelayCore

/// AppOmni audit logs: `GET {baseURL}/api/v1/core/auditlogs/` (baseURL `https://SUBDOMAIN.appomni.com`).
///
/// - Auth: `Authorization: Bearer <token>`, the API access token from Settings → API Settings.
/// - Confirmed (AppOmni's Postman API reference, "Audit Logs", 2026-02): the path with its
///   trailing slash; the time filter `since`/`before` (ISO 8601); the Django REST Framework page
///   `{"count","next","previous","results"}` whose `next` is a full URL (or null, or the string
///   "null"); records with `identifier` (older answers and event sinks: `log_id`) and `action_at`;
///   retention 180 days.
/// - Assumed, and configurable: the filter's parameter names (`sinceParam`, `beforeParam`), that
///   `limit` sets the page size (500 at most here) and that `next` carries the offset; the order
///   within a window is not documented, so a window's progress moves only when all its pages are
///   committed and a rejected page link restarts the window. 429 with `Retry-After` is honoured.
/// Docs: https://api.appomni.com/ (Audit Logs), https://github.com/AppOmni-Labs/event-maturity-matrix.
public struct AppOmniSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(180 * 86_400), pageSize: 500, requestsPerSecond: 2)
    public var settings: PollSettings
    var token: Secret
    var sinceParam: String
    var beforeParam: String

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        token = section.requiredSecret("token")
        sinceParam = section.string("sinceParam", default: "since")
        beforeParam = section.string("beforeParam", default: "before")
    }

    public func streams() throws -> [any VendorAPI] { [AuditLogs(baseURL: settings.baseURL, sinceParam: sinceParam, beforeParam: beforeParam)] }
    public func authenticator() throws -> any Authenticator { StaticTokenAuth(token: token) }

    struct AuditLogs: VendorAPI {
        var baseURL: String
        var sinceParam: String
        var beforeParam: String
        var sourceType: String { "appomni" }
        var stream: String { "auditlogs" }
        var permissionHint: String { "the API token cannot read audit logs (Settings → API Settings; its user needs a role that can read them)" }
        var eventsPath: [String] { ["results"] }
        var idPath: [String] { ["identifier"] }
        var timePath: [String] { ["action_at"] }
        var paging: Paging { .bodyURL(["next"]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }  // order not documented: never relied on

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([(sinceParam, window.from.millisecondsDescription), (beforeParam, window.to.millisecondsDescription),
                                               ("limit", String(pageSize))])
            return HTTPRequest(url: "\(baseURL)/api/v1/core/auditlogs/?\(query)", headers: [("Accept", "application/json")])
        }
    }
}
