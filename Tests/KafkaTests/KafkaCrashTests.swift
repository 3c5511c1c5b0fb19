import Foundation
import TestHelpers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `auditrelay run` killed with SIGKILL mid-stream, then restarted: every record must be in Kafka,
/// with duplicates only from what was in flight at the kill (the durable spool resumes after the
/// last acknowledged record and the source after its last durable cursor).
@Suite(.serialized) struct KafkaCrashTests {
    @Test
    func sigkillMidStreamThenRestartDeliversEveryRecord() throws {
        let cluster = try MockCluster(topics: ["relay.crash": 8])
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let total = 40_000
        var events = ""
        for index in 0..<total {
            events += #"{"uuid":"crash-\#(index)","eventType":"user.session.start","published":"2026-11-23T06:00:00.000Z","displayMessage":"\#(String(repeating: "c", count: 600))"}"# + "\n"
        }
        try events.write(toFile: "\(directory)/events.jsonl", atomically: true, encoding: .utf8)
        let config = "\(directory)/crash.yaml"
        try """
            workspaceID: crash
            sources:
              - {id: crash, type: replay, path: \(directory)/events.jsonl, format: ndjson, sourceType: okta, stream: system_log, batchSize: 500}
            sinks:
              - {type: kafka, brokers: "\(cluster.bootstrap)", topic: relay.crash, compression: lz4}
            spool: {dir: \(directory)/spool, maxBytes: 8MiB}
            log: {level: warning}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let binary = KafkaTestSupport.binary("auditrelay")

        // First run, not --once: killed once a good part of the stream is in Kafka.
        let first = try Child.start(binary, ["run", "--config", config], stderrPath: "\(directory)/first.stderr")
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        // Kill once a quarter of the stream is acknowledged by Kafka, read from the spool's own
        // acknowledgement watermark (cheap to poll, unlike reading the topic back).
        let deadline = Date().addingTimeInterval(90)
        var acknowledged = 0
        while acknowledged < total / 4 && Date() < deadline && first.isRunning {
            usleep(20_000)
            let inspect = try Child.run(binary, ["spool", "inspect", "--config", config], timeout: 10)
            if let line = inspect.stdout.split(separator: "\n").first(where: { $0.hasPrefix("sink kafka watermark ") }),
               let value = Int(line.dropFirst("sink kafka watermark ".count).prefix { $0.isNumber }) {
                acknowledged = value
            }
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        let before = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "relay.").count
        #expect(acknowledged >= total / 4 && before < total, "killed with \(acknowledged) acknowledged, \(before) of \(total) records in Kafka")

        // Restart to completion.
        let second = try Child.run(binary, ["run", "--config", config, "--once"], timeout: 120)
        #expect(second.status == 0, "\(second.stderr)")

        let messages = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "relay.")
        let eventIDs = messages.compactMap { $0.headers["eventID"] }
        let missing = Set((0..<total).map { "crash-\($0)" }).subtracting(eventIDs)
        #expect(missing.isEmpty, "\(missing.count) records missing")
        let duplicates = eventIDs.count - Set(eventIDs).count
        // Duplicates: at most what was in flight (8 batches of 2000) plus one source page.
        #expect(duplicates <= 8 * 2000 + 500, "\(duplicates) duplicates after the restart")
        print("sigkill restart: \(before) records in Kafka at the kill, \(duplicates) duplicates after the restart")
    }
}
