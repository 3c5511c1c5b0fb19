/// One record handed to a sink. `payload` is a slice of the buffer the record was read into with a single
/// `pread` (no further copy); it keeps that buffer alive while referenced.
public struct SpoolEntry: Sendable {
    public let sequence: UInt64
    public let payload: ArraySlice<UInt8>
}

extension Spool {
    /// Records for `sink` that are not acknowledged and not currently handed out: first those given back with
    /// `retry`, then new ones in sequence order. Suspends until at least one exists; returns `[]` once closed.
    ///
    /// One reader task per sink: records returned here are "in flight" until acknowledged or retried.
    /// - Parameters:
    ///   - maxRecords: most records returned (at least 1 is returned when any is available).
    ///   - maxBytes: payload bytes returned, exceeded only by a single record larger than it.
    /// - Throws: `SpoolError` `invalidConfiguration` for an unknown sink, `io` if a segment cannot be read,
    ///   `CancellationError` while waiting.
    public func read(sink: String, maxRecords: Int, maxBytes: Int) async throws -> [SpoolEntry] {
        guard configuration.sinks.contains(sink) else {
            throw SpoolError.invalidConfiguration("unknown sink \(sink), configured sinks are \(configuration.sinks)")
        }
        while true {
            let (generation, closed, draining) = state.withLock { ($0.dataGeneration, $0.closed, $0.draining) }
            if closed { return [] }
            let entries = try await SpoolThread.reads.run { [self] in
                try collect(sink: sink, maxRecords: max(1, maxRecords), maxBytes: max(1, maxBytes))
            }
            if !entries.isEmpty || draining { return entries }
            await waitForData(generation: generation)  // returns at once if anything was appended since
            try Task.checkCancellation()
        }
    }

    /// Like `read`, but returns `[]` at once instead of waiting when nothing is available.
    public func readAvailable(sink: String, maxRecords: Int, maxBytes: Int) throws -> [SpoolEntry] {
        guard configuration.sinks.contains(sink) else {
            throw SpoolError.invalidConfiguration("unknown sink \(sink), configured sinks are \(configuration.sinks)")
        }
        return try collect(sink: sink, maxRecords: max(1, maxRecords), maxBytes: max(1, maxBytes))
    }

    /// Fills one result across segments (retries first, then new records) up to the limits.
    private func collect(sink: String, maxRecords: Int, maxBytes: Int) throws -> [SpoolEntry] {
        var all: [SpoolEntry] = []
        var bytes = 0
        while all.count < maxRecords && bytes < maxBytes {
            guard case .entries(let entries) = try nextEntries(sink: sink, maxRecords: maxRecords - all.count,
                                                               maxBytes: maxBytes - bytes, strictBytes: !all.isEmpty)
            else { break }
            all.append(contentsOf: entries)
            bytes += entries.reduce(0) { $0 + $1.payload.count }
        }
        return all
    }

    private enum ReadOutcome {
        case entries([SpoolEntry])
        case empty(generation: UInt64)
        case closed
    }

    private struct ReadPlan {
        var segment: Segment
        var offset: UInt64
        /// Committed length and last sequence, captured under the lock (appends change them concurrently).
        var end: UInt64
        var lastSequence: UInt64 = 0
        var corruptRanges: [Range<UInt64>] = []
        /// Sequences wanted: `nil` means everything from `from` on (sequential), otherwise only these (retry).
        var wanted: Set<UInt64>?
        var from: UInt64
    }

