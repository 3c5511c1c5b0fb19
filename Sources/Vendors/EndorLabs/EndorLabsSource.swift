import Polling
import RelayCore

/// Endor Labs audit logs: `GET {baseURL}/v1/namespaces/{namespace}/audit-logs`.
///
/// - Auth: `POST /v1/auth/api-key` with `{"key","secret"}` returns `{"token"}`, sent as `Bearer`.
///   The token's lifetime is not published: it is renewed hourly and after any 401.
/// - Paging: `list.response.next_page_id` (preferred, → `list_parameters.page_id`) or
///   `next_page_token` (an integer, → `list_parameters.page_token`).
/// - Window: `list_parameters.filter` on `meta.create_time`, sorted ascending by it.
/// - Rate limit: 429 with `Retry-After` (seconds or HTTP date); numbers not published.
/// - Backfill: none by default (the seed's "no past records unless a start time is given").
/// Docs: https://docs.endorlabs.com/rest-api/
public struct EndorLabsSource: PolledVendor {
    public static let defaults = VendorDefaults(baseURL: "https://api.endorlabs.com", backfill: .none, retention: .seconds(90 * 86_400), pageSize: 500, requestsPerSecond: 5, burst: 10)
    public var settings: PollSettings
    var namespace: String
    var apiKey: Secret
    var apiSecret: Secret

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        namespace = section.requiredString("namespace")
        if namespace.contains("/") || namespace.contains("?") { section.report("namespace", "\(section.quoted("namespace")) is not a namespace name") }
        apiKey = section.requiredSecret("apiKey")
        apiSecret = section.requiredSecret("apiSecret")
    }

    public func streams() throws -> [any VendorAPI] { [API(baseURL: settings.baseURL, namespace: namespace)] }

    public func authenticator() throws -> any Authenticator {
        let tokenURL = "\(settings.baseURL)/v1/auth/api-key"
        let key = apiKey, secret = apiSecret
        let cache = TokenCache(defaultLifetime: .seconds(3600)) { context in
            let body = JSONBody.object([("key", .string(key.reveal())), ("secret", .string(secret.reveal()))])
            let request = HTTPRequest(method: .post, url: tokenURL, headers: [("Content-Type", "application/json")], body: body)
            let response = try await context.http.send(request)
            return try TokenResponse.bearer(response, endpoint: tokenURL, tokenPath: ["token"], secrets: [key.reveal(), secret.reveal()])
        }
        return CachedBearerAuth(cache: cache, redactions: [key.reveal(), secret.reveal()])
    }

    public struct API: VendorAPI {
        public var baseURL: String
        public var namespace: String
        public var sourceType: String { "endor-labs" }
        public var stream: String { "audit_logs" }
        public var permissionHint: String { "the API key lacks permission to read audit logs in this namespace (or has expired)" }
        public var eventsPath: [String] { ["list", "objects"] }
        public var idPath: [String] { ["uuid"] }
        public var timePath: [String] { ["meta", "create_time"] }
        public var paging: Paging { .bodyToken([["list", "response", "next_page_id"], ["list", "response", "next_page_token"]]) }

        public func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [
                ("list_parameters.filter", "meta.create_time >= date(\(window.from)) and meta.create_time < date(\(window.to))"),
                ("list_parameters.sort.path", "meta.create_time"), ("list_parameters.sort.order", "SORT_ENTRY_ORDER_ASC"),
                ("list_parameters.page_size", String(pageSize)),
            ]
            if let pageToken {
                // next_page_token is an integer; next_page_id is the uuid of the last object.
                items.append((pageToken.allSatisfy(\.isNumber) ? "list_parameters.page_token" : "list_parameters.page_id", pageToken))
            }
            let path = "/v1/namespaces/\(PercentEncoding.encode(namespace))/audit-logs"
            return HTTPRequest(url: "\(baseURL)\(path)?\(PercentEncoding.query(items))", headers: [("Accept", "application/json")])
        }
    }
}
