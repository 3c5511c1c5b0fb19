import Polling
import RelayCore

/// Slack Audit Logs API: `GET {baseURL}/audit/v1/logs` (Enterprise Grid).
///
/// - Auth: `Authorization: Bearer <token>`, a user token of an org-level app with the
///   `auditlogs:read` scope, installed on the Enterprise Grid org by the Org Owner.
/// - Window: `oldest`/`latest` (Unix seconds, both inclusive), `limit`, and
///   `response_metadata.next_cursor` sent back as `cursor` (the empty string ends the window).
///   Newest first: a window's progress moves only when all its pages are committed.
/// - Errors are `{"ok":false,"error":…}`: `not_allowed_token_type`, `missing_scope` and
///   `feature_not_enabled` name the fix; `ratelimited` (429) waits for `Retry-After`.
/// Docs: https://api.slack.com/admins/audit-logs, https://api.slack.com/admins/audit-logs-call.
/// UNCONFIRMED: the largest `limit` (1,000 used, as collectors do), retention (365 days assumed).
public struct SlackSource: PolledVendor {
    public static let defaults = VendorDefaults(baseURL: "https://api.slack.com", retention: .seconds(365 * 86_400), pageSize: 1000, requestsPerSecond: 1)
    public var settings: PollSettings
    var token: Secret

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        token = section.requiredSecret("token")
    }

    public func streams() throws -> [any VendorAPI] { [AuditLogs(baseURL: settings.baseURL)] }
    public func authenticator() throws -> any Authenticator { StaticTokenAuth(token: token) }

    struct AuditLogs: VendorAPI {
        var baseURL: String
        var sourceType: String { "slack" }
        var stream: String { "audit_logs" }
        var permissionHint: String {
            "the token cannot read audit logs: it must be a user token of an org-level app with the auditlogs:read scope, installed on the Enterprise Grid org by the Org Owner"
        }
        var eventsPath: [String] { ["entries"] }
        var idPath: [String] { ["id"] }
        var timePath: [String] { ["date_create"] }
        var paging: Paging { .bodyToken([["response_metadata", "next_cursor"]]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("oldest", String(window.from.microseconds / 1_000_000)), ("latest", String(window.to.microseconds / 1_000_000 - 1)),
                         ("limit", String(pageSize))]
            if let pageToken { items.append(("cursor", pageToken)) }
            return HTTPRequest(url: "\(baseURL)/audit/v1/logs?\(PercentEncoding.query(items))", headers: [("Accept", "application/json")])
        }

        /// Slack's error, read from `{"ok":false,"error":…}` (also on a 200).
        static func error(_ response: HTTPResponse) -> String? {
            let document = JSONDocument()
            guard let root = try? document.parse(response.body), root["ok"]?.bool == false else { return nil }
            return root["error"]?.string ?? "unknown_error"
        }

        func failureStatus(in response: HTTPResponse) -> Int? {
            guard String(decoding: response.body.prefix(64), as: UTF8.self).contains("\"ok\""), let error = Self.error(response) else { return nil }
            switch error {
            case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive": return 401
            case "not_allowed_token_type", "missing_scope", "feature_not_enabled", "no_permission": return 403
            case "ratelimited": return 429
            default: return 400
            }
        }

        func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? {
            switch Self.error(response) {
            case "not_allowed_token_type"?: return "Slack refused the token type (not_allowed_token_type): use the user token (xoxp-) of an org-level app installed on the Enterprise Grid org by the Org Owner"
            case "missing_scope"?: return "the token lacks the auditlogs:read scope (missing_scope): add it to the org-level app and reinstall it"
            case "feature_not_enabled"?: return "audit logs are only available on Enterprise Grid (feature_not_enabled)"
            default: return nil
            }
        }
    }
}
