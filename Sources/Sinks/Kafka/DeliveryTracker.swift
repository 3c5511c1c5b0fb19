import Synchronization

/// What became of one produced message.
enum DeliveryOutcome: UInt8, Sendable {
    case pending
    /// The delivery report said PERSISTED: the only outcome that acknowledges a record.
    case persisted
    /// Not persisted, possibly persisted, purged, or never produced: the pipeline retries it.
    case failed
    /// Bigger than the producer's `message.max.bytes`: rejected by librdkafka before sending.
    case tooLargeForProducer
    /// Rejected by the broker as too large while it was the only message in its request.
    case tooLargeForBroker
    /// Rejected by the broker as invalid or corrupt (`INVALID_RECORD`, `INVALID_MSG`/CORRUPT_MESSAGE).
    /// The broker answers per batch, so the sink sends such a record again alone before it believes it.
    case rejectedByBroker
    /// Not a record envelope at all (`__BAD_MSG`): nothing to send, ever.
    case unreadable
}

/// The `deliver` calls waiting for delivery reports. The poll thread reports outcomes by spool
/// sequence (the message opaque); each waiting batch resumes once every one of its messages has an
/// outcome. A batch is found by its sorted sequence array (binary search), so a report costs no
/// hashing and no allocation; consecutive reports usually hit the same batch.
final class DeliveryTracker: Sendable {
    /// One `deliver` call's messages. Only touched under the tracker's lock.
    private final class Batch {
        let id: Int
        let generation: Int
        let sequences: [UInt64]
        var outcomes: [DeliveryOutcome]
        var remaining: Int
        var firstError: Int32 = 0
        var continuation: CheckedContinuation<Void, Never>?

        init(id: Int, generation: Int, sequences: [UInt64]) {
            self.id = id
            self.generation = generation
            self.sequences = sequences
            self.outcomes = Array(repeating: .pending, count: sequences.count)
            self.remaining = sequences.count
        }

        func index(of sequence: UInt64) -> Int? {
            guard let first = sequences.first, let last = sequences.last, sequence >= first, sequence <= last else { return nil }
            var low = 0, high = sequences.count - 1
            while low <= high {
                let middle = (low + high) / 2
                if sequences[middle] == sequence { return middle }
                if sequences[middle] < sequence { low = middle + 1 } else { high = middle - 1 }
            }
            return nil
        }
    }

    private struct State: ~Copyable {
        var batches: [Batch] = []
        var finished: [Int: Batch] = [:]
        var nextID = 0
        var lastHit: Batch?
        /// Generations already failed: a batch registered on one of them fails at once.
        var deadGenerations: Set<Int> = []
    }

    /// The outcome of a finished batch, index-aligned with its sorted sequences.
    struct Result: Sendable {
        var outcomes: [DeliveryOutcome]
        var firstError: Int32
    }

    private let state = Mutex(State())

    /// Starts tracking a batch; `sequences` must be sorted and unique among batches in flight.
    /// On a producer generation that already failed, the batch fails at once.
    func register(_ sequences: [UInt64], generation: Int) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let batch = Batch(id: id, generation: generation, sequences: sequences)
            state.batches.append(batch)
            if state.deadGenerations.contains(generation) {
                _ = Self.finishPending(batch, error: DeliveryTracker.producerFailed, in: &state)
            }
            return id
        }
    }

    /// The error recorded for messages of a producer that failed (librdkafka's `__FATAL`).
    static let producerFailed: Int32 = -150

    /// Records an outcome known without a delivery report (a produce call failed).
    func complete(batch id: Int, index: Int, outcome: DeliveryOutcome, error: Int32) {
        let resume = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let batch = state.batches.first(where: { $0.id == id }) else { return nil }
            return Self.set(batch, index: index, outcome: outcome, error: error, in: &state)
        }
        resume?.resume()
    }

    /// Applies delivery reports `(sequence, outcome, error)` from the poll thread.
    func apply(_ reports: UnsafeBufferPointer<(sequence: UInt64, outcome: DeliveryOutcome, error: Int32)>) -> Int {
        var resumes: [CheckedContinuation<Void, Never>] = []
        let unmatched = state.withLock { state -> Int in
            var unmatched = 0
            for report in reports {
                guard let (batch, index) = Self.find(report.sequence, in: &state) else {
                    unmatched += 1
                    continue
                }
                if let resume = Self.set(batch, index: index, outcome: report.outcome, error: report.error, in: &state) {
                    resumes.append(resume)
                }
            }
            return unmatched
        }
        for resume in resumes { resume.resume() }
        return unmatched
    }

    /// Fails every pending message of batches produced on `generation` (a producer that died).
    func failGeneration(_ generation: Int, error: Int32) {
        let resumes = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.deadGenerations.insert(generation)
            var resumes: [CheckedContinuation<Void, Never>] = []
            for batch in state.batches where batch.generation == generation {
                if let resume = Self.finishPending(batch, error: error, in: &state) { resumes.append(resume) }
            }
            return resumes
        }
        for resume in resumes { resume.resume() }
    }

    /// Gives up waiting on a batch (its task was cancelled): pending messages count as failed.
    func abandon(batch id: Int, error: Int32) {
        let resume = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let batch = state.batches.first(where: { $0.id == id }) else { return nil }
            return Self.finishPending(batch, error: error, in: &state)
        }
        resume?.resume()
    }

    /// Waits until every message of the batch has an outcome, then forgets the batch.
    func wait(batch id: Int) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.finished[id] != nil { return true }
                guard let batch = state.batches.first(where: { $0.id == id }) else { return true }
                batch.continuation = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return state.withLock { state in
            guard let batch = state.finished.removeValue(forKey: id) else { return Result(outcomes: [], firstError: 0) }
            return Result(outcomes: batch.outcomes, firstError: batch.firstError)
        }
    }

    /// Batches still waiting for reports.
    var inFlight: Int { state.withLock { $0.batches.count } }

    // MARK: Under the lock

    private static func find(_ sequence: UInt64, in state: inout State) -> (Batch, Int)? {
        if let hit = state.lastHit, let index = hit.index(of: sequence) { return (hit, index) }
        for batch in state.batches {
            if let index = batch.index(of: sequence) {
                state.lastHit = batch
                return (batch, index)
            }
        }
        return nil
    }

    private static func set(_ batch: Batch, index: Int, outcome: DeliveryOutcome, error: Int32,
                            in state: inout State) -> CheckedContinuation<Void, Never>? {
        guard batch.outcomes.indices.contains(index), batch.outcomes[index] == .pending else { return nil }
        batch.outcomes[index] = outcome
        if error != 0 && batch.firstError == 0 { batch.firstError = error }
        batch.remaining -= 1
        return batch.remaining == 0 ? finish(batch, in: &state) : nil
    }

    private static func finishPending(_ batch: Batch, error: Int32, in state: inout State) -> CheckedContinuation<Void, Never>? {
        for index in batch.outcomes.indices where batch.outcomes[index] == .pending { batch.outcomes[index] = .failed }
        if batch.firstError == 0 { batch.firstError = error }
        batch.remaining = 0
        return finish(batch, in: &state)
    }

    /// Moves a batch to `finished`; returns its waiter, if it is already waiting.
    private static func finish(_ batch: Batch, in state: inout State) -> CheckedContinuation<Void, Never>? {
        state.batches.removeAll { $0 === batch }
        if state.lastHit === batch { state.lastHit = nil }
        state.finished[batch.id] = batch
        let waiter = batch.continuation
        batch.continuation = nil
        return waiter
    }
}
