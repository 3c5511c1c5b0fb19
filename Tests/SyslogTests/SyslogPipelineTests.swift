import Foundation
import TestHelpers
import Logging
import Testing
import Replay
import Normalizers
import Relay
import RelayCore
@testable import Sinks

/// The real pipeline (replay -> normalize -> record log -> syslog sink over RELP, with its own
/// retry and backoff) while rsyslogd is SIGKILLed and restarted: the run completes, the log is
/// empty (every record acknowledged) and rsyslog has every record.
@Suite(.serialized, .timeLimit(.minutes(4))) struct SyslogPipelineTests {
    @Test func relpThroughThePipelineSurvivesAReceiverRestart() async throws {
        let server = try RsyslogServer(.relp)
        defer { server.stop() }
        let count = 20_000
        let events = FileManager.default.temporaryDirectory.appendingPathComponent("syslog-pipeline-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: events) }
        let lines = (0..<count).map { #"{"uuid":"pipe-\#($0)","published":"2024-05-21T18:08:48.081Z","eventType":"user.session.start","displayMessage":"Ünïcødé \"quoted\" ]"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: events, atomically: true, encoding: .utf8)

        let source = ReplaySource(configuration: .init(id: "replay", path: events.path, format: .ndjson, sourceType: "okta",
                                                       stream: "system_log", batchSize: 500))
        let sink = try SyslogSink(configuration: Delivery.configuration(.relp, port: server.port))
        let log = MemoryRecordLog(capacityBytes: 64 << 20, sinks: [sink.name])
        var logger = Logger(label: "syslog-pipeline-test")
        logger.logLevel = .error
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "w", sourceID: "replay"))],
                                sinks: [sink], log: log, logger: logger)
        pipeline.sinkBatchSize = 500
        pipeline.backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        pipeline.onceAttempts = 1000

        let outage = Task.detached {
            // Kill once rsyslog has taken some records, i.e. mid-stream.
            let deadline = ContinuousClock.now + .seconds(60)
            while server.receivedLines().count < 2000 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            server.stop()
            try await Task.sleep(for: .milliseconds(500))
            try server.start()
        }
        let summary = try await pipeline.run(once: true)
        try await outage.value

        #expect(summary.polledRecords == count)
        #expect(await log.bufferedRecords == 0, "every record was acknowledged and left the log")
        #expect(sink.statistics.connects >= 2)
        let received = try await server.settledLines()
        var ids = Set<String>()
        for line in received {
            guard let message = ReceivedMessage.parse(line), let record = try? JSONDocument().parse(message.message),
                  let uuid = record["rawLog"]?.string.flatMap({ try? JSONDocument().parse(Array($0.utf8))["uuid"]?.string }) else {
                Issue.record("unparseable: \(String(decoding: line.prefix(200), as: UTF8.self))")
                continue
            }
            ids.insert(uuid)
        }
        #expect(ids.count == count, "rsyslog has \(ids.count) of \(count) records (\(received.count) messages with duplicates)")
    }
}
