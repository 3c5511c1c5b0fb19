#if canImport(Glibc)
import Glibc
#endif

extension Spool {
    /// Marks sequences as delivered by `sink` (in any order). The sink's watermark moves over the contiguous
    /// acknowledged prefix; segments every sink is past are deleted.
    ///
    /// Durability: watermarks are written (atomically) at most every `ackPersistIntervalSeconds`, before any
    /// segment is deleted, and on `close()`. Acknowledgements lost in a crash cause re-delivery, never loss.
    /// Sequences at or below the watermark, unknown sinks and future sequences are ignored.
    public func acknowledge(sink: String, sequences: some Sequence<UInt64>) {
        let interval = configuration.ackPersistIntervalSeconds
        let (collect, persist, waiters) = state.withLock { state -> (Bool, Bool, [CheckedContinuation<Void, Never>]) in
            guard var sinkState = state.sinks[sink] else { return (false, false, []) }
            let before = state.minWatermark
            for sequence in sequences where sequence > sinkState.watermark && sequence < state.nextSequence {
                sinkState.ackedAbove.insert(sequence)
                sinkState.retry.remove(sequence)
            }
            sinkState.advance(holes: state.holes)
            state.sinks[sink] = sinkState
            let after = state.minWatermark
            guard after > before else {
                let due = Clock.monotonicSeconds() - state.lastAckPersistTime >= interval
                return (false, due && sinkState.watermark != sinkState.persistedWatermark, [])
            }
            state.spaceGeneration += 1
            let deletable = state.segments.dropLast().first.map { $0.lastSequence <= after } ?? false
            let due = Clock.monotonicSeconds() - state.lastAckPersistTime >= interval
            return (deletable, due, state.takeSpaceWaiters())
        }
        for waiter in waiters { waiter.resume() }
        if collect {
            collectGarbage(includeActive: false)
        } else if persist {
            persistAcknowledgements(force: false)
        }
    }

