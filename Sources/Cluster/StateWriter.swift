import CRdKafka
import Foundation
import Logging
import Metrics
import RelayCore
import Sinks
import Synchronization

/// Publishes mirrored cursors to the state topic with an idempotent, acks=all producer.
///
/// `publish` never blocks: it records the latest value per key and wakes the writer's thread,
/// which produces them (a key's newer value replaces one not yet produced, so the queue is bounded
/// by the number of keys) and serves delivery reports. librdkafka retries a send until it is
/// delivered (no message timeout); a send that still fails is queued again unless a newer value for
/// its key is already on its way, so the topic never ends on an older value. A fatal producer error
/// (lost idempotence state) would refuse every later send: the producer is then replaced and what
/// it held is queued again.
final class StateWriter: @unchecked Sendable {
    private struct Pending {
        var values: [[UInt8]: (value: [UInt8]?, version: UInt64)] = [:]
        /// In flight: version → key, value.
        var inFlight: [UInt64: (key: [UInt8], value: [UInt8]?)] = [:]
        /// The newest version handed to librdkafka per key.
        var newestSent: [[UInt8]: UInt64] = [:]
        var nextVersion: UInt64 = 0
    }

    private let topicName: String
    private let logger: Logger
    private let callbacks: KafkaCallbacks
    private let makeHandle: () throws -> OpaquePointer
    /// Replaced only on the writer's thread (after a fatal error).
    private(set) var handle: OpaquePointer
    /// Created on the writer's thread once the topic is known to exist: a producer's topic handle
    /// asks for the topic's metadata, which makes a broker with `auto.create.topics.enable` create
    /// it with the broker's defaults (not compacted).
    private var topic: OpaquePointer?
    private let pending = Mutex(Pending())
    private let wake = NSCondition()
    private var woken = false
    private let clientThread = ClientThread()
    private let published = Counter(label: MetricName.clusterMirrorPublished)

