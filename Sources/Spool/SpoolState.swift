/// Delivery progress of one sink.
struct SinkState {
    /// Every sequence <= watermark is acknowledged (or was dropped / lost to corruption).
    var watermark: UInt64
    /// Acknowledged out of order, all > watermark.
    var ackedAbove: Set<UInt64> = []
    /// Handed back with `retry`; delivered again before new records.
    var retry: Set<UInt64> = []
    /// Next sequence never handed out.
    var nextRead: UInt64
    /// Where `nextRead` sits on disk, so sequential reads need no index lookup.
    var readHint: (segmentID: UInt64, offset: UInt64)?
    var persistedWatermark: UInt64

    init(watermark: UInt64) {
        self.watermark = watermark
        self.nextRead = watermark + 1
        self.persistedWatermark = watermark
    }

    /// Moves the watermark over the contiguous acknowledged prefix, jumping over holes.
    mutating func advance(holes: [ClosedRange<UInt64>]) {
        while true {
            let next = watermark + 1
            if ackedAbove.remove(next) != nil {
                watermark = next
            } else if let hole = holes.first(where: { $0.contains(next) }) {
                watermark = hole.upperBound
            } else {
                break
            }
        }
        if nextRead <= watermark { nextRead = watermark + 1; readHint = nil }
    }

    /// Treats everything <= `sequence` as gone (dropped or deleted).
    mutating func forget(through sequence: UInt64, holes: [ClosedRange<UInt64>]) {
        guard sequence > watermark else { return }
        watermark = sequence
        ackedAbove = ackedAbove.filter { $0 > sequence }
        retry = retry.filter { $0 > sequence }
        advance(holes: holes)
    }
}

/// Everything about the spool that changes, guarded by one lock that is never held during file I/O.
struct SpoolState {
    var segments: [Segment] = []
    var nextSequence: UInt64 = 1
    var nextSegmentID: UInt64 = 1
    var sinks: [String: SinkState] = [:]
    /// Sequences lost to corruption; every sink treats them as acknowledged.
    var holes: [ClosedRange<UInt64>] = []
    /// Latest intact cursor per source.
    var cursors: [String: String] = [:]
    /// Cursors carried by the `state` file (from deleted segments) and the last segment it covers.
    var snapshotCursors: [String: String] = [:]
    var snapshotCoveredThrough: UInt64 = 0
    var windows: [String: DedupeWindow] = [:]
    var metadataFileBytes: UInt64 = 0

    var corruptRecordsSkipped: UInt64 = 0
    var corruptRegions: UInt64 = 0
    var truncatedBytes: UInt64 = 0
    var droppedRecords: UInt64 = 0
    var quarantinedSegments: UInt64 = 0
    var metadataErrors: UInt64 = 0
    var lastFsyncSeconds: Double = 0
    var lastAckPersistTime: Double = 0

    var closed = false
    var failure: SpoolError?
    var blockedSince: Double?
    var dataGeneration: UInt64 = 0
    /// Set by `drain()`: readers get what is left, then `[]` instead of waiting for more.
    var draining = false
    var spaceGeneration: UInt64 = 0
    var nextWaiterID: UInt64 = 0
    var spaceWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    var dataWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]

    var dataBytes: UInt64 { segments.reduce(0) { $0 + $1.size + $1.sidecarBytes } }
    var lastSequence: UInt64 { nextSequence - 1 }
    var minWatermark: UInt64 { sinks.values.map(\.watermark).min() ?? lastSequence }

    /// Bytes kept free for rewriting `acks` and `state` atomically (old file plus temporary copy).
    func metadataReserve(sinkNames: [String]) -> UInt64 {
        var state = 8 + 8 + 8 + 4 + 4
        for (source, window) in windows {
            state += 2 + source.utf8.count + 1 + 4 + (cursors[source]?.utf8.count ?? 0) + 4 + window.encodedBytes
        }
        for (source, cursor) in cursors where windows[source] == nil {
            state += 2 + source.utf8.count + 1 + 4 + cursor.utf8.count + 4
        }
        return UInt64(2 * AckLedger.encodedSize(sinks: sinkNames) + 2 * state)
    }

    mutating func addHole(_ range: ClosedRange<UInt64>) {
        if holes.contains(where: { $0.overlaps(range) }) { return }
        holes.append(range)
        holes.sort { $0.lowerBound < $1.lowerBound }
        for name in sinks.keys { sinks[name]?.advance(holes: holes) }
    }

    /// The segment holding data sequence `sequence`, if it is still on disk.
    func segmentIndex(containing sequence: UInt64) -> Int? {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].lastSequence < sequence {
                low = middle + 1
            } else {
                high = middle
            }
        }
        while low < segments.count, segments[low].dataRecords == 0 { low += 1 }
        guard low < segments.count, segments[low].firstSequence <= sequence, sequence <= segments[low].lastSequence
        else { return nil }
        return low
    }

    /// Takes every registered waiter so the caller can resume them outside the lock.
    mutating func takeSpaceWaiters() -> [CheckedContinuation<Void, Never>] {
        defer { spaceWaiters.removeAll() }
        return Array(spaceWaiters.values)
    }

    mutating func takeDataWaiters() -> [CheckedContinuation<Void, Never>] {
        defer { dataWaiters.removeAll() }
        return Array(dataWaiters.values)
    }
}
