extension MMDBReader {
    /// Checks the whole database, more strictly than lookups do (like maxminddb-golang's `Verify`):
    /// the separator after the search tree is zero; every node is reachable without a cycle and every
    /// path ends in a record within the address's bit count; every data record the tree points to,
    /// and every value stored in the data section, decodes within the default limits with valid
    /// UTF-8 and correctly sized numbers.
    ///
    /// Memory: one byte per search-tree node plus a set of data offsets. Safe to call on a reader that
    /// is serving lookups.
    public func verify() throws(MMDBError) {
        try verifySeparator()
        let dataOffsets = try verifySearchTree()
        let valueStarts = try verifyDataSection()
        for offset in dataOffsets where !valueStarts.contains(offset) {
            // The spec allows a record to point at any value, also one nested in another.
            var decoder = ValueDecoder(section: data, limits: .default)
            do { _ = try decoder.decode(at: offset) } catch { throw corrupt(error) }
        }
    }

    private func verifySeparator() throws(MMDBError) {
        let start = metadata.searchTreeSize
        for index in start ..< start + 16 where storage.bytes[index] != 0 {
            throw MMDBError(path: path, code: .corrupt(.separatorNotZero, fileOffset: index, detail: 0))
        }
    }

    /// Depth-first walk with an explicit stack. Per node we keep a state byte: 0 unseen, 1 on the
    /// current path (seeing it again is a cycle), or 2 + the height of its finished subtree, so a node
    /// shared by several parents (IPv4 aliases) is walked once but still checked against each
    /// parent's depth.
    private func verifySearchTree() throws(MMDBError) -> Set<Int> {
        let nodeCount = metadata.nodeCount
        let bitCount = metadata.ipVersion == 6 ? 128 : 32
        var state = [UInt8](repeating: 0, count: nodeCount)
        var dataOffsets = Set<Int>()

        struct Frame {
            var node: Int
            var depth: Int
            var side: Int
            var childHeight: Int
        }
        var stack = [Frame(node: 0, depth: 0, side: 0, childHeight: 0)]
        stack.reserveCapacity(bitCount + 1)
        state[0] = 1

        func treeError(_ reason: DecodeFailure.Reason, node: Int, detail: Int) -> MMDBError {
            MMDBError(path: path, code: .corrupt(reason, fileOffset: node * metadata.nodeByteSize, detail: detail))
        }

        while let top = stack.last {
            if top.side == 2 {
                stack.removeLast()
                let height = top.childHeight + 1
                state[top.node] = UInt8(2 + height)
                if !stack.isEmpty {
                    stack[stack.count - 1].childHeight = max(stack[stack.count - 1].childHeight, height)
                }
                continue
            }
            stack[stack.count - 1].side += 1
            let record = tree.record(top.node, top.side)
            if record < nodeCount {
                let childDepth = top.depth + 1
                switch state[record] {
                case 0:
                    guard childDepth < bitCount else {
                        throw treeError(.searchTreeTooDeep, node: record, detail: bitCount)
                    }
                    state[record] = 1
                    stack.append(Frame(node: record, depth: childDepth, side: 0, childHeight: 0))
                case 1:
                    throw treeError(.searchTreeCycle, node: record, detail: record)
                default:
                    let height = Int(state[record]) - 2
                    guard childDepth + height <= bitCount else {
                        throw treeError(.searchTreeTooDeep, node: record, detail: bitCount)
                    }
                    stack[stack.count - 1].childHeight = max(stack[stack.count - 1].childHeight, height)
                }
            } else if record > nodeCount {
                do {
                    dataOffsets.insert(try tree.dataOffset(forRecord: record, of: top.node))
                } catch {
                    throw treeError(error.reason, node: top.node, detail: error.detail)
                }
            }
        }
        // Writers number exactly the nodes they link; a node nothing reaches means the node count
        // or the tree is wrong (libmaxminddb-corrupt-search-tree.mmdb claims 100 nodes, links 1).
        if let unreachable = state.firstIndex(of: 0) {
            throw treeError(.unreachableNode, node: unreachable, detail: unreachable)
        }
        return dataOffsets
    }

    /// Decodes the data section value after value, as a streaming reader would, and returns where
    /// each top-level value starts. An end marker ends the section.
    private func verifyDataSection() throws(MMDBError) -> Set<Int> {
        var starts = Set<Int>()
        var offset = 0
        do {
            while offset < data.count {
                if try data.field(at: offset).type == DataType.endMarker { break }
                var decoder = ValueDecoder(section: data, limits: .default)
                let (_, next) = try decoder.decode(at: offset)
                starts.insert(offset)
                offset = next
            }
        } catch {
            throw corrupt(error)
        }
        return starts
    }
}