    /// Gives sequences handed out by `read` back to the spool after a sink error; the next `read` returns them
    /// again (before newer records). Acknowledged sequences are ignored.
    public func retry(sink: String, sequences: some Sequence<UInt64>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard var sinkState = state.sinks[sink] else { return [] }
            for sequence in sequences
            where sequence > sinkState.watermark && sequence < sinkState.nextRead && !sinkState.ackedAbove.contains(sequence) {
                sinkState.retry.insert(sequence)
            }
            state.sinks[sink] = sinkState
            state.dataGeneration += 1
            return sinkState.retry.isEmpty ? [] : state.takeDataWaiters()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Writes the watermarks to `acks` now if they changed (or always with `force`). Errors are counted in
    /// `metadataErrors` and retried on the next call: a stale ledger only causes re-delivery.
    public func persistAcknowledgements(force: Bool = true) {
        meta.withLock { _ in
            let (ledger, changed) = state.withLock { state -> (AckLedger, Bool) in
                let watermarks = state.sinks.mapValues(\.watermark)
                let changed = state.sinks.values.contains { $0.watermark != $0.persistedWatermark }
                return (AckLedger(nextSequence: state.nextSequence, watermarks: watermarks), changed)
            }
            guard changed || force else { return }
            writeLedger(ledger)
        }
    }

    /// Caller holds `meta`.
    private func writeLedger(_ ledger: AckLedger) {
        let path = configuration.directory + "/" + AckLedger.fileName
        let now = Clock.monotonicSeconds()
        do {
            let bytes = ledger.encoded()
            let old = SpoolDirectory.fileSize(path)
            try SpoolDirectory.writeAtomically(bytes, to: path, directory: configuration.directory)
            state.withLock { state in
                state.metadataFileBytes = state.metadataFileBytes - min(old, state.metadataFileBytes) + UInt64(bytes.count)
                state.lastAckPersistTime = now
                for (sink, watermark) in ledger.watermarks { state.sinks[sink]?.persistedWatermark = watermark }
            }
        } catch {
            state.withLock { state in
                state.metadataErrors += 1
                state.lastAckPersistTime = now
            }
        }
    }

    /// Deletes the oldest segments every sink is past (the active one too when `includeActive`, which requires
    /// holding `writer`). First persists watermarks, then the cursors and dedupe ids those segments carry
    /// (in `state`), then unlinks. Returns whether anything was deleted.
    @discardableResult
    func collectGarbage(includeActive: Bool) -> Bool {
        meta.withLock { _ in
            let plan = state.withLock { state -> (doomed: [Segment], ledger: AckLedger, snapshot: StateSnapshot)? in
                let floor = state.minWatermark
                var doomed: [Segment] = []
                for (position, segment) in state.segments.enumerated() {
                    let isActive = position == state.segments.count - 1
                    guard segment.lastSequence <= floor, includeActive || !isActive else { break }
                    doomed.append(segment)
                }
                guard let last = doomed.last else { return nil }
                var cursors = state.snapshotCursors
                for segment in doomed { cursors.merge(segment.cursors) { _, newer in newer } }
                var sources: [String: StateSnapshot.Source] = [:]
                for (source, cursor) in cursors { sources[source] = StateSnapshot.Source(cursor: cursor, ids: []) }
                for (source, window) in state.windows {
                    sources[source, default: StateSnapshot.Source(cursor: nil, ids: [])].ids = window.entries
                }
                let snapshot = StateSnapshot(coveredThroughSegment: last.id, nextSequence: last.lastSequence + 1,
                                             sources: sources)
                let ledger = AckLedger(nextSequence: state.nextSequence, watermarks: state.sinks.mapValues(\.watermark))
                return (doomed, ledger, snapshot)
            }
            guard let plan else { return false }
            writeLedger(plan.ledger)
            let path = configuration.directory + "/" + StateSnapshot.fileName
            let oldSize = SpoolDirectory.fileSize(path)
            var bytes = plan.snapshot.encoded()
            func writeState(_ bytes: [UInt8]) -> Bool {
                (try? SpoolDirectory.writeAtomically(bytes, to: path, directory: configuration.directory)) != nil
            }
            // On a full disk the space kept in the reserve file makes room for `state`: the doomed segments may
            // hold the only copy of a source's newest cursor and dedupe ids, so they must not go before it is written.
            var wrote = writeState(bytes)
            if !wrote, releaseStateReserve() { wrote = writeState(bytes) }
            if !wrote {
                // The dedupe windows are most of `state`; without them it is a few hundred bytes. Losing them on disk
                // can only let a crash re-deliver events; losing a cursor could re-fetch a whole backfill.
                var cursorsOnly = plan.snapshot
                for source in cursorsOnly.sources.keys { cursorsOnly.sources[source]?.ids = [] }
                bytes = cursorsOnly.encoded()
                wrote = writeState(bytes)
            }
            // If `state` still cannot be written, delete anyway (so a full disk cannot wedge the spool): recovery
            // then uses the older snapshot, and a source resumes from an older cursor (a re-fetch).
            let doomedIDs = Set(plan.doomed.map(\.id))
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                if wrote {
                    state.metadataFileBytes = state.metadataFileBytes - min(oldSize, state.metadataFileBytes) + UInt64(bytes.count)
                    state.snapshotCursors = plan.snapshot.sources.compactMapValues(\.cursor)
                    state.snapshotCoveredThrough = plan.snapshot.coveredThroughSegment
                } else {
                    state.metadataErrors += 1
                }
                state.segments.removeAll { doomedIDs.contains($0.id) }
                for name in state.sinks.keys where state.sinks[name]?.readHint.map({ doomedIDs.contains($0.segmentID) }) ?? false {
                    state.sinks[name]?.readHint = nil
                }
                state.spaceGeneration += 1
                return state.takeSpaceWaiters()
            }
            for segment in plan.doomed {
                unlink(configuration.directory + "/" + SegmentSummary.fileName(segmentID: segment.id))
                unlink(segment.path)
            }
            // Without this an unlinked segment could reappear after power loss next to newer state.
            try? SpoolDirectory.syncDirectory(configuration.directory)
            refreshStateReserve()
            for waiter in waiters { waiter.resume() }
            return true
        }
    }

    /// `state.reserve`: disk space set aside (allocated, not sparse) so that `state` can be rewritten when the file
    /// system is full, e.g. a disk smaller than `maxBytes` or shared with other writers. Half the metadata reserve
    /// `maxBytes` already accounts for (the other half is the current `acks` and `state`), i.e. room for their
    /// temporary copies. Best effort: when it cannot be allocated the spool works as before.
    static let stateReserveFileName = "state.reserve"
    /// The windows grow faster than the reserve is refreshed (a backfill's first pages), so never less than this
    /// (for spools of 1 MiB or more; it may exceed the part of `maxBytes` set aside for metadata by this much).
    static let minimumStateReserve: UInt64 = 64 << 10

