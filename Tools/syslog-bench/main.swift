// Sink-only syslog benchmark (run by scripts/bench-syslog.sh): delivers N prepared records of
// about `--size` bytes per syslog message to `--url` in batches, one delivery at a time as the
// pipeline does, and prints the seconds to the last acknowledgement (including the sink's clean
// close). No pipeline, normalizer or spool in the loop. Output: `acknowledged seconds failures
// wall-clock-start`.
//
// Usage: syslog-bench --url tcp://127.0.0.1:5140 [--records 100000] [--size 1024] [--batch 2000] [--ca FILE]
import Foundation
import RelayCore
import Sinks

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

func option(_ name: String, _ arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let arguments = CommandLine.arguments
guard let url = option("--url", arguments), let (transport, host, port) = SyslogSink.Configuration.parseURL(url) else {
    FileHandle.standardError.write(Data("usage: syslog-bench --url tcp://host:port [--records N] [--size BYTES] [--batch N] [--ca FILE]\n".utf8))
    exit(2)
}
let records = option("--records", arguments).flatMap(Int.init) ?? 100_000
let size = option("--size", arguments).flatMap(Int.init) ?? 1024
let batchSize = option("--batch", arguments).flatMap(Int.init) ?? 2000

var configuration = SyslogSink.Configuration(name: "bench", transport: transport, host: host, port: port)
configuration.hostname = "bench"
configuration.tls.caFile = option("--ca", arguments)

// Records whose whole syslog message (header + JSON) is about `size` bytes.
let formatter = SyslogFormatter(hostname: "bench")
var entries: [LogEntry] = []
entries.reserveCapacity(records)
for index in 0..<records {
    var record = AuditRecord()
    record.sourceID = "bench"
    record.sourceType = "okta"
    record.id = "bench-\(index)"
    record.eventID = "event-\(index)"
    record.eventName = "user.session.start"
    record.eventTime = Timestamp(microseconds: 1_700_000_000_000_000 + Int64(index))
    record.receivedAt = record.eventTime
    var envelope = RecordEnvelope.make(record)
    var message: [UInt8] = []
    if let view = EnvelopeView(envelope) { formatter.append(envelope: envelope, view: view, to: &message) }
    record.rawLog = ArraySlice(repeating: UInt8(ascii: "x"), count: max(0, size - message.count - 2))
    envelope = RecordEnvelope.make(record)
    entries.append(LogEntry(sequence: UInt64(index), envelope: envelope))
}

let sink = try SyslogSink(configuration: configuration)
let wallStart = Date().timeIntervalSince1970
let clock = ContinuousClock()
let start = clock.now
var acknowledged = 0
var failures = 0
for batchStart in stride(from: 0, to: entries.count, by: batchSize) {
    var pending = Array(entries[batchStart..<min(entries.count, batchStart + batchSize)])
    while !pending.isEmpty {
        do {
            let done = Set(try await sink.deliver(pending))
            acknowledged += done.count
            pending.removeAll { done.contains($0.sequence) }
        } catch {
            failures += 1
            guard failures < 20 else { throw BenchError(description: "\(error)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
try await sink.close()
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
// Records acknowledged, seconds to the last acknowledgement, failed attempts, wall-clock start
// (so the caller can time rsyslog's writes from the same instant).
print(String(format: "%d %.3f %d %.6f", acknowledged, seconds, failures, wallStart))
