import CRdKafka
import Dispatch
import Logging
import RelayCore
import Synchronization

/// Forwards records to Kafka through librdkafka and acknowledges a record only when its delivery
/// report says PERSISTED (idempotent producer, `acks=all`, no local message timeout).
///
/// Each message carries its spool sequence as the librdkafka opaque; a dedicated poll thread
/// (`DeliveryReports`) matches reports to the waiting `deliver` calls. Records that were not
/// persisted (or possibly persisted) are simply not acknowledged, so the pipeline redelivers them;
/// consumers dedupe by the `id` header. A record Kafka can never take (bigger than
/// `message.max.bytes`; rejected by the broker as invalid or corrupt when sent alone; not a
/// record envelope at all) goes to a dead-letter file in the spool directory and is then
/// acknowledged, instead of being redelivered forever. On a fatal producer error the producer is
/// replaced and every batch waiting on it is failed, so the pipeline redelivers everything
/// unacknowledged.
public final class KafkaSink: RecordSink {
    public let name: String
    public let configuration: Configuration
    /// Several batches in flight keep the brokers' pipelines full; reports may then arrive out of
    /// order. 4 x 2000 records: 8 gave the same throughput with ~50 MiB more resident (each record
    /// is held by the batch and copied into librdkafka), 2 lost a fifth of it (bench-pipeline --budget).
    public let maxConcurrentDeliveries = 4
    /// `<spool dir>/dead-letter/kafka-<name>.jsonl`.
    public let deadLetterPath: String
    private let tracker = DeliveryTracker()
    private let reports: DeliveryReports
    private let deadLetters: DeadLetterFile
    private let logger: Logger
    private let closed = Atomic<Bool>(false)
    /// Records the broker rejected as invalid while they shared a batch: its answer covers the whole
    /// batch, so each is sent once more alone, and only a rejection then sends it to the dead-letter
    /// file. Bounded: beyond `maxSuspects` a rejected record is simply redelivered in batches.
    private let suspects = Mutex<Set<UInt64>>([])
    private static let maxSuspects = 100_000

    /// Starts the producer and its poll thread.
    /// - Parameters:
    ///   - deadLetterDirectory: usually `<spool dir>/dead-letter`; created on first use.
    /// - Throws: `SinkError` when librdkafka refuses the configuration.
    public init(configuration: Configuration, deadLetterDirectory: String, logger: Logger) throws {
        name = configuration.name
        self.configuration = configuration
        let safeName = String(configuration.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        deadLetterPath = "\(deadLetterDirectory)/kafka-\(safeName).jsonl"
        deadLetters = DeadLetterFile(path: deadLetterPath)
        self.logger = logger
        reports = try DeliveryReports(name: configuration.name, properties: configuration.producerProperties(),
                                      tracker: tracker, logger: logger)
        reports.start()
    }

    /// Records written to the dead-letter file since the sink started.
    public var deadLetterCount: Int { deadLetters.count }
    /// Producers replaced after a fatal error since the sink started.
    public var producerRestarts: Int { reports.restarts }

    public func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        guard !closed.load(ordering: .acquiring) else { throw SinkError("kafka sink \(name) is closed") }
        let entries = Self.sortedUnique(entries)
        guard !entries.isEmpty else { return [] }
        let isSuspect = suspects.withLock { suspects in suspects.isEmpty ? [] : entries.map { suspects.contains($0.sequence) } }
        guard isSuspect.contains(true) else { return try await produce(entries, alone: false) }
        // Each suspect waits for its own report before the next is produced: alone in its request.
        var acknowledged: [UInt64] = []
        var rest: [LogEntry] = []
        for (entry, suspect) in zip(entries, isSuspect) {
            if suspect { acknowledged += try await produce([entry], alone: true) } else { rest.append(entry) }
        }
        if !rest.isEmpty { acknowledged += try await produce(rest, alone: false) }
        return acknowledged.sorted()
    }