    /// Allocates the reserve file to the current metadata reserve. Caller holds `meta` (or is the initializer).
    func refreshStateReserve() {
        let floor = configuration.maxBytes >= 1 << 20 ? Self.minimumStateReserve : 0
        let size = max(floor, state.withLock { $0.metadataReserve(sinkNames: configuration.sinks) } / 2)
        let path = configuration.directory + "/" + Self.stateReserveFileName
        let old = SpoolDirectory.fileSize(path)
        guard old < size else { return }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        if posix_fallocate(descriptor, 0, off_t(size)) != 0 { _ = ftruncate(descriptor, 0) }
        Glibc.close(descriptor)
        let new = SpoolDirectory.fileSize(path)
        state.withLock { $0.metadataFileBytes = $0.metadataFileBytes - min(old, $0.metadataFileBytes) + new }
    }

    /// Frees the reserve; true when there was one to free. Caller holds `meta`.
    func releaseStateReserve() -> Bool {
        let path = configuration.directory + "/" + Self.stateReserveFileName
        let size = SpoolDirectory.fileSize(path)
        guard size > 0, unlink(path) == 0 else { return false }
        state.withLock { $0.metadataFileBytes -= min(size, $0.metadataFileBytes) }
        return true
    }

    /// `.dropOldest`: treats the oldest segment as acknowledged by every sink, counts its undelivered records as
    /// dropped, and deletes it. Caller holds `writer`. Returns false when there is nothing to drop.
    func dropOldestSegment() -> Bool {
        let drop = state.withLock { state -> SpoolDrop? in
            guard let oldest = state.segments.first else { return nil }
            let floor = state.minWatermark
            var records: UInt64 = 0
            if oldest.lastSequence > floor {
                records = oldest.lastSequence - max(floor, oldest.firstSequence - 1)
                    - Self.holeCount(state.holes, above: floor, through: oldest.lastSequence)
                state.droppedRecords += records
            }
            var sinks: [String: SpoolDrop.SinkLoss] = [:]
            for (name, sink) in state.sinks {
                sinks[name] = Self.loss(of: sink, through: oldest.lastSequence, holes: state.holes)
            }
            for name in state.sinks.keys { state.sinks[name]?.forget(through: oldest.lastSequence, holes: state.holes) }
            return SpoolDrop(segmentID: oldest.id, sequences: oldest.firstSequence...max(oldest.firstSequence, oldest.lastSequence),
                             records: records, sinks: sinks)
        }
        guard let drop else { return false }
        configuration.onDrop?(drop)
        return collectGarbage(includeActive: true)
    }

    /// Sequences in (`floor`, `last`] lost to corruption (every sink counts them as acknowledged).
    static func holeCount(_ holes: [ClosedRange<UInt64>], above floor: UInt64, through last: UInt64) -> UInt64 {
        holes.reduce(UInt64(0)) { total, hole in
            let low = max(hole.lowerBound, floor + 1)
            let high = min(hole.upperBound, last)
            return total + (low <= high ? high - low + 1 : 0)
        }
    }

    /// What forgetting everything through `last` takes from one sink: its unacknowledged records, split by
    /// whether they were ever handed to it (everything below `nextRead` was; a failed one waiting in `retry`
    /// may still have arrived, so it counts as in flight).
    static func loss(of sink: SinkState, through last: UInt64, holes: [ClosedRange<UInt64>]) -> SpoolDrop.SinkLoss {
        guard last > sink.watermark else { return SpoolDrop.SinkLoss(undelivered: 0, inFlight: 0) }
        let acknowledged = Int64(sink.ackedAbove.count { $0 <= last })
        let unacknowledged = max(0, Int64(last - sink.watermark) - Int64(holeCount(holes, above: sink.watermark, through: last)) - acknowledged)
        let firstUnread = max(sink.nextRead, sink.watermark + 1)
        let neverHanded = firstUnread > last ? 0 : Int64(last - firstUnread + 1) - Int64(holeCount(holes, above: firstUnread - 1, through: last))
        let undelivered = min(unacknowledged, max(0, neverHanded))
        return SpoolDrop.SinkLoss(undelivered: UInt64(undelivered), inFlight: UInt64(unacknowledged - undelivered))
    }
}
