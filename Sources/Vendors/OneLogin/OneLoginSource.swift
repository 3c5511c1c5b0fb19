import Foundation
import Polling
import RelayCore

/// OneLogin Events API: `GET {baseURL}/api/1/events`.
///
/// - Auth: OAuth 2.0 client credentials at `POST /auth/oauth2/v2/token` (JSON body
///   `{"grant_type":"client_credentials"}`, credentials in `Authorization: client_id:<id>,
///   client_secret:<secret>`); the token (10 hours) goes out as `Authorization: bearer:<token>`.
///   The API credential needs "Read All" or "Manage All" (Developers → API Credentials).
/// - Window: `since`/`until` (ISO 8601); paging by `pagination.after_cursor` sent back as
///   `after_cursor` with the same window; `limit` 50, the largest OneLogin's own example uses
///   ("Max limit (default value)"). The order of events within a window is
///   not documented, so a window's progress moves only once all its pages are committed and a
///   rejected cursor restarts the window.
/// - Event type names: `GET /api/1/events/types` (fetched before the first page and daily) names
///   the `event_type_id`s our catalogue does not know, so new types get a readable eventName.
/// - Rate limit: `X-RateLimit-Limit/-Remaining/-Reset` (reset in seconds from now, per hour).
/// Docs: https://developers.onelogin.com/api-docs/2/oauth20-tokens/generate-tokens-2,
/// https://developers.onelogin.com/api-docs/1/events/get-events,
/// https://developers.onelogin.com/api-docs/1/events/event-types,
/// https://developers.onelogin.com/api-docs/2/getting-started/rate-limits. UNCONFIRMED: the
/// events' order, whether a `limit` above 50 is accepted, how long events are kept (90 days assumed), the error for
/// an expired `after_cursor` (any 400 on a cursor is taken as one).
public struct OneLoginSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(90 * 86_400), pageSize: 50, requestsPerSecond: 2)
    public var settings: PollSettings
    var client: ClientCredentials

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        client = ClientCredentials(section)
    }

    public func streams() throws -> [any VendorAPI] { [Events(baseURL: settings.baseURL)] }

    public func authenticator() throws -> any Authenticator {
        let tokenURL = "\(settings.baseURL)/auth/oauth2/v2/token"
        let clientID = client.id, secret = client.secret
        let cache = TokenCache(defaultLifetime: .seconds(36_000)) { context in
            let request = HTTPRequest(method: .post, url: tokenURL, headers: [
                ("Content-Type", "application/json"), ("Accept", "application/json"),
                ("Authorization", "client_id:\(clientID), client_secret:\(secret.reveal())"),
            ], body: JSONBody.object([("grant_type", "client_credentials")]))
            let response = try await context.http.send(request)
            return try TokenResponse.bearer(response, endpoint: tokenURL, tokenPath: ["access_token"], secrets: [secret.reveal()])
        }
        return CachedBearerAuth(cache: cache, redactions: [secret.reveal()], prefix: "bearer:")
    }

    struct Events: VendorAPI {
        var baseURL: String
        var sourceType: String { "onelogin" }
        var stream: String { "events" }
        var permissionHint: String { "the API credential cannot read events (it needs \"Read All\" or \"Manage All\": Developers → API Credentials)" }
        var eventsPath: [String] { ["data"] }
        var idPath: [String] { ["id"] }
        var timePath: [String] { ["created_at"] }
        var paging: Paging { .bodyToken([["pagination", "after_cursor"]]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("since", window.from.description), ("until", window.to.description), ("limit", String(pageSize))]
            if let pageToken { items.append(("after_cursor", pageToken)) }
            return HTTPRequest(url: "\(baseURL)/api/1/events?\(PercentEncoding.query(items))", headers: [("Accept", "application/json")])
        }

        var referenceData: ReferenceData? {
            ReferenceData(request: HTTPRequest(url: "\(baseURL)/api/1/events/types", headers: [("Accept", "application/json")]),
                          refreshEvery: .seconds(86_400)) { body in try OneLoginEventTypes.shared.load(body) }
        }
    }
}

/// Event-type names from `/api/1/events/types`, for the ids `OneLoginCatalogue` does not list.
/// One table for the process: OneLogin's type ids are the same in every account.
final class OneLoginEventTypes: @unchecked Sendable {
    static let shared = OneLoginEventTypes()
    private let lock = NSLock()
    private var names: [Int64: String] = [:]

    func name(_ id: Int64) -> String? { lock.withLock { names[id] } }

    /// Reads `{"data":[{"id":…,"name":…},…]}`.
    func load(_ body: [UInt8]) throws {
        let document = JSONDocument()
        guard let root = try? document.parse(body), let list = root["data"], list.kind == .array else {
            throw PollError.malformedBody("the event types list has no data array", endpoint: "/api/1/events/types")
        }
        var loaded: [Int64: String] = [:]
        for type in list.elements {
            if let id = type["id"]?.int64, let name = type["name"]?.string, !name.isEmpty { loaded[id] = name }
        }
        lock.withLock { names.merge(loaded) { $1 } }
    }
}
