extension MMDBReader {
    /// Looks up many addresses at once (e.g. every source and destination address of a batch of
    /// records). Same results as calling `lookup(_:)` for each address, but the tree walks of up to
    /// eight addresses advance in lockstep: a single walk waits for one cache miss per tree level,
    /// while independent walks let the CPU overlap those misses.
    ///
    /// `results` is replaced with one result per address. Throws on the first address that cannot be
    /// looked up (an IPv6 address in an IPv4-only database, or a corrupt search tree).
    public func lookup(_ addresses: [IPAddressBytes], into results: inout [LookupResult]) throws(MMDBError) {
        results.removeAll(keepingCapacity: true)
        results.reserveCapacity(addresses.count)
        var start = 0
        while start < addresses.count {
            let end = min(start + Self.batchLanes, addresses.count)
            try lookupGroup(addresses, start ..< end, into: &results)
            start = end
        }
    }

    static let batchLanes = 8

    /// One walk in progress.
    private struct Lane {
        var node = 0
        var word: UInt64 = 0
        var low: UInt64 = 0
        var used = 0
        var bitCount = 0
        var startDepth = 0
        var parent = -1
        var ipv4InIPv6 = false
    }

    private func lookupGroup(_ addresses: [IPAddressBytes], _ range: Range<Int>,
                             into results: inout [LookupResult]) throws(MMDBError) {
        let laneCount = range.count
        // Stack memory for the lanes: no heap allocation per group.
        try withUnsafeTemporaryAllocation(of: Lane.self, capacity: Self.batchLanes) { (lane) throws(MMDBError) in
            lane.initialize(repeating: Lane())
            for index in 0 ..< laneCount {
                var address = addresses[range.lowerBound + index]
                if tree.ipVersion == 4, !address.isIPv4 {
                    guard let ipv4 = address.embeddedIPv4 else {
                        throw MMDBError(path: path, code: .ipv6InIPv4Database(address.description))
                    }
                    address = ipv4
                }
                if address.isIPv4 {
                    lane[index] = Lane(node: tree.ipv4Start, word: address.low << 32, low: 0, used: 0, bitCount: 32,
                                       startDepth: tree.ipv4StartDepth, parent: -1, ipv4InIPv6: tree.ipVersion == 6)
                } else {
                    lane[index] = Lane(node: 0, word: address.high, low: address.low, used: 0, bitCount: 128,
                                       startDepth: 0, parent: -1, ipv4InIPv6: false)
                }
            }
            // Advance every unfinished walk by one bit per pass; their loads are independent.
            let nodeCount = tree.nodeCount
            var active = true
            while active {
                active = false
                for index in 0 ..< laneCount {
                    var current = lane[index]
                    guard current.used < current.bitCount, current.node < nodeCount else { continue }
                    if current.used == 64 { current.word = current.low }
                    current.parent = current.node
                    current.node = tree.record(current.node, Int(current.word >> 63))
                    current.word <<= 1
                    current.used += 1
                    lane[index] = current
                    active = true
                }
            }
            for index in 0 ..< laneCount {
                let finished = lane[index]
                do throws(DecodeFailure) {
                    guard finished.node >= nodeCount else {
                        throw DecodeFailure(.searchTreeTooDeep, at: finished.node * (tree.recordSize / 4),
                                            detail: finished.bitCount)
                    }
                    let depth = finished.startDepth + finished.used
                    let prefix = finished.ipv4InIPv6 ? max(0, depth - 96) : depth
                    results.append(LookupResult(dataOffset: try tree.dataOffset(forRecord: finished.node, of: finished.parent),
                                                prefixLength: prefix))
                } catch {
                    throw corrupt(error, treeFailure: true)
                }
            }
        }
    }
}
