/// What to do when appending a batch would exceed `maxBytes`.
public enum SpoolFullPolicy: String, Sendable, Codable {
    /// Wait until sinks acknowledge enough records to free a segment (the default: polling pauses).
    case block
    /// Delete the oldest segments, acknowledged or not; every dropped record is counted.
    case dropOldest
}

/// How many vendor event ids per source the dedupe window remembers, and for how long.
public struct DedupeWindowLimits: Sendable, Equatable {
    /// Most ids remembered per source; the oldest is forgotten first.
    public var maxEntriesPerSource: Int
    /// Ids older than this (by the time they were recorded) are forgotten.
    public var maxAgeSeconds: Double
    /// Longest id kept; longer ids are truncated to this many UTF-8 bytes before hashing into the window.
    public static let maxIDBytes = 512

    public init(maxEntriesPerSource: Int = 100_000, maxAgeSeconds: Double = 7 * 24 * 3600) {
        self.maxEntriesPerSource = maxEntriesPerSource
        self.maxAgeSeconds = maxAgeSeconds
    }
}

/// What one `.dropOldest` deletion cost each sink: the records of the oldest segment it had not acknowledged.
public struct SpoolDrop: Sendable, Equatable {
    public struct SinkLoss: Sendable, Equatable {
        /// Records never handed to the sink: it can never receive them.
        public var undelivered: UInt64
        /// Records handed to the sink but not acknowledged (in flight, or failed and waiting for a retry):
        /// they may still have reached it, so they are dropped from the spool but not necessarily lost.
        public var inFlight: UInt64

        public init(undelivered: UInt64, inFlight: UInt64) {
            self.undelivered = undelivered
            self.inFlight = inFlight
        }
    }

    public var segmentID: UInt64
    /// The dropped segment's record sequences.
    public var sequences: ClosedRange<UInt64>
    /// Records no sink had acknowledged plus those only some had: what `Stats.droppedRecords` grew by.
    public var records: UInt64
    public var sinks: [String: SinkLoss]

    public init(segmentID: UInt64, sequences: ClosedRange<UInt64>, records: UInt64, sinks: [String: SinkLoss]) {
        self.segmentID = segmentID
        self.sequences = sequences
        self.records = records
        self.sinks = sinks
    }
}

extension Spool {
    /// Settings of one spool directory.
    public struct Configuration: Sendable {
        /// Directory holding the segments, `acks`, `state` and `LOCK`; created if missing.
        public var directory: String
        /// Hard cap on the bytes the spool keeps on disk, including the metadata files and the room
        /// reserved to rewrite them atomically.
        public var maxBytes: UInt64
        /// Segment size cap (default 64 MiB); lowered to `maxBytes` when larger.
        public var segmentBytes: UInt64
        /// Largest payload accepted (default 8 MiB); checked before any allocation, on append and on recovery.
        public var maxRecordBytes: Int
        /// Behaviour when the spool is full (default `.block`).
        public var fullPolicy: SpoolFullPolicy
        /// Names of the sinks that must each acknowledge a record before it may be deleted.
        public var sinks: [String]
        /// Bounds of the per-source dedupe window.
        public var dedupeWindow: DedupeWindowLimits
        /// Acknowledgement watermarks are persisted at most this often (and on `close`, and before a segment
        /// is deleted). Acks not yet persisted when the process dies cause re-delivery, never loss.
        public var ackPersistIntervalSeconds: Double
        /// Told about every `.dropOldest` deletion before the segment's file is removed, so the loss can be
        /// logged durably even if the process dies right after (the counter in `Stats` resets with it).
        public var onDrop: (@Sendable (SpoolDrop) -> Void)?

        /// - Parameters:
        ///   - directory: spool directory (created if missing).
        ///   - maxBytes: hard cap on disk usage including metadata.
        ///   - segmentBytes: segment size cap, default 64 MiB.
        ///   - maxRecordBytes: largest payload, default 8 MiB.
        ///   - fullPolicy: `.block` (default) or `.dropOldest`.
        ///   - sinks: sinks that must acknowledge every record; at least one.
        ///   - dedupeWindow: dedupe window bounds, default 100,000 ids and 7 days per source.
        ///   - ackPersistIntervalSeconds: how often acknowledgements are made durable, default 0.2 s.
        public init(directory: String, maxBytes: UInt64, segmentBytes: UInt64 = 64 << 20,
                    maxRecordBytes: Int = 8 << 20, fullPolicy: SpoolFullPolicy = .block, sinks: [String],
                    dedupeWindow: DedupeWindowLimits = DedupeWindowLimits(), ackPersistIntervalSeconds: Double = 0.2) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.segmentBytes = segmentBytes
            self.maxRecordBytes = maxRecordBytes
            self.fullPolicy = fullPolicy
            self.sinks = sinks
            self.dedupeWindow = dedupeWindow
            self.ackPersistIntervalSeconds = ackPersistIntervalSeconds
        }

        func validate() throws {
            guard !directory.isEmpty else { throw SpoolError.invalidConfiguration("directory is empty") }
            guard !sinks.isEmpty else { throw SpoolError.invalidConfiguration("at least one sink is required") }
            guard Set(sinks).count == sinks.count else {
                throw SpoolError.invalidConfiguration("sink names must be unique, got \(sinks)")
            }
            guard maxRecordBytes > 0, maxRecordBytes < Int(UInt32.max) - RecordHeader.size else {
                throw SpoolError.invalidConfiguration("maxRecordBytes \(maxRecordBytes) out of range")
            }
            guard maxBytes >= 64 << 10 else {
                throw SpoolError.invalidConfiguration("maxBytes \(maxBytes) is below the 64 KiB minimum")
            }
            guard segmentBytes >= 4096 else {
                throw SpoolError.invalidConfiguration("segmentBytes \(segmentBytes) is below the 4 KiB minimum")
            }
            guard dedupeWindow.maxEntriesPerSource >= 0, dedupeWindow.maxAgeSeconds >= 0 else {
                throw SpoolError.invalidConfiguration("dedupe window limits must not be negative")
            }
        }
    }
}
