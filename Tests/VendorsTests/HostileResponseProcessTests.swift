import Foundation
import Testing

/// The real `auditrelay run` polling an Okta look-alike that first answers pathologically: a body
/// announced as 2 GiB, an endless chunked body, one that drips a byte every 200 ms, 5 million tiny
/// events, a `Content-Length` that promises more than arrives and one that covers half the page,
/// and gzip bombs of 10 GiB (10 MB on the wire, and 16 KB gzipped twice). Each is cut off at a limit
/// with one clear line naming the source and the cause, the cursor does not move, memory stays
/// bounded, and once the vendor behaves every event arrives exactly once.
@Suite(.serialized, .timeLimit(.minutes(4))) struct HostileResponseProcessTests {
    static let events = 120

    @Test func everyPathologicalAnswerIsCutOffWithAClearErrorAndNothingIsLost() async throws {
        let vendorCase = OktaTests.ssws
        let vendor = try vendorCase.start(events: Self.events)
        defer { vendor.stop() }
        let hostile = ["huge", "endless", "drip", "tinyflood", "liarlong", "liarshort", "gzipbomb", "gzipbomb2"]
        try await vendor.inject(hostile)
        let work = EndToEndTests.temporaryPath("-hostile")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP_HOSTILE"] == nil { try? FileManager.default.removeItem(atPath: work) } }
        let token = try #require(vendorCase.keys.first { $0.key == "token" }?.value)
        let config = "\(work)/config.yaml"
        // A 3 s request limit keeps the dripping body short; the byte and value limits are the defaults.
        try """
            workspaceID: hostile
            sources:
              - {id: okta-hostile, type: okta, baseURL: "\(vendor.baseURL)", token: "${env:HOSTILE_OKTA_TOKEN}", backfill: 3h, lag: 5s, pageSize: 50, interval: 1s, timeout: 3s, requestsPerSecond: 100}
            sinks: [{type: file, path: \(work)/out.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            http: {listen: "127.0.0.1:0"}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let relay = try RelayProcess(["run", "--config", config], environment: ["HOSTILE_OKTA_TOKEN": token], stderr: "\(work)/run.log")
        defer { relay.kill() }

        var peakKiB = 0
        try await waitUntil(seconds: 180, "every hostile answer served, then every event delivered") {
            try relay.expectRunning()
            peakKiB = max(peakKiB, Self.peakResidentKiB(pid: relay.process.processIdentifier) ?? 0)
            return PolledVendorCrashTests.lines("\(work)/out.jsonl").count >= Self.events
        }
        let stats = try await vendor.stats()
        relay.terminate()
        #expect(relay.exitStatus == 0)

        #expect(stats.faultsServed == hostile, "\(stats.faultsServed)")
        let log = try String(contentsOfFile: relay.stderrPath, encoding: .utf8)
        let errors = log.split(separator: "\n").filter { $0.contains("okta-hostile") && ($0.contains("\"level\":\"error\"") || $0.contains("\"level\":\"warning\"")) }
        let causes = [
            "larger than 67108864 bytes (maxResponseBytes)",  // 2 GiB, endless, and both bombs once inflated
            "more than 4000000 JSON values",                   // 5 million `{}`
            "curl error 28",                                   // the drip, at the 3 s request limit
            "curl error 18",                                   // promised 10 MB, got a page and a close
        ]
        for cause in causes {
            #expect(errors.contains { $0.contains(cause) }, "no error line naming \"\(cause)\" in:\n\(errors.joined(separator: "\n"))")
        }
        // Half a page parsed as JSON fails; the leftover half then reads as a broken next response.
        #expect(errors.contains { $0.contains("not usable") || $0.contains("curl error 8") || $0.contains("curl error 1)") },
                "\(errors.joined(separator: "\n"))")
        #expect(!log.contains(token))

        // What was refused never moved the cursor or reached the sink: each event exactly once.
        let records = PolledVendorCrashTests.lines("\(work)/out.jsonl")
        let ids = records.compactMap { PolledVendorCrashTests.vendorID($0, path: vendorCase.idPath) }
        #expect(records.count == Self.events)
        #expect(Set(ids) == Set(stats.ids))
        #expect(ids.duplicates.isEmpty)
        // Bounded: a 64 MiB body, its parse tape of at most 4 million values and the process itself,
        // against 2 GiB and 10 GiB offered.
        #expect(peakKiB > 0 && peakKiB < 320 << 10, "peak RSS \(peakKiB) KiB")
        print("hostile responses: peak RSS \(peakKiB / 1024) MiB over \(hostile.count) pathological answers")
    }

    /// VmHWM (the peak resident set) of a running process, in KiB.
    static func peakResidentKiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}
