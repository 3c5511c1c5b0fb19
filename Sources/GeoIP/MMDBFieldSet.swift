/// Several paths read from one record in a single pass, for the enricher's hot path.
///
/// The paths are merged into a tree of keys (`country.iso_code`, `location.latitude` and
/// `location.longitude` share the walk to `location`), so each map on the way is scanned once and the
/// scan stops as soon as every wanted key in it was found. Build the set once; fill an
/// `MMDBFieldValues` per lookup with `MMDBReader.read(_:in:into:)`.
public struct MMDBFieldSet: Sendable {
    public let paths: [MMDBPath]
    let trie: Trie
    /// (slot, copied from slot) for paths listed more than once; the trie fills only the first.
    let duplicates: [(slot: Int, source: Int)]

    /// Nodes and edges of the key tree in raw memory, read without closures or bounds checks.
    final class Trie: @unchecked Sendable {
        struct Node {
            var firstEdge: Int
            var edgeCount: Int
            /// Index of the path that ends here, or -1.
            var terminal: Int
        }

        struct Edge {
            var keyStart: Int
            var keyLength: Int
            var index: Int
            var isIndex: Bool
            var target: Int
        }

        let nodes: UnsafeMutablePointer<Node>
        let nodeCount: Int
        let edges: UnsafeMutablePointer<Edge>
        let edgeCount: Int
        let keys: UnsafeMutableRawPointer

        init(nodes: [Node], edges: [Edge], keyBytes: [UInt8]) {
            nodeCount = nodes.count
            self.nodes = .allocate(capacity: max(nodes.count, 1))
            self.nodes.initialize(from: nodes, count: nodes.count)
            edgeCount = edges.count
            self.edges = .allocate(capacity: max(edges.count, 1))
            self.edges.initialize(from: edges, count: edges.count)
            keys = .allocate(byteCount: max(keyBytes.count, 1), alignment: 8)
            keys.copyMemory(from: keyBytes, byteCount: keyBytes.count)
        }

        deinit {
            nodes.deinitialize(count: nodeCount)
            nodes.deallocate()
            edges.deinitialize(count: edgeCount)
            edges.deallocate()
            keys.deallocate()
        }
    }

    public init(_ paths: [MMDBPath]) {
        self.paths = paths
        // Build a tree with per-node child lists, then lay it out with each node's edges contiguous.
        var children: [[(element: MMDBPath.Element, target: Int)]] = [[]]
        var terminals: [Int] = [-1]
        var duplicates: [(slot: Int, source: Int)] = []
        for (pathIndex, path) in paths.enumerated() {
            var node = 0
            for element in path.elements {
                if let existing = children[node].first(where: { $0.element == element }) {
                    node = existing.target
                } else {
                    children.append([])
                    terminals.append(-1)
                    children[node].append((element, children.count - 1))
                    node = children.count - 1
                }
            }
            if terminals[node] < 0 {
                terminals[node] = pathIndex
            } else {
                duplicates.append((pathIndex, terminals[node]))
            }
        }
        self.duplicates = duplicates
        var nodes: [Trie.Node] = []
        var edges: [Trie.Edge] = []
        var keyBytes: [UInt8] = []
        for (index, list) in children.enumerated() {
            nodes.append(Trie.Node(firstEdge: edges.count, edgeCount: list.count, terminal: terminals[index]))
            for child in list {
                switch child.element {
                case let .key(key):
                    let start = keyBytes.count
                    keyBytes.append(contentsOf: key.utf8)
                    edges.append(Trie.Edge(keyStart: start, keyLength: keyBytes.count - start, index: 0,
                                           isIndex: false, target: child.target))
                case let .index(position):
                    edges.append(Trie.Edge(keyStart: 0, keyLength: 0, index: position, isIndex: true,
                                           target: child.target))
                }
            }
        }
        trie = Trie(nodes: nodes, edges: edges, keyBytes: keyBytes)
    }
}

/// The fields found by one `MMDBReader.read(_:in:into:)`: slot i holds path i of the set. Reuse one
/// instance per task (it is not thread-safe); it keeps the reader's memory alive while it refers to it.
public final class MMDBFieldValues {
    let slots: UnsafeMutablePointer<Field>
    public let count: Int
    var storage: MMDBStorage?
    var section: DataSection?

