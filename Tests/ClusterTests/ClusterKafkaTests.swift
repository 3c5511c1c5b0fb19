import Foundation
import Logging
import Polling
import RelayCore
import TestHelpers
import Testing
@testable import Cluster

/// The Kafka glue against librdkafka's mock cluster over TCP: the state topic round trip and the
/// group sharing sources between members.
@Suite(.serialized) struct ClusterKafkaTests {
    static func cursor(_ seconds: Int64) -> String {
        SourceCursor(streams: ["system_log": PollState(since: Timestamp(seconds: seconds))], sealedCredential: "sealed-\(seconds)").encoded
    }

    @Test func mirroredCursorsReachAReaderStartedLater() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["st": 4, "co": 8])
        defer { cluster.stop() }
        let configuration = ClusterConfiguration(brokers: cluster.bootstrap, group: "g", stateTopic: "st", coordinationTopic: "co")
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let node = try ClusterNode(configuration: configuration, sourceIDs: ["a", "b"], logger: logger)
        node.start()
        // Committed through sequence 10 and 20; only what every sink acknowledged is published.
        node.committed(source: "a", cursor: Self.cursor(100), throughSequence: 10)
        node.committed(source: "a", cursor: Self.cursor(200), throughSequence: 20)
        node.committed(source: "b", cursor: Self.cursor(300), throughSequence: 15)
        node.acknowledged(through: 15)
        await node.stop()

        let later = try ClusterNode(configuration: configuration, sourceIDs: ["a", "b"], logger: logger)
        later.start()
        let a = await later.startingCursor(source: "a", local: "local-a")
        let b = await later.startingCursor(source: "b", local: nil)
        let c = await later.startingCursor(source: "c", local: "local-c")
        await later.stop()
        #expect(a?.mirrored == true && a?.cursor == Self.cursor(100), "a's cursor through 20 was not acknowledged: \(String(describing: a))")
        #expect(b?.mirrored == true && b?.cursor == Self.cursor(300))
        #expect(c?.mirrored == false && c?.cursor == "local-c")
    }

    @Test func aTakeoverWaitingForAMissingStateTopicCanBeCancelled() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["co": 4])
        defer { cluster.stop() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let node = try ClusterNode(configuration: ClusterConfiguration(brokers: cluster.bootstrap, group: "g", stateTopic: "missing", coordinationTopic: "co"),
                                   sourceIDs: ["a"], logger: logger)
        node.start()
        let waiting = Task { await node.startingCursor(source: "a", local: "local") }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        #expect(await waiting.value == nil, "no starting cursor before the state topic was read")
        await node.stop()
    }

    @Test func connectionCheckFindsBothTopicsAndNamesAMissingOne() throws {
        let cluster = try MockCluster(brokers: 1, topics: ["co": 32])
        defer { cluster.stop() }
        let steps = ClusterConfiguration(brokers: cluster.bootstrap, group: "g", stateTopic: "st", coordinationTopic: "co").probe(timeout: .seconds(5))
        #expect(steps.map(\.check) == ["coordinationTopic", "stateTopic"])
        #expect(steps[0].passed && steps[0].detail == "co: 32 partitions", "\(steps[0])")
        #expect(!steps[1].passed && steps[1].detail.contains("topic st does not exist"), "\(steps[1])")
        #expect(steps[1].fix?.contains("cleanup.policy=compact") == true)
    }

    @Test func groupMembersShareTheSourcesAndTakeOverOnLeave() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["st": 2, "co": 16])
        defer { cluster.stop() }
        let configuration = ClusterConfiguration(brokers: cluster.bootstrap, properties: [("session.timeout.ms", Secret("6000"))],
                                                 group: "g", stateTopic: "st", coordinationTopic: "co")
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let sources = (0..<20).map { "source-\($0)" }
        let first = try ClusterNode(configuration: configuration, sourceIDs: sources, logger: logger)
        let second = try ClusterNode(configuration: configuration, sourceIDs: sources, logger: logger)
        first.start()
        second.start()
        try await waitUntil(seconds: 30, "both members own disjoint shares of every source") {
            let one = Set(first.ownership.owned), two = Set(second.ownership.owned)
            return !one.isEmpty && !two.isEmpty && one.isDisjoint(with: two) && one.union(two) == Set(sources)
        }
        await second.stop()
        try await waitUntil(seconds: 30, "the remaining member owns every source") { Set(first.ownership.owned) == Set(sources) }
        await first.stop()
    }
}
