// kafka-sink-bench: records/s from the record log to acknowledged in Kafka, 1 KiB records.
//
//   kafka-sink-bench generate --records N --out FILE   the same messages as `key<TAB>json` lines, for kcat -K '\t'
//   kafka-sink-bench sink --bootstrap B [--records N] [--topic T] [--compression lz4]
//       LogEntry batches of 2000 straight into KafkaSink.deliver, 8 in flight (the sink alone)
//   kafka-sink-bench pipeline --bootstrap B [--records N] [--topic T] [--compression lz4]
//       a pre-filled MemoryRecordLog drained by Pipeline into the sink (record log -> acknowledged)
//
// Prints one line: `<mode> <records> records <bytes> B avg in <s> s = <rate> records/s`.
// Timing runs from the sink's creation (connections included, as for kcat) to the last
// acknowledgement, i.e. the last delivery report. scripts/bench-kafka.sh drives it.
import Foundation
import Logging
import Relay
import RelayCore
import Sinks

struct Options {
    var mode = ""
    var records = 500_000
    var bootstrap = ""
    var topic = "bench"
    var compression = "lz4"
    var out = ""

    init(_ arguments: [String]) {
        mode = arguments.first ?? ""
        var index = 1
        while index + 1 < arguments.count {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--records": records = Int(value) ?? records
            case "--bootstrap": bootstrap = value
            case "--topic": topic = value
            case "--compression": compression = value
            case "--out": out = value
            default: FileHandle.standardError.write(Data("unknown option \(arguments[index])\n".utf8)); exit(2)
            }
            index += 2
        }
    }
}

