#if canImport(Glibc)
import Glibc
#endif

/// Rebuilds the spool's state from disk at start: streaming, bounded memory (one scan buffer plus a sparse
/// index), idempotent (a crash during recovery only repeats it), and never fatal on damaged data:
/// - a torn tail of the last segment is truncated to the last valid record (counted in `truncatedBytes`);
/// - a damaged record between valid ones is skipped (its data sequences become holes counted in
///   `corruptRecordsSkipped`);
/// - a segment whose header is unreadable is renamed `*.quarantined` and left for an operator.
/// A cursor marker counts only if every data record of its batch was read intact.
struct SpoolRecovery {
    let configuration: Spool.Configuration
    /// Inspect without changing anything on disk (for `auditrelay spool inspect` next to a running spool).
    let readOnly: Bool

    var directory: String { configuration.directory }

    func run() throws -> SpoolState {
        var distrusted: Set<UInt64> = []
        var earlier = (truncatedBytes: UInt64(0), quarantinedSegments: UInt64(0))
        while true {
            do {
                var state = try run(distrusting: distrusted)
                // Repairs an abandoned pass already made on disk are not seen again: keep their counts.
                state.truncatedBytes += earlier.truncatedBytes
                state.quarantinedSegments += earlier.quarantinedSegments
                return state
            } catch let distrust as DistrustedSegment {
                // Start over scanning that segment record by record (recovery is idempotent).
                guard distrusted.insert(distrust.segmentID).inserted else { throw SpoolError.io("recover", path: directory, errno: EIO) }
                earlier.truncatedBytes += distrust.truncatedBytes
                earlier.quarantinedSegments += distrust.quarantinedSegments
            }
        }
    }

    private func run(distrusting distrusted: Set<UInt64>) throws -> SpoolState {
        var state = SpoolState()
        let names = try SpoolDirectory.list(directory)
        if !readOnly {
            for name in names where name.hasSuffix(".tmp") { unlink(directory + "/" + name) }
        }
        let sidecars = Set(names.compactMap(SegmentSummary.segmentID(fromFileName:)))
        let ledger = loadMetadata(AckLedger.fileName, into: &state, decode: AckLedger.decode)
        let snapshot = loadMetadata(StateSnapshot.fileName, into: &state, decode: StateSnapshot.decode)
        state.metadataFileBytes = SpoolDirectory.fileSize(directory + "/" + AckLedger.fileName)
            + SpoolDirectory.fileSize(directory + "/" + StateSnapshot.fileName)
            + SpoolDirectory.fileSize(directory + "/" + Spool.stateReserveFileName)

        let now = Clock.nowMillis()
        if let snapshot {
            state.snapshotCoveredThrough = snapshot.coveredThroughSegment
            for (source, saved) in snapshot.sources {
                if let cursor = saved.cursor { state.snapshotCursors[source] = cursor }
                var window = DedupeWindow()
                for entry in saved.ids {
                    window.insert(entry.id, timestampMillis: entry.timestampMillis, limits: configuration.dedupeWindow,
                                  nowMillis: now)
                }
                state.windows[source] = window
            }
            state.cursors = state.snapshotCursors
        }
        let ids = names.compactMap(SegmentHeader.id(fromFileName:)).sorted()
        if !readOnly {
            // Deleted logically (their content is in `state`) but the unlink did not happen before a crash.
            for id in ids where id <= state.snapshotCoveredThrough { unlink(directory + "/" + SegmentHeader.fileName(id: id)) }
        }
        let live = ids.filter { $0 > state.snapshotCoveredThrough }
        var replay = Replay(expected: snapshot?.nextSequence)
        if !readOnly {
            // A sidecar of a deleted segment, or of the active one (which will grow), is never trusted: remove it.
            for id in sidecars where !live.dropLast().contains(id) {
                unlink(directory + "/" + SegmentSummary.fileName(segmentID: id))
            }
        }
        for (position, id) in live.enumerated() {
            let isLast = position == live.count - 1
            let trusted = !isLast && sidecars.contains(id) && !distrusted.contains(id)
            try recoverSegment(id: id, isLast: isLast, useSidecar: trusted, state: &state, replay: &replay, now: now)
        }
        do {
            try verifyTrustedCursors(replay.trustedCursors)
        } catch var distrust as DistrustedSegment {
            distrust.truncatedBytes = readOnly ? 0 : state.truncatedBytes
            distrust.quarantinedSegments = readOnly ? 0 : state.quarantinedSegments
            throw distrust
        }
        state.nextSequence = max(1, snapshot?.nextSequence ?? 1, ledger?.nextSequence ?? 1,
                                 replay.expected ?? 1)
        if let dataEnd = replay.expected, state.nextSequence > dataEnd {
            // The metadata saw sequences the segments no longer hold (damaged tail): never reuse them, since a
            // sink may have acknowledged them, and let every sink skip them.
            state.holes.append(dataEnd...(state.nextSequence - 1))
        }
        // Quarantined segments keep their ids out of reuse too.
        let quarantined = names.filter { $0.hasSuffix(".quarantined") }
            .compactMap { SegmentHeader.id(fromFileName: String($0.dropLast(".quarantined".count))) }
        state.nextSegmentID = max(state.snapshotCoveredThrough, ids.last ?? 0, quarantined.max() ?? 0) + 1
        let firstLive = state.segments.first?.firstSequence ?? state.nextSequence
        for sink in configuration.sinks {
            var watermark = ledger?.watermarks[sink] ?? 0
            watermark = min(max(watermark, firstLive - 1), state.lastSequence)
            var sinkState = SinkState(watermark: watermark)
            sinkState.advance(holes: state.holes)
            state.sinks[sink] = sinkState
        }
        return state
    }