    /// Produces `entries` and waits for their reports. `alone`: the only record of this call, so a
    /// broker's rejection is about it.
    private func produce(_ entries: [LogEntry], alone: Bool) async throws -> [UInt64] {
        guard let producer = reports.current else {
            throw SinkError("kafka sink \(name): the producer is being replaced after a fatal error")
        }
        let batch = tracker.register(entries.map(\.sequence), generation: producer.generation)
        var topics = TopicCache(template: configuration.topic)
        var index = 0
        while index < entries.count && !producer.isFailed {
            let entry = entries[index]
            let result = entry.envelope.withUnsafeBytes { envelope -> rd_kafka_resp_err_t in
                guard let fields = EnvelopeFields(envelope) else { return RD_KAFKA_RESP_ERR__BAD_MSG }
                guard let topic = topics.handle(for: fields, in: envelope, producer: producer) else { return RD_KAFKA_RESP_ERR__INVALID_ARG }
                return producer.produce(topic: topic, envelope: envelope, fields: fields, key: configuration.key, sequence: entry.sequence)
            }
            switch result {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                break
            case RD_KAFKA_RESP_ERR__QUEUE_FULL:
                // librdkafka's queue is full: wait for reports to drain it, then retry the same record.
                if Task.isCancelled { break }
                try? await Task.sleep(for: .milliseconds(2))
                continue
            case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
                tracker.complete(batch: batch, index: index, outcome: .tooLargeForProducer, error: result.rawValue)
            case RD_KAFKA_RESP_ERR__BAD_MSG:
                tracker.complete(batch: batch, index: index, outcome: .unreadable, error: result.rawValue)
            default:
                tracker.complete(batch: batch, index: index, outcome: .failed, error: result.rawValue)
            }
            if Task.isCancelled { break }
            index += 1
        }
        // A cancelled task stops waiting for reports now. (A producer that died fails its batches
        // itself, after serving its last reports, so records it did persist still count.)
        if index < entries.count && !producer.isFailed {
            tracker.abandon(batch: batch, error: RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue)
        }
        let result = await withTaskCancellationHandler {
            await tracker.wait(batch: batch)
        } onCancel: {
            tracker.abandon(batch: batch, error: RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue)
        }
        return acknowledge(entries, result, alone: alone, topics: &topics)
    }

    /// The sequences to acknowledge: persisted records, and too-large records once they are
    /// durably in the dead-letter file.
    private func acknowledge(_ entries: [LogEntry], _ result: DeliveryTracker.Result, alone: Bool, topics: inout TopicCache) -> [UInt64] {
        var acknowledged: [UInt64] = []
        acknowledged.reserveCapacity(entries.count)
        var failed = 0
        for (entry, outcome) in zip(entries, result.outcomes) {
            switch outcome {
            case .persisted:
                acknowledged.append(entry.sequence)
            case .tooLargeForProducer, .tooLargeForBroker, .unreadable:
                if deadLetter(entry, outcome: outcome, topics: &topics) { acknowledged.append(entry.sequence) } else { failed += 1 }
            case .rejectedByBroker where alone:
                suspects.withLock { _ = $0.remove(entry.sequence) }
                if deadLetter(entry, outcome: outcome, topics: &topics) { acknowledged.append(entry.sequence) } else { failed += 1 }
            case .rejectedByBroker:
                suspects.withLock { if $0.count < Self.maxSuspects { $0.insert(entry.sequence) } }
                failed += 1
            case .failed, .pending:
                failed += 1
            }
            if outcome == .persisted, alone { suspects.withLock { _ = $0.remove(entry.sequence) } }
        }
        if failed > 0 {
            logger.warning("kafka did not persist records; they will be redelivered", metadata: [
                "sink": "\(name)", "records": "\(failed)", "error": "\(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(result.firstError))))"])
        }
        return acknowledged
    }

