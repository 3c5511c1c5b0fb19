import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `auditrelay status` against the running binary: a Kandji look-alike backfilling two days, a
/// file sink that delivers and one that cannot write (/dev/full), and a GeoIP test database.
@Suite(.timeLimit(.minutes(4))) struct StatusCommandTests {
    static let token = "status-kandji-token-93c1d0"

    @Test func statusPrintsSourcesSinksSpoolAndGeoIPFromTheRunningSidecar() async throws {
        let database = "\(EndToEndTests.root)/.cache/mmdb-test-data/test-data/GeoIP2-City-Test.mmdb"
        try #require(FileManager.default.fileExists(atPath: database), "run scripts/fetch-mmdb-test-data.sh")
        let vendor = try Lookalike("kandji.py", ["--token", Self.token, "--events", "300", "--span", "\(2 * 86_400)"])
        defer { vendor.stop() }
        let work = EndToEndTests.temporaryPath("-status")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let port = try Self.freePort()
        let config = "\(work)/config.yaml"
        try """
            workspaceID: s
            sources:
              - {id: kandji-prod, type: kandji, baseURL: "\(vendor.baseURL)", token: "${env:S_KANDJI_TOKEN}", backfill: 3d, lag: 5s, interval: 1s}
            sinks:
              - {type: file, path: \(work)/out.jsonl}
              - {type: file, name: broken, path: /dev/full}
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            geoip: {databases: [\(database)]}
            http: {listen: "127.0.0.1:\(port)"}
            shutdown: {drainTimeout: 1s}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let errPath = "\(work)/stderr"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        process.arguments = ["run", "--config", config]
        process.environment = ProcessInfo.processInfo.environment.merging(["S_KANDJI_TOKEN": Self.token]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Wait for the good sink to have every record and the broken one to have failed.
        let deadline = Date().addingTimeInterval(60)
        var metrics = ""
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            guard let url = URL(string: "http://127.0.0.1:\(port)/metrics"), let (data, _) = try? await URLSession.shared.data(from: url) else { continue }
            metrics = String(decoding: data, as: UTF8.self)
            if PollMetricsExportTests.value(#"auditrelay_sink_records_acknowledged_total{sink="file"}"#, in: metrics) == 300,
               PollMetricsExportTests.value(#"auditrelay_sink_records_failed_total{sink="broken"}"#, in: metrics) > 0,
               PollMetricsExportTests.value(#"auditrelay_sink_backlog_records{sink="broken"}"#, in: metrics) == 300 { break }
        }
        #expect(PollMetricsExportTests.value(#"auditrelay_source_backfill_progress_ratio{source="kandji-prod",stream="audit_events"}"#, in: metrics) == 1, "\(metrics)")

        // The table, with the address taken from the config's http.listen (secrets not needed).
        let table = try await Self.run(["status", "--config", config, "--sample", "300ms"])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map(String.init)
        let source = try #require(rows.first { $0.hasPrefix("kandji-prod ") }, "\(table.stdout)")
        #expect(Self.cells(source).prefix(2) == ["kandji-prod", "ok"], "\(source)")
        #expect(source.contains(" done "), "\(source)")
        #expect(source.contains(" ago"), "\(source)")  // last success
        #expect(rows.contains { $0.hasPrefix("SOURCE ") && $0.contains("BACKFILL") && $0.contains("LAST ERROR") })
        let good = try #require(rows.first { $0.hasPrefix("file ") }, "\(table.stdout)")
        #expect(Self.cells(good)[1...2] == ["0", "-"], "\(good)")  // nothing waiting
        #expect(good.hasSuffix("  -"), "\(good)")  // no error
        let broken = try #require(rows.first { $0.hasPrefix("broken ") }, "\(table.stdout)")
        #expect(Self.cells(broken)[1] == "300", "\(broken)")
        #expect(broken.contains("No space left on device"), "\(broken)")
        let spool = try #require(rows.first { $0.hasPrefix("spool ") }, "\(table.stdout)")
        #expect(spool.contains("KiB") || spool.contains("MiB"), "\(spool)")
        #expect(spool.hasSuffix("yes"), "\(spool)")
        let geoip = try #require(rows.first { $0.hasPrefix("GeoIP2-City ") }, "\(table.stdout)")
        #expect(Self.cells(geoip)[1].hasPrefix("20"), "\(geoip)")  // the build date

        // JSON, by URL.
        let json = try await Self.run(["status", "--url", "http://127.0.0.1:\(port)", "--format", "json", "--sample", "300ms"])
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let sources = try #require(root["sources"] as? [[String: Any]])
        #expect(sources.map { $0["id"] as? String } == ["kandji-prod"])
        let streams = try #require(sources.first?["streams"] as? [[String: Any]])
        #expect(streams.first?["backfillProgress"] as? Double == 1)
        let sinks = try #require(root["sinks"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: sinks.compactMap { sink in (sink["name"] as? String).map { ($0, sink) } })
        #expect(byName["file"]?["backlogRecords"] as? Double == 0)
        #expect(byName["broken"]?["backlogRecords"] as? Double == 300)
        #expect(((byName["broken"]?["lastError"] as? [String: Any])?["message"] as? String)?.contains("No space left on device") == true)
        #expect(byName["file"]?["lastError"] is NSNull)
        for output in [table.stdout, table.stderr, json.stdout] { #expect(!output.contains(Self.token)) }

        // Nothing listening: a clear error naming the address.
        let unreachable = try await Self.run(["status", "--url", "http://127.0.0.1:\(try Self.freePort())", "--sample", "0"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("auditrelay is not reachable at http://127.0.0.1:"), "\(unreachable.stderr)")

        process.terminate()
        process.waitUntilExit()
    }

    static func cells(_ row: String) -> [String] {
        row.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A port nothing listens on now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary on a thread of its own (waiting for a child blocks).
    static func run(_ arguments: [String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
                    process.arguments = arguments
                    let errPath = EndToEndTests.temporaryPath("-status-stderr")
                    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
                    defer { try? FileManager.default.removeItem(atPath: errPath) }
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
                                  stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
                })
            }.start()
        }
    }
}
