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

    /// A page larger than a segment can hold is appended in chunks: each chunk commits its records
    /// with their dedupe ids, and only the last one commits the cursor. A crash between chunks makes
    /// the source fetch the page again, and the dedupe window drops what was already committed. A
    /// failed chunk (a full disk) makes the pipeline append the same page again: the records earlier
    /// chunks committed are skipped then, or each retry would append them once more and a disk with
    /// room for one chunk only would never see the page's end.
    public func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?, seen: (source: String, eventIDs: [String])?) async throws {
        // Half of what a batch may take now (the rest is for the cursor and dedupe ids): the metadata
        // reserve grows with the dedupe windows, and on a small spool a chunk cut to half a segment
        // could no longer fit at all (found by the 20-minute chaos run: polling stopped for good).
        let budget = max(1, Int(spool.largestBatchBytes / 2))
        let total = envelopes.reduce(0) { $0 + $1.count + Self.frameOverhead }
        guard total > budget, envelopes.count > 1 else {
            try await spool.append(envelopes, cursor: cursor, seen: seen)
            return
        }
        let ids = seen.map { $0.eventIDs.count == envelopes.count ? $0.eventIDs : [] } ?? []
        var start = 0
        while start < envelopes.count {
            var end = start
            var bytes = 0
            while end < envelopes.count, end == start || bytes + envelopes[end].count + Self.frameOverhead <= budget {
                bytes += envelopes[end].count + Self.frameOverhead
                end += 1
            }
            let last = end == envelopes.count
            var chunk = Array(envelopes[start..<end])
            var chunkIDs = ids.isEmpty ? [] : Array(ids[start..<end])
            if let source = seen?.source, !chunkIDs.isEmpty {
                // The page's records were deduplicated before this call, so an id already in the window
                // was committed by an earlier attempt at this very page.
                let committed = spool.duplicates(source: source, eventIDs: chunkIDs)
                if !committed.isEmpty {
                    let keep = chunkIDs.indices.filter { !committed.contains(chunkIDs[$0]) }
                    chunk = keep.map { chunk[$0] }
                    chunkIDs = keep.map { chunkIDs[$0] }
                }
            }
            start = end
            if chunk.isEmpty && !last { continue }
            let chunkSeen = seen.map { (source: $0.source, eventIDs: ids.isEmpty ? (last ? $0.eventIDs : []) : chunkIDs) }
            try await spool.append(chunk, cursor: last ? cursor : nil, seen: chunkSeen)
        }
    }

    /// Bytes the spool adds per record (header and CRC), rounded up.
    static let frameOverhead = 64

    public func duplicates(source: String, eventIDs: [String]) async -> Set<String> {
        spool.duplicates(source: source, eventIDs: eventIDs)
    }

    public func committedCursor(source: String) async -> String? { spool.committedCursor(source: source) }

    public func appendedThrough() async -> UInt64? { spool.lastSequence }

    public func acknowledgedThrough() async -> UInt64? { spool.acknowledgedThrough }

    public func read(sink: String, maxRecords: Int) async throws -> [LogEntry] {
        try await spool.read(sink: sink, maxRecords: maxRecords, maxBytes: maxReadBytes).map {
            LogEntry(sequence: $0.sequence, envelope: $0.payload)
        }
    }

    /// A due ledger write or segment deletion fsyncs: on the spool's bookkeeping thread that never
    /// holds up a cooperative thread (the sinks, the pollers, `/healthz`).
    public func acknowledge(sink: String, sequences: [UInt64]) async {
        await SpoolThread.bookkeeping.run { [spool] in spool.acknowledge(sink: sink, sequences: sequences) }
    }

    public func retry(sink: String, sequences: [UInt64]) async { spool.retry(sink: sink, sequences: sequences) }

    public func closeForAppends() async { spool.drain() }

    public func close() async {
        await SpoolThread.bookkeeping.run { [spool] in spool.close() }
    }

    public func status() async -> RecordLogStatus {
        let stats = spool.stats
        var status = RecordLogStatus(
            records: Int(stats.records), bytes: Int(stats.bytes),
            oldestUnacknowledgedAge: stats.oldestUnacknowledgedAgeSeconds.map { .milliseconds(Int64($0 * 1000)) },
            writable: stats.failure == nil,
            corruptRecordsSkipped: Int(stats.corruptRecordsSkipped), truncatedBytes: Int(stats.truncatedBytes),
            droppedRecords: Int(stats.droppedRecords))
        status.sinkBacklogs = stats.sinkBacklogs.mapValues {
            RecordLogStatus.SinkBacklog(records: Int($0.records), oldestAge: $0.oldestAgeSeconds.map { .milliseconds(Int64($0 * 1000)) })
        }
        return status
    }
}
