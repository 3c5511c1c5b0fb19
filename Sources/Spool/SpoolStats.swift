/// Point-in-time counters for metrics and readiness.
public struct SpoolStats: Sendable {
    /// Data records not yet acknowledged by every sink.
    public var records: UInt64
    /// Bytes on disk: segments plus metadata files.
    public var bytes: UInt64
    public var maxBytes: UInt64
    /// Age of the oldest record some sink has not acknowledged (approximate: time of its batch), nil if none.
    public var oldestUnacknowledgedAgeSeconds: Double?
    /// Data records lost to corruption (skipped at recovery or on read), counted once each.
    public var corruptRecordsSkipped: UInt64
    /// Damaged byte ranges found between valid records.
    public var corruptRegions: UInt64
    /// Bytes of torn tails cut off at recovery.
    public var truncatedBytes: UInt64
    /// Records deleted undelivered by `.dropOldest`.
    public var droppedRecords: UInt64
    /// Segments renamed `*.quarantined` because their header was unreadable.
    public var quarantinedSegments: UInt64
    /// `acks`/`state` files that were unreadable at start or could not be written.
    public var metadataErrors: UInt64
    /// Duration of the last append's write + fsync.
    public var lastFsyncSeconds: Double
    /// Seconds an append has been waiting for space (`.block`), nil when not blocked.
    public var blockedSeconds: Double?
    /// Why appends are refused, nil while healthy. Readiness should fail while set.
    public var failure: String?
    public var lastSequence: UInt64
    /// Free space of the file system holding the spool. Below `maxBytes - bytes`, the disk will fill before the
    /// cap: appends then fail with `diskFull` instead of blocking (readiness should warn).
    public var filesystemAvailableBytes: UInt64?
    /// Per sink: the records it has not acknowledged and the age of the oldest of them.
    public var sinkBacklogs: [String: Backlog] = [:]

    public struct Backlog: Sendable, Equatable {
        public var records: UInt64
        public var oldestAgeSeconds: Double?
    }
}

/// Per-segment and per-sink state, for `auditrelay spool inspect`.
public struct SpoolInspection: Sendable, CustomStringConvertible {
    public struct SegmentInfo: Sendable {
        public var id: UInt64
        public var path: String
        public var firstSequence: UInt64
        public var lastSequence: UInt64
        public var bytes: UInt64
        public var corruptRanges: Int
        /// Recovered from its `.idx` sidecar summary (records not yet verified by a scan; reads still check CRCs).
        public var fromSidecar: Bool
        /// Bytes of its `.idx` sidecar (also counted in `usedBytes`), 0 if none.
        public var sidecarBytes: UInt64
        /// Sinks whose watermark is past this segment's last record.
        public var acknowledgedBy: [String]
    }

    public struct SinkInfo: Sendable {
        public var name: String
        public var watermark: UInt64
        public var persistedWatermark: UInt64
        public var acknowledgedAboveWatermark: Int
        public var nextRead: UInt64
        public var pendingRetries: Int
    }

    public var directory: String
    public var segments: [SegmentInfo]
    public var sinks: [SinkInfo]
    public var cursors: [String: String]
    public var dedupeWindowSizes: [String: Int]
    public var holes: [ClosedRange<UInt64>]
    public var nextSequence: UInt64
    public var usedBytes: UInt64
    public var maxBytes: UInt64
    public var failure: String?

    init(state: SpoolState, configuration: Spool.Configuration) {
        directory = configuration.directory
        segments = state.segments.map { segment in
            SegmentInfo(id: segment.id, path: segment.path, firstSequence: segment.firstSequence,
                        lastSequence: segment.lastSequence, bytes: segment.size,
                        corruptRanges: segment.corruptRanges.count, fromSidecar: segment.needsVerification,
                        sidecarBytes: segment.sidecarBytes,
                        acknowledgedBy: state.sinks.filter { $0.value.watermark >= segment.lastSequence }.keys.sorted())
        }
        sinks = state.sinks.sorted { $0.key < $1.key }.map { name, sink in
            SinkInfo(name: name, watermark: sink.watermark, persistedWatermark: sink.persistedWatermark,
                     acknowledgedAboveWatermark: sink.ackedAbove.count, nextRead: sink.nextRead,
                     pendingRetries: sink.retry.count)
        }
        cursors = state.cursors
        dedupeWindowSizes = state.windows.mapValues(\.count)
        holes = state.holes
        nextSequence = state.nextSequence
        usedBytes = state.dataBytes + state.metadataFileBytes
        maxBytes = configuration.maxBytes
        failure = state.failure?.message
    }

