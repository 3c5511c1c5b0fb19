import Polling
import RelayCore

/// Kandji (Iru) audit events: `GET {tenant API URL}/api/v1/audit/events`.
///
/// - Auth: a static `Bearer` API token (Settings → Access) with the "List audit events" permission.
/// - Paging: `next` is the full next-page URL (followed as is, same origin only); `limit` ≤ 500.
/// - Window: `start_date`/`end_date` (RFC 3339), `sort_by=occurred_at` (ascending).
/// - Rate limit: 10,000 requests/hour per tenant, shared by every token: we stay at 2/s.
/// - Retention and event delay are not published: 90 days and 30 s lag + 5 min lookback are
///   assumptions (override with `retention`, `lag`, `lookback`).
/// Docs: https://api-docs.kandji.io (Audit Log → List audit log events).
public struct KandjiSource: PolledVendor {
    public static let defaults = VendorDefaults(backfill: .duration(.seconds(30 * 86_400)), retention: .seconds(90 * 86_400), pageSize: 500, requestsPerSecond: 2)
    public var settings: PollSettings
    var token: Secret

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        // The tenant API URL is given as shown in Kandji (`https://x.api.kandji.io`); accept `/api/v1` too.
        if settings.baseURL.hasSuffix("/api/v1") { settings.baseURL.removeLast("/api/v1".count) }
        token = section.requiredSecret("token")
    }

    public func streams() throws -> [any VendorAPI] { [API(baseURL: settings.baseURL)] }
    public func authenticator() throws -> any Authenticator { StaticTokenAuth(token: token) }

    public struct API: VendorAPI {
        public var baseURL: String
        public var sourceType: String { "kandji" }
        public var stream: String { "audit_events" }
        public var permissionHint: String { "the token lacks the \"List audit events\" permission (Settings → Access)" }
        public var eventsPath: [String] { ["results"] }
        public var idPath: [String] { ["id"] }
        public var timePath: [String] { ["occurred_at"] }
        public var paging: Paging { .bodyURL(["next"]) }

        public func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([
                ("limit", String(pageSize)), ("sort_by", "occurred_at"),
                ("start_date", window.from.description), ("end_date", window.to.description),
            ] + (pageToken.map { [("cursor", $0)] } ?? []))
            return HTTPRequest(url: "\(baseURL)/api/v1/audit/events?\(query)", headers: [("Accept", "application/json")])
        }
    }
}
