import Polling
import RelayCore

/// Veeva Vault audit trails: `GET https://{vaultDNS}/api/{apiVersion}/audittrail/{type}` for each
/// of `auditTypes` (login, system, document, object, domain), each a stream with its own cursor.
///
/// - Auth: a Vault user with the "View Audit Trail" permission and API access; `POST
///   /api/{v}/auth` (form `username`, `password`) gives a session id, sent bare as
///   `Authorization`, reused by every stream; `INVALID_SESSION_ID` opens a new session once and
///   retries.
/// - Failures come as HTTP 200 with `"responseStatus":"FAILURE"` and `errors[].type`: read as the
///   status they stand for (INVALID_SESSION_ID 401, INSUFFICIENT_ACCESS 403, API_LIMIT_EXCEEDED
///   429, the rest 400).
/// - Window: `start_date`/`end_date` (`yyyy-MM-ddTHH:mm:ssZ`), never more than 30 days back: an
///   older resume point becomes an `auditrelay.gap` record; `limit`; pages by
///   `responseDetails.next_page` (a path on the Vault's host), absent on the last page.
/// - Limits: a burst limit over a rolling 5 minutes and a daily limit, reported in
///   `X-VaultAPI-BurstLimit`/`-BurstLimitRemaining`/`-DailyLimitRemaining`: we use at most
///   `rateShare` of the burst and stop at a daily remaining of 0, before Vault answers 429.
/// Docs: https://developer.veevavault.com/api/ (Authentication, Retrieve Audit Details, API rate
/// limits); VAPIL `LogRequest`. UNCONFIRMED: the order of events within a window (not relied
/// on), the largest `limit` (1,000 assumed; Vault's default is 200).
public struct VeevaVaultSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(30 * 86_400), lag: .seconds(60), pageSize: 1000, requestsPerSecond: 2)
    public static let auditTypeNames = ["login_audit_trail", "system_audit_trail", "document_audit_trail", "object_audit_trail", "domain_audit_trail"]

    public var settings: PollSettings
    var username: String
    var password: Secret
    var apiVersion: String
    var auditTypes: [String]

    public init(_ section: ConfigSection) {
        let dns = section.string("vaultDNS")
        if let dns, dns.contains("/") || dns.contains(":") { section.report("vaultDNS", "\(section.quoted("vaultDNS")) is a host name, such as acme.veevavault.com") }
        if dns == nil && !section.has("baseURL") { section.report("vaultDNS", "set vaultDNS (acme.veevavault.com) or baseURL") }
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: dns.map { "https://\($0)" }, baseURLRequired: false)
        if !section.has("pageSize") { settings.pageSize = 200 }
        username = section.requiredString("username")
        password = section.requiredSecret("password")
        apiVersion = section.string("apiVersion", default: "v24.1")
        if apiVersion.first != "v" || apiVersion.contains("/") { section.report("apiVersion", "\(section.quoted("apiVersion")) is not a Vault API version such as v24.1") }
        auditTypes = section.has("auditTypes") ? section.strings("auditTypes") : Self.auditTypeNames
        for type in auditTypes where !Self.auditTypeNames.contains(type) {
            section.report("auditTypes", "\"\(type)\" is not a Vault audit trail (known: \(Self.auditTypeNames.joined(separator: ", ")))")
        }
    }

    public func streams() throws -> [any VendorAPI] {
        auditTypes.filter(Self.auditTypeNames.contains).map { AuditTrail(baseURL: settings.baseURL, apiVersion: apiVersion, type: $0) }
    }

    public func authenticator() throws -> any Authenticator {
        let url = "\(settings.baseURL)/api/\(apiVersion)/auth"
        let username = username, password = password
        // Vault ends an idle session after its configured timeout (10-480 min, 20 by default).
        let cache = TokenCache(defaultLifetime: .seconds(15 * 60)) { context in
            let form = PercentEncoding.query([("username", username), ("password", password.reveal())])
            let request = HTTPRequest(method: .post, url: url, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                      body: Array(form.utf8))
            let response = try await context.http.send(request)
            return try Self.session(response, endpoint: Redaction.url(url), secrets: [password.reveal()])
        }
        return CachedBearerAuth(cache: cache, redactions: [password.reveal()], prefix: "")
    }

    /// The session id of an auth answer, or why there is none.
    static func session(_ response: HTTPResponse, endpoint: String, secrets: [String]) throws(PollError) -> IssuedToken {
        if response.status >= 500 || response.status == 429 || response.status == 408 {
            throw PollError.malformedBody("the auth endpoint answered HTTP \(response.status)", endpoint: endpoint)
        }
        let document = JSONDocument()
        guard let root = try? document.parse(response.body) else {
            throw PollError.malformedBody("the auth answer is not JSON (HTTP \(response.status))", endpoint: endpoint)
        }
        if root["responseStatus"]?.string == "SUCCESS", let session = root["sessionId"]?.string, !session.isEmpty {
            return IssuedToken(accessToken: Secret(session), expiresIn: nil)
        }
        let error = root["errors"]?[0]
        let type = error?["type"]?.string ?? "no error type"
        let message = error?["message"]?.string.map { Redaction.text($0, secrets: secrets) } ?? ""
        throw PollError.credential("Vault refused the username and password (\(type)\(message.isEmpty ? "" : ": " + message))", endpoint: endpoint)
    }

    struct AuditTrail: VendorAPI {
        var baseURL: String
        var apiVersion: String
        var type: String
        var sourceType: String { "veeva-vault" }
        var stream: String { type }
        var permissionHint: String { "the Vault user lacks the \"View Audit Trail\" permission or API access (Admin → Users & Groups → Security Profiles)" }
        var eventsPath: [String] { ["data"] }
        var idPath: [String] { ["id"] }
        var timePath: [String] { ["timestamp"] }
        var paging: Paging { .bodyURL(["responseDetails", "next_page"]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }  // order not documented: never relied on

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let query = PercentEncoding.query([("start_date", window.from.wholeSeconds.description), ("end_date", window.to.wholeSeconds.description),
                                               ("limit", String(pageSize))])
            return HTTPRequest(url: "\(baseURL)/api/\(apiVersion)/audittrail/\(type)?\(query)", headers: [("Accept", "application/json")])
        }

        func failureStatus(in response: HTTPResponse) -> Int? {
            // Only a body that says FAILURE near its start is parsed here; a page of events is not.
            let head = String(decoding: response.body.prefix(256), as: UTF8.self)
            guard head.contains("FAILURE") else { return nil }
            let document = JSONDocument()
            guard let root = try? document.parse(response.body), root["responseStatus"]?.string == "FAILURE" else { return nil }
            switch root["errors"]?[0]?["type"]?.string ?? "" {
            case "INVALID_SESSION_ID": return 401
            case "INSUFFICIENT_ACCESS", "PERMISSION_DENIED": return 403
            case "API_LIMIT_EXCEEDED": return 429
            default: return 400
            }
        }

        func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? {
            let document = JSONDocument()
            guard let root = try? document.parse(response.body), let error = root["errors"]?[0], let type = error["type"]?.string,
                  response.status != 403 else { return nil }
            return "Vault answered \(type)" + (error["message"]?.string.map { ": \($0.prefix(200))" } ?? "")
        }

        func rateLimitReport(_ response: HTTPResponse, now: Timestamp) -> RateLimitReport? {
            func number(_ name: String) -> Int? { response.header(name).flatMap { Int($0.trimmingASCIIWhitespace()) } }
            if number("x-vaultapi-dailylimitremaining") == 0 {
                // Nothing left today: wait for the next UTC day.
                let midnight = Timestamp(seconds: (now.microseconds / 1_000_000 / 86_400 + 1) * 86_400)
                return RateLimitReport(limit: max(1, number("x-vaultapi-dailylimit") ?? 1), remaining: 0, reset: midnight)
            }
            guard let limit = number("x-vaultapi-burstlimit"), let remaining = number("x-vaultapi-burstlimitremaining"), limit > 0 else { return nil }
            // The burst limit counts the calls of a rolling 5-minute window.
            return RateLimitReport(limit: limit, remaining: max(0, remaining), rollingWindow: .seconds(300))
        }
    }
}
