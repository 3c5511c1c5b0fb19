import RelayCore

/// The time window a poll asks the vendor for: [from, to), whole seconds.
public struct PollWindow: Sendable, Equatable {
    public var from: Timestamp
    public var to: Timestamp

    public init(from: Timestamp, to: Timestamp) {
        self.from = from
        self.to = to
    }
}

/// How a stream moves forward.
public enum StreamProgress: Sendable, Equatable {
    /// Bounded time windows [since − lookback, now − lag), each paged to its end. `newestFirst`
    /// vendors (PingOne, Slack, Google) answer a window from its newest event down: progress
    /// (`since`) moves only once every page of the window is committed, and a restarted window
    /// starts again from its beginning.
    case windows(order: EventOrder)
    /// A long-lived vendor position (Okta's polling `next` link, Box's `stream_position`): the
    /// first request starts at `since`, later ones resume at the stored position; a cycle ends
    /// on a short page or when the vendor hands back the position it was asked for.
    case resumable

    public static let windows = StreamProgress.windows(order: .ascending)
}

public enum EventOrder: Sendable, Equatable {
    case ascending
    case newestFirst
}

/// What a connector declares about one stream: its names, where events and their ids/times are
/// in a page, how pages chain, and how to build a request. Everything else (HTTP, auth refresh,
/// retries, rate limits, cursor state, backfill, gaps) is the `Poller`'s. A source with several
/// streams (Duo's authentication and administrator logs) gives one `VendorAPI` per stream.
public protocol VendorAPI: Sendable {
    /// The record's `sourceType` (`kandji`) and the stream (`audit_events`).
    var sourceType: String { get }
    var stream: String { get }
    /// Completes "<sourceType>: …" when the API answers 401/403, naming what the person must grant:
    /// `the token lacks the "List audit events" permission`.
    var permissionHint: String { get }
    /// Object keys leading to the events array (`["results"]`; `[]` when the body is the array).
    var eventsPath: [String] { get }
    /// The vendor's event id and event time inside one event.
    var idPath: [String] { get }
    var timePath: [String] { get }
    var paging: Paging { get }
    /// Windows (the default, ascending) or a resumable vendor position.
    var progress: StreamProgress { get }
    /// The vendor's own settle time: `lag` is never set below it (Duo: never ask for the last 2 minutes).
    var minimumLag: Duration { get }
    /// How long the vendor keeps this stream's events when it differs from the source's
    /// `retention` (GitHub keeps Git events 7 days, the rest 180).
    var retention: Duration? { get }
    /// The longest window one request may span, for vendors that cap the rows a window can page
    /// through (Workday: 10,000 per `instancesReturned`); a backfill then goes window by window.
    var maximumWindow: Duration? { get }
    /// The request for a page of `window`: the first page when `pageToken` is nil. (For URL-style
    /// paging the kit requests later pages itself.)
    func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest
    /// Whether this error answer to a request that carried a stored page token or position means
    /// the vendor no longer accepts that token (expired, unknown). Default: 400, 404 and 410.
    func rejectsCursor(_ response: HTTPResponse) -> Bool
    /// The vendor's report of its rate limit in a response, if it sends one. Default: the
    /// `X-Rate-Limit-*` (Okta) and `X-RateLimit-*` (GitHub, OneLogin, ServiceNow) headers.
    func rateLimitReport(_ response: HTTPResponse, now: Timestamp) -> RateLimitReport?
    /// A plain-words explanation of a 4xx answer the kit cannot fix, when the vendor says more
    /// than the status (Duo's signature and clock errors). Nil keeps the kit's wording.
    func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String?
    /// Data the stream needs besides its events (OneLogin's event-type names), if any.
    var referenceData: ReferenceData? { get }
    /// The HTTP status a 2xx or 4xx answer's body stands for when the vendor reports failures in
    /// the body (Veeva Vault: `"responseStatus":"FAILURE"` with `INVALID_SESSION_ID` is a 401;
    /// Snowflake: a 422 with code 002003, a view the role cannot see, is a 403). Nil: the answer
    /// is what its status says.
    func failureStatus(in response: HTTPResponse) -> Int?
    /// Whether an error answer means this stream does not exist for this tenant (Salesforce's
    /// `INVALID_TYPE` for an object the org is not licensed for): the stream is reported once and
    /// left alone until the next start, instead of failing the source forever. Nil: it does not.
    func unavailableStream(_ response: HTTPResponse) -> String?
    /// A 2xx answer that is not the API's (an HTML login, maintenance or hibernation page), in
    /// plain words; nil: the answer is read as the API's. Default: any `text/html` answer.
    func explainNonAPIAnswer(_ response: HTTPResponse) -> String?
    /// Set for list-then-fetch streams (Microsoft 365's JSON blobs, Salesforce's EventLogFile
    /// CSVs): the pages list documents of events, see `ContentListing`. `idPath`/`timePath` then
    /// describe the events inside the documents (for CSV, a column name each).
    var contents: ContentListing? { get }
    /// A request the vendor needs before the stream can be read (Microsoft's subscription start).
    var setup: StreamSetup? { get }
    /// Set for vendors whose page takes several requests (Snowflake's SQL API); nil: one request, one page.
    var pageExchange: PageExchange? { get }
}

