import CRdKafka
import RelayCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One librdkafka producer instance (`rd_kafka_t`) with its event queue and topic handles.
///
/// Thread contract: `produce` may be called from any thread (librdkafka is thread-safe and
/// `produce` never blocks); only the sink's poll thread reads `queue`. After a fatal error the
/// instance is marked failed and replaced; it is destroyed when the last user lets go of it.
final class KafkaProducer: @unchecked Sendable {
    let handle: OpaquePointer
    let queue: OpaquePointer
    /// Increases with every replacement, so reports and batches of a dead instance are told apart.
    let generation: Int
    /// A message (value + key) bigger than this is alone in its produce request (librdkafka caps
    /// a request at `batch.size`), so a broker "too large" answer to it concerns it alone.
    let batchSize: Int
    let maxMessageBytes: Int
    private let failed = Atomic<Bool>(false)
    private let topics = Mutex<[[UInt8]: OpaquePointer]>([:])
    /// `sourceType\0sourceID\0eventID\0id\0`, the header names, alive as long as the producer.
    private let headerNames: UnsafeMutablePointer<CChar>
    private static let headerFields: [MessageField] = [.sourceType, .sourceID, .eventID, .id]

    /// Creates a producer from `properties` (the sink's validated, forced-safe list).
    /// - Throws: `SinkError` naming the property librdkafka refused, never its value.
    init(properties: [(key: String, value: Secret)], generation: Int) throws {
        guard let conf = rd_kafka_conf_new() else { throw SinkError("kafka: cannot allocate a librdkafka configuration") }
        for (key, value) in properties {
            if let problem = KafkaProperties.set(conf, key, value) {
                rd_kafka_conf_destroy(conf)
                throw SinkError("kafka: librdkafka property \(key) \(problem.redacting(value.reveal(), as: "<redacted>"))")
            }
        }
        // Delivery reports, errors and log lines all arrive as events on the main queue, which
        // the sink's poll thread serves in batches (one lock per report batch, not per message).
        rd_kafka_conf_set_events(conf, Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG))
        batchSize = Self.integerProperty(conf, "batch.size") ?? 1_000_000
        maxMessageBytes = Self.integerProperty(conf, "message.max.bytes") ?? 1_000_000
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw SinkError("kafka: cannot create the producer: \(message)")
        }
        self.handle = handle
        rd_kafka_set_log_queue(handle, nil)
        queue = rd_kafka_queue_get_main(handle)
        self.generation = generation
        let names = Self.headerFields.map(\.rawValue).joined(separator: "\0") + "\0"
        headerNames = UnsafeMutablePointer<CChar>.allocate(capacity: names.utf8.count)
        for (index, byte) in names.utf8.enumerated() { headerNames[index] = CChar(bitPattern: byte) }
    }

    deinit {
        topics.withLock { topics in
            for topic in topics.values { rd_kafka_topic_destroy(topic) }
        }
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        headerNames.deallocate()
    }

    var isFailed: Bool { failed.load(ordering: .acquiring) }
    func markFailed() { failed.store(true, ordering: .releasing) }

    /// The topic handle for `name`, created on first use.
    func topic(_ name: [UInt8]) -> OpaquePointer? {
        topics.withLock { topics in
            if let topic = topics[name] { return topic }
            let text = String(decoding: name, as: UTF8.self)
            guard let topic = rd_kafka_topic_new(handle, text, nil) else { return nil }
            topics[name] = topic
            return topic
        }
    }

    /// Enqueues one message (librdkafka copies value, key and headers). Returns librdkafka's
    /// immediate verdict: no error, `__QUEUE_FULL` (retry after reports drain the queue),
    /// `MSG_SIZE_TOO_LARGE`, or a fatal/other error.
    /// The value is the record JSON, the key the configured field, and the headers are
    /// `sourceType`, `sourceID`, `eventID` and `id`, all taken from `envelope` at `fields`.
    func produce(topic: OpaquePointer, envelope: UnsafeRawBufferPointer, fields: EnvelopeFields,
                 key keyField: MessageField?, sequence: UInt64) -> rd_kafka_resp_err_t {
        let value = UnsafeRawBufferPointer(rebasing: envelope[fields.json.start..<fields.json.start + fields.json.count])
        let key = keyField.map { fields.bytes($0, in: envelope) }
        return withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 5 + Self.headerFields.count) { vus in
            var count = 0
            func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                var vu = rd_kafka_vu_t()
                vu.vtype = type
                fill(&vu)
                vus[count] = vu
                count += 1
            }
            add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
            add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = Int32(RD_KAFKA_MSG_F_COPY) }
            add(RD_KAFKA_VTYPE_VALUE) {
                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                $0.u.mem.size = value.count
            }
            if let key {
                add(RD_KAFKA_VTYPE_KEY) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    $0.u.mem.size = key.count
                }
            }
            // The spool sequence rides along as the opaque and comes back in the delivery report.
            add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(sequence)) }
            var nameOffset = 0
            for field in Self.headerFields {
                let header = fields.bytes(field, in: envelope)
                let name = UnsafePointer(headerNames + nameOffset)
                nameOffset += field.rawValue.utf8.count + 1
                add(RD_KAFKA_VTYPE_HEADER) {
                    $0.u.header.name = name
                    // A zero-length header value must still be non-NULL (NULL means "null header").
                    $0.u.header.val = UnsafeRawPointer(header.baseAddress) ?? UnsafeRawPointer(name)
                    $0.u.header.size = header.count
                }
            }
            guard let error = rd_kafka_produceva(handle, vus.baseAddress, count) else { return RD_KAFKA_RESP_ERR_NO_ERROR }
            let code = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            return code
        }
    }

    /// Waits up to `timeout` for every queued message's delivery report (served by the poll thread).
    func flush(timeout: Duration) -> Bool {
        rd_kafka_flush(handle, Int32(clamping: Int64(timeout.seconds * 1000))) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Drops queued and in-flight messages; their reports arrive as purge errors.
    func purge() {
        rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Messages librdkafka still holds (queued, in flight, or reports not yet served).
    var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// The fatal error, if one was raised: `(name, reason)`.
    func fatalError() -> (name: String, reason: String)? { kafkaFatalError(handle) }

    private static func integerProperty(_ conf: OpaquePointer, _ name: String) -> Int? {
        var buffer = [CChar](repeating: 0, count: 64)
        var size = buffer.count
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return Int(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// The fatal error librdkafka raised on a client, if any: `(name, reason)`. An idempotent producer
/// in this state refuses every send until it is replaced.
public func kafkaFatalError(_ handle: OpaquePointer) -> (name: String, reason: String)? {
    var buffer = [CChar](repeating: 0, count: 512)
    let code = rd_kafka_fatal_error(handle, &buffer, buffer.count)
    guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
    let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (String(cString: rd_kafka_err2name(code)), reason)
}
