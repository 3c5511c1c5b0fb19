import Polling
import RelayCore

/// Duo Admin API logs: `GET {baseURL}/admin/v2/logs/authentication`, `/admin/v1/logs/administrator`,
/// and optionally `/admin/v2/logs/telephony` and `/admin/v2/logs/activity`, each its own stream
/// with its own cursor, all sharing one request budget (Duo limits per account).
///
/// - Auth: every request signed with the integration's secret key (`DuoRequestSigner`, v2
///   HMAC-SHA1 by default, `signatureVersion: 5` for HMAC-SHA512); the integration needs the
///   "Grant read log" permission. 40103 (signature) and 40105 (timestamp) are explained with the
///   clock skew measured from Duo's `Date` header.
/// - Authentication/telephony/activity (v2): `mintime`/`maxtime` in ms (maxtime inclusive),
///   `limit` ≤ 1000, `sort=ts:asc`; `metadata.next_offset` (an array `[ms, txid]` for
///   authentication, a string `"ms,id"` for telephony/activity) sent back as `next_offset=a,b`.
/// - Administrator (v1): `mintime` in seconds, the 1,000 earliest events from it, no cursor: the
///   next request starts at the last event's second, and the repeated boundary events are
///   dropped as duplicates (administrator events have no id: their content hash is the id).
/// - Delay: "an intentional two minute delay in availability of new authentications": the last
///   2 minutes are never asked for (`lag` cannot be set below it).
/// - Rate limit: no headers; 429 (code 42901) backs off. Duo recommends requesting logs no more
///   than once per minute: 1 request per 2 s for the whole account, shared by the streams.
/// - Retention: 180 days (mintime "within the past 180 days").
/// Docs: https://duo.com/docs/adminapi#logs; signing checked against duo_client_python's and
/// duo_api_golang's test vectors. UNCONFIRMED: whether Duo sorts telephony/activity by
/// `ts:asc` when asked (we ask), and the code of "Missing request timestamp".
public struct DuoSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(180 * 86_400), lag: .seconds(120), pageSize: 1000, requestsPerSecond: 0.5, burst: 1)
    public static let streamNames = ["authentication", "administrator", "telephony", "activity"]

    public var settings: PollSettings
    var integrationKey: String
    var secretKey: Secret
    var streamsToRead: [String]
    var signatureVersion: DuoRequestSigner.Version

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        integrationKey = section.requiredString("integrationKey")
        secretKey = section.requiredSecret("secretKey")
        streamsToRead = section.has("streams") ? section.strings("streams") : ["authentication", "administrator"]
        for name in streamsToRead where !Self.streamNames.contains(name) {
            section.report("streams", "\"\(name)\" is not a Duo log (known: \(Self.streamNames.joined(separator: ", ")))")
        }
        if streamsToRead.isEmpty { section.report("streams", "name at least one log") }
        let version = section.integer("signatureVersion", default: 2, range: 2...5)
        signatureVersion = DuoRequestSigner.Version(rawValue: version) ?? .v2
        if DuoRequestSigner.Version(rawValue: version) == nil { section.report("signatureVersion", "must be 2 or 5") }
    }

    public func streams() throws -> [any VendorAPI] {
        streamsToRead.compactMap { name -> (any VendorAPI)? in
            switch name {
            case "authentication": return PagedLog(baseURL: settings.baseURL, stream: name, path: "/admin/v2/logs/authentication", eventsKey: "authlogs", idKey: "txid", timeKey: "isotimestamp")
            case "administrator": return AdministratorLog(baseURL: settings.baseURL)
            case "telephony": return PagedLog(baseURL: settings.baseURL, stream: name, path: "/admin/v2/logs/telephony", eventsKey: "items", idKey: "telephony_id", timeKey: "ts")
            case "activity": return PagedLog(baseURL: settings.baseURL, stream: name, path: "/admin/v2/logs/activity", eventsKey: "items", idKey: "activity_id", timeKey: "ts")
            default: return nil  // reported by init
            }
        }
    }

    public func authenticator() throws -> any Authenticator {
        DuoRequestSigner(integrationKey: integrationKey, secretKey: secretKey, version: signatureVersion)
    }

    static let permissionHint = "the Admin API application lacks the \"Grant read log\" permission (Duo Admin Panel → Applications → Admin API)"

    /// A v2 log: `mintime`/`maxtime` in ms, `limit`, `sort=ts:asc`, `next_offset`.
    struct PagedLog: VendorAPI {
        var baseURL: String
        var stream: String
        var path: String
        var eventsKey: String
        var idKey: String
        var timeKey: String
        var sourceType: String { "duo" }
        var permissionHint: String { DuoSource.permissionHint }
        var eventsPath: [String] { ["response", eventsKey] }
        var idPath: [String] { [idKey] }
        var timePath: [String] { [timeKey] }
        var paging: Paging { .bodyToken([["response", "metadata", "next_offset"]]) }
        var minimumLag: Duration { .seconds(120) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("limit", String(pageSize)), ("mintime", String(window.from.microseconds / 1000)),
                         ("maxtime", String(window.to.microseconds / 1000 - 1)), ("sort", "ts:asc")]
            if let pageToken { items.append(("next_offset", pageToken)) }
            return HTTPRequest(url: "\(baseURL)\(path)?\(DuoRequestSigner.canonicalParameters(items))", headers: [("Accept", "application/json")])
        }

        func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? { DuoSource.explain(response, now: now) }
    }

    /// The v1 administrator log: `mintime` in seconds, no maxtime, no cursor.
    struct AdministratorLog: VendorAPI {
        var baseURL: String
        var sourceType: String { "duo" }
        var stream: String { "administrator" }
        var permissionHint: String { DuoSource.permissionHint }
        var eventsPath: [String] { ["response"] }
        var idPath: [String] { [] }  // no id: the content hash identifies an event
        var timePath: [String] { ["timestamp"] }
        var paging: Paging { .lastEventTime }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let mintime = pageToken ?? String(window.from.microseconds / 1_000_000)
            return HTTPRequest(url: "\(baseURL)/admin/v1/logs/administrator?mintime=\(mintime)", headers: [("Accept", "application/json")])
        }

        func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? { DuoSource.explain(response, now: now) }
    }

    /// Duo's `{"stat":"FAIL","code":…,"message":…}` in plain words, for the codes a person can act on.
    static func explain(_ response: HTTPResponse, now: Timestamp) -> String? {
        let document = JSONDocument()
        guard let root = try? document.parse(response.body), let code = root["code"]?.int64 else { return nil }
        let message = root["message"]?.string.map { " \"\($0)\"" } ?? ""
        let skew = response.header("date").flatMap(HTTPDate.parse).map { server -> String in
            // `Date` has whole seconds and the answer took its time to arrive: a few seconds apart is agreement.
            let seconds = Int((now.secondsSinceEpoch - server.secondsSinceEpoch).rounded())
            return abs(seconds) <= 5 ? "this host's clock agrees with Duo's (Date header)"
                : "this host's clock is \(abs(seconds)) s \(seconds > 0 ? "ahead of" : "behind") Duo's (Date header)"
        } ?? "Duo sent no Date header to compare clocks with"
        switch code {
        case 40103:
            return "Duo rejected the request signature (\(code)\(message)): check integrationKey and secretKey belong to the same Admin API application; \(skew)"
        case 40104, 40105:
            return "Duo rejected the request's timestamp (\(code)\(message)): \(skew); fix the host's clock (NTP)"
        case 40102:
            return "Duo does not know this integration key (\(code)\(message)): check integrationKey and baseURL (the account's API hostname)"
        default:
            return nil
        }
    }
}
