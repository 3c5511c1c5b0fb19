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

    static func logger(_ level: Logger.Level) -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = level
        return logger
    }

    /// The state and coordination topics "st" and "co" on `cluster`, group "g".
    static func configuration(_ cluster: MockCluster) -> ClusterConfiguration {
        ClusterConfiguration(brokers: cluster.bootstrap, group: "g", stateTopic: "st", coordinationTopic: "co")
    }

    @Test func mirroredCursorsReachAReaderStartedLater() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["st": 4, "co": 8])
        defer { cluster.stop() }
        let configuration = Self.configuration(cluster)
        let logger = Self.logger(.error)
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
        // a's position through 20 was not acknowledged, so it stays at 100; the credential rotated
        // with it is published when committed (the vendor revoked the older one).
        let expectedA = SourceCursor(streams: ["system_log": PollState(since: Timestamp(seconds: 100))], sealedCredential: "sealed-200").encoded
        #expect(a?.mirrored == true && a?.cursor == expectedA, "\(String(describing: a))")
        #expect(b?.mirrored == true && b?.cursor == Self.cursor(300))
        #expect(c?.mirrored == false && c?.cursor == "local-c")
    }

    @Test func aFatalErrorReplacesTheStateWritersProducerAndEveryNewestCursorArrives() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["st": 2])
        defer { cluster.stop() }
        let configuration = Self.configuration(cluster)
        let logger = Self.logger(.critical)
        let sources = (0..<20).map { "source-\($0)" }
        func records(_ seconds: Int64) throws -> [(key: [UInt8], value: [UInt8]?)] {
            try sources.flatMap { try StateRecord.records(source: $0, cursor: Self.cursor(seconds)) }.map { ($0.key, $0.value) }
        }
        let writer = try StateWriter(configuration: configuration, clientID: "writer", logger: logger)
        writer.start()
        writer.publish(try records(100))
        try await waitUntil(seconds: 30, "the first cursors are delivered") { writer.outstanding == 0 }
        // 45 OUT_OF_ORDER_SEQUENCE_NUMBER on the next produce requests: the idempotent producer's
        // state is lost and librdkafka raises a fatal error; that producer refuses every later send.
        try cluster.command("errors 0 3 45 45 45")
        writer.publish(try records(200))
        try await waitUntil(seconds: 30, "the producer is replaced (\(writer.producerRestarts)) and every cursor delivered (\(writer.outstanding) left)") {
            writer.producerRestarts >= 1 && writer.outstanding == 0
        }
        writer.publish(try StateRecord.records(source: "source-0", cursor: Self.cursor(300)).map { ($0.key, $0.value) })
        try await waitUntil(seconds: 30, "the new producer delivers") { writer.outstanding == 0 }
        writer.stop(flushTimeout: .seconds(5))

        let reader = try StateReader(configuration: configuration, clientID: "reader", logger: logger)
        reader.start()
        defer { reader.stop() }
        #expect(await reader.waitUntilCaughtUp())
        #expect(reader.cursor(source: "source-0") == Self.cursor(300))
        for source in sources.dropFirst() {
            #expect(reader.cursor(source: source) == Self.cursor(200), "\(source): \(reader.cursor(source: source) ?? "none")")
        }
    }

    @Test func aRotatedCredentialIsMirroredWhenCommittedAndNeverReplacedByAnOlderOne() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["st": 2, "co": 4])
        defer { cluster.stop() }
        let configuration = Self.configuration(cluster)
        let logger = Self.logger(.error)
        func cursor(position: Int64, token: Int64) -> String {
            SourceCursor(streams: ["system_log": PollState(since: Timestamp(seconds: position))], sealedCredential: "sealed-\(token)").encoded
        }
        // The old owner committed pages through 30, each with a newer token (the vendor revoked
        // each older one); its sinks had acknowledged through 10 when it lost the source.
        let old = try ClusterNode(configuration: configuration, sourceIDs: ["a"], logger: logger)
        old.start()
        old.committed(source: "a", cursor: Self.cursor(100), throughSequence: 10)
        old.committed(source: "a", cursor: Self.cursor(200), throughSequence: 20)
        old.committed(source: "a", cursor: Self.cursor(300), throughSequence: 30)
        old.acknowledged(through: 10)
        try await waitUntil(seconds: 20, "the old owner's records are published") { old.mirrorOutstanding == 0 }

        // The new owner resumes from the delivered position with the newest token, and rotates it.
        let next = try ClusterNode(configuration: configuration, sourceIDs: ["a"], logger: logger)
        next.start()
        let taken = await next.startingCursor(source: "a", local: nil)
        #expect(taken?.cursor == cursor(position: 100, token: 300), "\(String(describing: taken))")
        next.committed(source: "a", cursor: cursor(position: 150, token: 400), throughSequence: 5)
        await next.stop()
        // The old owner's sinks catch up: its positions move on, its revoked tokens stay unsent.
        old.acknowledged(through: 30)
        await old.stop()

        let last = try ClusterNode(configuration: configuration, sourceIDs: ["a"], logger: logger)
        last.start()
        let final = await last.startingCursor(source: "a", local: nil)
        await last.stop()
        #expect(final?.cursor == cursor(position: 300, token: 400), "\(String(describing: final))")
    }

    @Test func aTakeoverWaitingForAMissingStateTopicCanBeCancelled() async throws {
        let cluster = try MockCluster(brokers: 1, topics: ["co": 4])
        defer { cluster.stop() }
        let logger = Self.logger(.critical)
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
        let logger = Self.logger(.error)
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
