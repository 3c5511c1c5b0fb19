import CRdKafka
import Dispatch
import Foundation
import Logging
import RelayCore
import Synchronization

/// The sink's poll thread: serves librdkafka's event queue (delivery reports, errors, log lines)
/// on a dedicated thread, never on the Swift cooperative pool, and owns the current producer.
///
/// Delivery reports are matched to waiting `deliver` calls by the spool sequence in each message's
/// opaque. On a fatal producer error (an idempotence state the producer cannot recover from) it
/// purges the producer, serves its last reports, fails every batch still waiting on it (the
/// pipeline redelivers those records), and replaces it with a new instance.
final class DeliveryReports: Sendable {
    typealias Report = (sequence: UInt64, outcome: DeliveryOutcome, error: Int32)

    private let slot: Mutex<KafkaProducer?>
    private let tracker: DeliveryTracker
    private let properties: [(key: String, value: Secret)]
    private let logger: Logger
    private let name: String
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let generations = Atomic<Int>(1)
    private let restartCount = Atomic<Int>(0)
    private let unmatchedCount = Atomic<Int>(0)

    /// Creates the first producer, so a configuration librdkafka refuses fails the sink's start.
    init(name: String, properties: [(key: String, value: Secret)], tracker: DeliveryTracker, logger: Logger) throws {
        self.name = name
        self.properties = properties
        self.tracker = tracker
        self.logger = logger
        slot = Mutex(try KafkaProducer(properties: properties, generation: 0))
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "kafka-poll-\(name)"
        thread.start()
    }

