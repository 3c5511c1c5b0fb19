/// The protocols between the pipeline stages: sources -> normalize -> enrich -> record log -> sinks.
/// Everything moves in batches (one API page, one spool read) so no stage pays a task hop, a
/// lock or an allocation per event.

/// One page of raw vendor events, exactly as received.
public struct RawPage: Sendable {
    public var sourceType: String
    public var stream: String
    /// The page's bytes; each event is a range in it (the event's exact bytes become `rawLog`).
    public var body: [UInt8]
    public var events: [Range<Int>]
    /// The cursor to commit once this page's records are durable; nil when nothing changes.
    public var cursor: String?
    public var receivedAt: Timestamp

    public init(sourceType: String, stream: String, body: [UInt8], events: [Range<Int>], cursor: String?, receivedAt: Timestamp = .now()) {
        self.sourceType = sourceType
        self.stream = stream
        self.body = body
        self.events = events
        self.cursor = cursor
        self.receivedAt = receivedAt
    }
}

/// Stage 1: where raw events come from.
public protocol AuditSource: Sendable {
    /// The configured source id (unique in a config).
    var id: String { get }
    /// How long to wait between poll cycles once caught up.
    var interval: Duration { get }
    /// The next page after `cursor` (nil: start according to the source's backfill setting),
    /// or nil when the source is caught up for this cycle.
    /// - Throws: on errors the pipeline reports and retries with backoff; the cursor is not moved.
    func nextPage(after cursor: String?) async throws -> RawPage?
}

/// What a source's error can tell the pipeline about retrying it: how long a retry is pointless
/// (a rate limit's reset, the slow retry after a permission error), and whether a person must act
/// first (then a `--once` run stops at once instead of retrying).
public protocol RetryAdvice: Error {
    var retryAfter: Duration? { get }
    var needsOperator: Bool { get }
}

/// Stage 2: one vendor's events -> normalized records. Never fails: what it cannot read stays at
/// its zero value, and `rawLog` always keeps the original.
public protocol Normalizer: Sendable {
    /// Kebab-case vendor name, e.g. `okta`.
    var sourceType: String { get }
    /// The streams this vendor has (e.g. `system_log`); the first is the default.
    var streams: [String] { get }
    /// Fills the vendor-specific columns of `record` (eventTime, eventName, eventID, srcIP, actor, …).
    func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord)
}

/// Stage 3: adds context to records in place.
public protocol Enricher: Sendable {
    func enrich(_ records: inout [AuditRecord])
}

/// Stage 4: the durable hand-off between the pollers and the sinks (the spool, or a bounded
/// in-memory log in tests). Appends suspend while the log is full: that is the backpressure that
/// slows polling down when a sink is slow.
public protocol RecordLog: Sendable {
    /// Appends one page worth of envelopes and, once they are durable, records `cursor` for `source`.
    /// Returns after both are durable.
    func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?) async throws
    /// The last committed cursor of `source`.
    func committedCursor(source: String) async -> String?
    /// Up to `maxRecords` entries `sink` has not yet been given; waits for some. Returns [] once the
    /// log is closed and everything given out.
    func read(sink: String, maxRecords: Int) async throws -> [LogEntry]
    /// Marks entries as persisted by `sink`'s peer. Only acknowledged entries may ever be deleted.
    func acknowledge(sink: String, sequences: [UInt64]) async
    /// Gives entries back for redelivery after a failed attempt.
    func retry(sink: String, sequences: [UInt64]) async
    /// No more appends; readers drain what is there and then see [].
    func closeForAppends() async
}

/// One record in the log, with its sequence number.
public struct LogEntry: Sendable {
    public let sequence: UInt64
    /// A `RecordEnvelope`.
    public let envelope: [UInt8]

    public init(sequence: UInt64, envelope: [UInt8]) {
        self.sequence = sequence
        self.envelope = envelope
    }
}

/// Stage 5: where records go.
public protocol RecordSink: Sendable {
    /// A name unique among the configured sinks (used for acknowledgement watermarks and metrics).
    var name: String { get }
    /// Delivers `entries` and returns the sequences the peer positively acknowledged. Entries not
    /// returned are retried later; throwing means none were acknowledged.
    func deliver(_ entries: [LogEntry]) async throws -> [UInt64]
    /// Flushes and closes; called once when the pipeline stops.
    func close() async throws
    /// How many `deliver` calls may run at once. Peers that pipeline well (Kafka) set this above 1
    /// so a batch's round trip does not idle the link; acknowledgements may then arrive out of order.
    var maxConcurrentDeliveries: Int { get }
}

extension RecordSink {
    public var maxConcurrentDeliveries: Int { 1 }
}