    /// One chunk of one segment. With `strictBytes` even the first record must fit in `maxBytes`.
    private func nextEntries(sink: String, maxRecords: Int, maxBytes: Int, strictBytes: Bool) throws -> ReadOutcome {
        while true {
            let planned = state.withLock { state -> Result<ReadPlan, ReadStop> in makePlan(sink: sink, state: &state) }
            let plan: ReadPlan
            switch planned {
            case .success(let value): plan = value
            case .failure(.closed): return .closed
            case .failure(.empty(let generation)): return .empty(generation: generation)
            case .failure(.again): continue
            }
            let (entries, endOffset, lostSequences, scannedThrough) = try load(plan, maxRecords: maxRecords, maxBytes: maxBytes,
                                                                               strictBytes: strictBytes)
            if !lostSequences.isEmpty && state.withLock({ _ in plan.segment.needsVerification }) {
                // Damage in a segment recovered from its sidecar (never scanned since): scan it now, as
                // recovery would have, then read again past exactly the damaged ranges.
                try verify(plan.segment)
                continue
            }
            let accepted = state.withLock { state -> Bool in
                for sequence in lostSequences where !state.holes.contains(where: { $0.contains(sequence) }) {
                    state.corruptRecordsSkipped += 1
                    state.addHole(sequence...sequence)
                }
                guard var sinkState = state.sinks[sink] else { return false }
                if let wanted = plan.wanted {
                    // Retries in the scanned range were either returned now or are gone (acknowledged, lost).
                    for sequence in wanted where sequence <= scannedThrough { sinkState.retry.remove(sequence) }
                    for entry in entries { sinkState.retry.remove(entry.sequence) }
                } else {
                    guard sinkState.nextRead == plan.from else { return false }  // a concurrent read won
                    if let last = entries.last { sinkState.nextRead = max(sinkState.nextRead, last.sequence + 1) }
                    sinkState.readHint = (plan.segment.id, endOffset)
                }
                state.sinks[sink] = sinkState
                return true
            }
            if accepted && !entries.isEmpty { return .entries(entries) }
            let progressed = !lostSequences.isEmpty || endOffset != plan.offset || plan.wanted != nil
            if accepted && !progressed {
                return .empty(generation: state.withLock { $0.dataGeneration })  // nothing fits the limits
            }
        }
    }

    private enum ReadStop: Error {
        case closed
        case empty(UInt64)
        case again
    }

    private func makePlan(sink: String, state: inout SpoolState) -> Result<ReadPlan, ReadStop> {
        makeRawPlan(sink: sink, state: &state).map { plan in
            var captured = plan
            captured.lastSequence = plan.segment.lastSequence
            captured.corruptRanges = plan.segment.corruptRanges
            return captured
        }
    }

    private func makeRawPlan(sink: String, state: inout SpoolState) -> Result<ReadPlan, ReadStop> {
        if state.closed { return .failure(.closed) }
        guard var sinkState = state.sinks[sink] else { return .failure(.closed) }
        defer { state.sinks[sink] = sinkState }
        sinkState.retry = sinkState.retry.filter { $0 > sinkState.watermark && !sinkState.ackedAbove.contains($0) }
        if let first = sinkState.retry.min() {
            guard let index = state.segmentIndex(containing: first) else {
                sinkState.retry.remove(first)
                return .failure(.again)
            }
            let segment = state.segments[index]
            return .success(ReadPlan(segment: segment, offset: segment.scanStart(for: first).offset, end: segment.size,
                                     wanted: sinkState.retry, from: first))
        }
        // Skip holes (records lost to corruption) without handing them out.
        while let hole = state.holes.first(where: { $0.contains(sinkState.nextRead) }) {
            sinkState.nextRead = hole.upperBound + 1
            sinkState.readHint = nil
        }
        let next = sinkState.nextRead
        guard next <= state.lastSequence else { return .failure(.empty(state.dataGeneration)) }
        if let hint = sinkState.readHint, let segment = state.segments.first(where: { $0.id == hint.segmentID }),
           segment.lastSequence >= next, hint.offset < segment.size {
            return .success(ReadPlan(segment: segment, offset: hint.offset, end: segment.size, wanted: nil, from: next))
        }
        guard let index = state.segmentIndex(containing: next) else {
            // Below the first segment (dropped): move on to what exists.
            let first = state.segments.first(where: { $0.dataRecords > 0 })?.firstSequence ?? state.nextSequence
            sinkState.nextRead = max(next + 1, first)
            return .failure(.again)
        }
        let segment = state.segments[index]
        return .success(ReadPlan(segment: segment, offset: segment.scanStart(for: next).offset, end: segment.size,
                                 wanted: nil, from: next))
    }

    /// Payload bytes one `pread` asks for in sequence (`collect` reads chunk after chunk up to the caller's limits).
    /// Reading up to `maxBytes` (8 MiB for the pipeline) at once read ~3x what 2,000 records need and
    /// faulted in a fresh mapping each time (above malloc's mmap threshold); 1 MiB chunks come from
    /// the heap again and again. A larger record is still read whole, alone.
    static var readChunkBytes: UInt64 { 1 << 20 }

