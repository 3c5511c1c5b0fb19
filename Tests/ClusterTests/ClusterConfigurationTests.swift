import Foundation
import Relay
import Synchronization
import RelayCore
import Testing
@testable import Cluster

@Suite struct ClusterConfigurationTests {
    func parse(_ cluster: String?) throws -> (ClusterConfiguration?, [String]) {
        var yaml = """
            sources: [{id: r, type: replay, path: /dev/null}]
            sinks: [{type: stdout}]
            """
        if let cluster { yaml += "\ncluster: \(cluster)" }
        let value = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: SecretResolver(environment: ["SASL": "hunter2-secret"]))
        return (configuration?.cluster, problems.map(\.description))
    }

    @Test func offWithoutTheBlock() throws {
        let (cluster, problems) = try parse(nil)
        #expect(problems.isEmpty, "\(problems)")
        #expect(cluster == nil)
    }

    @Test func fullBlockWithDefaults() throws {
        let (parsed, problems) = try parse("{kafka: {brokers: [\"a:9092\", \"b:9093\"], librdkafka: {session.timeout.ms: \"6000\", sasl.password: \"${env:SASL}\"}}, group: prod}")
        #expect(problems.isEmpty, "\(problems)")
        let cluster = try #require(parsed)
        #expect(cluster.brokers == "a:9092,b:9093")
        #expect(cluster.group == "prod")
        #expect(cluster.stateTopic == "auditrelay-state")
        #expect(cluster.coordinationTopic == "auditrelay-coordination")
        let membership = Dictionary(cluster.membershipProperties(clientID: "c").map { ($0.key, $0.value.reveal()) }) { $1 }
        #expect(membership["partition.assignment.strategy"] == "cooperative-sticky")
        #expect(membership["group.id"] == "prod")
        #expect(membership["session.timeout.ms"] == "6000")
        #expect(membership["sasl.password"] == "hunter2-secret")
        let writer = Dictionary(cluster.writerProperties(clientID: "c").map { ($0.key, $0.value.reveal()) }) { $1 }
        #expect(writer["enable.idempotence"] == "true")
        #expect(writer["acks"] == "all")
    }

    @Test func problemsAreNamedByKey() throws {
        let (_, problems) = try parse("{kafka: {brokers: [\"nohost\"], librdkafka: {group.id: x, no.such.property: \"1\"}}, stateTopic: \"bad topic\", coordinationTopic: \"bad topic\", extra: 1}")
        let text = problems.joined(separator: "\n")
        #expect(text.contains("cluster.kafka.brokers[0]: \"nohost\" is not host:port"), "\(text)")
        #expect(text.contains("cluster.kafka.librdkafka.group.id: cannot be set here: use cluster.group"), "\(text)")
        #expect(text.contains("cluster.kafka.librdkafka.no.such.property: is not a librdkafka property"), "\(text)")
        #expect(text.contains("cluster.group"), "\(text)")
        #expect(text.contains("cluster.stateTopic: \"bad topic\" may only contain"), "\(text)")
        #expect(text.contains("cluster.stateTopic: must differ from coordinationTopic"), "\(text)")
        #expect(text.contains("cluster.extra"), "\(text)")
        let (_, missing) = try parse("{group: g}")
        #expect(missing.contains { $0.hasPrefix("cluster.kafka: is required") }, "\(missing)")
    }

    @Test func secretValuesAreNeverPrinted() throws {
        let (_, problems) = try parse("{kafka: {brokers: \"a:1\", librdkafka: {sasl.mechanisms: \"${env:SASL}\"}}, group: g}")
        #expect(!problems.joined().contains("hunter2-secret"), "\(problems)")
    }
}

@Suite struct SourceOwnershipTests {
    @Test func waitersWakeOnAssignmentAndGrantsExpireOnRevocation() async throws {
        let ownership = SourceOwnership()
        async let waited = ownership.waitUntilOwned("a")
        // The waiter registers, then the assignment wakes it.
        while ownership.owned.isEmpty {
            ownership.assign(["a"])
            try await Task.sleep(for: .milliseconds(5))
        }
        let grant = try #require(await waited)
        #expect(ownership.beginPage(grant))
        ownership.endPage("a")
        #expect(ownership.revoke(["a"], timeout: .seconds(1)).isEmpty)
        #expect(!ownership.beginPage(grant))
        ownership.assign(["a"])
        #expect(!ownership.holds(grant), "a grant from an earlier assignment stays invalid")
    }

    @Test func revocationWaitsForThePageInFlight() async throws {
        let ownership = SourceOwnership()
        ownership.assign(["a", "b"])
        let grant = try #require(await ownership.waitUntilOwned("a"))
        #expect(ownership.beginPage(grant))
        let ended = Mutex(false)
        let pageEnd = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            ended.withLock { $0 = true }
            ownership.endPage("a")
        }
        pageEnd.start()
        let stillBusy = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: ownership.revoke(["a"], timeout: .seconds(5))) }.start()
        }
        #expect(stillBusy.isEmpty)
        #expect(ended.withLock { $0 }, "the revocation returned only after the page ended")
        // A page that never ends: the revocation gives up after its timeout and names the source.
        let other = try #require(await ownership.waitUntilOwned("b"))
        #expect(ownership.beginPage(other))
        #expect(ownership.revoke(["b"], timeout: .milliseconds(100)) == ["b"])
    }

    @Test func stopWakesWaitersWithNil() async {
        let ownership = SourceOwnership()
        async let waited = ownership.waitUntilOwned("a")
        try? await Task.sleep(for: .milliseconds(20))
        ownership.stop()
        #expect(await waited == nil)
        #expect(await ownership.waitUntilOwned("b") == nil)
    }
}