/// A page that takes several requests: Snowflake's SQL API answers a statement with 202 and a
/// handle to poll, then serves the result in partitions. `run` gets the page's request and a
/// `send` that carries the source's credentials, budget, retries and error classification (any
/// 2xx answer with a JSON body comes back, 202 included; one that is not JSON is retried), and returns the page as one response the kit reads like
/// any other (events at `eventsPath`, paging, ids and times).
public struct PageExchange: Sendable {
    public typealias Send = @Sendable (HTTPRequest) async throws -> HTTPResponse
    public var run: @Sendable (HTTPRequest, Send) async throws -> HTTPResponse

    public init(run: @escaping @Sendable (HTTPRequest, Send) async throws -> HTTPResponse) { self.run = run }
}

/// Reference data a stream needs besides its events: fetched with the source's credentials and
/// budget before the stream's first page and again every `refreshEvery`. A failed fetch is logged
/// and tried again after `retryAfterFailure`; it never holds the events back.
public struct ReferenceData: Sendable {
    public var request: HTTPRequest
    public var refreshEvery: Duration
    public var retryAfterFailure: Duration
    /// Takes the fetched body (throws when it is not what was expected).
    public var apply: @Sendable ([UInt8]) throws -> Void

    public init(request: HTTPRequest, refreshEvery: Duration, retryAfterFailure: Duration = .seconds(300), apply: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.request = request
        self.refreshEvery = refreshEvery
        self.retryAfterFailure = retryAfterFailure
        self.apply = apply
    }
}

extension VendorAPI {
    public var progress: StreamProgress { .windows }
    public var minimumLag: Duration { .zero }
    public var maximumWindow: Duration? { nil }
    public var retention: Duration? { nil }

    public func rejectsCursor(_ response: HTTPResponse) -> Bool {
        [400, 404, 410].contains(response.status)
    }

    public func rateLimitReport(_ response: HTTPResponse, now: Timestamp) -> RateLimitReport? {
        RateLimitReport.standardHeaders(response, now: now)
    }

    public func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? { nil }
    public var referenceData: ReferenceData? { nil }
    public func failureStatus(in response: HTTPResponse) -> Int? { nil }
    public func unavailableStream(_ response: HTTPResponse) -> String? { nil }

    public func explainNonAPIAnswer(_ response: HTTPResponse) -> String? {
        guard response.header("content-type")?.lowercased().hasPrefix("text/html") == true else { return nil }
        return "answered with an HTML page instead of its API (a login, maintenance or proxy page): check the source's URL"
    }

    public var contents: ContentListing? { nil }
    public var setup: StreamSetup? { nil }
    public var pageExchange: PageExchange? { nil }
}
