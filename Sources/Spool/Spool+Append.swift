#if canImport(Glibc)
import Glibc
#endif

/// Bytes an `append` can take without copying them first: `[UInt8]`, `ArraySlice<UInt8>`, `ContiguousArray<UInt8>`.
public protocol SpoolPayload {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: SpoolPayload where Element == UInt8 {}
extension ArraySlice: SpoolPayload where Element == UInt8 {}
extension ContiguousArray: SpoolPayload where Element == UInt8 {}

extension Spool {
    /// Appends one batch (one API page) durably: all payloads, then the optional cursor marker and dedupe ids,
    /// framed into one buffer, written with one `pwrite` and made durable with one `fdatasync`.
    ///
    /// When the spool is full, `.block` suspends (without a thread) until acknowledgements free a segment;
    /// `.dropOldest` deletes the oldest segments and counts their unacknowledged records as dropped.
    ///
    /// When a write or fsync fails, this call throws and the spool stops accepting (`stats.failure` is set). With
    /// `.block` and a full file system, later appends wait instead (for deliveries to free segments, checking
    /// at least every second) and continue once `resume()` succeeds; other failures make them throw `failed`.
    /// - Parameters:
    ///   - payloads: encoded records, each at most `maxRecordBytes`.
    ///   - cursor: the source's cursor after this page; `committedCursor(source:)` returns it once this returns.
    ///   - seen: vendor event ids to add to the source's dedupe window in the same commit.
    /// - Returns: the sequences assigned to `payloads`, or nil when `payloads` is empty.
    /// - Throws: `SpoolError` `recordTooLarge` or `batchNeverFits` (before anything is written), `diskFull` or
    ///   `io` (the spool is then failed: see `resume()`), `failed`, `closed`; `CancellationError` while waiting.
    @discardableResult
    public func append<Payload: SpoolPayload>(_ payloads: [Payload], cursor: (source: String, value: String)? = nil,
                                              seen: (source: String, eventIDs: [String])? = nil) async throws
        -> ClosedRange<UInt64>? {
        let batch = try BatchLayout(payloads: payloads, cursor: cursor, seen: seen,
                                    maxRecordBytes: configuration.maxRecordBytes)
        if payloads.isEmpty && batch.metadataCount == 0 { return nil }
        while true {
            // The write and fdatasync run on the spool's append thread; waiting for space below does not.
            let outcome = try await SpoolThread.appends.run { [self] in
                try writer.withLock { buffer in try appendLocked(batch, payloads: payloads, buffer: buffer) }
            }
            switch outcome {
            case .written(let range):
                return range
            case .full(let generation):
                await waitForSpace(generation: generation)
                try Task.checkCancellation()
            case .diskFull(let generation):
                // The file system (not maxBytes) is full. Wait for deliveries to free segments, or at most a
                // second for space freed by others, then repair the active segment on a fresh descriptor.
                await waitForSpace(generation: generation, atMostSeconds: 1)
                try Task.checkCancellation()
                // Acknowledgements only collect sealed segments; a full disk may be mostly the active one, fully
                // delivered by now, and nothing else would ever delete it (the drain would wedge). The
                // collection, the reserve and the repair do file I/O: on the append thread.
                await SpoolThread.appends.run { [self] in
                    writer.withLock { _ in _ = collectGarbage(includeActive: true) }
                    let needed = batch.totalBytes + UInt64(SegmentHeader.size) + (64 << 10)
                    var available = SpoolDirectory.availableBytes(configuration.directory) ?? 0
                    if available < needed, state.withLock({ $0.segments.isEmpty }) {
                        // Nothing left to collect, so `state` needs no room to be rewritten: the reserve is the only
                        // space there is (found by the 20-minute chaos run: large dedupe windows on a small disk).
                        if meta.withLock({ _ in releaseStateReserve() }) {
                            available = SpoolDirectory.availableBytes(configuration.directory) ?? 0
                        }
                    }
                    if available >= needed { _ = try? resume() }
                }
            }
        }
    }

    /// The largest batch an append can take now: a segment, and no more than `maxBytes` leaves beside what
    /// the metadata files may need (which grows with the dedupe windows). Pages are cut to fit it.
    public var largestBatchBytes: UInt64 {
        largestBatch(reserve: state.withLock { $0.metadataReserve(sinkNames: configuration.sinks) })
    }

