#if canImport(Glibc)
import Glibc
#endif

/// A sealed segment trusted by its sidecar whose final cursor's batch failed verification: recovery starts
/// over and scans that segment record by record.
struct DistrustedSegment: Error {
    var segmentID: UInt64
    /// Repairs the abandoned pass already made on disk (torn tail cut, segments quarantined), still to count.
    var truncatedBytes: UInt64 = 0
    var quarantinedSegments: UInt64 = 0
}

extension SpoolRecovery {
    /// Applies a sealed segment's sidecar summary instead of scanning its records: exactly the effects the scan
    /// recorded when the summary was made. Returns false (nothing changed) when the sidecar is missing,
    /// corrupt, of another version, or stale (file size or start sequence differ).
    func recoverFromSidecar(id: UInt64, file: SpoolFile, size: UInt64, state: inout SpoolState,
                            replay: inout Replay, now: UInt64) throws -> Bool {
        let sidecarPath = directory + "/" + SegmentSummary.fileName(segmentID: id)
        guard let bytes = try? SpoolDirectory.readSmallFile(sidecarPath, limit: SegmentSummary.sizeLimit),
              let summary = try? SegmentSummary.decode(bytes, path: sidecarPath),
              summary.segmentID == id, summary.fileSize == size, summary.validSize <= size,
              // The summary was made scanning from the segment's own first sequence: only valid if this
              // recovery reaches the segment expecting at most that sequence (otherwise scan: stale records).
              replay.expected.map({ $0 <= summary.firstSequence }) ?? true
        else { return false }
        // The header is still read (one small read): an unreadable one means quarantine, as with a scan.
        var headerBytes = [UInt8](repeating: 0, count: SegmentHeader.size)
        let got = try headerBytes.withUnsafeMutableBytes {
            try file.read(into: $0.baseAddress.unsafelyUnwrapped, count: SegmentHeader.size, at: 0)
        }
        guard got == SegmentHeader.size, let header = headerBytes.withUnsafeBytes(SegmentHeader.parse),
              header.id == id, header.firstSequence == summary.firstSequence
        else { return false }
        let segment = Segment(id: id, path: file.path, file: file, firstSequence: summary.firstSequence,
                              size: UInt64(SegmentHeader.size))
        if let expected = replay.expected, summary.firstSequence > expected {
            noteLoss(expected...(summary.firstSequence - 1), replay: &replay)
        }
        replay.expected = summary.firstSequence
        commit(&replay, segment: segment, state: &state, now: now)  // the gap before this segment, if any

        segment.lastSequence = summary.lastSequence
        segment.index = summary.index
        segment.corruptRanges = summary.corruptRanges
        segment.size = summary.validSize
        segment.needsVerification = true
        segment.sidecarBytes = UInt64(bytes.count)
        for lost in summary.losses { state.holes.append(lost) }
        state.corruptRecordsSkipped += summary.corruptRecords
        state.corruptRegions += summary.corruptRegions
        for cursor in summary.cursors {
            state.cursors[cursor.source] = cursor.value
            segment.cursors[cursor.source] = cursor.value
            segment.cursorBatches[cursor.source] = cursor.batch
            replay.trustedCursors[cursor.source] = (segment, cursor.batch)
        }
        for group in summary.seen {
            var window = state.windows[group.source] ?? DedupeWindow()
            for entry in group.ids {
                window.insert(entry.id, timestampMillis: entry.timestampMillis, limits: configuration.dedupeWindow,
                              nowMillis: now)
            }
            state.windows[group.source] = window
        }
        replay.expected = summary.expectedAfter
        if summary.lastIntactData > 0 { replay.lastIntactData = summary.lastIntactData }
        replay.highestDamaged = max(replay.highestDamaged, summary.highestDamaged)
        replay.committed = (replay.expected, replay.lastIntactData, replay.highestDamaged)
        state.segments.append(segment)
        return true
    }

    /// A committed cursor must point at intact data. For every source whose final cursor came from a sidecar,
    /// CRC-check the records of that cursor's batch (one batch per source, not the segment); on damage throw
    /// `DistrustedSegment` so that recovery rescans the segment and falls back to an earlier intact cursor.
    func verifyTrustedCursors(_ trusted: [String: (segment: Segment, batch: Range<UInt64>)]) throws {
        for (_, entry) in trusted.sorted(by: { $0.value.segment.id < $1.value.segment.id }) {
            let batch = entry.batch
            guard batch.upperBound <= entry.segment.size, batch.lowerBound >= UInt64(SegmentHeader.size) else {
                throw DistrustedSegment(segmentID: entry.segment.id)
            }
            var scanner = SegmentScanner(file: entry.segment.file, fileSize: batch.upperBound,
                                         maxRecordBytes: configuration.maxRecordBytes,
                                         readBytes: Int(min(batch.count, 512 << 10)))
            let result = try scanner.scan(from: batch.lowerBound) { _, _, _ in }
            guard result.validEnd == batch.upperBound, result.corruptRanges.isEmpty, result.tailGarbage == nil else {
                throw DistrustedSegment(segmentID: entry.segment.id)
            }
        }
    }

    /// Scans one sealed segment on its own (read-only) and returns what recovery would take from it, for its
    /// sidecar; nil if its header is unreadable.
    func summarize(segmentID id: UInt64) throws -> SegmentSummary? {
        precondition(readOnly, "summaries are made without touching the segment")
        var state = SpoolState()
        var replay = Replay(expected: nil)
        let now = Clock.nowMillis()
        let path = directory + "/" + SegmentHeader.fileName(id: id)
        let fileSize = SpoolDirectory.fileSize(path)
        try recoverSegment(id: id, isLast: false, useSidecar: false, state: &state, replay: &replay, now: now)
        guard let segment = state.segments.last, let expectedAfter = replay.expected else { return nil }
        return SegmentSummary(
            segmentID: id, firstSequence: segment.firstSequence, fileSize: fileSize, validSize: segment.size,
            lastSequence: segment.lastSequence, expectedAfter: expectedAfter, lastIntactData: replay.lastIntactData,
            highestDamaged: replay.highestDamaged, corruptRecords: state.corruptRecordsSkipped,
            corruptRegions: state.corruptRegions, index: segment.index, corruptRanges: segment.corruptRanges,
            losses: state.holes,
            cursors: segment.cursors.sorted { $0.key < $1.key }.compactMap { source, value in
                segment.cursorBatches[source].map { SegmentSummary.CursorEntry(source: source, value: value, batch: $0) }
            },
            seen: state.windows.sorted { $0.key < $1.key }.map { source, window in
                SegmentSummary.SeenEntry(source: source, ids: window.entries.map {
                    SegmentSummary.DedupeEntry(id: $0.id, timestampMillis: $0.timestampMillis)
                })
            })
    }
}
