import CRdKafka
import Foundation
import Logging
import Metrics
import RelayCore
import Synchronization

/// Reads the state topic from its beginning, all partitions, without a consumer group, into a
/// `MirroredStateTable` (latest value per key, as compaction would leave it), and keeps reading.
///
/// `waitUntilCaughtUp()` is the takeover barrier: it takes the partitions' high watermarks when
/// called and returns once everything below them was applied, so a cursor the previous owner
/// mirrored before the assignment is seen. One librdkafka consumer on its own thread.
final class StateReader: @unchecked Sendable {
    private typealias Waiter = (id: UInt64, continuation: CheckedContinuation<Bool, Never>)

    private struct CatchUp {
        var target: [Int32: Int64]
        var waiters: [Waiter]
    }

    private struct Barriers {
        /// Requests not yet given a target, and those waiting for theirs.
        var pending: [Waiter] = []
        var waiting: [CatchUp] = []
        var stopped = false
        var nextID: UInt64 = 0

        /// Removes the waiter `id` wherever it is.
        mutating func remove(_ id: UInt64) -> CheckedContinuation<Bool, Never>? {
            if let index = pending.firstIndex(where: { $0.id == id }) { return pending.remove(at: index).continuation }
            for index in waiting.indices {
                if let found = waiting[index].waiters.firstIndex(where: { $0.id == id }) {
                    return waiting[index].waiters.remove(at: found).continuation
                }
            }
            return nil
        }
    }

    private let topic: String
    private let logger: Logger
    private let callbacks: KafkaCallbacks
    private let handle: OpaquePointer
    private let table = Mutex(MirroredStateTable())
    private let catchUps = Mutex(Barriers())
    private let clientThread = ClientThread()
    private let skipped = Counter(label: MetricName.clusterStateRecordsSkipped)

    init(configuration: ClusterConfiguration, clientID: String, logger: Logger) throws {
        topic = configuration.stateTopic
        self.logger = logger
        callbacks = KafkaCallbacks(logger: logger, role: "state-reader")
        handle = try makeKafkaHandle(RD_KAFKA_CONSUMER, properties: configuration.readerProperties(clientID: clientID), callbacks: callbacks)
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    func start() {
        clientThread.start(name: "cluster-state-reader") { [self] in run() }
    }

    func stop() {
        clientThread.stop()
    }

    /// The mirrored cursor of `source` as read so far.
    func cursor(source: String) -> String? { table.withLock { $0.cursor(source: source) } }

    /// Returns true once every state record written before this call has been applied; false when
    /// the wait was cancelled or the reader stopped first.
    func waitUntilCaughtUp() async -> Bool {
        let id = catchUps.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let refused = catchUps.withLock { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    state.pending.append((id, continuation))
                    return false
                }
                if refused { continuation.resume(returning: false) }
            }
        } onCancel: {
            catchUps.withLock { $0.remove(id) }?.resume(returning: false)
        }
    }

    private var isStopping: Bool { clientThread.isStopping }

    private func run() {
        defer {
            rd_kafka_consumer_close(handle)
            let waiters = catchUps.withLock { state -> [Waiter] in
                state.stopped = true
                defer { state.pending = []; state.waiting = [] }
                return state.pending + state.waiting.flatMap(\.waiters)
            }
            for waiter in waiters { waiter.continuation.resume(returning: false) }
        }
        var partitions: [Int32] = []
        var warned = false
        while partitions.isEmpty && !isStopping {
            do {
                partitions = try topicPartitions(handle, topic: topic, timeout: .seconds(5))
            } catch {
                if !warned { logger.warning("cluster: cannot read the state topic yet; retrying every 2s", metadata: ["error": "\(error)"]) }
                warned = true
                Thread.sleep(forTimeInterval: 2)
            }
        }
        guard !isStopping else { return }
        let assignment = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        for partition in partitions {
            rd_kafka_topic_partition_list_add(assignment, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        rd_kafka_assign(handle, assignment)
        rd_kafka_topic_partition_list_destroy(assignment)
        // The next offset to read per partition (past every applied record).
        var positions = Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) })
        var lastWatermarkWarning = Date.distantPast
        while !isStopping {
            if let message = rd_kafka_consumer_poll(handle, 100) {
                apply(message.pointee, positions: &positions)
                rd_kafka_message_destroy(message)
                // Drain what is already fetched before looking at the barriers again.
                while let next = rd_kafka_consumer_poll(handle, 0) {
                    apply(next.pointee, positions: &positions)
                    rd_kafka_message_destroy(next)
                }
            }
            // New barriers: one watermark query serves every request that arrived meanwhile.
            // The watermarks are taken after the requests arrived, so each barrier covers everything
            // written before its request.
            let fresh = Set(catchUps.withLock { $0.pending.map(\.id) })
            if !fresh.isEmpty {
                if let target = highWatermarks(partitions) {
                    catchUps.withLock { state in
                        // Only the requests made before the watermarks were taken (not cancelled since).
                        state.waiting.append(CatchUp(target: target, waiters: state.pending.filter { fresh.contains($0.id) }))
                        state.pending.removeAll { fresh.contains($0.id) }
                    }
                } else if Date().timeIntervalSince(lastWatermarkWarning) > 10 {
                    logger.warning("cluster: cannot read the state topic's watermarks; sources being taken over wait")
                    lastWatermarkWarning = Date()
                }
            }
            let done = catchUps.withLock { state -> [Waiter] in
                var done: [Waiter] = []
                state.waiting.removeAll { catchUp in
                    guard catchUp.target.allSatisfy({ positions[$0.key, default: 0] >= $0.value }) else { return false }
                    done += catchUp.waiters
                    return true
                }
                return done
            }
            for waiter in done { waiter.continuation.resume(returning: true) }
        }
    }

    private func apply(_ message: rd_kafka_message_t, positions: inout [Int32: Int64]) {
        if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            // At the end: nothing below this offset is left to read (covers compacted-away tails).
            positions[message.partition] = max(positions[message.partition, default: 0], message.offset)
            return
        }
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            logger.warning("cluster: state topic read error", metadata: ["error": "\(String(cString: rd_kafka_err2str(message.err)))"])
            return
        }
        positions[message.partition] = max(positions[message.partition, default: 0], message.offset + 1)
        let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) } ?? []
        let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) }
        if let warning = table.withLock({ $0.apply(key: key, value: value) }) {
            skipped.increment()
            logger.warning("cluster: state record skipped", metadata: ["reason": "\(warning)"])
        }
    }

    /// Each partition's high watermark now, or nil when a broker did not answer. One ListOffsets
    /// request per broker for all partitions at once ("latest", timestamp -1), not one per partition.
    private func highWatermarks(_ partitions: [Int32]) -> [Int32: Int64]? {
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return nil }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_END)
        }
        guard rd_kafka_offsets_for_times(handle, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var result: [Int32: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let entry = list.pointee.elems[index]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.offset >= 0 else { return nil }
            result[entry.partition] = entry.offset
        }
        return result.count == partitions.count ? result : nil
    }
}