    private func largestBatch(reserve: UInt64) -> UInt64 {
        let room = configuration.maxBytes > reserve ? configuration.maxBytes - reserve : 0
        let capacity = min(segmentCapacity, room)
        return capacity > UInt64(SegmentHeader.size) ? capacity - UInt64(SegmentHeader.size) : 0
    }

    private enum AppendOutcome: Sendable {
        case written(ClosedRange<UInt64>?)
        case full(generation: UInt64)
        case diskFull(generation: UInt64)
    }

    private struct WritePlan {
        var segment: Segment?
        var newSegmentID: UInt64?
        var firstSequence: UInt64
        var offset: UInt64
    }

    private func appendLocked<Payload: SpoolPayload>(_ batch: BatchLayout, payloads: [Payload],
                                                     buffer: AppendBuffer) throws -> AppendOutcome {
        let neverFits = UInt64(SegmentHeader.size) + batch.totalBytes
        while true {
            let decision: Result<WritePlan, AppendFull> = try state.withLock { state in
                if state.closed { throw SpoolError.closed }
                if let failure = state.failure {
                    guard failure.isDiskFull, configuration.fullPolicy == .block else { throw SpoolError.failed(after: failure) }
                    return .failure(AppendFull(generation: state.spaceGeneration, diskFull: true))
                }
                let reserve = state.metadataReserve(sinkNames: configuration.sinks)
                if neverFits > segmentCapacity || neverFits + reserve > configuration.maxBytes {
                    throw SpoolError.batchNeverFits(batch.totalBytes,
                                                    capacity: largestBatch(reserve: reserve))
                }
                let active = state.segments.last
                let roll = active.map { $0.size + batch.totalBytes > segmentCapacity } ?? true
                let need = batch.totalBytes + (roll ? UInt64(SegmentHeader.size) : 0)
                guard state.dataBytes + need + reserve <= configuration.maxBytes else {
                    if state.blockedSince == nil { state.blockedSince = Clock.monotonicSeconds() }
                    return .failure(AppendFull(generation: state.spaceGeneration))
                }
                state.blockedSince = nil
                if roll {
                    defer { state.nextSegmentID += 1 }
                    return .success(WritePlan(segment: nil, newSegmentID: state.nextSegmentID,
                                              firstSequence: state.nextSequence, offset: 0))
                }
                return .success(WritePlan(segment: active, newSegmentID: nil, firstSequence: state.nextSequence,
                                          offset: active?.size ?? 0))
            }
            switch decision {
            case .success(let plan):
                return .written(try write(batch, payloads: payloads, plan: plan, buffer: buffer))
            case .failure(let full):
                if full.diskFull { return .diskFull(generation: full.generation) }
                if collectGarbage(includeActive: true) { continue }
                if configuration.fullPolicy == .dropOldest, dropOldestSegment() { continue }
                return .full(generation: full.generation)
            }
        }
    }

    private struct AppendFull: Error {
        var generation: UInt64
        var diskFull = false
    }

