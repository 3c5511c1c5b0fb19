import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `auditrelay run` as a sidecar: health, readiness that notices a stuck sink, metrics, the
/// single-writer lock and a clean SIGTERM drain, all against the real binary.
@Suite(.serialized) struct SidecarTests {
    /// A running `auditrelay run` with its stderr in a file.
    final class Sidecar: @unchecked Sendable {
        let process = Process()
        let stderrPath: String

        init(config: String) throws {
            stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID()).log").path
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["run", "--config", config]
            process.currentDirectoryURL = URL(fileURLWithPath: CLI.root)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// The HTTP port, from the JSON "listening" log line.
        func port(timeout: Duration = .seconds(30)) async throws -> Int {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                for line in log.split(separator: "\n") where line.contains("\"message\":\"listening\"") {
                    if let range = line.range(of: #""port":""#), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) { return port }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw SidecarError(description: "no listening line: \(log)")
        }

        func terminate() async -> Int32 {
            process.terminate()  // SIGTERM
            return await withCheckedContinuation { continuation in
                Thread {
                    self.process.waitUntilExit()
                    continuation.resume(returning: self.process.terminationStatus)
                }.start()
            }
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
    }

    struct SidecarError: Error, CustomStringConvertible { let description: String }

    static func get(_ port: Int, _ path: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SidecarError(description: "timed out waiting for \(what)")
    }

    static func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func readinessFlipsWhileTheSinkIsDownAndRecoversThenSIGTERMDrains() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID())").path
        let sinkDirectory = "\(work)/sinkfs"
        try FileManager.default.createDirectory(atPath: sinkDirectory, withIntermediateDirectories: true)
        defer {
            _ = Self.shell("umount '\(sinkDirectory)' 2>/dev/null")
            try? FileManager.default.removeItem(atPath: work)
        }
        // The sink writes to a tiny tmpfs that we fill up: a real ENOSPC, then real recovery.
        guard Self.shell("mount -t tmpfs -o size=256k tmpfs '\(sinkDirectory)'") == 0 else {
            Issue.record("mounting a tmpfs needs root (CI runs as root); cannot simulate a full sink disk")
            return
        }
        _ = Self.shell("dd if=/dev/zero of='\(sinkDirectory)/filler' bs=4k count=1000 2>/dev/null")
        let fixture = "\(CLI.root)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"
        let config = try CLI.temporaryFile("""
            workspaceID: t
            sources: [{id: okta, type: replay, path: \(fixture), interval: 1s}]
            sinks: [{type: file, path: \(sinkDirectory)/records.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB}
            http: {listen: "127.0.0.1:0", readinessMaxAge: 2s}
            log: {format: json, level: info}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }

        let sidecar = try Sidecar(config: config)
        let port = try await sidecar.port()
        #expect(try await Self.get(port, "/healthz").0 == 200)

        // The sink cannot write: records stay unacknowledged and, after 2 s, /readyz says why.
        try await Self.waitFor("not ready") { try await Self.get(port, "/readyz").0 == 503 }
        let (_, reason) = try await Self.get(port, "/readyz")
        #expect(reason.contains("oldest unacknowledged record"), "\(reason)")
        #expect(try await Self.get(port, "/healthz").0 == 200)  // alive, but not ready
        let (_, metrics) = try await Self.get(port, "/metrics")
        #expect(metrics.contains(#"auditrelay_sink_records_failed_total{sink="file"}"#))
        #expect(metrics.contains("auditrelay_spool_oldest_unacknowledged_age_seconds"))

        // A second instance on the same spool is refused, naming the lock.
        let second = try await CLI.run(["run", "--config", config])
        #expect(second.status != 0)
        #expect(second.stderr.contains("spool directory is locked by another process"), "\(second.stderr)")

        // Space returns: the sink catches up and readiness comes back.
        try FileManager.default.removeItem(atPath: "\(sinkDirectory)/filler")
        try await Self.waitFor("ready again") { try await Self.get(port, "/readyz").0 == 200 }
        try await Self.waitFor("all 23 acknowledged") {
            try await Self.get(port, "/metrics").1.contains(#"auditrelay_sink_records_acknowledged_total{sink="file"} 23"#)
        }

        // SIGTERM: clean drain and exit 0, every record delivered exactly once.
        #expect(await sidecar.terminate() == 0, "\(sidecar.log)")
        let lines = try String(contentsOfFile: "\(sinkDirectory)/records.jsonl", encoding: .utf8).split(separator: "\n")
        // Exactly the 23 records, each an intact JSON object: no fragment of a failed write.
        #expect(lines.count == 23)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "torn line: \(line.prefix(80))") }
        #expect(sidecar.log.contains("\"message\":\"stopped\""))
    }

    /// `http.readiness`: with a sink that can never write (/dev/full answers ENOSPC, no root
    /// needed) the backlog outgrows readinessMaxAge. `pipeline` turns unready; `process` (what a
    /// sidecar wants, so its host pod stays in its Service) stays ready and still names the
    /// backlog in the body, while /metrics shows it.
    @Test func processReadinessIgnoresASinkBacklogThatPipelineReadinessReports() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("readiness-\(UUID())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let fixture = "\(CLI.root)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"
        func start(_ mode: String) throws -> (Sidecar, String) {
            let config = try CLI.temporaryFile("""
                workspaceID: t
                sources: [{id: okta, type: replay, path: \(fixture), interval: 1s}]
                sinks: [{type: file, path: /dev/full}]
                spool: {dir: \(work)/spool-\(mode), maxBytes: 16MiB}
                http: {listen: "127.0.0.1:0", readinessMaxAge: 1s, readiness: \(mode)}
                shutdown: {drainTimeout: 1s}
                log: {format: json, level: info}
                """)
            return (try Sidecar(config: config), config)
        }
        let (pipeline, pipelineConfig) = try start("pipeline")
        let (process, processConfig) = try start("process")
        defer {
            try? FileManager.default.removeItem(atPath: pipelineConfig)
            try? FileManager.default.removeItem(atPath: processConfig)
        }
        let pipelinePort = try await pipeline.port()
        let processPort = try await process.port()

        try await Self.waitFor("pipeline mode unready") { try await Self.get(pipelinePort, "/readyz").0 == 503 }
        #expect(try await Self.get(pipelinePort, "/readyz").1.contains("oldest unacknowledged record"))

        // Same backlog past the same limit, yet process mode answers 200, naming the backlog.
        try await Self.waitFor("process mode reporting the backlog") {
            try await Self.get(processPort, "/readyz").1.contains("pipeline: oldest unacknowledged record")
        }
        for _ in 0..<3 {
            let (status, body) = try await Self.get(processPort, "/readyz")
            #expect(status == 200, "\(body)")
            #expect(body.hasPrefix("ready (http.readiness: process)\n"), "\(body)")
            try await Task.sleep(for: .milliseconds(300))
        }
        let (_, metrics) = try await Self.get(processPort, "/metrics")
        #expect(metrics.contains(#"auditrelay_sink_records_failed_total{sink="file"}"#))
        #expect(metrics.contains("auditrelay_spool_oldest_unacknowledged_age_seconds"))

        // SIGTERM with a sink that never recovers: the drain deadline passes, undelivered records
        // stay in the spool, and both exit 0 as documented.
        #expect(await pipeline.terminate() == 0, "\(pipeline.log.suffix(1500))")
        #expect(await process.terminate() == 0, "\(process.log.suffix(1500))")
    }
}
