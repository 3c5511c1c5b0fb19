/// The binary search tree at the start of the file: `nodeCount` nodes of two records each, 24, 28 or
/// 32 bits per record. A record below `nodeCount` is the next node, equal to it means "no data", above
/// it points into the data section.
///
/// Reads never leave the file: a node index is always checked against `nodeCount`, and the metadata
/// check guaranteed that the tree plus its 16-byte separator fit before the metadata. A walk takes at
/// most one step per address bit, so a looping tree ends in an error, not a hang.
struct SearchTree: @unchecked Sendable {
    let base: UnsafeRawPointer
    let nodeCount: Int
    let recordSize: Int
    let ipVersion: Int
    let dataSectionSize: Int
    /// The node reached by following 96 zero bits in an IPv6 tree (the root for an IPv4 tree), where
    /// IPv4 lookups start; may already be a data or empty record if the tree ends above depth 96.
    private(set) var ipv4Start = 0
    private(set) var ipv4StartDepth = 0

    init(base: UnsafeRawPointer, metadata: MMDBMetadata, dataSectionSize: Int) {
        self.base = base
        nodeCount = metadata.nodeCount
        recordSize = metadata.recordSize
        ipVersion = metadata.ipVersion
        self.dataSectionSize = dataSectionSize
        if ipVersion == 6 {
            var node = 0
            var depth = 0
            while depth < 96, node < nodeCount {
                node = record(node, 0)
                depth += 1
            }
            ipv4Start = node
            ipv4StartDepth = depth
        }
    }

    /// Record `side` (0 left, 1 right) of `node`; `node` must be below `nodeCount`.
    /// Four-byte loads may read one byte past the last node, which is inside the separator.
    @inline(__always)
    func record(_ node: Int, _ side: Int) -> Int {
        switch recordSize {
        case 24:
            let word = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 6 + side * 3, as: UInt32.self))
            return Int(word >> 8)
        case 28:
            if side == 0 {
                let word = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 7, as: UInt32.self))
                return Int(word >> 8 | (word & 0xF0) << 20)
            }
            let word = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 7 + 3, as: UInt32.self))
            return Int(word & 0x0FFF_FFFF)
        default:
            return Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 8 + side * 4, as: UInt32.self)))
        }
    }

    /// Walks the tree for `address` and returns the final record and the number of bits used.
    /// IPv4 addresses in an IPv6 tree start at `ipv4Start`; the depth then counts the 96 bits above.
    @inline(__always)
    /// `parent` is the node holding the final record (for error offsets), -1 if there was none.
    func walk(_ address: IPAddressBytes) throws(DecodeFailure) -> (record: Int, depth: Int, parent: Int) {
        var node: Int
        var depth: Int
        var word: UInt64
        let bitCount: Int
        if address.isIPv4 {
            node = ipv4Start
            depth = ipv4StartDepth
            word = address.low << 32
            bitCount = 32
        } else {
            node = 0
            depth = 0
            word = address.high
            bitCount = 128
        }
        var used = 0
        var parent = -1
        // One loop per record size keeps the size switch out of the per-bit path.
        switch recordSize {
        case 24:
            while used < bitCount, node < nodeCount {
                if used == 64 { word = address.low }
                parent = node
                let word32 = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 6 + Int(word >> 63) * 3, as: UInt32.self))
                node = Int(word32 >> 8)
                word <<= 1
                used += 1
            }
        case 28:
            while used < bitCount, node < nodeCount {
                if used == 64 { word = address.low }
                parent = node
                if word >> 63 == 0 {
                    let word32 = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 7, as: UInt32.self))
                    node = Int(word32 >> 8 | (word32 & 0xF0) << 20)
                } else {
                    let word32 = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 7 + 3, as: UInt32.self))
                    node = Int(word32 & 0x0FFF_FFFF)
                }
                word <<= 1
                used += 1
            }
        default:
            while used < bitCount, node < nodeCount {
                if used == 64 { word = address.low }
                parent = node
                node = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: node * 8 + Int(word >> 63) * 4, as: UInt32.self)))
                word <<= 1
                used += 1
            }
        }
        guard node >= nodeCount else {
            throw DecodeFailure(.searchTreeTooDeep, at: node * (recordSize / 4), detail: bitCount)
        }
        return (node, depth + used, parent)
    }

    /// The data-section offset a record of `node` points to, or -1 for the empty record.
    @inline(__always)
    func dataOffset(forRecord record: Int, of node: Int) throws(DecodeFailure) -> Int {
        if record == nodeCount { return -1 }
        let offset = record - nodeCount - 16
        guard offset >= 0, offset < dataSectionSize else {
            throw DecodeFailure(.dataRecordOutOfRange, at: max(node, 0) * (recordSize / 4), detail: record)
        }
        return offset
    }
}
