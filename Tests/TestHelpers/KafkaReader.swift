import CRdKafka
import Foundation

/// One message read back from the cluster.
public struct ConsumedMessage: Sendable {
    public var topic: String
    public var key: String?
    public var headers: [String: String]
    public var value: String

    public init(topic: String, key: String?, headers: [String: String], value: String) {
        self.topic = topic
        self.key = key
        self.headers = headers
        self.value = value
    }

    /// The record's `id`, from the JSON value.
    public var recordID: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else { return nil }
        return object["id"] as? String
    }
}

/// Reads every message of every topic starting with `prefix`, from the beginning to the end of
/// each partition, with a plain librdkafka consumer (assign, no group rebalancing).
public enum KafkaReader {
    public static func readAll(bootstrap: String, topicPrefix: String, timeout: Duration = .seconds(60)) throws -> [ConsumedMessage] {
        let conf = rd_kafka_conf_new()
        var error = [CChar](repeating: 0, count: 512)
        for (key, value) in [("bootstrap.servers", bootstrap), ("group.id", "test-reader-\(UUID())"),
                             ("enable.auto.commit", "false"), ("enable.partition.eof", "true"), ("log_level", "3")] {
            guard rd_kafka_conf_set(conf, key, value, &error, error.count) == RD_KAFKA_CONF_OK else {
                throw MockClusterError(description: "consumer config \(key): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
        }
        guard let consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
            throw MockClusterError(description: "cannot create a consumer: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer {
            rd_kafka_consumer_close(consumer)
            rd_kafka_destroy(consumer)
        }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        guard rd_kafka_metadata(consumer, 1, nil, &metadata, 10_000) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw MockClusterError(description: "cannot read the cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let assignment = rd_kafka_topic_partition_list_new(16)
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        var partitions = 0
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            let name = String(cString: topic.topic)
            guard name.hasPrefix(topicPrefix) else { continue }
            for partition in 0..<Int(topic.partition_cnt) {
                let entry = rd_kafka_topic_partition_list_add(assignment, topic.topic, topic.partitions[partition].id)
                entry?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
                partitions += 1
            }
        }
        guard partitions > 0 else { return [] }
        rd_kafka_assign(consumer, assignment)
        var atEnd: Set<String> = []
        var messages: [ConsumedMessage] = []
        let deadline = ContinuousClock.now + timeout
        while atEnd.count < partitions {
            guard ContinuousClock.now < deadline else { throw MockClusterError(description: "reading back timed out at \(messages.count) messages") }
            guard let message = rd_kafka_consumer_poll(consumer, 200) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
            if message.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                atEnd.insert("\(topic)/\(message.pointee.partition)")
                continue
            }
            guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            atEnd.remove("\(topic)/\(message.pointee.partition)")
            messages.append(ConsumedMessage(
                topic: topic,
                key: message.pointee.key.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len), as: UTF8.self) },
                headers: headers(message),
                value: message.pointee.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.len), as: UTF8.self) } ?? ""
            ))
        }
        return messages
    }

    private static func headers(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [String: String] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        var result: [String: String] = [:]
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name else { break }
            result[String(cString: name)] = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: size), as: UTF8.self) } ?? ""
            index += 1
        }
        return result
    }
}
