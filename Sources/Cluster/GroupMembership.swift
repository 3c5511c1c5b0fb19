import CRdKafka
import Foundation
import Logging
import Metrics
import RelayCore
import Synchronization

/// This replica's membership in the cluster's consumer group on the coordination topic: the
/// partitions the group coordinator assigns it are the sources it polls (`SourcePartitioning`).
///
/// One librdkafka consumer on its own thread (every librdkafka call here blocks). Rebalances use
/// cooperative-sticky incremental assignment: only partitions that change owner are revoked, and a
/// revocation returns only after the revoked sources' pages in flight ended (bounded), so the next
/// owner starts after this one stopped. The topic's messages are never read; it may stay empty.
final class GroupMembership: @unchecked Sendable {
    private let configuration: ClusterConfiguration
    private let sourceIDs: [String]
    private let ownership: SourceOwnership
    private let logger: Logger
    private let callbacks: KafkaCallbacks
    private let handle: OpaquePointer
    private let clientThread = ClientThread()
    private let rebalances = Counter(label: MetricName.clusterRebalances)
    private let ownedGauge = Gauge(label: MetricName.clusterOwnedSources)
    /// Set on the poll thread once the coordination topic's partition count is known.
    private var partitioning: SourcePartitioning?
    /// Whether an assignment (even an empty one) ever arrived: see `deinit`.
    private let assigned = Atomic<Bool>(false)

    init(configuration: ClusterConfiguration, sourceIDs: [String], ownership: SourceOwnership, clientID: String, logger: Logger) throws {
        self.configuration = configuration
        self.sourceIDs = sourceIDs
        self.ownership = ownership
        self.logger = logger
        callbacks = KafkaCallbacks(logger: logger, role: "membership")
        handle = try makeKafkaHandle(RD_KAFKA_CONSUMER, properties: configuration.membershipProperties(clientID: clientID), callbacks: callbacks) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { handle, code, partitions, opaque in
                guard let handle, let partitions, let callbacks = KafkaCallbacks.from(opaque) else { return }
                callbacks.rebalance?(handle, code, partitions)
            }
        }
        rd_kafka_poll_set_consumer(handle)
        callbacks.rebalance = { [unowned self] handle, code, partitions in rebalance(handle, code, partitions) }
        ownedGauge.record(0)
    }

    deinit {
        // librdkafka before 2.3 asserts when a cooperative-sticky consumer that never received an
        // assignment is destroyed (its assignor state is still NULL; confluentinc/librdkafka#4312,
        // Debian 12 ships 2.0.2). Such a consumer, already closed, is left to the process's exit.
        if assigned.load(ordering: .acquiring) {
            rd_kafka_destroy(handle)
        } else {
            _ = Unmanaged.passRetained(callbacks)
        }
    }

    func start() {
        clientThread.start(name: "cluster-membership") { [self] in run() }
    }

    /// Leaves the group: every owned source is revoked (waiting for its page in flight) and the
    /// coordinator hands the partitions to the other members at once, without a session timeout.
    func stop() {
        clientThread.stop()
    }

    private var isStopping: Bool { clientThread.isStopping }

    private func run() {
        // Every replica reads the partition count from the brokers, so all hash sources alike.
        var warned = false
        while partitioning == nil && !isStopping {
            do {
                let partitions = try topicPartitions(handle, topic: configuration.coordinationTopic, timeout: .seconds(5))
                partitioning = try SourcePartitioning(partitionCount: Int32(partitions.count))
                logger.info("cluster: joining the group", metadata: [
                    "group": "\(configuration.group)", "coordinationTopic": "\(configuration.coordinationTopic)",
                    "partitions": "\(partitions.count)", "sources": "\(sourceIDs.count)",
                ])
            } catch {
                if !warned { logger.warning("cluster: cannot join yet; retrying every 2s", metadata: ["error": "\(error)"]) }
                warned = true
                Thread.sleep(forTimeInterval: 2)
            }
        }
        if partitioning != nil {
            let topics = rd_kafka_topic_partition_list_new(1)
            rd_kafka_topic_partition_list_add(topics, configuration.coordinationTopic, RD_KAFKA_PARTITION_UA)
            let code = rd_kafka_subscribe(handle, topics)
            rd_kafka_topic_partition_list_destroy(topics)
            if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("cluster: cannot subscribe to the coordination topic", metadata: ["error": "\(String(cString: rd_kafka_err2str(code)))"])
            }
            while !isStopping {
                // Rebalance callbacks run inside this call; messages (there should be none) are dropped.
                if let message = rd_kafka_consumer_poll(handle, 200) { rd_kafka_message_destroy(message) }
            }
        }
        // Revokes everything through the callback, then leaves the group.
        rd_kafka_consumer_close(handle)
        ownership.revoke(ownership.owned, timeout: configuration.revocationTimeout)
        ownedGauge.record(0)
    }

    private func rebalance(_ handle: OpaquePointer, _ code: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        var partitions: Set<Int32> = []
        for index in 0..<Int(list.pointee.cnt) { partitions.insert(list.pointee.elems[index].partition) }
        let sources = partitioning?.sources(onPartitions: partitions, from: sourceIDs) ?? []
        rebalances.increment()
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            assigned.store(true, ordering: .releasing)
            let error = cooperative ? rd_kafka_incremental_assign(handle, list) : nil
            if !cooperative { rd_kafka_assign(handle, list) }
            if let error {
                logger.error("cluster: cannot take the assignment", metadata: ["error": "\(String(cString: rd_kafka_error_string(error)))"])
                rd_kafka_error_destroy(error)
                return
            }
            ownership.assign(sources)
            logger.info("cluster: sources assigned", metadata: ["sources": "\(sources.sorted().joined(separator: ","))",
                                                                "partitions": "\(partitions.count)", "owned": "\(ownership.owned.count)"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            let stillBusy = ownership.revoke(sources, timeout: configuration.revocationTimeout)
            if !stillBusy.isEmpty {
                logger.warning("cluster: revoked sources still had a page in flight after the revocation timeout (the next owner may poll them meanwhile: duplicates only)",
                               metadata: ["sources": "\(stillBusy.joined(separator: ","))"])
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, list) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(handle, nil)
            }
            logger.info(lost ? "cluster: sources lost (session expired)" : "cluster: sources revoked",
                        metadata: ["sources": "\(sources.sorted().joined(separator: ","))", "owned": "\(ownership.owned.count)"])
        default:
            logger.error("cluster: rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(code)))"])
            ownership.revoke(ownership.owned, timeout: configuration.revocationTimeout)
            rd_kafka_assign(handle, nil)
        }
        ownedGauge.record(Double(ownership.owned.count))
    }
}
