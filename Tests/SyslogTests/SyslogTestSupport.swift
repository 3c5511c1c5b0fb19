import Vendors
import Foundation
import TestHelpers
import Testing
import Replay
import Normalizers
import RelayCore
@testable import Sinks

/// The replay fixtures (Tests/NormalizersTests/Fixtures/emm) as log entries, normalized as the
/// pipeline would.
enum FixtureRecords {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("NormalizersTests/Fixtures/emm")

    static func entries() async throws -> [LogEntry] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        let normalizer = PageNormalizer(registry: VendorCatalog.normalizers)
        var entries: [LogEntry] = []
        for file in files {
            let source = ReplaySource(configuration: .init(id: "fixture-\(file)", path: directory.appendingPathComponent(file).path, batchSize: 100))
            var cursor: String?
            while let page = try await source.nextPage(after: cursor) {
                var records: [AuditRecord] = []
                normalizer.normalize(page: page, identity: SourceIdentity(workspaceID: "ws-test", sourceID: "src-\(file.prefix { $0 != "." })"), into: &records)
                for record in records {
                    entries.append(LogEntry(sequence: UInt64(entries.count), envelope: RecordEnvelope.make(record)))
                }
                cursor = page.cursor
            }
        }
        return entries
    }

    /// `count` synthetic records with distinct ids, each about `size` bytes of JSON.
    static func synthetic(_ count: Int, size: Int = 1024, rawLog: [UInt8]? = nil) -> [LogEntry] {
        (0..<count).map { index in
            var record = AuditRecord()
            record.sourceID = "synthetic"
            record.sourceType = "test"
            record.id = "r-\(index)"
            record.eventID = "e-\(index)"
            record.eventName = "test.event"
            record.eventTime = Timestamp(microseconds: 1_700_000_000_000_000 + Int64(index))
            record.receivedAt = record.eventTime
            let base = RecordEncoder.encode(record).count
            record.rawLog = ArraySlice(rawLog ?? Array(repeating: UInt8(ascii: "x"), count: max(0, size - base - 20)))
            return LogEntry(sequence: UInt64(index), envelope: RecordEnvelope.make(record))
        }
    }
}

/// One RFC 5424 message as rsyslog received it, split into its parts.
struct ReceivedMessage {
    var priority: Int
    var timestamp: String
    var hostname: String
    var appName: String
    var messageID: String
    var structuredData: [String: String]
    var message: [UInt8]

    /// Parses `<PRI>1 TS HOST APP PROCID MSGID [SD-ID k="v"...] MSG`, unescaping `\"`, `\\`, `\]`.
    static func parse(_ line: [UInt8]) -> ReceivedMessage? {
        var position = 0
        func field() -> String? {
            guard let space = line[position...].firstIndex(of: 0x20) else { return nil }
            defer { position = space + 1 }
            return String(decoding: line[position..<space], as: UTF8.self)
        }
        guard line.first == UInt8(ascii: "<"), let close = line.firstIndex(of: UInt8(ascii: ">")),
              let priority = Int(String(decoding: line[1..<close], as: UTF8.self)) else { return nil }
        position = close + 1
        guard field() == "1", let timestamp = field(), let hostname = field(), let appName = field(), field() != nil,
              let messageID = field(), position < line.count, line[position] == UInt8(ascii: "[") else { return nil }
        position += 1
        guard let sdID = field(), sdID == "auditrelay@32473" else { return nil }
        var parameters: [String: String] = [:]
        while position < line.count {
            guard let equals = line[position...].firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let name = String(decoding: line[position..<equals], as: UTF8.self)
            position = equals + 2  // past ="
            var value: [UInt8] = []
            while position < line.count && line[position] != UInt8(ascii: "\"") {
                if line[position] == UInt8(ascii: "\\") { position += 1 }
                guard position < line.count else { return nil }
                value.append(line[position])
                position += 1
            }
            position += 1  // closing quote
            parameters[name] = String(decoding: value, as: UTF8.self)
            guard position < line.count else { return nil }
            if line[position] == UInt8(ascii: "]") { position += 1; break }
            position += 1  // space before the next parameter
        }
        guard position < line.count, line[position] == 0x20 else { return nil }
        return ReceivedMessage(priority: priority, timestamp: timestamp, hostname: hostname, appName: appName,
                               messageID: messageID, structuredData: parameters, message: Array(line[(position + 1)...]))
    }
}

enum Delivery {
    /// Delivers `entries` in batches like the pipeline does: what the sink does not acknowledge is
    /// retried (after a short pause) until acknowledged or `timeout` passes.
    /// Returns the acknowledged sequences in order and the number of failed attempts.
    @discardableResult
    static func deliverAll(_ entries: [LogEntry], to sink: SyslogSink, batchSize: Int = 200, timeout: Duration = .seconds(60),
                           afterBatch: (Int) async throws -> Void = { _ in }) async throws -> (acknowledged: [UInt64], failures: Int) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var acknowledged: [UInt64] = []
        var failures = 0
        var batchNumber = 0
        for start in stride(from: 0, to: entries.count, by: batchSize) {
            var pending = Array(entries[start..<min(entries.count, start + batchSize)])
            while !pending.isEmpty {
                guard clock.now < deadline else { throw TestFailure("\(pending.count) records still unacknowledged after \(timeout)") }
                var done: [UInt64] = []
                do { done = try await sink.deliver(pending) } catch { failures += 1 }
                acknowledged += done
                let set = Set(done)
                pending.removeAll { set.contains($0.sequence) }
                if !pending.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            try await afterBatch(batchNumber)
            batchNumber += 1
        }
        return (acknowledged, failures)
    }

    static func configuration(_ transport: SyslogSink.Transport, port: Int, host: String = "127.0.0.1") -> SyslogSink.Configuration {
        var configuration = SyslogSink.Configuration(name: "test-\(transport.rawValue)", transport: transport, host: host, port: port)
        configuration.hostname = "relay-test"
        configuration.connectTimeout = .seconds(2)
        configuration.ioTimeout = .seconds(5)
        return configuration
    }
}