    /// Scan position carried across segments.
    struct Replay {
        /// Next data sequence expected; nil until the first segment header or the snapshot sets it.
        var expected: UInt64?
        var lastIntactData: UInt64 = 0
        /// Highest data sequence known lost: a cursor whose batch starts at or below it is not intact.
        var highestDamaged: UInt64 = 0
        /// Effects of the batch being read, applied only when its last record (`endsBatch`) is seen, so a batch
        /// torn by a crash mid-write disappears entirely instead of leaving records the caller never got back.
        var pending = PendingBatch()
        /// `expected` / `lastIntactData` / `highestDamaged` as of the last complete batch.
        var committed: (expected: UInt64?, lastIntactData: UInt64, highestDamaged: UInt64) = (nil, 0, 0)
        /// Offset of the first record of the pending batch in the current segment.
        var pendingStart: UInt64?
        /// End offset of the last record seen in the current segment.
        var pendingEnd: UInt64 = 0
        /// Sources whose current cursor came from a sidecar summary, with the batch to verify.
        var trustedCursors: [String: (segment: Segment, batch: Range<UInt64>)] = [:]
    }

    struct PendingBatch {
        var lastSequence: UInt64?
        var index: [SegmentIndexEntry] = []
        var losses: [ClosedRange<UInt64>] = []
        var staleRanges: [Range<UInt64>] = []
        var cursors: [(source: String, value: String)] = []
        var seen: [(source: String, ids: [String], timestampMillis: UInt64)] = []
        var isEmpty: Bool { lastSequence == nil && losses.isEmpty && cursors.isEmpty && seen.isEmpty && staleRanges.isEmpty }
    }

    /// Applies the pending batch to the segment and state.
    func commit(_ replay: inout Replay, segment: Segment, state: inout SpoolState, now: UInt64) {
        let pending = replay.pending
        if let last = pending.lastSequence { segment.lastSequence = last }
        for entry in pending.index {
            segment.noteBatch(firstSequence: entry.sequence, offset: entry.offset, timestampMillis: entry.timestampMillis)
        }
        for lost in pending.losses {
            state.holes.append(lost)
            state.corruptRecordsSkipped += UInt64(lost.count)
        }
        segment.corruptRanges.append(contentsOf: pending.staleRanges)
        state.corruptRegions += UInt64(pending.staleRanges.count)
        for cursor in pending.cursors {
            state.cursors[cursor.source] = cursor.value
            segment.cursors[cursor.source] = cursor.value
            segment.cursorBatches[cursor.source] = (replay.pendingStart ?? replay.pendingEnd)..<replay.pendingEnd
            replay.trustedCursors[cursor.source] = nil
        }
        for seen in pending.seen {
            var window = state.windows[seen.source] ?? DedupeWindow()
            for id in seen.ids {
                window.insert(id, timestampMillis: seen.timestampMillis, limits: configuration.dedupeWindow, nowMillis: now)
            }
            state.windows[seen.source] = window
        }
        replay.pending = PendingBatch()
        replay.pendingStart = nil
        replay.committed = (replay.expected, replay.lastIntactData, replay.highestDamaged)
    }

    private func loadMetadata<T>(_ name: String, into state: inout SpoolState,
                                 decode: ([UInt8], String) throws -> T) -> T? {
        let path = directory + "/" + name
        do {
            guard let bytes = try SpoolDirectory.readSmallFile(path, limit: 1 << 30) else { return nil }
            return try decode(bytes, path)
        } catch {
            state.metadataErrors += 1  // a hint only: fall back to the segments
            return nil
        }
    }

