import Polling
import RelayCore

/// Box enterprise events: `GET {baseURL}/2.0/events?stream_type=admin_logs` (or
/// `admin_logs_streaming`).
///
/// - Auth: a Platform App with Client Credentials Grant, authorized by the enterprise admin, with
///   "Manage enterprise properties" (admin events); `POST {tokenURL}` with
///   `box_subject_type=enterprise` and `box_subject_id=<enterpriseID>`.
/// - `stream_position` from `next_stream_position`, kept verbatim as text (it exceeds 2^53, where a
///   double would change it); Box handing back the position it was asked with is "nothing more".
/// - `admin_logs` (chronological, but an event that arrives late is dated before positions already
///   handed out): time windows `created_after`/`created_before` with the usual lookback, each paged
///   by stream position from 0, so late events inside the lookback are read again and kept once.
/// - `admin_logs_streaming` (2 weeks of history, late events delivered after the head, at least
///   once): a resumable stream from its oldest position; its repeats are dropped by `event_id`.
/// - Rate limit: 429 with `Retry-After`.
/// Docs: https://developer.box.com/reference/get-events/, https://developer.box.com/guides/events/enterprise-events/for-enterprise/,
/// https://developer.box.com/guides/authentication/client-credentials/.
/// UNCONFIRMED: Box's retention for admin_logs (1 year assumed).
public struct BoxSource: PolledVendor {
    public static let defaults = VendorDefaults(baseURL: "https://api.box.com", retention: .seconds(365 * 86_400), pageSize: 500, requestsPerSecond: 2)
    public var settings: PollSettings
    var client: ClientCredentials
    var enterpriseID: String
    var streamType: String
    var tokenURL: String

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        client = ClientCredentials(section)
        enterpriseID = section.requiredString("enterpriseID")
        streamType = section.choice("streamType", ["admin_logs", "admin_logs_streaming"], default: "admin_logs")
        tokenURL = section.string("tokenURL", default: "\(settings.baseURL)/oauth2/token")
        if URLParts(tokenURL) == nil { section.report("tokenURL", "\(section.quoted("tokenURL")) is not an http(s) URL") }
    }

    public func streams() throws -> [any VendorAPI] { [Events(baseURL: settings.baseURL, streamType: streamType)] }

    public func authenticator() throws -> any Authenticator {
        let fetch = OAuth2.clientCredentials(tokenURL: tokenURL, clientID: client.id, authentication: .secretPost(client.secret),
                                             extraForm: [("box_subject_type", "enterprise"), ("box_subject_id", enterpriseID)])
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [client.secret.reveal()])
    }

    struct Events: VendorAPI {
        var baseURL: String
        var streamType: String
        var sourceType: String { "box" }
        var stream: String { streamType }
        var permissionHint: String {
            "the app cannot read enterprise events (a Client Credentials Grant app with \"Manage enterprise properties\", authorized in the Admin Console)"
        }
        var eventsPath: [String] { ["entries"] }
        var idPath: [String] { ["event_id"] }
        var timePath: [String] { ["created_at"] }
        var paging: Paging { .bodyToken([["next_stream_position"]], endsWhenRepeated: true) }
        var progress: StreamProgress { streamType == "admin_logs" ? .windows : .resumable }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("stream_type", streamType), ("limit", String(pageSize)), ("stream_position", pageToken ?? "0")]
            if streamType == "admin_logs" {
                items.append(("created_after", window.from.wholeSeconds.description))
                items.append(("created_before", window.to.wholeSeconds.description))
            }
            return HTTPRequest(url: "\(baseURL)/2.0/events?\(PercentEncoding.query(items))", headers: [("Accept", "application/json")])
        }
    }
}
