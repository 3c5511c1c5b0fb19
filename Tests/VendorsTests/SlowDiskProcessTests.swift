import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `auditrelay run` on a spool whose every fsync takes 500 ms (the spool's fault hook
/// `AUDITRELAY_FAULT_SPOOL_SYNC_DELAY_MS`; device-mapper's `delay` target is not available in this
/// kernel). Three sources append pages concurrently, so before the spool had threads of its own the
/// appends waiting for the writer held both threads of the cooperative pool and `/healthz` stalled
/// for seconds. Now `/healthz` answers within 50 ms throughout, the sink keeps delivering while
/// appends crawl, and every event arrives exactly once.
@Suite(.serialized, .timeLimit(.minutes(4))) struct SlowDiskProcessTests {
    static let eventsPerSource = 300
    static let pageSize = 20

    @Test func aSpoolWhoseFsyncsTake500msStallsNeitherHealthzNorTheSink() async throws {
        let vendorCase = OktaTests.ssws
        var vendors: [Lookalike] = []
        defer { vendors.forEach { $0.stop() } }
        for _ in 0..<3 { vendors.append(try vendorCase.start(events: Self.eventsPerSource)) }
        let work = EndToEndTests.temporaryPath("-slowdisk")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sources = vendors.enumerated().map { index, vendor in
            "  - {id: okta-\(index), type: okta, baseURL: \"\(vendor.baseURL)\", token: \"${env:SLOW_OKTA_TOKEN}\", backfill: 3h, lag: 5s, pageSize: \(Self.pageSize), interval: 2s, requestsPerSecond: 100}"
        }
        let config = "\(work)/config.yaml"
        try """
            workspaceID: slow
            sources:
            \(sources.joined(separator: "\n"))
            sinks: [{type: file, path: \(work)/out.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            http: {listen: "127.0.0.1:0"}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let token = try #require(vendorCase.keys.first { $0.key == "token" }?.value)
        let relay = try RelayProcess(["run", "--config", config],
                                     environment: ["SLOW_OKTA_TOKEN": token, "AUDITRELAY_FAULT_SPOOL_SYNC_DELAY_MS": "500"],
                                     stderr: "\(work)/run.log")
        defer { relay.kill() }

        var port: Int?
        try await waitUntil(seconds: 30, "the ops endpoint listening") {
            try relay.expectRunning()
            port = Self.listeningPort(log: relay.stderrPath)
            return port != nil
        }
        let listening = try #require(port)
        let healthz = try #require(URL(string: "http://127.0.0.1:\(listening)/healthz"))
        let session = URLSession(configuration: .ephemeral)
        // Warms up the test's own HTTP client (its first request sets up curl), so the probes time the server.
        _ = try await session.data(from: try #require(URL(string: vendors[0].baseURL + "/_stats")))
        let total = 3 * Self.eventsPerSource
        var latencies: [Double] = []
        var deliveredCounts: Set<Int> = []
        var slowest = ""
        try await waitUntil(seconds: 150, "every event delivered through the slow spool") {
            try relay.expectRunning()
            return PolledVendorCrashTests.lines("\(work)/out.jsonl").count >= total
        } probe: {
            let started = Date()
            let (body, response) = try await session.data(from: healthz)
            let milliseconds = Date().timeIntervalSince(started) * 1000
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: body, as: UTF8.self) == "ok\n")
            if milliseconds > (latencies.max() ?? 0) { slowest = "probe \(latencies.count + 1) took \(Int(milliseconds)) ms" }
            latencies.append(milliseconds)
            deliveredCounts.insert(PolledVendorCrashTests.lines("\(work)/out.jsonl").count)
        }
        relay.terminate()
        #expect(relay.exitStatus == 0)

        // The fault really applied: ~60 pages took at least 500 ms each to commit.
        let log = try String(contentsOfFile: relay.stderrPath, encoding: .utf8)
        #expect(latencies.count >= 40, "the run took \(latencies.count) probes; with 500 ms fsyncs it cannot be that fast")
        #expect((latencies.max() ?? .infinity) < 50, "\(slowest); \(latencies.count) probes")
        // Delivery went on while appends crawled: the sink was seen at many different counts,
        // not in one burst at the end.
        #expect(deliveredCounts.count >= 10, "delivered counts seen: \(deliveredCounts.sorted())")

        let records = PolledVendorCrashTests.lines("\(work)/out.jsonl")
        let ids = records.compactMap { PolledVendorCrashTests.vendorID($0, path: vendorCase.idPath) }
        var served: Set<String> = []
        for vendor in vendors { served.formUnion(try await vendor.stats().ids) }
        #expect(records.count == total)
        // The three look-alikes serve the same ids (generated from their index): each id once per source.
        #expect(Set(ids) == served)
        #expect(Dictionary(grouping: ids) { $0 }.values.allSatisfy { $0.count == vendors.count })
        #expect(!log.contains(token))
    }

    static func listeningPort(log path: String) -> Int? {
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        guard let line = log.split(separator: "\n").first(where: { $0.contains("\"message\":\"listening\"") }),
              let range = line.range(of: #""port":""#) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}

/// `waitUntil`, running `probe` (which may measure and record) between checks instead of sleeping.
func waitUntil(seconds: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
               _ condition: () throws -> Bool, probe: () async throws -> Void) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        try await probe()
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("timed out after \(seconds) s waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}