    func recoverSegment(id: UInt64, isLast: Bool, useSidecar: Bool, state: inout SpoolState, replay: inout Replay,
                        now: UInt64) throws {
        let path = directory + "/" + SegmentHeader.fileName(id: id)
        let file = try SpoolFile.open(path, flags: isLast && !readOnly ? O_RDWR : O_RDONLY)
        let size = try file.size
        if useSidecar {
            if try recoverFromSidecar(id: id, file: file, size: size, state: &state, replay: &replay, now: now) { return }
            // Missing, corrupt or stale: scan, and let the sealer write a fresh one.
            if !readOnly { unlink(directory + "/" + SegmentSummary.fileName(segmentID: id)) }
        }
        var headerBytes = [UInt8](repeating: 0, count: SegmentHeader.size)
        let got = try headerBytes.withUnsafeMutableBytes {
            try file.read(into: $0.baseAddress.unsafelyUnwrapped, count: SegmentHeader.size, at: 0)
        }
        let header = got == SegmentHeader.size ? headerBytes.withUnsafeBytes(SegmentHeader.parse) : nil
        guard let header, header.id == id else {
            if isLast && size < UInt64(SegmentHeader.size + RecordHeader.size) {
                // Created by an append that never returned: the header and first batch go out in one write.
                state.truncatedBytes += size
                if !readOnly { unlink(path) }
            } else {
                state.quarantinedSegments += 1
                if !readOnly { rename(path, path + ".quarantined") }
            }
            return
        }
        let segment = Segment(id: id, path: path, file: file, firstSequence: header.firstSequence,
                              size: UInt64(SegmentHeader.size))
        if let expected = replay.expected, header.firstSequence > expected {
            noteLoss(expected...(header.firstSequence - 1), replay: &replay)
        }
        if replay.expected == nil || header.firstSequence > replay.expected ?? 0 { replay.expected = header.firstSequence }
        commit(&replay, segment: segment, state: &state, now: now)  // the gap before this segment, if any

        var scanner = SegmentScanner(file: file, fileSize: size, maxRecordBytes: configuration.maxRecordBytes)
        let result = try scanner.scan(from: UInt64(SegmentHeader.size)) { record, payload, offset in
            try self.apply(record, payload: payload, offset: offset, segment: segment, state: &state,
                           replay: &replay, now: now)
        }
        segment.corruptRanges.append(contentsOf: result.corruptRanges)
        state.corruptRegions += UInt64(result.corruptRanges.count)
        var validEnd = result.validEnd
        var tailGarbage = result.tailGarbage
        if isLast && !replay.pending.isEmpty {
            // The last batch never completed (its append did not return): drop all of it.
            let cut = replay.pendingStart ?? validEnd
            tailGarbage = cut..<size
            validEnd = cut
            replay.pending = PendingBatch()
            (replay.expected, replay.lastIntactData, replay.highestDamaged) = replay.committed
            segment.corruptRanges.removeAll { $0.lowerBound >= cut }
        } else {
            commit(&replay, segment: segment, state: &state, now: now)
        }
        segment.size = validEnd
        if let tail = tailGarbage {
            if isLast {
                state.truncatedBytes += UInt64(tail.count)
                if !readOnly {
                    try file.truncate(to: tail.lowerBound)
                    try file.sync()
                }
            } else {
                // A sealed segment keeps its bytes (and its size in the accounting); readers skip the range.
                segment.corruptRanges.append(tail)
                segment.size = size
                state.corruptRegions += 1
            }
        }
        state.segments.append(segment)
    }

    func noteLoss(_ lost: ClosedRange<UInt64>, replay: inout Replay) {
        replay.pending.losses.append(lost)
        replay.highestDamaged = max(replay.highestDamaged, lost.upperBound)
    }

    private func apply(_ record: RecordHeader, payload: UnsafeRawBufferPointer, offset: UInt64, segment: Segment,
                       state: inout SpoolState, replay: inout Replay, now: UInt64) throws {
        if replay.pendingStart == nil { replay.pendingStart = offset }
        replay.pendingEnd = offset + UInt64(record.frameSize)
        switch record.kind {
        case .data:
            let expected = replay.expected ?? record.sequence
            if record.sequence < expected {
                // Valid CRC but a sequence already seen: stale bytes, never delivered twice.
                replay.pending.staleRanges.append(offset..<(offset + UInt64(record.frameSize)))
                break
            }
            if record.sequence > expected { noteLoss(expected...(record.sequence - 1), replay: &replay) }
            replay.pending.lastSequence = record.sequence
            replay.pending.index.append(SegmentIndexEntry(sequence: record.sequence, offset: offset,
                                                          timestampMillis: record.timestampMillis))
            replay.expected = record.sequence + 1
            replay.lastIntactData = record.sequence
        case .cursorMarker, .dedupe:
            // Metadata records carry the last data sequence written before them: data up to there existed.
            if let expected = replay.expected, record.sequence >= expected {
                noteLoss(expected...record.sequence, replay: &replay)
                replay.expected = record.sequence + 1
            }
            applyMetadata(record, payload: payload, replay: &replay)
        }
        if record.endsBatch { commit(&replay, segment: segment, state: &state, now: now) }
    }

    private func applyMetadata(_ record: RecordHeader, payload: UnsafeRawBufferPointer, replay: inout Replay) {
        switch record.kind {
        case .data:
            break
        case .cursorMarker:
            guard let marker = MetadataPayload.decodeCursor(payload) else { return }
            let intact = marker.batchCount == 0
                || (replay.highestDamaged < marker.batchFirst
                    && replay.lastIntactData == marker.batchFirst + UInt64(marker.batchCount) - 1)
            if intact { replay.pending.cursors.append((marker.source, marker.value)) }
        case .dedupe:
            guard let dedupe = MetadataPayload.decodeDedupe(payload) else { return }
            replay.pending.seen.append((dedupe.source, dedupe.ids, record.timestampMillis))
        }
    }
}
