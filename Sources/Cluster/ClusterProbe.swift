import CRdKafka
import Logging
import RelayCore
import Sinks

extension ClusterConfiguration {
    /// `auditrelay check --connect`: fetches the brokers' metadata with the cluster's own settings
    /// (TLS, SASL) and checks that both topics exist. Blocks: run it on a thread of its own.
    /// (Whether the state topic is compacted needs the admin API's DescribeConfigs; not checked.)
    public func probe(timeout: Duration) -> [SinkProbeStep] {
        let milliseconds = max(timeout.milliseconds, 10)
        let callbacks = KafkaCallbacks(logger: .init(label: "check", factory: { _ in SwiftLogNoOpLogHandler() }), role: "check")
        let handle: OpaquePointer
        do {
            handle = try makeKafkaHandle(RD_KAFKA_PRODUCER, properties: writerProperties(clientID: "auditrelay-check") + [
                ("log_level", Secret("0")), ("socket.timeout.ms", Secret(String(milliseconds))),
            ], callbacks: callbacks)
        } catch {
            return [SinkProbeStep(check: "metadata", detail: "\(error)", fix: "fix cluster.kafka.librdkafka")]
        }
        defer { rd_kafka_destroy(handle) }
        var steps: [SinkProbeStep] = []
        for (key, topic) in [("coordinationTopic", coordinationTopic), ("stateTopic", stateTopic)] {
            do {
                let partitions = try topicPartitions(handle, topic: topic, timeout: .milliseconds(milliseconds))
                var detail = "\(topic): \(partitions.count) partitions"
                if key == "coordinationTopic" && partitions.count < 16 { detail += " (64–256 spread the sources more evenly)" }
                steps.append(SinkProbeStep(check: key, detail: detail))
            } catch {
                let fix = key == "stateTopic"
                    ? "create it: kafka-topics.sh --create --topic \(topic) --partitions 8 --config cleanup.policy=compact"
                    : "create it: kafka-topics.sh --create --topic \(topic) --partitions 128"
                steps.append(SinkProbeStep(check: key, detail: "\(error)", fix: "\(fix) (or check cluster.kafka.brokers and the security settings)"))
            }
        }
        return steps
    }
}
