import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What normalizing cannot do is visible: `normalize --explain` says what decided each behavior,
/// and a running sidecar counts unclassified events by name, events without a time or in an
/// unknown shape, and fields a vendor never sent before.
@Suite(.serialized) struct NormalizeObservabilityTests {
    @Test func explainNamesTheTableTheGrammarOrNothing() async throws {
        let events = [
            #"{"uuid":"1","published":"2026-03-01T12:00:00Z","eventType":"user.session.start","actor":{"id":"u1"}}"#,
            #"{"uuid":"2","published":"2026-03-01T12:00:01Z","eventType":"report.widget.delete","actor":{"id":"u1"}}"#,
            #"{"uuid":"3","published":"2026-03-01T12:00:02Z","eventType":"system.heartbeat","actor":{"id":"u1"}}"#,
            #"{"uuid":"4","eventType":"user.lifecycle.create"}"#,
        ].joined(separator: "\n")
        let result = try await CLI.run(["normalize", "--type", "okta", "--explain"], stdin: Data(events.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == #"{"line":1,"eventName":"user.session.start","behavior":"authentication.login","decidedBy":"table user.session.start"}"#)
        #expect(lines[1] == #"{"line":2,"eventName":"report.widget.delete","behavior":"resource.delete","decidedBy":"grammar report widget delete"}"#)
        #expect(lines[2] == #"{"line":3,"eventName":"system.heartbeat","behavior":"","decidedBy":"none"}"#)
        #expect(lines[3].contains(#""behavior":"user.create""#) && lines[3].contains(#""error":"no event time found"#), "\(lines[3])")
    }

    @Test func aRunningSidecarCountsUnclassifiedUntimedAndNewFields() async throws {
        // 60 ordinary events (the baseline of known fields), then events the normalizer cannot fully read.
        var events = (0..<60).map { #"{"uuid":"b\#($0)","published":"2026-03-01T12:00:00Z","eventType":"user.session.start","actor":{"id":"u"}}"# }
        events += (0..<3).map { #"{"uuid":"x\#($0)","published":"2026-03-01T12:00:00Z","eventType":"system.heartbeat","actor":{"id":"u"}}"# }
        events += [#"{"uuid":"t1","eventType":"user.session.start","actor":{"id":"u"}}"#,
                   #"{"something":"else"}"#,
                   #"{"uuid":"n1","published":"2026-03-01T12:00:00Z","eventType":"user.session.start","actor":{"id":"u"},"riskScore":{"level":"HIGH"}}"#]
        let input = try CLI.temporaryFile(events.joined(separator: "\n") + "\n", suffix: ".jsonl")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("observe-\(UUID())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let config = try CLI.temporaryFile("""
            sources: [{id: okta-replay, type: replay, path: \(input), format: ndjson, sourceType: okta, stream: system_log}]
            sinks: [{type: file, path: \(work)/out.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            http: {listen: "127.0.0.1:0"}
            log: {format: json}
            """)
        let sidecar = try SidecarTests.Sidecar(config: config)
        let port = try await sidecar.port()
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            metrics = try await SidecarTests.get(port, "/metrics").1
            if metrics.contains("auditrelay_normalize_new_fields_total") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(metrics.contains(#"auditrelay_normalize_unclassified_total{source="okta-replay",event="system.heartbeat"} 3"#), "\(metrics)")
        #expect(metrics.contains(#"auditrelay_normalize_errors_total{source="okta-replay",kind="missing_time"} 1"#))
        #expect(metrics.contains(#"auditrelay_normalize_errors_total{source="okta-replay",kind="unknown_shape"} 1"#))
        // riskScore and riskScore.level are new after the baseline (the unknown shape's field too).
        #expect(metrics.contains(#"auditrelay_normalize_new_fields_total{source="okta-replay",stream="system_log"} 3"#), "\(metrics)")
        let log = sidecar.log
        #expect(log.contains("a field never seen before") && log.contains(#""field":"riskScore.level""#), "\(log)")
        #expect(await sidecar.terminate() == 0)
    }
}