/// Deterministic ~1 KiB records that vary like real ones (ids, users, IPs, tokens), so
/// compression sees realistic, not trivially repetitive, data.
enum BenchRecords {
    static func envelope(_ index: Int) -> [UInt8] {
        var random = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            return random
        }
        func hex(_ count: Int) -> String {
            var text = ""
            while text.count < count { text += String(next(), radix: 16) }
            return String(text.prefix(count))
        }
        var record = AuditRecord()
        record.workspaceID = "acme-prod"
        record.sourceID = "okta-main"
        record.sourceType = "okta"
        record.sourceTTL = 90
        record.receivedAt = Timestamp(microseconds: 1_795_000_000_000_000 + Int64(index) * 1000, fractionDigits: 6)
        record.eventTime = Timestamp(microseconds: 1_795_000_000_000_000 + Int64(index) * 997, fractionDigits: 3)
        record.eventName = ["user.session.start", "user.authentication.sso", "group.user_membership.add", "policy.evaluate_sign_on"][index % 4]
        record.eventID = "bench-\(hex(8))-\(index)"
        record.id = RecordID.derive(sourceID: record.sourceID, eventID: record.eventID)
        record.src = NetworkEndpoint(ip: "198.51.\(next() % 256).\(next() % 256)")
        record.actor = ["id": "00u\(hex(17))", "email": "user\(index % 5000)@example.com", "type": "User"]
        record.serviceName = "Okta"
        let user = "user\(index % 5000)@example.com"
        let event = #"{"uuid":"\#(record.eventID)","eventType":"\#(record.eventName)","actor":{"alternateId":"\#(user)"},"client":{"ipAddress":"\#(record.src.ip)"},"displayMessage":"#
        // rawLog is escaped inside the record JSON, so size the padding against the encoded result.
        record.rawLog = ArraySlice((event + "\"\"}").utf8)
        let padding = max(0, 1024 - RecordEncoder.encode(record).count)
        record.rawLog = ArraySlice((event + "\"" + hex(padding) + "\"}").utf8)
        return RecordEnvelope.make(record)
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU seconds (user + system, every thread) this process has used so far.
func cpu() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func makeSink(_ options: Options) throws -> KafkaSink {
    var logger = Logger(label: "kafka-sink-bench")
    logger.logLevel = .warning
    let configuration = KafkaSink.Configuration(
        name: "bench", brokers: options.bootstrap, topic: try TopicTemplate.parse(options.topic).get(),
        compression: options.compression, flushTimeout: .seconds(30))
    return try KafkaSink(configuration: configuration, deadLetterDirectory: NSTemporaryDirectory() + "/kafka-bench-dead-letter", logger: logger)
}

func report(_ mode: String, _ records: Int, bytes: Int, seconds: Double, cpu: Double) {
    print("\(mode) \(records) records \(bytes / max(1, records)) B avg in \(String(format: "%.2f", seconds)) s, cpu \(String(format: "%.2f", cpu)) s = \(Int(Double(records) / seconds)) records/s")
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.mode {
case "generate":
    // createFile replaces an existing file, so a shorter run never leaves old lines behind.
    guard FileManager.default.createFile(atPath: options.out, contents: nil),
          let output = FileHandle(forWritingAtPath: options.out) else { fatalError("cannot write \(options.out)") }
    var buffer: [UInt8] = []
    for index in 0..<options.records {
        let envelope = BenchRecords.envelope(index)
        guard let view = EnvelopeView(envelope) else { fatalError("bad envelope") }
        buffer += Array(view.id.utf8)
        buffer.append(0x09)
        buffer += envelope[view.jsonRange]
        buffer.append(0x0A)
        if buffer.count > 1 << 20 {
            output.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    output.write(Data(buffer))
    try output.close()

case "sink":
    let envelopes = (0..<options.records).map(BenchRecords.envelope)
    let bytes = envelopes.reduce(0) { $0 + (EnvelopeView($1)?.jsonRange.count ?? 0) }
    let batches = stride(from: 0, to: envelopes.count, by: 2000).map { start in
        (start..<min(envelopes.count, start + 2000)).map { LogEntry(sequence: UInt64($0 + 1), envelope: envelopes[$0]) }
    }
    let started = now(), startedCPU = cpu()
    let sink = try makeSink(options)
    let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
        var next = 0, total = 0
        for _ in 0..<sink.maxConcurrentDeliveries where next < batches.count {
            let batch = batches[next]
            group.addTask { try await sink.deliver(batch).count }
            next += 1
        }
        while let done = try await group.next() {
            total += done
            if next < batches.count {
                let batch = batches[next]
                group.addTask { try await sink.deliver(batch).count }
                next += 1
            }
        }
        return total
    }
    let elapsed = now() - started, usedCPU = cpu() - startedCPU
    try await sink.close()
    guard acknowledged == options.records else { fatalError("only \(acknowledged) of \(options.records) acknowledged") }
    report("sink", acknowledged, bytes: bytes, seconds: elapsed, cpu: usedCPU)

case "pipeline":
    let log = MemoryRecordLog(capacityBytes: Int.max, sinks: ["bench"])
    var bytes = 0
    for start in stride(from: 0, to: options.records, by: 1000) {
        let page = (start..<min(options.records, start + 1000)).map(BenchRecords.envelope)
        bytes += page.reduce(0) { $0 + (EnvelopeView($1)?.jsonRange.count ?? 0) }
        try await log.append(page, cursor: nil)
    }
    var logger = Logger(label: "kafka-sink-bench")
    logger.logLevel = .warning
    let started = now(), startedCPU = cpu()
    let sink = try makeSink(options)
    let pipeline = Pipeline(sources: [], sinks: [sink], log: log, logger: logger)
    let summary = try await pipeline.run(once: true)
    let elapsed = now() - started, usedCPU = cpu() - startedCPU
    guard summary.deliveredRecords == options.records else { fatalError("only \(summary.deliveredRecords) of \(options.records) delivered") }
    report("pipeline", summary.deliveredRecords, bytes: bytes, seconds: elapsed, cpu: usedCPU)

default:
    FileHandle.standardError.write(Data("usage: kafka-sink-bench generate|sink|pipeline [options] (see the header of main.swift)\n".utf8))
    exit(2)
}
