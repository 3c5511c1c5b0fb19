#if canImport(Glibc)
import Glibc
#endif

extension Spool {
    /// Writes `.idx` sidecars (SegmentSummary.swift) for these sealed segments on a background task, after any
    /// earlier ones. Losing one (crash, disk full, close) only means that segment is scanned at the next start.
    func scheduleSidecars(_ segmentIDs: [UInt64]) {
        guard !segmentIDs.isEmpty else { return }
        sealer.withLock { previous in
            let prior = previous
            previous = Task.detached(priority: .utility) { [self] in
                await prior?.value
                await SpoolThread.bookkeeping.run { [self] in
                    for id in segmentIDs { writeSidecar(segmentID: id) }
                }
            }
        }
    }

    /// Waits until every sidecar scheduled so far is written (or given up). For tests and benchmarks.
    public func waitForSidecars() async {
        let task = sealer.withLock { $0 }
        await task?.value
    }

    /// Summarises one sealed segment by scanning it with the recovery code (so the summary holds exactly what a
    /// recovery scan would find), then writes the sidecar atomically if it fits within `maxBytes`.
    private func writeSidecar(segmentID id: UInt64) {
        func sealed(_ state: SpoolState) -> Segment? {
            guard !state.closed else { return nil }
            return state.segments.dropLast().first { $0.id == id && $0.sidecarBytes == 0 }
        }
        guard state.withLock({ sealed($0) }) != nil,
              let summary = try? SpoolRecovery(configuration: configuration, readOnly: true).summarize(segmentID: id)
        else { return }
        let bytes = summary.encoded()
        let path = configuration.directory + "/" + SegmentSummary.fileName(segmentID: id)
        meta.withLock { _ in  // serialised with segment deletion
            let reserved = state.withLock { state -> Segment? in
                guard let segment = sealed(state),
                      state.dataBytes + state.metadataReserve(sinkNames: configuration.sinks) + UInt64(bytes.count)
                        <= configuration.maxBytes
                else { return nil }
                segment.sidecarBytes = UInt64(bytes.count)
                return segment
            }
            guard let segment = reserved else { return }
            do {
                try SpoolDirectory.writeAtomically(bytes, to: path, directory: configuration.directory)
            } catch {
                unlink(path)
                unlink(path + ".tmp")
                let waiters = state.withLock { state in
                    segment.sidecarBytes = 0
                    state.spaceGeneration += 1
                    return state.takeSpaceWaiters()
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    /// First read of a damaged record in a segment recovered from its sidecar: scan the whole segment as
    /// recovery would, so readers skip exactly the damaged ranges (not the rest of the segment) and the lost
    /// sequences become holes counted once in `corruptRecordsSkipped` and `corruptRegions`.
    func verify(_ segment: Segment) throws {
        let (last, end) = state.withLock { _ in (segment.lastSequence, segment.size) }
        var scanner = SegmentScanner(file: segment.file, fileSize: end, maxRecordBytes: configuration.maxRecordBytes)
        var expected = segment.firstSequence
        var lost: [ClosedRange<UInt64>] = []
        var stale: [Range<UInt64>] = []
        let result = try scanner.scan(from: UInt64(SegmentHeader.size)) { header, _, offset in
            guard header.kind == .data else { return }
            if header.sequence < expected || header.sequence > last {
                stale.append(offset..<(offset + UInt64(header.frameSize)))
                return
            }
            if header.sequence > expected { lost.append(expected...(header.sequence - 1)) }
            expected = header.sequence + 1
        }
        if expected <= last { lost.append(expected...last) }
        var ranges = result.corruptRanges + stale
        if let tail = result.tailGarbage { ranges.append(tail) }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        state.withLock { state in
            guard segment.needsVerification else { return }
            segment.needsVerification = false
            state.corruptRegions += UInt64(max(0, ranges.count - segment.corruptRanges.count))
            segment.corruptRanges = ranges
            for range in lost {
                // Only the parts not already known lost are new.
                var next = range.lowerBound
                for hole in state.holes.sorted(by: { $0.lowerBound < $1.lowerBound }) where hole.upperBound >= next {
                    if hole.lowerBound > range.upperBound { break }
                    if hole.lowerBound > next {
                        state.corruptRecordsSkipped += hole.lowerBound - next
                        state.addHole(next...(hole.lowerBound - 1))
                    }
                    if hole.upperBound >= range.upperBound { next = range.upperBound &+ 1; break }
                    next = hole.upperBound + 1
                }
                if next <= range.upperBound && next != 0 {
                    state.corruptRecordsSkipped += range.upperBound - next + 1
                    state.addHole(next...range.upperBound)
                }
            }
        }
    }
}
