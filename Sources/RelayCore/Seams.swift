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
    /// Whether the pipeline drops events whose eventID the source's dedupe window already holds
    /// (true for vendor APIs, whose lookback re-reads an overlap).
    var deduplicates: Bool { get }
    /// Whether pages come from local storage (a replayed file), so reading one can wait until the
    /// pipeline has a page workspace free: then memory holds one page per workspace rather than one
    /// per source. False for vendor APIs, whose fetch waits on the network and must not hold one.
    var readsPagesLocally: Bool { get }
}

extension AuditSource {
    public var deduplicates: Bool { true }
    public var readsPagesLocally: Bool { false }
}

/// A configured source: knows its identity and how to build the running source.
public protocol SourceDefinition: Sendable {
    var id: String { get }
    func makeSource() throws -> any AuditSource
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
    /// Appends one page worth of envelopes and, once they are durable, records `cursor` for `source`
    /// and adds `seen` to the source's dedupe window, all in one commit. Returns after it is durable.
    func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?, seen: (source: String, eventIDs: [String])?) async throws
    /// Which of `eventIDs` the source's persisted dedupe window already holds (a page fetched twice,
    /// an overlapping lookback): those records are not appended again.
    func duplicates(source: String, eventIDs: [String]) async -> Set<String>
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
    /// Depth, age and health, for metrics and readiness.
    func status() async -> RecordLogStatus
    /// Persists acknowledgements and releases the log; called once when the pipeline stops.
    func close() async
    /// The sequence of the last record appended so far (read after an `append` returns: at least
    /// that page's last record). Nil when the log does not number records durably.
    func appendedThrough() async -> UInt64?
    /// Every record through this sequence is acknowledged by every sink; nil like `appendedThrough`.
    func acknowledgedThrough() async -> UInt64?
}

/// What operators need to know about the record log: how much is waiting, how old the oldest
/// unacknowledged record is (a stuck sink shows here first), and whether appends still work.
public struct RecordLogStatus: Sendable, Equatable {
    public var records: Int
    public var bytes: Int
    /// Age of the oldest record some sink has not acknowledged; nil when everything is acknowledged.
    public var oldestUnacknowledgedAge: Duration?
    /// False after a write or fsync failure (disk full, I/O error): appends are refused.
    public var writable: Bool
    public var corruptRecordsSkipped: Int
    public var truncatedBytes: Int
    public var droppedRecords: Int
    /// Per sink: records it has not acknowledged and the age of the oldest (empty if the log cannot tell).
    public var sinkBacklogs: [String: SinkBacklog] = [:]

    public struct SinkBacklog: Sendable, Equatable {
        public var records: Int
        public var oldestAge: Duration?
        public init(records: Int, oldestAge: Duration?) {
            self.records = records
            self.oldestAge = oldestAge
        }
    }

    public init(records: Int, bytes: Int, oldestUnacknowledgedAge: Duration?, writable: Bool,
                corruptRecordsSkipped: Int = 0, truncatedBytes: Int = 0, droppedRecords: Int = 0) {
        self.records = records
        self.bytes = bytes
        self.oldestUnacknowledgedAge = oldestUnacknowledgedAge
        self.writable = writable
        self.corruptRecordsSkipped = corruptRecordsSkipped
        self.truncatedBytes = truncatedBytes
        self.droppedRecords = droppedRecords
    }
}

extension RecordLog {
    public func appendedThrough() async -> UInt64? { nil }
    public func acknowledgedThrough() async -> UInt64? { nil }

    public func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?) async throws {
        try await append(envelopes, cursor: cursor, seen: nil)
    }
}

/// One record in the log, with its sequence number.
public struct LogEntry: Sendable {
    public let sequence: UInt64
    /// A `RecordEnvelope`: a slice of the buffer the log read it into (no copy per record).
    public let envelope: ArraySlice<UInt8>

    public init(sequence: UInt64, envelope: ArraySlice<UInt8>) {
        self.sequence = sequence
        self.envelope = envelope
    }

    public init(sequence: UInt64, envelope: [UInt8]) {
        self.init(sequence: sequence, envelope: envelope[...])
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
