import Polling
import RelayCore

/// GitHub audit log: `GET {baseURL}/orgs/{organization}/audit-log` or
/// `/enterprises/{enterprise}/audit-log` (GitHub Enterprise Server: baseURL `https://HOST/api/v3`).
///
/// - Auth: `Authorization: Bearer <token>`, a classic personal access token with `read:audit_log`
///   (an enterprise also needs its owner: the enterprise endpoint takes classic tokens only).
/// - Window: `phrase=created:>=… created:<…`, `order=asc`, `per_page=100`, following
///   `Link: <…>; rel="next"` (same origin only).
/// - `include`: `web` (default), `git` or `all`. Git events are kept 7 days, the rest 180: with
///   `git` or `all` the Git events are their own stream (`audit_log_git`) with that retention, so a
///   backfill or outage past 7 days gives a gap record for the Git part only.
/// - Rate limit: 1,750 queries an hour per user and endpoint, reported in `X-RateLimit-*`: we take
///   at most `rateShare` of it; a 403 or 429 with `X-RateLimit-Remaining: 0` is a rate limit, a
///   403 without it a permission problem.
/// Docs: https://docs.github.com/en/enterprise-cloud@latest/admin/monitoring-activity-in-your-enterprise/reviewing-audit-logs-for-your-enterprise/using-the-audit-log-api-for-your-enterprise,
/// https://docs.github.com/en/rest/orgs/orgs#get-the-audit-log-for-an-organization.
/// UNCONFIRMED: the delay before an event can be searched (30 s lag and 5 min lookback assumed).
public struct GitHubSource: PolledVendor {
    public static let defaults = VendorDefaults(baseURL: "https://api.github.com", retention: .seconds(180 * 86_400), pageSize: 100, requestsPerSecond: 2)
    public var settings: PollSettings
    var token: Secret
    var scopePath: String
    var include: String

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        token = section.requiredSecret("token")
        let organization = section.string("organization"), enterprise = section.string("enterprise")
        switch (organization, enterprise) {
        case (let organization?, nil): scopePath = "/orgs/\(PercentEncoding.encode(organization))"
        case (nil, let enterprise?): scopePath = "/enterprises/\(PercentEncoding.encode(enterprise))"
        case (.some, .some):
            scopePath = ""
            section.report("organization", "set organization or enterprise, not both")
        case (nil, nil):
            scopePath = ""
            section.report("organization", "set organization (an org's audit log) or enterprise (an enterprise's)")
        }
        include = section.choice("include", ["web", "git", "all"], default: "web")
    }

    public func streams() throws -> [any VendorAPI] {
        var streams: [any VendorAPI] = []
        if include != "git" { streams.append(AuditLog(baseURL: settings.baseURL, scopePath: scopePath, include: "web")) }
        if include != "web" { streams.append(AuditLog(baseURL: settings.baseURL, scopePath: scopePath, include: "git")) }
        return streams
    }

    public func authenticator() throws -> any Authenticator { StaticTokenAuth(token: token) }

    struct AuditLog: VendorAPI {
        var baseURL: String
        var scopePath: String
        var include: String
        var sourceType: String { "github" }
        var stream: String { include == "git" ? "audit_log_git" : "audit_log" }
        var permissionHint: String { "the token cannot read the audit log (a classic token with the read:audit_log scope, of an organization or enterprise owner)" }
        var eventsPath: [String] { [] }
        var idPath: [String] { ["_document_id"] }
        var timePath: [String] { ["@timestamp"] }
        var paging: Paging { .linkHeader }
        var retention: Duration? { include == "git" ? .seconds(7 * 86_400) : nil }

        /// GitHub answers a cursor it no longer accepts with 422 (and 400/404/410 like others).
        func rejectsCursor(_ response: HTTPResponse) -> Bool { [400, 404, 410, 422].contains(response.status) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([("phrase", "created:>=\(window.from.wholeSeconds) created:<\(window.to.wholeSeconds)"),
                                               ("include", include), ("order", "asc"), ("per_page", String(pageSize))])
            return HTTPRequest(url: "\(baseURL)\(scopePath)/audit-log?\(query)",
                               headers: [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")])
        }
    }
}