    init(configuration: ClusterConfiguration, clientID: String, logger: Logger) throws {
        topicName = configuration.stateTopic
        self.logger = logger
        let callbacks = KafkaCallbacks(logger: logger, role: "state-writer")
        self.callbacks = callbacks
        let properties = configuration.writerProperties(clientID: clientID)
        makeHandle = {
            try makeKafkaHandle(RD_KAFKA_PRODUCER, properties: properties, callbacks: callbacks) { conf in
                rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                    guard let message, let callbacks = KafkaCallbacks.from(opaque) else { return }
                    callbacks.delivered?(UInt64(UInt(bitPattern: message.pointee._private)), message.pointee.err)
                }
            }
        }
        handle = try makeHandle()
        callbacks.delivered = { [unowned self] version, error in delivered(version: version, error: error) }
    }

    deinit {
        if let topic { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
    }

    func start() {
        clientThread.start(name: "cluster-state-writer") { [self] in run() }
    }

    /// Produces what is queued, waits up to `timeout` for it to be delivered, and stops.
    func stop(flushTimeout: Duration) {
        guard clientThread.isRunning else { return }
        let deadline = Date().addingTimeInterval(Double(flushTimeout.components.seconds))
        while Date() < deadline && outstanding > 0 {
            signal()
            Thread.sleep(forTimeInterval: 0.02)
        }
        clientThread.stop(wake: signal)
        let left = outstanding
        if left > 0 { logger.warning("cluster: stopped with state records not yet published (the next owner resumes from an older cursor: duplicates only)", metadata: ["records": "\(left)"]) }
    }

    /// Records not yet confirmed by the brokers.
    var outstanding: Int { pending.withLock { $0.values.count + $0.inFlight.count } }

    /// Queues records for the state topic (nil value: a tombstone).
    func publish(_ records: [(key: [UInt8], value: [UInt8]?)]) {
        guard !records.isEmpty else { return }
        pending.withLock { state in
            for record in records {
                state.nextVersion += 1
                state.values[record.key] = (record.value, state.nextVersion)
            }
        }
        signal()
    }

    private func signal() {
        wake.withLock {
            woken = true
            wake.signal()
        }
    }

    private var isStopping: Bool { clientThread.isStopping }

    /// Producers replaced after a fatal error since the writer started.
    var producerRestarts: Int { restarts.load(ordering: .relaxed) }
    private let restarts = Atomic<Int>(0)

    /// After a fatal error: fails what the producer holds (the delivery reports queue it again),
    /// then swaps in a new producer. While a new one cannot be made, the old one stays and the
    /// next round tries again.
    private func replaceProducerAfterFatalError() {
        guard let fatal = kafkaFatalError(handle) else { return }
        let fresh: OpaquePointer
        do {
            fresh = try makeHandle()
        } catch {
            logger.error("cluster: cannot replace the state writer's failed producer; retrying", metadata: ["error": "\(error)"])
            return
        }
        logger.error("cluster: the state writer's producer failed (\(fatal.name)); replacing it and sending its records again",
                     metadata: ["reason": "\(fatal.reason)"])
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        rd_kafka_poll(handle, 0)
        if let topic { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
        // Anything whose report the purge did not bring is sent again too (a newer value wins).
        pending.withLock { state in
            for (version, record) in state.inFlight.sorted(by: { $0.key < $1.key })
            where state.values[record.key] == nil && state.newestSent[record.key] == version {
                state.nextVersion += 1
                state.values[record.key] = (record.value, state.nextVersion)
            }
            state.inFlight = [:]
        }
        handle = fresh
        topic = rd_kafka_topic_new(handle, topicName, nil)
        restarts.add(1, ordering: .relaxed)
    }

    private func run() {
        var warned = false
        while topic == nil && !isStopping {
            do {
                _ = try topicPartitions(handle, topic: topicName, timeout: .seconds(5))
                topic = rd_kafka_topic_new(handle, topicName, nil)
            } catch {
                if !warned { logger.warning("cluster: cannot write the state topic yet; retrying every 2s", metadata: ["error": "\(error)"]) }
                warned = true
            }
            if topic == nil { wake.withLock { _ = wake.wait(until: Date().addingTimeInterval(2)) } }
        }
        while !isStopping {
            replaceProducerAfterFatalError()
            produceQueued()
            rd_kafka_poll(handle, 0)
            wake.withLock {
                if !woken { _ = wake.wait(until: Date().addingTimeInterval(0.05)) }
                woken = false
            }
            rd_kafka_poll(handle, 0)
        }
        rd_kafka_poll(handle, 0)
    }

    private func produceQueued() {
        let batch = pending.withLock { state -> [(key: [UInt8], value: [UInt8]?, version: UInt64)] in
            defer { state.values = [:] }
            return state.values.map { ($0.key, $0.value.value, $0.value.version) }.sorted { $0.version < $1.version }
        }
        for (index, record) in batch.enumerated() {
            pending.withLock {
                $0.inFlight[record.version] = (record.key, record.value)
                $0.newestSent[record.key] = record.version
            }
            let code = produce(record.key, record.value, version: record.version)
            guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            // Queue full (or another local refusal): keep this and the rest for the next round.
            pending.withLock { state in
                for rest in batch[index...] {
                    state.inFlight[rest.version] = nil
                    if state.values[rest.key] == nil { state.values[rest.key] = (rest.value, rest.version) }
                }
            }
            if code != RD_KAFKA_RESP_ERR__QUEUE_FULL {
                logger.warning("cluster: cannot queue a state record; retrying", metadata: ["error": "\(String(cString: rd_kafka_err2str(code)))"])
            }
            return
        }
    }

    private func produce(_ key: [UInt8], _ value: [UInt8]?, version: UInt64) -> rd_kafka_resp_err_t {
        guard let topic else { return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC }
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(version))
        let result: Int32 = key.withUnsafeBytes { keyBytes in
            if let value {
                return value.withUnsafeBytes { valueBytes in
                    rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: valueBytes.baseAddress),
                                     valueBytes.count, keyBytes.baseAddress, keyBytes.count, opaque)
                }
            }
            return rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, nil, 0, keyBytes.baseAddress, keyBytes.count, opaque)
        }
        return result == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error()
    }

    /// Delivery report (on the writer's thread, inside `rd_kafka_poll`).
    private func delivered(version: UInt64, error: rd_kafka_resp_err_t) {
        let failed = pending.withLock { state -> (key: [UInt8], value: [UInt8]?)? in
            guard let record = state.inFlight.removeValue(forKey: version) else { return nil }
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            // Sent again only while nothing newer for the key is queued or on its way.
            if state.values[record.key] == nil && state.newestSent[record.key] == version {
                state.nextVersion += 1
                state.values[record.key] = (record.value, state.nextVersion)
            }
            return record
        }
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            published.increment()
        } else if failed != nil {
            logger.warning("cluster: a state record was not delivered; retrying", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
        }
    }
}
