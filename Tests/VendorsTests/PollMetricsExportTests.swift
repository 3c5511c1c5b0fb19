import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `auditrelay run` polling the Kandji look-alike shows its rate-limit wait, requests and
/// fetched events on `/metrics`, labelled with the source.
@Suite(.timeLimit(.minutes(3))) struct PollMetricsExportTests {
    @Test func rateLimitWaitsAndRequestsAreOnTheMetricsEndpoint() async throws {
        let vendor = try Lookalike("kandji.py", ["--token", "metrics-kandji-token", "--events", "50", "--span", "3600"])
        defer { vendor.stop() }
        try await vendor.inject(["429"])  // answered with Retry-After: 7
        let work = EndToEndTests.temporaryPath("-metrics")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let config = "\(work)/config.yaml"
        try """
            workspaceID: m
            sources:
              - {id: kandji-prod, type: kandji, baseURL: "\(vendor.baseURL)", token: "${env:M_KANDJI_TOKEN}", backfill: 2h, lag: 5s, interval: 1s}
            sinks: [{type: file, path: \(work)/out.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            http: {listen: "127.0.0.1:0"}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let errPath = "\(work)/stderr"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        process.arguments = ["run", "--config", config]
        process.environment = ProcessInfo.processInfo.environment.merging(["M_KANDJI_TOKEN": "metrics-kandji-token"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var port: Int?
        var metrics = ""
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let log = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            if port == nil, let line = log.split(separator: "\n").first(where: { $0.contains("\"message\":\"listening\"") }),
               let range = line.range(of: #""port":""#) {
                port = Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            guard let port, let url = URL(string: "http://127.0.0.1:\(port)/metrics") else { continue }
            metrics = String(decoding: try await URLSession.shared.data(from: url).0, as: UTF8.self)
            if Self.value(#"auditrelay_source_events_fetched_total{source="kandji-prod"}"#, in: metrics) >= 50 { break }
        }
        #expect(metrics.contains(#"auditrelay_source_rate_limit_waits_total{source="kandji-prod"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"auditrelay_source_rate_limit_wait_seconds_total{source="kandji-prod"}"#))
        #expect(metrics.contains(#"auditrelay_source_errors_total{source="kandji-prod",kind="retried"} 1"#))
        #expect(Self.value(#"auditrelay_source_requests_total{source="kandji-prod"}"#, in: metrics) >= 2)
        // Each cycle's lookback re-reads an overlap (fetched counts it); the dedupe window keeps
        // every event exactly once in the output.
        #expect(Self.value(#"auditrelay_source_events_fetched_total{source="kandji-prod"}"#, in: metrics) >= 50)
        #expect(!metrics.contains("metrics-kandji-token"))
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let records = ((try? String(contentsOfFile: "\(work)/out.jsonl", encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(records.count == 50)
    }

    static func value(_ series: String, in metrics: String) -> Double {
        guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix(series + " ") }) else { return -1 }
        return Double(line.dropFirst(series.count + 1)) ?? -1
    }
}