    public var description: String {
        var lines = ["spool \(directory): \(usedBytes) of \(maxBytes) bytes, next sequence \(nextSequence)"]
        if let failure { lines.append("failed: \(failure)") }
        for segment in segments {
            let acked = segment.acknowledgedBy.isEmpty ? "-" : segment.acknowledgedBy.joined(separator: ",")
            lines.append("segment \(segment.id) sequences \(segment.firstSequence)...\(segment.lastSequence) "
                + "bytes \(segment.bytes) corrupt-ranges \(segment.corruptRanges) acknowledged-by \(acked) "
                + "sidecar \(segment.sidecarBytes > 0 ? "\(segment.sidecarBytes) bytes" : "none")"
                + (segment.fromSidecar ? " (recovered from sidecar)" : ""))
        }
        for sink in sinks {
            lines.append("sink \(sink.name) watermark \(sink.watermark) (persisted \(sink.persistedWatermark)) "
                + "next-read \(sink.nextRead) acked-out-of-order \(sink.acknowledgedAboveWatermark) retries \(sink.pendingRetries)")
        }
        for (source, cursor) in cursors.sorted(by: { $0.key < $1.key }) {
            lines.append("cursor \(source) = \(cursor.count) chars, dedupe ids \(dedupeWindowSizes[source] ?? 0)")
        }
        for hole in holes { lines.append("lost sequences \(hole.lowerBound)...\(hole.upperBound)") }
        return lines.joined(separator: "\n")
    }
}

extension Spool {
    public var stats: SpoolStats {
        let now = Clock.nowMillis()
        // statvfs outside the lock: on a struggling file system it can be as slow as the disk.
        let available = SpoolDirectory.availableBytes(configuration.directory)
        return state.withLock { state in
            // The records above `floor` (an acknowledgement watermark) and the age of the first.
            func backlog(above floor: UInt64) -> SpoolStats.Backlog {
                var records = state.lastSequence > floor ? state.lastSequence - floor : 0
                for hole in state.holes {
                    let low = max(hole.lowerBound, floor + 1)
                    let high = min(hole.upperBound, state.lastSequence)
                    if low <= high { records -= min(records, high - low + 1) }
                }
                var age: Double?
                if records > 0, let index = state.segmentIndex(containing: floor + 1),
                   let time = state.segments[index].scanStart(for: floor + 1).timestampMillis {
                    age = now > time ? Double(now - time) / 1000 : 0
                }
                return SpoolStats.Backlog(records: records, oldestAgeSeconds: age)
            }
            let all = backlog(above: state.minWatermark)
            let records = all.records, age = all.oldestAgeSeconds
            return SpoolStats(
                records: records, bytes: state.dataBytes + state.metadataFileBytes, maxBytes: configuration.maxBytes,
                oldestUnacknowledgedAgeSeconds: age, corruptRecordsSkipped: state.corruptRecordsSkipped,
                corruptRegions: state.corruptRegions, truncatedBytes: state.truncatedBytes,
                droppedRecords: state.droppedRecords, quarantinedSegments: state.quarantinedSegments,
                metadataErrors: state.metadataErrors, lastFsyncSeconds: state.lastFsyncSeconds,
                blockedSeconds: state.blockedSince.map { Clock.monotonicSeconds() - $0 },
                failure: state.failure?.message, lastSequence: state.lastSequence,
                filesystemAvailableBytes: available,
                sinkBacklogs: state.sinks.mapValues { sink in
                    var part = backlog(above: sink.watermark)
                    part.records -= min(part.records, UInt64(sink.ackedAbove.count))  // acknowledged out of order
                    return part
                })
        }
    }

    /// Per-segment and per-sink state of this (open) spool.
    public func inspect() -> SpoolInspection {
        state.withLock { SpoolInspection(state: $0, configuration: configuration) }
    }
}
