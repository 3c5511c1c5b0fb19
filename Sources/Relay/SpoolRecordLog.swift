import RelayCore
import Spool

/// The durable `RecordLog`: the pipeline's view of the on-disk `Spool`.
///
/// Appends are group commits (one page: records, cursor marker and dedupe ids, one fsync);
/// readers get slices of the spool's read buffer; `closeForAppends` lets sinks drain what is
/// left and then stop, which is what `--once` and a graceful shutdown need.
public final class SpoolRecordLog: RecordLog {
    public let spool: Spool
    /// Upper bound of payload bytes handed to a sink per read.
    private let maxReadBytes: Int

    public init(spool: Spool, maxReadBytes: Int = 8 << 20) {
        self.spool = spool
        self.maxReadBytes = maxReadBytes
    }

    public func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?, seen: (source: String, eventIDs: [String])?) async throws {
        try await spool.append(envelopes, cursor: cursor, seen: seen)
    }

    public func duplicates(source: String, eventIDs: [String]) async -> Set<String> {
        spool.duplicates(source: source, eventIDs: eventIDs)
    }

    public func committedCursor(source: String) async -> String? { spool.committedCursor(source: source) }

    public func read(sink: String, maxRecords: Int) async throws -> [LogEntry] {
        try await spool.read(sink: sink, maxRecords: maxRecords, maxBytes: maxReadBytes).map {
            LogEntry(sequence: $0.sequence, envelope: $0.payload)
        }
    }

    public func acknowledge(sink: String, sequences: [UInt64]) async { spool.acknowledge(sink: sink, sequences: sequences) }

    public func retry(sink: String, sequences: [UInt64]) async { spool.retry(sink: sink, sequences: sequences) }

    public func closeForAppends() async { spool.drain() }

    public func close() async { spool.close() }

    public func status() async -> RecordLogStatus {
        let stats = spool.stats
        return RecordLogStatus(
            records: Int(stats.records), bytes: Int(stats.bytes),
            oldestUnacknowledgedAge: stats.oldestUnacknowledgedAgeSeconds.map { .milliseconds(Int64($0 * 1000)) },
            writable: stats.failure == nil,
            corruptRecordsSkipped: Int(stats.corruptRecordsSkipped), truncatedBytes: Int(stats.truncatedBytes),
            droppedRecords: Int(stats.droppedRecords))
    }
}
