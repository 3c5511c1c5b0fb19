import RelayCore

/// A bounded in-memory `RecordLog`: the same contract as the spool without durability. Used by
/// tests and by `normalize`-style runs; `append` suspends while `capacityBytes` is used, which is
/// the backpressure that slows sources to the pace of the slowest sink.
public actor MemoryRecordLog: RecordLog {
    private struct SinkState {
        var nextToRead: UInt64
        var acknowledged: Set<UInt64> = []
        /// Every sequence below this is acknowledged.
        var watermark: UInt64
        var retries: [UInt64] = []
    }

    public let capacityBytes: Int
    private var entries: [LogEntry] = []
    /// When each entry was appended (parallel to `entries`), for the oldest-unacknowledged age.
    private var appendedAt: [ContinuousClock.Instant] = []
    private var head = 0
    private var nextSequence: UInt64 = 1
    private var usedBytes = 0
    private var cursors: [String: String] = [:]
    private var sinks: [String: SinkState]
    private var appendWaiters: [CheckedContinuation<Void, Never>] = []
    private var readWaiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    public init(capacityBytes: Int, sinks: [String]) {
        self.capacityBytes = capacityBytes
        self.sinks = Dictionary(uniqueKeysWithValues: sinks.map { ($0, SinkState(nextToRead: 1, watermark: 1)) })
    }

    public var bufferedBytes: Int { usedBytes }
    public var bufferedRecords: Int { entries.count - head }

    /// Keeps no dedupe window (`seen` is ignored): that is the durable spool's job.
    public func duplicates(source: String, eventIDs: [String]) -> Set<String> { [] }

    public func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?, seen: (source: String, eventIDs: [String])?) async throws {
        let batchBytes = envelopes.reduce(0) { $0 + $1.count }
        // A batch larger than the whole capacity is let in when the log is empty, or it could never be.
        while usedBytes > 0 && usedBytes + batchBytes > capacityBytes {
            try Task.checkCancellation()
            await waitForAppendSpace()
        }
        let now = ContinuousClock.now
        for envelope in envelopes {
            entries.append(LogEntry(sequence: nextSequence, envelope: envelope))
            appendedAt.append(now)
            nextSequence += 1
        }
        usedBytes += batchBytes
        if let cursor { cursors[cursor.source] = cursor.value }
        wakeAll(&readWaiters)
    }

    public func committedCursor(source: String) -> String? { cursors[source] }

    public func read(sink: String, maxRecords: Int) async throws -> [LogEntry] {
        while true {
            try Task.checkCancellation()
            guard var state = sinks[sink] else { return [] }
            if !state.retries.isEmpty {
                let batch = state.retries.sorted().prefix(maxRecords)
                state.retries.removeFirst(min(maxRecords, state.retries.count))
                sinks[sink] = state
                return batch.compactMap(entry)
            }
            if state.nextToRead < nextSequence {
                let end = min(nextSequence, state.nextToRead + UInt64(maxRecords))
                let batch = (state.nextToRead..<end).compactMap(entry)
                state.nextToRead = end
                sinks[sink] = state
                return batch
            }
            if closed { return [] }
            await waitForRecords()
        }
    }

    public func acknowledge(sink: String, sequences: [UInt64]) {
        guard var state = sinks[sink] else { return }
        state.acknowledged.formUnion(sequences)
        while state.acknowledged.remove(state.watermark) != nil { state.watermark += 1 }
        sinks[sink] = state
        trim()
    }

    public func retry(sink: String, sequences: [UInt64]) {
        sinks[sink]?.retries.append(contentsOf: sequences)
        wakeAll(&readWaiters)
    }

    public func close() {}

    public func closeForAppends() {
        closed = true
        wakeAll(&readWaiters)
    }

    public func status() -> RecordLogStatus {
        let age = head < appendedAt.count ? ContinuousClock.now - appendedAt[head] : nil
        return RecordLogStatus(records: entries.count - head, bytes: usedBytes, oldestUnacknowledgedAge: age, writable: true)
    }

    private func entry(_ sequence: UInt64) -> LogEntry? {
        guard let first = entries[safe: head]?.sequence, sequence >= first else { return nil }
        return entries[safe: head + Int(sequence - first)]
    }

    /// Drops entries every sink has acknowledged.
    private func trim() {
        guard let lowest = sinks.values.map(\.watermark).min() else { return }
        var freed = false
        while head < entries.count, entries[head].sequence < lowest {
            usedBytes -= entries[head].envelope.count
            head += 1
            freed = true
        }
        if head > 4096 && head * 2 > entries.count {
            entries.removeFirst(head)
            appendedAt.removeFirst(head)
            head = 0
        }
        if freed { wakeAll(&appendWaiters) }
    }

    // A cancelled task must not sleep forever on a continuation: cancellation wakes every waiter,
    // and the loops above then throw CancellationError.
    private func waitForAppendSpace() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { appendWaiters.append($0) }
        } onCancel: {
            Task { await self.wakeEveryone() }
        }
    }

    private func waitForRecords() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { readWaiters.append($0) }
        } onCancel: {
            Task { await self.wakeEveryone() }
        }
    }

    private func wakeEveryone() {
        wakeAll(&appendWaiters)
        wakeAll(&readWaiters)
    }

    private func wakeAll(_ waiters: inout [CheckedContinuation<Void, Never>]) {
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
