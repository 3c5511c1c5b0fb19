import CRdKafka
import RelayCore

extension KafkaSink {
    /// `{type: kafka, name?, brokers, topic, key, compression, librdkafka: {…}, flushTimeout}`.
    ///
    /// The producer settings that keep data safe are forced (see `forcedProperties`) and a
    /// `librdkafka:` entry may not weaken them; every other librdkafka property passes through
    /// (TLS, SASL, batching) and is checked by librdkafka itself at config time.
    public struct Configuration: Sendable {
        public var name: String
        /// `host:port,host:port`.
        public var brokers: String
        public var topic: TopicTemplate
        public var key: MessageField?
        public var compression: String
        /// Pass-through librdkafka properties as written under `librdkafka:` (values may be secrets).
        public var properties: [(key: String, value: Secret)]
        /// How long `close()` waits for outstanding deliveries; what is left stays in the spool.
        public var flushTimeout: Duration

        public static let compressions = ["zstd", "lz4", "snappy", "gzip", "none"]

        public init(name: String, brokers: String, topic: TopicTemplate = TopicTemplate.default, key: MessageField? = .id,
                    compression: String = "zstd", properties: [(key: String, value: Secret)] = [], flushTimeout: Duration = .seconds(30)) {
            self.name = name
            self.brokers = brokers
            self.topic = topic
            self.key = key
            self.compression = compression
            self.properties = properties
            self.flushTimeout = flushTimeout
        }

        public init(_ section: ConfigSection, name: String) {
            self.name = name
            brokers = section.requiredString("brokers")
            let template = section.string("topic", default: "audit.{sourceType}")
            switch TopicTemplate.parse(template) {
            case .success(let parsed): topic = parsed
            case .failure(let problem):
                section.report("topic", "\(section.quoted("topic")) \(problem)")
                topic = TopicTemplate.default
            }
            let keyName = section.choice("key", ["none"] + MessageField.allCases.map(\.rawValue), default: "id")
            key = MessageField(rawValue: keyName)
            compression = section.choice("compression", Self.compressions, default: "zstd")
            flushTimeout = section.duration("flushTimeout", default: .seconds(30))
            if flushTimeout <= .zero { section.report("flushTimeout", "must be positive") }
            properties = section.stringMap("librdkafka")
            // (An empty or malformed map has already been reported by stringMap.)
            if !properties.isEmpty, let written = section.section("librdkafka") {
                validate(written)
            }
        }

        /// The full property list handed to librdkafka: safe defaults, then the user's properties,
        /// then the forced settings (which the user may only restate, never change).
        func producerProperties() -> [(key: String, value: Secret)] {
            var result: [(key: String, value: Secret)] = [
                ("bootstrap.servers", Secret(brokers)),
                ("compression.codec", Secret(compression)),
                ("client.id", Secret("auditrelay")),
                // Batching: a few ms of linger fills batches at high rates without hurting latency.
                ("linger.ms", Secret("5")),
                ("batch.size", Secret("1000000")),
            ]
            result += properties
            result += Self.forcedProperties.map { ($0.key, Secret($0.value)) }
            return result
        }

        /// Settings that make the producer lose nothing: idempotence (ordered, no duplicates within
        /// a session), acknowledgement by all in-sync replicas, and no local delivery timeout (a
        /// timed-out message would be a silent gap; the spool owns retries instead). Log lines go
        /// to the poll thread so they reach the relay's logger.
        static let forcedProperties: [(key: String, value: String)] = [
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", "0"),
            ("log.queue", "true"),
        ]

        /// Properties owned by other keys or by the sink, and what to use instead.
        static let ownedProperties: [String: String] = [
            "bootstrap.servers": "use the sink's `brokers` key",
            "metadata.broker.list": "use the sink's `brokers` key",
            "compression.codec": "use the sink's `compression` key",
            "compression.type": "use the sink's `compression` key",
            "transactional.id": "transactions are not supported; idempotence is forced instead",
            "log.queue": "the sink serves librdkafka's log itself",
        ]

