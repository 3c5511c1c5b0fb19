import Foundation
import TestHelpers
import Logging
import Testing
import Replay
import Normalizers
import Relay
import RelayCore
@testable import Sinks

/// The sink against librdkafka's mock cluster over real TCP (one `kafka-mock-cluster` process per
/// test). Serialized: each test drives a cluster hard, and the machine has two cores.
@Suite(.serialized) struct KafkaSinkTests {
    func makeSink(_ cluster: MockCluster, name: String = "kafka", topic: String = "audit.{sourceType}",
                  properties: [(key: String, value: Secret)] = [], flushTimeout: Duration = .seconds(10),
                  directory: String) throws -> KafkaSink {
        let template = try TopicTemplate.parse(topic).get()
        let configuration = KafkaSink.Configuration(name: name, brokers: cluster.bootstrap, topic: template, compression: "lz4",
                                                    properties: properties, flushTimeout: flushTimeout)
        return try KafkaSink(configuration: configuration, deadLetterDirectory: "\(directory)/dead-letter", logger: .quiet)
    }

    func entries(_ envelopes: [[UInt8]], firstSequence: UInt64 = 1) -> [LogEntry] {
        envelopes.enumerated().map { LogEntry(sequence: firstSequence + UInt64($0.offset), envelope: $0.element) }
    }

    @Test func deliversWithKeyHeadersAndValueAndAcknowledgesEverySequence() async throws {
        let cluster = try MockCluster(topics: ["audit.okta": 8, "audit.github": 8])
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try makeSink(cluster, directory: directory)
        let okta = RecordFactory.envelopes(count: 3000)
        let github = RecordFactory.envelopes(count: 1000, startingAt: 3000, sourceType: "github")
        // Two batches in flight at once, as the pipeline does.
        async let first = sink.deliver(entries(okta))
        async let second = sink.deliver(entries(github, firstSequence: 5001))
        let (acknowledgedFirst, acknowledgedSecond) = try await (first, second)
        #expect(acknowledgedFirst == Array(1...3000))
        #expect(acknowledgedSecond == Array(5001...6000))
        try await sink.close()

        let messages = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "audit.")
        #expect(messages.count == 4000)
        let byID = Dictionary(messages.map { ($0.key ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for envelope in okta + github {
            let view = try #require(EnvelopeView(envelope))
            let message = try #require(byID[view.id], "record \(view.id) missing")
            #expect(message.topic == "audit.\(view.sourceType)")
            #expect(message.headers == ["sourceType": view.sourceType, "sourceID": view.sourceID, "eventID": view.eventID, "id": view.id])
            #expect(message.value == String(decoding: envelope[view.jsonRange], as: UTF8.self))
        }
    }

    @Test func aFullProducerQueueIsWaitedOutNotDropped() async throws {
        let cluster = try MockCluster(topics: ["audit.okta": 4])
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // librdkafka's local queue holds 50 messages: most produce calls first get QUEUE_FULL.
        let sink = try makeSink(cluster, properties: [("queue.buffering.max.messages", Secret("50"))], directory: directory)
        let envelopes = RecordFactory.envelopes(count: 3000)
        #expect(try await sink.deliver(entries(envelopes)) == Array(1...3000))
        try await sink.close()
        let messages = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "audit.")
        #expect(messages.compactMap(\.key).sorted() == envelopes.map(RecordFactory.id).sorted())
    }

    @Test func shutdownWhileBrokersAreDownAcknowledgesNothingAndReturnsWithinTheFlushTimeout() async throws {
        let cluster = try MockCluster(topics: ["audit.okta": 4])
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try makeSink(cluster, flushTimeout: .seconds(2), directory: directory)
        #expect(try await sink.deliver(entries(RecordFactory.envelopes(count: 10))) == Array(1...10))
        try cluster.command("down -1")
        let batch = entries(RecordFactory.envelopes(count: 100, startingAt: 10), firstSequence: 11)
        let delivery = Task { try await sink.deliver(batch) }
        try await Task.sleep(for: .seconds(1))
        // SIGTERM: the pipeline cancels its deliveries, then closes the sink.
        delivery.cancel()
        let started = ContinuousClock.now
        #expect(try await delivery.value == [])
        try await sink.close()
        #expect(ContinuousClock.now - started < .seconds(7), "close waits at most flushTimeout (2 s) plus teardown")
        await #expect(throws: SinkError.self) { try await sink.deliver(batch) }
    }
}
