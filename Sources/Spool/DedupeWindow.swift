/// The vendor event ids one source has recorded recently, bounded by count and age. Oldest ids are
/// forgotten first. Re-recording a known id keeps its first time, so the queue holds each id once.
struct DedupeWindow: Sendable {
    private struct Entry: Sendable {
        var id: String
        var timestampMillis: UInt64
    }

    private var lastSeen: [String: UInt64] = [:]
    private var order: [Entry] = []  // insertion order; compacted when the consumed prefix grows
    private var head = 0
    /// Bytes this window takes in the state snapshot (used for the metadata reserve).
    private(set) var encodedBytes = 0

    var count: Int { lastSeen.count }

    static func normalise(_ id: String) -> String {
        id.utf8.count <= DedupeWindowLimits.maxIDBytes
            ? id : String(decoding: Array(id.utf8.prefix(DedupeWindowLimits.maxIDBytes)), as: UTF8.self)
    }

    func contains(_ id: String, notBefore cutoffMillis: UInt64) -> Bool {
        guard let time = lastSeen[Self.normalise(id)] else { return false }
        return time >= cutoffMillis
    }

    mutating func insert(_ rawID: String, timestampMillis: UInt64, limits: DedupeWindowLimits, nowMillis: UInt64) {
        let id = Self.normalise(rawID)
        guard lastSeen[id] == nil else { return }
        lastSeen[id] = timestampMillis
        encodedBytes += 10 + id.utf8.count
        order.append(Entry(id: id, timestampMillis: timestampMillis))
        evict(limits: limits, nowMillis: nowMillis)
    }

    mutating func evict(limits: DedupeWindowLimits, nowMillis: UInt64) {
        let maxAgeMillis = UInt64(max(0, limits.maxAgeSeconds) * 1000)
        let cutoff = nowMillis > maxAgeMillis ? nowMillis - maxAgeMillis : 0
        while head < order.count {
            let entry = order[head]
            let current = lastSeen[entry.id]
            if current != entry.timestampMillis {  // already evicted: stale queue entry
                head += 1
                continue
            }
            guard lastSeen.count > limits.maxEntriesPerSource || entry.timestampMillis < cutoff else { break }
            lastSeen[entry.id] = nil
            encodedBytes -= 10 + entry.id.utf8.count
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Live entries oldest first, for the state snapshot.
    var entries: [(id: String, timestampMillis: UInt64)] {
        order[head...].compactMap { entry in
            lastSeen[entry.id] == entry.timestampMillis ? (entry.id, entry.timestampMillis) : nil
        }
    }
}
