import Foundation
import TestHelpers
import Testing
import Relay
import RelayCore
@testable import Sinks

@Suite struct KafkaConfigurationTests {
    func parse(_ sink: String, environment: [String: String] = [:]) throws -> (KafkaSink.Configuration?, [String]) {
        let yaml = """
            sources: [{id: r, type: replay, path: \(KafkaTestSupport.root)/Tests/NormalizersTests/Fixtures/emm}]
            sinks:
              - \(sink)
            """
        let value = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: SecretResolver(environment: environment))
        return (configuration?.sinks.first as? KafkaSink.Configuration, problems.map(\.description))
    }

    func property(_ configuration: KafkaSink.Configuration, _ key: String) -> String? {
        configuration.producerProperties().last { $0.key == key }?.value.reveal()
    }

    @Test func defaultsAreSafe() throws {
        let (parsed, problems) = try parse("{type: kafka, brokers: \"a:9092,b:9092\"}")
        #expect(problems.isEmpty, "\(problems)")
        let configuration = try #require(parsed)
        #expect(configuration.name == "kafka")
        #expect(configuration.topic.text == "audit.{sourceType}")
        #expect(configuration.key == .id)
        #expect(configuration.compression == "zstd")
        #expect(configuration.flushTimeout == .seconds(30))
        #expect(property(configuration, "bootstrap.servers") == "a:9092,b:9092")
        #expect(property(configuration, "enable.idempotence") == "true")
        #expect(property(configuration, "acks") == "all")
        #expect(property(configuration, "message.timeout.ms") == "0")
        #expect(property(configuration, "compression.codec") == "zstd")
        #expect(property(configuration, "linger.ms") == "5")
    }

    @Test func readsEveryKey() throws {
        let (parsed, problems) = try parse("""
            {type: kafka, name: siem, brokers: "k:9092", topic: "t.{workspaceID}.{sourceID}-{sourceType}", key: eventID,
                 compression: lz4, flushTimeout: 5s, librdkafka: {linger.ms: "50", security.protocol: ssl}}
            """)
        #expect(problems.isEmpty, "\(problems)")
        let configuration = try #require(parsed)
        #expect(configuration.name == "siem")
        #expect(configuration.topic.text == "t.{workspaceID}.{sourceID}-{sourceType}")
        #expect(configuration.key == .eventID)
        #expect(configuration.flushTimeout == .seconds(5))
        #expect(property(configuration, "linger.ms") == "50")
        #expect(property(configuration, "security.protocol") == "ssl")
        #expect(property(configuration, "compression.codec") == "lz4")
        let (none, _) = try parse("{type: kafka, brokers: k, key: none}")
        #expect(try #require(none).key == nil)
    }

    @Test func rejectsSettingsThatWouldLoseOrDuplicateData() throws {
        let (parsed, problems) = try parse("""
            {type: kafka, brokers: k, librdkafka: {enable.idempotence: "false", acks: "1", message.timeout.ms: "300000",
                 delivery.timeout.ms: "1000", request.required.acks: "-1", bootstrap.servers: "x:1", compression.codec: gzip,
                 transactional.id: t}}
            """)
        #expect(parsed == nil)
        #expect(problems == [
            "sinks[0].librdkafka.enable.idempotence: cannot be changed from true: idempotence is required so retries cannot duplicate or reorder records",
            "sinks[0].librdkafka.acks: cannot be changed from all: only acks=all survives the loss of a leader",
            "sinks[0].librdkafka.message.timeout.ms: cannot be changed from 0: a local timeout would drop records; the spool owns retries",
            "sinks[0].librdkafka.delivery.timeout.ms: cannot be changed from 0: a local timeout would drop records; the spool owns retries",
            "sinks[0].librdkafka.bootstrap.servers: cannot be set here: use the sink's `brokers` key",
            "sinks[0].librdkafka.compression.codec: cannot be set here: use the sink's `compression` key",
            "sinks[0].librdkafka.transactional.id: cannot be set here: transactions are not supported; idempotence is forced instead",
        ])
    }

    @Test func librdkafkaChecksEachPropertyAtConfigTime() throws {
        let (parsed, problems) = try parse("""
            {type: kafka, brokers: k, librdkafka: {linger.ms: soon, no.such.property: x, batch.size: "100", max.in.flight: "10"}}
            """)
        #expect(parsed == nil)
        #expect(problems.count == 3)
        #expect(problems.first?.hasPrefix("sinks[0].librdkafka.linger.ms: rejected by librdkafka: ") == true)
        #expect(problems.dropFirst().first == "sinks[0].librdkafka.no.such.property: is not a librdkafka property")
        #expect(problems.last?.hasPrefix("sinks[0].librdkafka.max.in.flight: must be at most 5") == true)
    }

    @Test func secretValuesAreNeverEchoed() throws {
        let environment = ["KAFKA_PASSWORD": "hunter2-sekrit", "LINGER": "sekrit-linger"]
        let (parsed, problems) = try parse("""
            {type: kafka, brokers: k, librdkafka: {sasl.mechanisms: SCRAM-SHA-512, sasl.username: relay,
                 sasl.password: "${env:KAFKA_PASSWORD}", linger.ms: "${env:LINGER}", security.protocol: "${env:KAFKA_PASSWORD}",
                 ssl.key.password: "inline-sekrit-value", enable.idempotence: "${env:KAFKA_PASSWORD}"}}
            """, environment: environment)
        #expect(parsed == nil)
        let text = problems.joined(separator: "\n")
        #expect(problems.count == 3, "\(problems)")
        #expect(text.contains("sinks[0].librdkafka.linger.ms"))
        #expect(text.contains("sinks[0].librdkafka.security.protocol"))
        #expect(text.contains("sinks[0].librdkafka.enable.idempotence"))
        // A value librdkafka quotes back is shown as written: the reference, never what it resolved to.
        #expect(text.contains(#"Invalid value "${env:KAFKA_PASSWORD}" for configuration property "security.protocol""#))
        for secret in ["hunter2", "sekrit"] { #expect(!text.contains(secret), "\(text)") }
        // Accepted secrets reach librdkafka, and only there.
        let (accepted, none) = try parse("{type: kafka, brokers: k, librdkafka: {sasl.password: \"${env:KAFKA_PASSWORD}\"}}",
                                         environment: environment)
        #expect(none.isEmpty)
        let configuration = try #require(accepted)
        #expect(property(configuration, "sasl.password") == "hunter2-sekrit")
        #expect(!"\(configuration.properties)".contains("hunter2"))
    }

    @Test func topicTemplates() throws {
        #expect(throws: Never.self) { try TopicTemplate.parse("audit").get() }
        for (template, problem) in [
            ("audit.{vendor}", "uses {vendor}; the fields are {sourceType}, {sourceID}, {workspaceID}"),
            ("audit.{sourceType", "has an unclosed {"),
            ("audit/{sourceType}", "contains \"/\"; topic names allow only A-Z a-z 0-9 . _ -"),
            ("{id}", "uses {id}; the fields are {sourceType}, {sourceID}, {workspaceID}"),
            ("", "is empty"),
        ] {
            #expect(throws: TemplateProblem.self) { try TopicTemplate.parse(template).get() }
            if case .failure(let error) = TopicTemplate.parse(template) { #expect(error.description == problem) }
        }
        let (_, problems) = try parse("{type: kafka, brokers: k, topic: \"a b\", key: uuid, compression: brotli}")
        #expect(problems == [
            #"sinks[0].topic: "a b" contains " "; topic names allow only A-Z a-z 0-9 . _ -"#,
            #"sinks[0].key: "uuid" is not one of none, id, sourceType, sourceID, workspaceID, eventID"#,
            #"sinks[0].compression: "brotli" is not one of zstd, lz4, snappy, gzip, none"#,
        ])
    }

    @Test func rendersTopicsFromEnvelopeFieldsAndAgreesWithEnvelopeView() throws {
        var record = AuditRecord()
        record.sourceType = "google-workspace"
        record.sourceID = "corp/admin"
        record.workspaceID = "ws1"
        record.id = "rec-1"
        record.eventID = "evt-9"
        let envelope = RecordEnvelope.make(record)
        let view = try #require(EnvelopeView(envelope))
        let template = try TopicTemplate.parse("audit.{sourceType}.{sourceID}.{workspaceID}").get()
        try envelope.withUnsafeBytes { bytes in
            let fields = try #require(EnvelopeFields(bytes))
            for field in MessageField.allCases {
                let expected: String = switch field {
                case .id: view.id
                case .sourceType: view.sourceType
                case .sourceID: view.sourceID
                case .workspaceID: view.workspaceID
                case .eventID: view.eventID
                }
                #expect(String(decoding: fields.bytes(field, in: bytes), as: UTF8.self) == expected)
            }
            #expect(fields.json.start..<fields.json.start + fields.json.count == view.jsonRange)
            var output: [UInt8] = []
            template.render(fields, in: bytes, into: &output)
            // "/" is not allowed in topic names and becomes "_".
            #expect(String(decoding: output, as: UTF8.self) == "audit.google-workspace.corp_admin.ws1")
            // `check --connect` names the same topic from the source's fields.
            #expect(template.name(sourceType: record.sourceType, sourceID: record.sourceID, workspaceID: record.workspaceID)
                    == "audit.google-workspace.corp_admin.ws1")
            #expect(EnvelopeFields(UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count - 1])) == nil)
        }
    }
}
