/// A cursor commit waiting to be mirrored: the source's `SourceCursor` JSON and the record-log
/// sequence of the last record its batch appended.
public struct MirroredCursor: Sendable, Equatable {
    public var source: String
    public var cursor: String
    public var throughSequence: UInt64

    public init(source: String, cursor: String, throughSequence: UInt64) {
        self.source = source
        self.cursor = cursor
        self.throughSequence = throughSequence
    }
}

/// Holds cursor commits until every sink acknowledged every record up to them, so a mirrored
/// cursor never runs ahead of delivered data. Bounded per source: when a source's queue is full
/// its newest entry is replaced, which only delays publication (the replaced entry's successor
/// has a higher sequence), never publishes early.
public struct CursorMirrorGate: Sendable {
    public let maxPendingPerSource: Int
    /// Per source, commits in the order they were made.
    private var pending: [String: [MirroredCursor]] = [:]
    /// The first pending sequence of each source with pending entries, smallest on top, so a
    /// release touches only the sources it frees. May hold outdated heads; they are skipped.
    private var heads = MinHeap()
    public private(set) var pendingCount = 0

    public init(maxPendingPerSource: Int = 64) {
        self.maxPendingPerSource = max(1, maxPendingPerSource)
    }

    public mutating func committed(source: String, cursor: String, throughSequence: UInt64) {
        let entry = MirroredCursor(source: source, cursor: cursor, throughSequence: throughSequence)
        var queue = pending.removeValue(forKey: source) ?? []
        if queue.count >= maxPendingPerSource {
            queue[queue.count - 1] = entry
        } else {
            queue.append(entry)
            pendingCount += 1
        }
        if queue.count == 1 { heads.push(HeadEntry(sequence: throughSequence, source: source)) }
        pending[source] = queue
    }

    /// Entries now acknowledged by every sink; newest per source only, in sequence order.
    public mutating func release(acknowledgedThrough sequence: UInt64) -> [MirroredCursor] {
        var released: [MirroredCursor] = []
        while let head = heads.peek, head.sequence <= sequence {
            heads.pop()
            guard var queue = pending[head.source], let first = queue.first,
                  first.throughSequence == head.sequence else { continue }  // an outdated head
            // Stops at the first entry not yet acknowledged, so nothing after it leaves early
            // even if a later commit carried a smaller sequence.
            let freed = queue.prefix { $0.throughSequence <= sequence }.count
            released.append(queue[freed - 1])
            queue.removeFirst(freed)
            pendingCount -= freed
            if let next = queue.first {
                heads.push(HeadEntry(sequence: next.throughSequence, source: head.source))
                pending[head.source] = queue
            } else {
                pending[head.source] = nil
            }
        }
        released.sort { $0.throughSequence < $1.throughSequence }
        return released
    }

    private struct HeadEntry: Sendable {
        var sequence: UInt64
        var source: String
    }

    private struct MinHeap: Sendable {
        private var items: [HeadEntry] = []
        var peek: HeadEntry? { items.first }

        mutating func push(_ item: HeadEntry) {
            items.append(item)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child].sequence < items[parent].sequence else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() {
            guard !items.isEmpty else { return }
            items.swapAt(0, items.count - 1)
            items.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count, items[left].sequence < items[smallest].sequence { smallest = left }
                if right < items.count, items[right].sequence < items[smallest].sequence { smallest = right }
                guard smallest != parent else { return }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }
}
