@testable import Cluster
import Testing

@Suite struct SourcePartitioningTests {
    @Test func theHashIsFNV1a64OverUTF8() {
        // Published FNV-1a 64 test vectors: every replica, on any platform, must agree.
        #expect(SourcePartitioning.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(SourcePartitioning.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(SourcePartitioning.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
    }

    @Test func partitionsArePinnedForKnownIDs() throws {
        let partitioning = try SourcePartitioning(partitionCount: 64)
        // Written down from the FNV-1a definition (computed independently of this code); a change
        // here means replicas of different versions would disagree on ownership.
        let pinned: [String: Int32] = ["okta-prod": 30, "github-org": 33, "tenant-0042": 34, "gws": 48]
        for (id, partition) in pinned { #expect(partitioning.partition(of: id) == partition, "\(id)") }
        #expect(try SourcePartitioning(partitionCount: 1).partition(of: "anything") == 0)
    }

    @Test func aPartitionCountBelowOneIsRefused() {
        #expect(throws: ClusterError.invalidPartitionCount(0)) { try SourcePartitioning(partitionCount: 0) }
        #expect(throws: ClusterError.invalidPartitionCount(-3)) { try SourcePartitioning(partitionCount: -3) }
        #expect(ClusterError.invalidPartitionCount(0).description.contains("at least 1"))
    }

    @Test func sourcesOnPartitionsKeepsTheGivenOrderAndCoversEverySourceOnce() throws {
        let partitioning = try SourcePartitioning(partitionCount: 16)
        let ids = (0..<200).map { "tenant-\($0)" }
        let halves = [Set<Int32>(0..<8), Set<Int32>(8..<16)]
        let owned = halves.map { partitioning.sources(onPartitions: $0, from: ids) }
        #expect(Set(owned[0]).isDisjoint(with: owned[1]))
        #expect(Set(owned[0] + owned[1]) == Set(ids))
        #expect(owned[0] == ids.filter { owned[0].contains($0) })
        // Spread: no partition gets more than three times its fair share of 200 ids.
        var perPartition = [Int](repeating: 0, count: 16)
        for id in ids { perPartition[Int(partitioning.partition(of: id))] += 1 }
        #expect(perPartition.max()! <= 3 * 200 / 16)
        #expect(partitioning.sources(onPartitions: [], from: ids).isEmpty)
    }
}