    /// Stops the poll thread and waits for it to exit.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Wake a poll that is waiting for events, so stopping does not wait out its timeout.
        if let producer = current { rd_kafka_queue_yield(producer.queue) }
        stopped.wait()
    }

    /// The producer to use now; nil while a replacement could not be created yet.
    var current: KafkaProducer? { slot.withLock { $0 } }

    /// Producers replaced after a fatal error since the sink started.
    var restarts: Int { restartCount.load(ordering: .relaxed) }

    /// Reports that matched no waiting batch (e.g. of a cancelled delivery).
    var unmatchedReports: Int { unmatchedCount.load(ordering: .relaxed) }

    /// Releases the producer (after `stop`); it is destroyed once no delivery holds it.
    func release() -> KafkaProducer? { slot.withLock { producer in defer { producer = nil }; return producer } }

    // MARK: The poll thread

    private func run() {
        let capacity = 4096
        let messages = UnsafeMutablePointer<UnsafePointer<rd_kafka_message_t>?>.allocate(capacity: capacity)
        let reports = UnsafeMutableBufferPointer<Report>.allocate(capacity: capacity)
        defer {
            messages.deallocate()
            reports.deallocate()
            stopped.signal()
        }
        var limiter = LogLimiter()
        while !stopping.load(ordering: .acquiring) {
            guard let producer = current else {
                replaceProducer()
                if current == nil { Thread.sleep(forTimeInterval: 1) }
                continue
            }
            guard let event = rd_kafka_queue_poll(producer.queue, 100) else { continue }
            defer { rd_kafka_event_destroy(event) }
            switch rd_kafka_event_type(event) {
            case Int32(RD_KAFKA_EVENT_DR):
                serveReports(event, producer: producer, messages: messages, reports: reports, capacity: capacity, limiter: &limiter)
            case Int32(RD_KAFKA_EVENT_ERROR):
                let code = rd_kafka_event_error(event)
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                if rd_kafka_event_error_is_fatal(event) != 0 {
                    let fatal = producer.fatalError()
                    recreate(producer, error: fatal?.name ?? String(cString: rd_kafka_err2name(code)), reason: fatal?.reason ?? text,
                             messages: messages, reports: reports, capacity: capacity, limiter: &limiter)
                } else if limiter.allows("error.\(code.rawValue)") {
                    logger.warning("kafka client error; librdkafka keeps retrying", metadata: [
                        "sink": "\(name)", "error": "\(String(cString: rd_kafka_err2name(code)))", "reason": "\(text)"])
                }
            case Int32(RD_KAFKA_EVENT_LOG):
                var facility: UnsafePointer<CChar>?
                var text: UnsafePointer<CChar>?
                var level: Int32 = 6
                if rd_kafka_event_log(event, &facility, &text, &level) == 0 {
                    log(level: level, facility: facility.map { String(cString: $0) } ?? "", text: text.map { String(cString: $0) } ?? "")
                }
            default:
                break
            }
        }
    }

    private func serveReports(_ event: OpaquePointer, producer: KafkaProducer,
                              messages: UnsafeMutablePointer<UnsafePointer<rd_kafka_message_t>?>,
                              reports: UnsafeMutableBufferPointer<Report>, capacity: Int, limiter: inout LogLimiter) {
        while true {
            let count = rd_kafka_event_message_array(event, messages, capacity)
            if count == 0 { break }
            for index in 0..<count {
                guard let message = messages[index]?.pointee else { continue }
                let sequence = UInt64(UInt(bitPattern: message._private))
                let outcome: DeliveryOutcome
                if message.err == RD_KAFKA_RESP_ERR_NO_ERROR, rd_kafka_message_status(messages[index]) == RD_KAFKA_MSG_STATUS_PERSISTED {
                    outcome = .persisted
                } else if message.err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, message.len + message.key_len > producer.batchSize {
                    outcome = .tooLargeForBroker
                } else if message.err == RD_KAFKA_RESP_ERR_INVALID_RECORD || message.err == RD_KAFKA_RESP_ERR_INVALID_MSG {
                    outcome = .rejectedByBroker
                } else {
                    outcome = .failed
                    if message.err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, limiter.allows("batch-too-large") {
                        logger.warning("the broker rejected a batch as too large; set librdkafka.message.max.bytes to at most the topic's max.message.bytes", metadata: ["sink": "\(name)"])
                    }
                }
                reports[index] = (sequence, outcome, message.err.rawValue)
            }
            let unmatched = tracker.apply(UnsafeBufferPointer(rebasing: reports[0..<count]))
            if unmatched > 0 { unmatchedCount.add(unmatched, ordering: .relaxed) }
        }
    }

    private func recreate(_ old: KafkaProducer, error: String, reason: String,
                          messages: UnsafeMutablePointer<UnsafePointer<rd_kafka_message_t>?>,
                          reports: UnsafeMutableBufferPointer<Report>, capacity: Int, limiter: inout LogLimiter) {
        old.markFailed()
        restartCount.add(1, ordering: .relaxed)
        logger.error("kafka producer failed fatally; replacing it, unacknowledged records will be redelivered", metadata: [
            "sink": "\(name)", "error": "\(error)", "reason": "\(reason)", "producer": "\(old.generation)"])
        // Serve the old instance's last reports (successes that raced the error, then purges) so
        // every record it did persist is still acknowledged.
        old.purge()
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            guard let event = rd_kafka_queue_poll(old.queue, 10) else {
                if old.outstanding == 0 { break }
                continue
            }
            if rd_kafka_event_type(event) == Int32(RD_KAFKA_EVENT_DR) {
                serveReports(event, producer: old, messages: messages, reports: reports, capacity: capacity, limiter: &limiter)
            }
            rd_kafka_event_destroy(event)
        }
        tracker.failGeneration(old.generation, error: RD_KAFKA_RESP_ERR__FATAL.rawValue)
        slot.withLock { if $0 === old { $0 = nil } }
        replaceProducer()
    }

    private func replaceProducer() {
        let generation = generations.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            let producer = try KafkaProducer(properties: properties, generation: generation)
            slot.withLock { $0 = producer }
            logger.notice("kafka producer created", metadata: ["sink": "\(name)", "producer": "\(generation)"])
        } catch {
            logger.error("cannot create the kafka producer; retrying", metadata: ["sink": "\(name)", "error": "\(error)"])
        }
    }

    private func log(level: Int32, facility: String, text: String) {
        let metadata: Logger.Metadata = ["sink": "\(name)", "facility": "\(facility)", "message": "\(text)"]
        switch level {
        case ...4: logger.warning("librdkafka log", metadata: metadata)
        case 5: logger.notice("librdkafka log", metadata: metadata)
        case 6: logger.info("librdkafka log", metadata: metadata)
        default: logger.debug("librdkafka log", metadata: metadata)
        }
    }
}

/// At most one log line per key every 10 s, so an outage does not flood the log.
struct LogLimiter {
    private var last: [String: ContinuousClock.Instant] = [:]

    mutating func allows(_ key: String) -> Bool {
        let now = ContinuousClock.now
        if let previous = last[key], now - previous < .seconds(10) { return false }
        last[key] = now
        return true
    }
}