    public init(for set: MMDBFieldSet) {
        count = set.paths.count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: Field(type: 0, size: 0, payload: 0), count: max(count, 1))
    }

    deinit {
        slots.deallocate()
    }

    /// Whether path `index` was found (with any type).
    public func isPresent(_ index: Int) -> Bool {
        index >= 0 && index < count && slots[index].type != 0
    }

    /// The string at slot `index`, or nil (invalid UTF-8 is repaired).
    public func string(_ index: Int) -> String? {
        guard let (section, field) = slot(index, type: DataType.utf8String) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: section.base + field.payload, count: field.size), as: UTF8.self)
    }

    /// Calls `body` with the string's bytes in place; they are only valid inside `body`.
    public func withUTF8<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        guard let (section, field) = slot(index, type: DataType.utf8String) else { return nil }
        return body(UnsafeRawBufferPointer(start: section.base + field.payload, count: field.size))
    }

    /// The double or float at slot `index`, or nil.
    public func double(_ index: Int) -> Double? {
        guard index >= 0, index < count, let section else { return nil }
        return section.doubleValue(slots[index])
    }

    /// The unsigned integer at slot `index` (as `MMDBReader.uint(at:in:)` reads it), or nil.
    public func uint(_ index: Int) -> UInt64? {
        guard index >= 0, index < count, let section else { return nil }
        return section.unsignedValue(slots[index])
    }

    @inline(__always)
    private func slot(_ index: Int, type: UInt8) -> (DataSection, Field)? {
        guard index >= 0, index < count, let section else { return nil }
        let field = slots[index]
        guard field.type == type else { return nil }
        return (section, field)
    }

    @inline(__always)
    func reset(storage newStorage: MMDBStorage, section newSection: DataSection) {
        if storage !== newStorage {
            storage = newStorage
            section = newSection
        }
        for index in 0 ..< count { slots[index].type = 0 }
    }
}

extension MMDBReader {
    /// Reads every path of `set` from the record of `result` into `values` in one pass. Slots of
    /// missing paths (or all of them, when the address has no record) are left empty.
    public func read(_ set: MMDBFieldSet, in result: LookupResult, into values: MMDBFieldValues) throws(MMDBError) {
        values.reset(storage: storage, section: data)
        guard result.dataOffset >= 0, result.dataOffset < data.count, values.count >= set.paths.count else { return }
        do {
            try data.visit(node: 0, of: set.trie, at: result.dataOffset, into: values.slots)
            for (slot, source) in set.duplicates {
                values.slots[slot] = values.slots[source]
            }
        } catch {
            throw corrupt(error)
        }
    }
}

extension DataSection {
    /// Matches the value at `position` against trie node `nodeIndex`. Recursion depth is the length
    /// of the longest path in the set (caller-defined, not file-defined); each level resolves at most
    /// one pointer, and each map or array on the way is scanned at most once.
    func visit(node nodeIndex: Int, of trie: MMDBFieldSet.Trie, at position: Int,
               into slots: UnsafeMutablePointer<Field>) throws(DecodeFailure) {
        let field = try resolvedField(at: position)
        let node = trie.nodes[nodeIndex]
        if node.terminal >= 0 {
            if field.type != DataType.map, field.type != DataType.array, field.type != DataType.boolean {
                try checkPayload(field)
            }
            slots[node.terminal] = field
        }
        guard node.edgeCount > 0 else { return }
        if field.type == DataType.map {
            try visitMap(field, node: node, of: trie, into: slots)
        } else if field.type == DataType.array {
            for edgeIndex in node.firstEdge ..< node.firstEdge + node.edgeCount {
                let edge = trie.edges[edgeIndex]
                guard edge.isIndex, let element = try element(edge.index, of: field) else { continue }
                try visit(node: edge.target, of: trie, at: element, into: slots)
            }
        }
    }

    @inline(__always)
    private func visitMap(_ map: Field, node: MMDBFieldSet.Trie.Node, of trie: MMDBFieldSet.Trie,
                          into slots: UnsafeMutablePointer<Field>) throws(DecodeFailure) {
        var wanted = 0
        for edgeIndex in node.firstEdge ..< node.firstEdge + node.edgeCount where !trie.edges[edgeIndex].isIndex {
            wanted += 1
        }
        var position = map.payload
        var remaining = map.size
        while remaining > 0, wanted > 0 {
            remaining -= 1
            let (keyString, valuePosition) = try mapKey(at: position)
            var matched = -1
            var edgeIndex = node.firstEdge
            let edgeEnd = node.firstEdge + node.edgeCount
            while edgeIndex < edgeEnd {
                let edge = trie.edges[edgeIndex]
                if !edge.isIndex,
                   payloadEquals(keyString, UnsafeRawBufferPointer(start: trie.keys + edge.keyStart, count: edge.keyLength)) {
                    matched = edge.target
                    break
                }
                edgeIndex += 1
            }
            if matched >= 0 {
                try visit(node: matched, of: trie, at: valuePosition, into: slots)
                wanted -= 1
                if wanted == 0 { return }
            }
            position = try skip(at: valuePosition)
        }
    }
}