    /// Reads one chunk of `plan.segment` with a single `pread` and slices the wanted payloads out of it.
    private func load(_ plan: ReadPlan, maxRecords: Int, maxBytes: Int, strictBytes: Bool) throws
        -> (entries: [SpoolEntry], endOffset: UInt64, lost: [UInt64], scannedThrough: UInt64) {
        let available = plan.end - plan.offset
        let headerOverhead = UInt64(RecordHeader.size) * UInt64(min(maxRecords, 1 << 16))
        var budget = max(min(UInt64(maxBytes), Self.readChunkBytes) + headerOverhead, UInt64(RecordHeader.size))
        if plan.wanted != nil {
            // A retry starts at the sparse index entry before its first sequence: make sure the chunk reaches it.
            budget += SegmentIndexEntry.spacing + 2 * UInt64(RecordHeader.size + configuration.maxRecordBytes)
        }
        let want = Int(min(available, budget))
        var chunk = want > 0 ? try readChunk(plan.segment, offset: plan.offset, count: want) : []
        var entries: [SpoolEntry] = []
        var lost: [UInt64] = []
        var payloadBytes = 0
        var position = 0
        var expected = plan.from
        var scannedThrough: UInt64 = 0
        scanning: while position + RecordHeader.size <= chunk.count, entries.count < maxRecords {
            let offset = plan.offset + UInt64(position)
            if let range = plan.corruptRanges.first(where: { $0.lowerBound == offset }) {
                position += Int(range.upperBound - range.lowerBound)
                continue
            }
            let parsed = chunk.withUnsafeBytes {
                RecordHeader.parse($0.baseAddress.unsafelyUnwrapped + position, maxLength: configuration.maxRecordBytes)
            }
            guard let header = parsed else {
                // Damaged after recovery: the rest of the segment is unreachable.
                if expected <= plan.lastSequence { lost.append(contentsOf: expected...plan.lastSequence) }
                return (entries, plan.end, lost, plan.lastSequence)
            }
            if position + header.frameSize > chunk.count {
                guard entries.isEmpty, position == 0 else { break scanning }
                chunk = try readChunk(plan.segment, offset: offset, count: header.frameSize)  // one large record
                if chunk.count < header.frameSize { break scanning }
            }
            let frameStart = position
            let frameEnd = position + header.frameSize
            if header.kind == .data { scannedThrough = max(scannedThrough, header.sequence) }
            guard header.kind == .data, header.sequence >= plan.from else {
                position = frameEnd
                continue
            }
            let intact = chunk.withUnsafeBytes { header.isIntact(at: $0.baseAddress.unsafelyUnwrapped + frameStart) }
            guard intact else {
                lost.append(header.sequence)
                position = frameEnd
                continue
            }
            if let wanted = plan.wanted, !wanted.contains(header.sequence) {
                position = frameEnd
                continue
            }
            if (!entries.isEmpty || strictBytes) && payloadBytes + Int(header.length) > maxBytes {
                scannedThrough = header.sequence - 1  // this frame was not consumed
                break scanning
            }
            expected = header.sequence + 1
            entries.append(SpoolEntry(sequence: header.sequence,
                                      payload: chunk[(frameStart + RecordHeader.size)..<frameEnd]))
            payloadBytes += Int(header.length)
            position = frameEnd
        }
        if entries.isEmpty && lost.isEmpty && position == 0 && plan.wanted == nil && !strictBytes {
            // No progress possible (file shorter than its committed size): never spin, count the loss.
            if expected <= plan.lastSequence { lost.append(contentsOf: expected...plan.lastSequence) }
            return (entries, plan.end, lost, plan.lastSequence)
        }
        if entries.count < maxRecords && position >= chunk.count && plan.offset + UInt64(position) >= plan.end {
            scannedThrough = plan.lastSequence
        }
        return (entries, plan.offset + UInt64(position), lost, scannedThrough)
    }

    private func readChunk(_ segment: Segment, offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = try segment.file.read(into: UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped),
                                                count: count, at: offset)
        }
    }

    func waitForData(generation: UInt64) async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.dataGeneration != generation || state.closed || Task.isCancelled { return true }
                    state.dataWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.dataWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
