/// Which coordination-topic partition owns a source. Every replica must compute the same answer,
/// so the hash is FNV-1a 64 over the id's UTF-8 bytes (Swift's `Hasher` is seeded per process).
public struct SourcePartitioning: Sendable, Equatable {
    public let partitionCount: Int32

    public init(partitionCount: Int32) throws {
        guard partitionCount >= 1 else { throw ClusterError.invalidPartitionCount(partitionCount) }
        self.partitionCount = partitionCount
    }

    public func partition(of sourceID: String) -> Int32 {
        Int32(truncatingIfNeeded: Self.fnv1a64(sourceID.utf8) % UInt64(partitionCount))
    }

    /// The ids (in their given order) whose partition is in `partitions`.
    public func sources(onPartitions partitions: Set<Int32>, from sourceIDs: [String]) -> [String] {
        sourceIDs.filter { partitions.contains(partition(of: $0)) }
    }

    static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
