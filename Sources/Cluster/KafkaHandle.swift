import CRdKafka
import Foundation
import Logging
import RelayCore
import Sinks
import Synchronization

/// What librdkafka's callbacks need from Swift: where its log lines and errors go and, for the
/// group member, who handles a rebalance. Set as the handle's opaque; lives as long as the handle.
final class KafkaCallbacks: @unchecked Sendable {
    let logger: Logger
    let role: String
    /// Called on the consumer's poll thread (inside `rd_kafka_consumer_poll`/`close`).
    var rebalance: ((OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?
    /// The state writer's delivery reports: the message's opaque (its version) and its error.
    var delivered: ((UInt64, rd_kafka_resp_err_t) -> Void)?

    init(logger: Logger, role: String) {
        self.logger = logger
        self.role = role
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> KafkaCallbacks? {
        opaque.map { Unmanaged<KafkaCallbacks>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Creates a librdkafka client of `type` from `properties`, with log lines and errors going to
/// `callbacks.logger`. The caller destroys the handle and then releases `callbacks`.
/// - Throws: `ClusterGlueError` naming the property librdkafka refused, never its value.
func makeKafkaHandle(_ type: rd_kafka_type_t, properties: [(key: String, value: Secret)], callbacks: KafkaCallbacks,
                     configure: (OpaquePointer) -> Void = { _ in }) throws -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else { throw ClusterGlueError("cluster: cannot allocate a librdkafka configuration") }
    for (key, value) in properties {
        if let problem = KafkaProperties.set(conf, key, value) {
            rd_kafka_conf_destroy(conf)
            throw ClusterGlueError("cluster: librdkafka property \(key) \(problem.redacting(value.reveal(), as: "<redacted>"))")
        }
    }
    rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
    rd_kafka_conf_set_log_cb(conf) { handle, level, facility, message in
        guard let handle, let callbacks = KafkaCallbacks.from(rd_kafka_opaque(handle)) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let from = facility.map { String(cString: $0) } ?? ""
        // librdkafka's levels are syslog's: 0-3 errors, 4 warning, the rest is chatter. CONFWARN
        // says a consumer property (session.timeout.ms) is ignored by the state writer, a producer.
        if level <= 4 && from != "CONFWARN" {
            callbacks.logger.warning("librdkafka: \(text)", metadata: ["cluster": "\(callbacks.role)", "facility": "\(from)"])
        } else {
            callbacks.logger.debug("librdkafka: \(text)", metadata: ["cluster": "\(callbacks.role)", "facility": "\(from)"])
        }
    }
    rd_kafka_conf_set_error_cb(conf) { handle, code, reason, opaque in
        guard let callbacks = KafkaCallbacks.from(opaque) else { return }
        let text = reason.map { String(cString: $0) } ?? ""
        callbacks.logger.warning("kafka error: \(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code)))): \(text)",
                                 metadata: ["cluster": "\(callbacks.role)"])
    }
    configure(conf)
    var error = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &error, error.count) else {
        rd_kafka_conf_destroy(conf)
        throw ClusterGlueError("cluster: cannot create the \(callbacks.role) client: \(cString(error))")
    }
    return handle
}

/// The partition ids of `topic` from the brokers' metadata. Every topic's metadata is asked for:
/// a request naming the topic would make a broker with `auto.create.topics.enable` create it,
/// with the broker's defaults (a state topic that is not compacted).
/// - Throws: `ClusterGlueError` when the metadata cannot be read or the topic does not exist.
func topicPartitions(_ handle: OpaquePointer, topic: String, timeout: Duration) throws -> [Int32] {
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let code = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(clamping: timeout.milliseconds))
    guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
        throw ClusterGlueError("cluster: cannot read the brokers' metadata (for topic \(topic)): \(String(cString: rd_kafka_err2str(code)))")
    }
    defer { rd_kafka_metadata_destroy(metadata) }
    let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
    guard let entry = topics.first(where: { String(cString: $0.topic) == topic }), entry.partition_cnt > 0 else {
        throw ClusterGlueError("cluster: topic \(topic) does not exist; create it (see README, Cluster mode)")
    }
    guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw ClusterGlueError("cluster: topic \(topic): \(String(cString: rd_kafka_err2str(entry.err)))")
    }
    return (0..<Int(entry.partition_cnt)).map { entry.partitions[$0].id }
}

func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// A problem of the cluster's Kafka clients (not of the model).
public struct ClusterGlueError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The thread a librdkafka client of the cluster runs on (its calls block, so not the cooperative
/// pool): `stop` asks the client's loop to end (it checks `isStopping`) and waits until it has.
final class ClientThread: @unchecked Sendable {
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    var isStopping: Bool { stopping.withLock { $0 } }
    var isRunning: Bool { thread != nil }

    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [finished] in
            defer { finished.signal() }
            body()
        }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    /// - Parameter wake: run after the flag is set, for a loop asleep on a condition.
    func stop(wake: () -> Void = {}) {
        guard thread != nil else { return }
        stopping.withLock { $0 = true }
        wake()
        finished.wait()
        thread = nil
    }
}
