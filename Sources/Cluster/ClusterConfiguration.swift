import CRdKafka
import Foundation
import RelayCore
import Sinks

/// The `cluster:` block: `{kafka: {brokers: [...], librdkafka: {...}}, group, stateTopic, coordinationTopic}`.
/// Without it the relay runs alone and polls every source.
///
/// Replicas sharing `group` share the polled sources: each joins a consumer group on
/// `coordinationTopic` (sources hashed onto its partitions) and mirrors delivered cursors to
/// `stateTopic`, from which a replica taking a source over resumes.
public struct ClusterConfiguration: Sendable {
    /// `host:port,host:port`.
    public var brokers: String
    /// Pass-through librdkafka properties for the group member, the state reader and the state writer
    /// (TLS, SASL, `session.timeout.ms`); values may be secrets.
    public var properties: [(key: String, value: Secret)]
    public var group: String
    public var stateTopic: String
    public var coordinationTopic: String
    /// How long a revocation waits for a source's current page before giving the source up anyway.
    public var revocationTimeout: Duration

    public static let defaultStateTopic = "auditrelay-state"
    public static let defaultCoordinationTopic = "auditrelay-coordination"

    public init(brokers: String, properties: [(key: String, value: Secret)] = [], group: String,
                stateTopic: String = Self.defaultStateTopic, coordinationTopic: String = Self.defaultCoordinationTopic,
                revocationTimeout: Duration = .seconds(10)) {
        self.brokers = brokers
        self.properties = properties
        self.group = group
        self.stateTopic = stateTopic
        self.coordinationTopic = coordinationTopic
        self.revocationTimeout = revocationTimeout
    }

    /// Parses the `cluster:` section, reporting every problem at its key path.
    public init(_ section: ConfigSection) {
        var brokers: [String] = []
        var properties: [(key: String, value: Secret)] = []
        if let kafka = section.section("kafka") {
            // `brokers` is a list (or one `host:port,host:port` string, as the Kafka sink takes it).
            if case .scalar(let text)? = kafka.value("brokers") {
                brokers = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else {
                brokers = kafka.strings("brokers")
            }
            if brokers.isEmpty { kafka.report("brokers", "at least one broker (host:port) is required") }
            for (index, broker) in brokers.enumerated() where !Self.isHostPort(broker) {
                kafka.diagnostics.report("\(kafka.keyPath("brokers"))[\(index)]", "\"\(broker)\" is not host:port")
            }
            properties = kafka.stringMap("librdkafka")
            if !properties.isEmpty, let written = kafka.section("librdkafka") {
                Self.validate(properties, at: written)
            }
            kafka.finish()
        } else {
            section.report("kafka", "is required (kafka: {brokers: [host:port, ...]})")
        }
        self.brokers = brokers.joined(separator: ",")
        self.properties = properties
        group = section.requiredString("group")
        stateTopic = section.string("stateTopic", default: Self.defaultStateTopic)
        coordinationTopic = section.string("coordinationTopic", default: Self.defaultCoordinationTopic)
        revocationTimeout = section.duration("revocationTimeout", default: .seconds(10))
        for (key, name) in [("group", group), ("stateTopic", stateTopic), ("coordinationTopic", coordinationTopic)]
        where !name.isEmpty && !Self.isValidName(name) {
            section.report(key, "\"\(name)\" may only contain letters, digits, '.', '_' and '-' (at most 249 characters)")
        }
        if !stateTopic.isEmpty && stateTopic == coordinationTopic {
            section.report("stateTopic", "must differ from coordinationTopic (\(coordinationTopic))")
        }
        if revocationTimeout <= .zero || revocationTimeout > .seconds(300) {
            section.report("revocationTimeout", "must be between 1ms and 300s")
        }
        section.finish()
    }

    /// Properties the cluster sets itself, and why they cannot be set under `librdkafka:`.
    static let ownedProperties: [String: String] = [
        "bootstrap.servers": "use cluster.kafka.brokers",
        "metadata.broker.list": "use cluster.kafka.brokers",
        "group.id": "use cluster.group",
        "partition.assignment.strategy": "cooperative-sticky is required (a rebalance moves only the sources that change owner)",
        "group.protocol.type": "the cluster's group protocol is fixed",
        "enable.auto.commit": "the coordination topic's offsets are never committed",
        "enable.idempotence": "the state writer is always idempotent",
        "acks": "the state writer always waits for all in-sync replicas",
        "request.required.acks": "the state writer always waits for all in-sync replicas",
        "transactional.id": "transactions are not used",
        "log.queue": "the cluster serves librdkafka's log itself",
    ]

    /// Rejects owned properties and lets librdkafka check the others, never printing a secret value.
    private static func validate(_ properties: [(key: String, value: Secret)], at written: ConfigSection) {
        guard let conf = rd_kafka_conf_new() else { return }
        defer { rd_kafka_conf_destroy(conf) }
        for (property, value) in properties {
            if let instead = ownedProperties[property] {
                written.report(property, "cannot be set here: \(instead)")
                continue
            }
            if let problem = KafkaProperties.set(conf, property, value) {
                let shown = KafkaProperties.isSensitive(property) ? "<redacted>" : written.quoted(property)
                written.report(property, problem.redacting(value.reveal(), as: shown))
            }
        }
    }

    /// The group member's properties: the user's, then the ones the protocol needs.
    func membershipProperties(clientID: String) -> [(key: String, value: Secret)] {
        common(clientID: clientID) + [
            ("group.id", Secret(group)),
            ("partition.assignment.strategy", Secret("cooperative-sticky")),
            ("enable.auto.commit", Secret("false")),
            ("enable.auto.offset.store", Secret("false")),
        ]
    }

    /// The state reader's properties: it assigns every partition itself and never commits, so its
    /// `group.id` only satisfies librdkafka (no group is joined).
    func readerProperties(clientID: String) -> [(key: String, value: Secret)] {
        common(clientID: clientID) + [
            ("group.id", Secret("\(group).state-reader")),
            ("enable.auto.commit", Secret("false")),
            ("enable.auto.offset.store", Secret("false")),
            ("enable.partition.eof", Secret("true")),
        ]
    }

    /// The state writer's properties: idempotent, acks=all, retried by librdkafka until delivered.
    func writerProperties(clientID: String) -> [(key: String, value: Secret)] {
        common(clientID: clientID) + [
            ("enable.idempotence", Secret("true")),
            ("acks", Secret("all")),
            ("message.timeout.ms", Secret("0")),
            ("linger.ms", Secret("20")),
        ]
    }

    private func common(clientID: String) -> [(key: String, value: Secret)] {
        [("bootstrap.servers", Secret(brokers)), ("client.id", Secret(clientID))] + properties
    }

    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return false }
        return true
    }

    static func isValidName(_ name: String) -> Bool {
        name.utf8.count <= 249 && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
        }
    }
}