    /// Frames the batch into the buffer, writes and syncs it, then publishes it to readers.
    private func write<Payload: SpoolPayload>(_ batch: BatchLayout, payloads: [Payload], plan: WritePlan,
                                              buffer: AppendBuffer) throws -> ClosedRange<UInt64>? {
        let headerBytes = plan.newSegmentID == nil ? 0 : SegmentHeader.size
        let count = headerBytes + Int(batch.totalBytes)
        buffer.reserve(count)
        defer { buffer.shrinkIfLarge() }
        let base = buffer.base
        if let id = plan.newSegmentID { SegmentHeader(id: id, firstSequence: plan.firstSequence).write(to: base) }
        let now = Clock.nowMillis()
        var position = headerBytes
        var sequence = plan.firstSequence
        var indexEntries: [SegmentIndexEntry] = []
        var lastIndexed: UInt64?
        for (index, payload) in payloads.enumerated() {
            let length = payload.withUnsafeBytes { raw -> Int in
                if let source = raw.baseAddress { (base + position + RecordHeader.size).copyMemory(from: source, byteCount: raw.count) }
                return raw.count
            }
            RecordHeader.write(kind: .data, endsBatch: batch.metadataCount == 0 && index == payloads.count - 1,
                               payloadLength: length, sequence: sequence, timestampMillis: now, at: base + position)
            let offset = plan.offset + UInt64(position)
            if lastIndexed.map({ offset - $0 >= SegmentIndexEntry.spacing }) ?? true {
                indexEntries.append(SegmentIndexEntry(sequence: sequence, offset: offset, timestampMillis: now))
                lastIndexed = offset
            }
            position += RecordHeader.size + length
            sequence += 1
        }
        let lastSequence = sequence - 1
        let metadata = batch.metadataRecords(batchFirst: plan.firstSequence, batchCount: UInt32(payloads.count))
        for (index, (kind, payload)) in metadata.enumerated() {
            payload.withUnsafeBytes { raw in
                if let source = raw.baseAddress { (base + position + RecordHeader.size).copyMemory(from: source, byteCount: raw.count) }
            }
            RecordHeader.write(kind: kind, endsBatch: index == metadata.count - 1, payloadLength: payload.count,
                               sequence: lastSequence, timestampMillis: now, at: base + position)
            position += RecordHeader.size + payload.count
        }
        precondition(position == count, "batch layout mismatch")  // internal invariant, not external data

        let segment: Segment
        let started = Clock.monotonicSeconds()
        do {
            if let id = plan.newSegmentID {
                segment = try createSegment(id: id, firstSequence: plan.firstSequence)
            } else if let existing = plan.segment {
                segment = existing
            } else {
                preconditionFailure("append plan without a segment")
            }
            try segment.file.write(base, count: count, at: plan.offset)
            if plan.newSegmentID != nil {
                try segment.file.sync()
                try SpoolDirectory.syncDirectory(configuration.directory)
            } else {
                try segment.file.syncData()
            }
        } catch let error as SpoolError {
            markFailed(error, newSegmentID: plan.newSegmentID)
            throw error
        }
        let fsyncSeconds = Clock.monotonicSeconds() - started
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if plan.newSegmentID != nil {
                segment.size = UInt64(SegmentHeader.size)
                state.segments.append(segment)
            }
            segment.index.append(contentsOf: indexEntries)
            segment.size = plan.offset + UInt64(count)
            if !payloads.isEmpty { segment.lastSequence = lastSequence }
            state.nextSequence = lastSequence + 1
            if let cursor = batch.cursor {
                state.cursors[cursor.source] = cursor.value
                segment.cursors[cursor.source] = cursor.value
            }
            if let seen = batch.seen {
                var window = state.windows[seen.source] ?? DedupeWindow()
                for id in seen.eventIDs {
                    window.insert(id, timestampMillis: now, limits: configuration.dedupeWindow, nowMillis: now)
                }
                state.windows[seen.source] = window
            }
            state.lastFsyncSeconds = fsyncSeconds
            state.dataGeneration += 1
            return state.takeDataWaiters()
        }
        for waiter in waiters { waiter.resume() }
        if plan.newSegmentID != nil {
            // The previous segment is sealed now: summarise it in the background for fast recovery.
            scheduleSidecars(state.withLock { state in
                state.segments.count >= 2 ? [state.segments[state.segments.count - 2].id] : []
            })
        }
        return payloads.isEmpty ? nil : plan.firstSequence...lastSequence
    }

    private func createSegment(id: UInt64, firstSequence: UInt64) throws -> Segment {
        let path = configuration.directory + "/" + SegmentHeader.fileName(id: id)
        unlink(path)  // a leftover of a failed creation never holds committed data
        let file = try SpoolFile.open(path, flags: O_RDWR | O_CREAT | O_EXCL)
        return Segment(id: id, path: path, file: file, firstSequence: firstSequence, size: 0)
    }

    /// Stops accepting appends. The descriptor that failed is never written again: `resume()` opens a new one.
    private func markFailed(_ error: SpoolError, newSegmentID: UInt64?) {
        if let id = newSegmentID { unlink(configuration.directory + "/" + SegmentHeader.fileName(id: id)) }
        let waiters = state.withLock { state in
            state.failure = error
            return state.takeSpaceWaiters()
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitForSpace(generation: UInt64, atMostSeconds seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSpace(generation: generation, wakeOnFailure: false) }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until the space generation moves (acks, deletions), the spool closes or fails, or the task is
    /// cancelled.
    func waitForSpace(generation: UInt64, wakeOnFailure: Bool = true) async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.spaceGeneration != generation || state.closed || Task.isCancelled
                        || (wakeOnFailure && state.failure != nil) {
                        return true
                    }
                    state.spaceWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.spaceWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