        /// Properties that may be restated only with one of these values (aliases included).
        static let pinnedProperties: [String: (allowed: Set<String>, why: String)] = [
            "enable.idempotence": (["true"], "idempotence is required so retries cannot duplicate or reorder records"),
            "acks": (["all", "-1"], "only acks=all survives the loss of a leader"),
            "request.required.acks": (["all", "-1"], "only acks=all survives the loss of a leader"),
            "message.timeout.ms": (["0"], "a local timeout would drop records; the spool owns retries"),
            "delivery.timeout.ms": (["0"], "a local timeout would drop records; the spool owns retries"),
        ]
        private static let pinnedShown = ["enable.idempotence": "true", "acks": "all", "request.required.acks": "all",
                                          "message.timeout.ms": "0", "delivery.timeout.ms": "0"]

        /// Rejects unsafe or owned properties and lets librdkafka check each value, reporting at
        /// `sinks[N].librdkafka.<property>` without ever printing a value that came from a secret.
        private func validate(_ written: ConfigSection) {
            guard let conf = rd_kafka_conf_new() else { return }
            defer { rd_kafka_conf_destroy(conf) }
            for (property, value) in properties {
                if let instead = Self.ownedProperties[property] {
                    written.report(property, "cannot be set here: \(instead)")
                    continue
                }
                if let pinned = Self.pinnedProperties[property] {
                    if !pinned.allowed.contains(value.reveal().lowercased()) {
                        written.report(property, "cannot be changed from \(Self.pinnedShown[property] ?? ""): \(pinned.why)")
                    }
                    continue
                }
                // librdkafka itself refuses this combination, but only when the producer starts.
                if property == "max.in.flight" || property == "max.in.flight.requests.per.connection",
                   let number = Int(value.reveal()), number > 5 {
                    written.report(property, "must be at most 5: librdkafka's idempotent producer keeps order only up to 5 requests in flight")
                    continue
                }
                if let problem = KafkaProperties.set(conf, property, value) {
                    let shown = KafkaProperties.isSensitive(property) ? "<redacted>" : written.quoted(property)
                    written.report(property, problem.redacting(value.reveal(), as: shown))
                }
            }
        }
    }
}

/// A record field a message key or topic can be built from (read from the envelope, no JSON parsing).
public enum MessageField: String, Sendable, CaseIterable {
    case id, sourceType, sourceID, workspaceID, eventID
}

/// Setting librdkafka properties, with messages that never carry a secret value.
public enum KafkaProperties {
    /// Sets one property; returns librdkafka's complaint, if any.
    public static func set(_ conf: OpaquePointer, _ property: String, _ value: Secret) -> String? {
        var error = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, property, value.reveal(), &error, error.count)
        guard result != RD_KAFKA_CONF_OK else { return nil }
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch result {
        case RD_KAFKA_CONF_UNKNOWN: return "is not a librdkafka property"
        default: return "rejected by librdkafka: \(message.isEmpty ? "invalid value" : message)"
        }
    }

    /// Properties whose values are credentials or key material: never shown, even as written.
    public static func isSensitive(_ property: String) -> Bool {
        let lowered = property.lowercased()
        return ["password", "secret", "key", "pem", "token", "sasl.username", "sasl.oauthbearer", "credential"]
            .contains { lowered.contains($0) }
    }
}

extension String {
    /// Replaces every occurrence of `value` (as librdkafka quotes it back) with `shown`; if the
    /// value still appears somewhere, drops the detail entirely rather than risk printing it.
    public func redacting(_ value: String, as shown: String) -> String {
        guard !value.isEmpty else { return self }
        let replaced = replacingAll("\"\(value)\"", with: shown)
        return replaced.contains(value) ? "rejected by librdkafka: invalid value \(shown)" : replaced
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        return output + rest
    }
}
