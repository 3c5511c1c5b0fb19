import Foundation

/// Which polled sources this replica owns right now, and which of them are in the middle of a page.
///
/// The group member's rebalance callback (a dedicated thread) assigns and revokes; a source's task
/// waits here until it owns its source, and brackets each page with `beginPage`/`endPage` so that a
/// revocation can wait for the page in flight before the partition is given up (after that the new
/// owner may start: two replicas never poll one source at once unless the wait times out).
public final class SourceOwnership: @unchecked Sendable {
    /// Proof of ownership from one assignment; a later revocation or reassignment invalidates it.
    public struct Grant: Sendable, Equatable {
        public let source: String
        public let generation: UInt64
    }

    private struct Entry {
        var owned = false
        var generation: UInt64 = 0
        var busy = false
        var waiters: [UInt64: CheckedContinuation<Grant?, Never>] = [:]
    }

    private let condition = NSCondition()
    private var entries: [String: Entry] = [:]
    private var nextWaiter: UInt64 = 0
    private var stopped = false

    public init() {}

    /// The sources owned now, sorted.
    public var owned: [String] {
        condition.withLock { entries.filter(\.value.owned).map(\.key).sorted() }
    }

    /// Marks `sources` owned and wakes their tasks.
    public func assign(_ sources: [String]) {
        var wake: [(CheckedContinuation<Grant?, Never>, Grant)] = []
        condition.withLock {
            for source in sources {
                var entry = entries[source] ?? Entry()
                guard !entry.owned else { continue }
                entry.owned = true
                entry.generation += 1
                let grant = Grant(source: source, generation: entry.generation)
                wake += entry.waiters.values.map { ($0, grant) }
                entry.waiters.removeAll()
                entries[source] = entry
            }
        }
        for (continuation, grant) in wake { continuation.resume(returning: grant) }
    }

    /// Marks `sources` not owned, then waits (blocking the calling thread, at most `timeout`) until
    /// none of them is in the middle of a page. Returns the ones still busy when the wait ran out.
    @discardableResult
    public func revoke(_ sources: [String], timeout: Duration) -> [String] {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        for source in sources {
            guard var entry = entries[source], entry.owned else { continue }
            entry.owned = false
            entry.generation += 1
            entries[source] = entry
        }
        while true {
            let busy = sources.filter { entries[$0]?.busy == true }
            if busy.isEmpty { return [] }
            if !condition.wait(until: deadline) { return sources.filter { entries[$0]?.busy == true } }
        }
    }

    /// Waits until `source` is owned; nil when the wait was cancelled or the cluster stopped.
    public func waitUntilOwned(_ source: String) async -> Grant? {
        let id = condition.withLock { () -> UInt64 in
            nextWaiter += 1
            return nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Grant?, Never>) in
                let immediate: Grant?? = condition.withLock {
                    var entry = entries[source] ?? Entry()
                    if stopped || Task.isCancelled { return .some(nil) }
                    if entry.owned { return .some(Grant(source: source, generation: entry.generation)) }
                    entry.waiters[id] = continuation
                    entries[source] = entry
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let continuation = condition.withLock { entries[source]?.waiters.removeValue(forKey: id) }
            continuation?.resume(returning: nil)
        }
    }

    /// Whether `grant` still holds; if so the source is marked busy until `endPage`.
    public func beginPage(_ grant: Grant) -> Bool {
        condition.withLock {
            guard !stopped, var entry = entries[grant.source], entry.owned, entry.generation == grant.generation else { return false }
            entry.busy = true
            entries[grant.source] = entry
            return true
        }
    }

    /// Whether `grant` still holds (without starting a page).
    public func holds(_ grant: Grant) -> Bool {
        condition.withLock {
            guard !stopped, let entry = entries[grant.source] else { return false }
            return entry.owned && entry.generation == grant.generation
        }
    }

    public func endPage(_ source: String) {
        condition.withLock {
            entries[source]?.busy = false
            condition.broadcast()
        }
    }

    /// No more ownership: every waiting task is woken with nil.
    public func stop() {
        let waiters = condition.withLock { () -> [CheckedContinuation<Grant?, Never>] in
            stopped = true
            var all: [CheckedContinuation<Grant?, Never>] = []
            for key in entries.keys {
                if let waiting = entries[key]?.waiters.values { all += waiting }
                entries[key]?.waiters.removeAll()
            }
            condition.broadcast()
            return all
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}