    private func deadLetter(_ entry: LogEntry, outcome: DeliveryOutcome, topics: inout TopicCache) -> Bool {
        let limit = reports.current?.maxMessageBytes ?? 0
        let reason = switch outcome {
        case .tooLargeForProducer: "larger than the producer's message.max.bytes (\(limit))"
        case .rejectedByBroker: "rejected by the broker as an invalid or corrupt record, also when sent alone"
        case .unreadable: "the spool entry is not a readable record envelope"
        default: "rejected by the broker as larger than its message.max.bytes"
        }
        do {
            try entry.envelope.withUnsafeBytes { envelope in
                guard let fields = EnvelopeFields(envelope) else {
                    try deadLetters.append(unreadable: envelope, sequence: entry.sequence, reason: reason)
                    logger.error("spool entry is not a readable record envelope; written to the dead-letter file and acknowledged", metadata: [
                        "sink": "\(name)", "sequence": "\(entry.sequence)", "bytes": "\(envelope.count)", "file": "\(deadLetterPath)"])
                    return
                }
                let topic = String(decoding: topics.name(for: fields, in: envelope), as: UTF8.self)
                let json = UnsafeRawBufferPointer(rebasing: envelope[fields.json.start..<fields.json.start + fields.json.count])
                try deadLetters.append(record: json, sequence: entry.sequence, reason: reason, topic: topic)
                logger.error("kafka cannot take this record; written to the dead-letter file and acknowledged", metadata: [
                    "sink": "\(name)", "sequence": "\(entry.sequence)", "bytes": "\(json.count)", "reason": "\(reason)",
                    "file": "\(deadLetterPath)", "deadLettered": "\(deadLetters.count)"])
            }
            return true
        } catch {
            logger.error("cannot write the dead-letter file; the record stays in the spool", metadata: [
                "sink": "\(name)", "sequence": "\(entry.sequence)", "error": "\(error)"])
            return false
        }
    }

    /// Flushes for at most `flushTimeout`; anything still unacknowledged stays in the spool.
    public func close() async throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let (reports, tracker, logger, name, timeout) = (self.reports, self.tracker, self.logger, self.name, configuration.flushTimeout)
        // flush and the thread join block, so they run off the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                if let producer = reports.current, !producer.flush(timeout: timeout) {
                    logger.warning("kafka flush timed out; unacknowledged records stay in the spool", metadata: [
                        "sink": "\(name)", "outstanding": "\(producer.outstanding)"])
                    producer.purge()
                }
                reports.stop()
                if let producer = reports.release() { tracker.failGeneration(producer.generation, error: RD_KAFKA_RESP_ERR__DESTROY.rawValue) }
                continuation.resume()
            }
        }
    }

    /// Sorted by sequence, each sequence once (a batch is matched to reports by binary search).
    static func sortedUnique(_ entries: [LogEntry]) -> [LogEntry] {
        var sorted = true
        for index in entries.indices.dropFirst() where entries[index - 1].sequence >= entries[index].sequence {
            sorted = false
            break
        }
        if sorted { return entries }
        var result = entries.sorted { $0.sequence < $1.sequence }
        var write = 0
        for read in result.indices where write == 0 || result[read].sequence != result[write - 1].sequence {
            result[write] = result[read]
            write += 1
        }
        result.removeLast(result.count - write)
        return result
    }
}

/// The topic handle per record, rendering the template only when it has placeholders and
/// reusing the last handle while consecutive records render the same name.
struct TopicCache {
    let template: TopicTemplate
    private let isConstant: Bool
    private var rendered: [UInt8] = []
    private var lastName: [UInt8] = []
    private var lastHandle: OpaquePointer?

    init(template: TopicTemplate) {
        self.template = template
        isConstant = template.constantName != nil
        rendered.reserveCapacity(64)
    }

    mutating func handle(for fields: EnvelopeFields, in envelope: UnsafeRawBufferPointer, producer: KafkaProducer) -> OpaquePointer? {
        if isConstant, let lastHandle { return lastHandle }
        template.render(fields, in: envelope, into: &rendered)
        if let lastHandle, rendered == lastName { return lastHandle }
        lastHandle = producer.topic(rendered)
        lastName = rendered
        return lastHandle
    }

    mutating func name(for fields: EnvelopeFields, in envelope: UnsafeRawBufferPointer) -> [UInt8] {
        template.render(fields, in: envelope, into: &rendered)
        return rendered
    }
}
