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

/// What a connector declares: its names, where events and their ids/times are in a page, how pages
/// chain, and how to build a request. Everything else (HTTP, auth refresh, retries, rate limits,
/// state, backfill, gaps, dedupe) is the `Poller`'s.
public protocol VendorAPI: Sendable {
    /// The record's `sourceType` (`kandji`) and the stream (`audit_events`).
    var sourceType: String { get }
    var stream: String { get }
    /// Completes "<sourceType>: …" when the API answers 401/403, naming what the person must grant:
    /// `the token lacks the "List audit events" permission`.
    var permissionHint: String { get }
    /// Object keys leading to the events array (`["results"]`).
    var eventsPath: [String] { get }
    /// The vendor's event id and event time inside one event.
    var idPath: [String] { get }
    var timePath: [String] { get }
    var paging: Paging { get }
    /// The request for a page of `window`: the first page when `pageToken` is nil. (For URL-style
    /// paging the kit requests later pages itself.)
    func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest
}
