/// Vendor event ids already durably delivered for a source, so re-reading an overlap (`lookback`)
/// does not deliver an event twice. The durable spool will implement this persistently (keyed by
/// source + vendor event id, bounded by the lookback horizon); until then `MemoryDedupeWindow`.
///
/// Ids are recorded only after the page carrying them is committed, never when fetched: a page
/// that fails to append must be fetched and delivered again.
public protocol DedupeWindow: Sendable {
    /// Which of `ids` were already recorded for `source` (same order as `ids`).
    func contains(source: String, ids: [String]) async -> [Bool]
    /// Records `ids` as delivered for `source`.
    func record(source: String, ids: [String]) async
}

/// A bounded in-memory `DedupeWindow`: the newest `capacity` ids per source, oldest evicted first.
/// Lost on restart, so an overlap re-read after a restart can deliver duplicates (at-least-once).
public actor MemoryDedupeWindow: DedupeWindow {
    private struct Ring {
        var order: [String] = []
        var head = 0
        var members: Set<String> = []
    }

    public let capacity: Int
    private var sources: [String: Ring] = [:]

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public func contains(source: String, ids: [String]) -> [Bool] {
        guard let ring = sources[source] else { return ids.map { _ in false } }
        return ids.map { ring.members.contains($0) }
    }

    public func record(source: String, ids: [String]) {
        var ring = sources[source] ?? Ring()
        for id in ids where !ring.members.contains(id) {
            if ring.order.count < capacity {
                ring.order.append(id)
            } else {
                ring.members.remove(ring.order[ring.head])
                ring.order[ring.head] = id
                ring.head = (ring.head + 1) % capacity
            }
            ring.members.insert(id)
        }
        sources[source] = ring
    }

    public func count(source: String) -> Int { sources[source]?.members.count ?? 0 }
}

/// For a pipeline that deduplicates itself against the spool's persisted window (by the records'
/// eventIDs, committed atomically with each page): the poller then passes every event through.
public struct NoDedupeWindow: DedupeWindow {
    public init() {}
    public func contains(source: String, ids: [String]) async -> [Bool] { ids.map { _ in false } }
    public func record(source: String, ids: [String]) async {}
}
