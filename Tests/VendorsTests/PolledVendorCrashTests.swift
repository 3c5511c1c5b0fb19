import Foundation
import Testing
import TestHelpers

/// The real `auditrelay run`, SIGKILLed in the middle of a paginated window of each identity
/// provider's look-alike and started again: every event reaches the file sink exactly once,
/// nothing is appended to the spool twice, and no secret is in a log line or a spool file. The
/// operator commands are checked on the way: `cursor show` names the open window, `cursor reset`
/// refuses while the process holds the spool.
@Suite(.serialized, .timeLimit(.minutes(8))) struct PolledVendorCrashTests {
    static let pageSize = 50  // within every vendor's maximum

    @Test(arguments: PolledVendorContractTests.cases)
    func aSIGKILLInTheMiddleOfAWindowLosesNothingAndRepeatsNothing(_ vendorCase: VendorCase) async throws {
        // Each page takes a second: the kill lands while a page is awaited, after the pages before
        // it were delivered and their acknowledgements persisted (so the sink sees no redelivery).
        let events = vendorCase.crashEvents
        let vendor = try vendorCase.start(events: events, extra: ["--page-delay", "1.0"])
        defer { vendor.stop() }
        let work = EndToEndTests.temporaryPath("-crash-\(vendorCase.name)")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (config, environment) = try Self.writeConfig(vendorCase, baseURL: vendor.baseURL, work: work)
        let output = "\(work)/out.jsonl"

        let first = try RelayProcess(["run", "--config", config], environment: environment, stderr: "\(work)/run1.log")
        defer { first.kill() }
        // Wait for a quiet moment mid-window: at least two pages in, everything appended delivered
        // and its acknowledgement on disk.
        var killedAt = 0
        try await waitUntil(seconds: 60, "two pages delivered and acknowledged mid-window") {
            try first.expectRunning()
            let delivered = Self.lines(output).count
            guard delivered >= 2 * Self.pageSize, delivered < events,
                  let spool = try? EndToEndTests.run(["spool", "inspect", "--config", config], environment: environment).stdout,
                  let next = Self.number(after: "next sequence ", in: spool), let persisted = Self.number(after: "(persisted ", in: spool),
                  next - 1 == delivered, persisted == delivered else { return false }
            killedAt = delivered
            return true
        }
        first.kill()
        #expect(killedAt > 0)

        // The committed cursor is in the middle of the window (or at Okta's position).
        let shown = try EndToEndTests.run(["cursor", "show", "--config", config], environment: environment)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("next-page sha256:") || shown.stdout.contains("position sha256:"), "\(shown.stdout)")

        let second = try RelayProcess(["run", "--config", config], environment: environment, stderr: "\(work)/run2.log")
        defer { second.kill() }
        try await waitUntil(seconds: 60, "every event delivered after the restart") {
            try second.expectRunning()
            return Self.lines(output).count >= events
        }
        let refused = try EndToEndTests.run(["cursor", "reset", "--config", config, "crash-\(vendorCase.name)", "--to", "1h"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to move the cursor"), "\(refused.stderr)")
        second.terminate()
        #expect(second.exitStatus == 0)

        let records = Self.lines(output)
        #expect(records.count == events)
        let ids = records.compactMap { Self.vendorID($0, path: vendorCase.idPath) }
        #expect(Set(ids) == Set(try await vendor.stats().ids))
        #expect(ids.duplicates.isEmpty)
        let spool = try EndToEndTests.run(["spool", "inspect", "--config", config], environment: environment).stdout
        #expect(Self.number(after: "next sequence ", in: spool) == events + 1, "nothing appended twice: \(spool)")

        // No secret in either run's log, the output, or any spool file.
        var texts = [try String(contentsOfFile: "\(work)/run1.log", encoding: .utf8), try String(contentsOfFile: "\(work)/run2.log", encoding: .utf8),
                     shown.stdout, refused.stderr]
        texts.append(contentsOf: try Self.files(under: "\(work)/spool").map { String(decoding: $0, as: UTF8.self) })
        texts.append(records.joined())
        for secret in vendorCase.secrets {
            #expect(!texts.contains { $0.contains(secret) }, "\(secret) leaked")
        }

        // Stopped: the cursor can be moved back, and says so.
        let reset = try EndToEndTests.run(["cursor", "reset", "--config", config, "crash-\(vendorCase.name)", "--to", "2026-01-01T00:00:00Z"],
                                          environment: environment)
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("starts again at 2026-01-01T00:00:00Z"))
        let after = try EndToEndTests.run(["cursor", "show", "--config", config, "crash-\(vendorCase.name)"], environment: environment)
        #expect(after.stdout.contains("since 2026-01-01T00:00:00Z"), "\(after.stdout)")
    }

    /// A config polling `vendorCase` into a file sink, its credentials as `${env:…}` references.
    /// - Parameter spool: further keys of the spool section (`ackPersistInterval: 0s`).
    static func writeConfig(_ vendorCase: VendorCase, baseURL: String, work: String, spool: String = "") throws -> (String, [String: String]) {
        var environment: [String: String] = [:]
        var keys: [String] = []
        for (key, value) in vendorCase.keys {
            if value.hasPrefix("baseURL") {
                keys.append("\(key): \"\(VendorCase.resolve(value, baseURL: baseURL))\"")
            } else if value.hasPrefix("[") {
                keys.append("\(key): \(value)")
            } else {
                let variable = "AR_TEST_\(key.uppercased())"
                environment[variable] = value
                keys.append("\(key): \"${env:\(variable)}\"")
            }
        }
        let config = "\(work)/config.yaml"
        try """
            workspaceID: crash
            sources:
              - {id: crash-\(vendorCase.name), type: \(vendorCase.name), baseURL: "\(baseURL + vendorCase.baseURLPath)", \(keys.joined(separator: ", ")), backfill: 3h, lag: 5s, pageSize: \(pageSize), interval: 2s, requestsPerSecond: 100}
            sinks: [{type: file, path: \(work)/out.jsonl}]
            spool: {dir: \(work)/spool, maxBytes: 16MiB\(spool.isEmpty ? "" : ", " + spool)}
            http: {listen: "127.0.0.1:0"}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, environment)
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// The vendor id at `path` inside a record's rawLog.
    static func vendorID(_ record: String, path: [String]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any],
              let raw = object["rawLog"] as? String,
              var value = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) else { return nil }
        // `["EventIdentifier|Id"]`: streams of one source with their ids in different fields (Salesforce).
        if path.count == 1, path[0].contains("|") {
            return path[0].split(separator: "|").lazy.compactMap { vendorID(record, path: [String($0)]) }.first
        }
        for key in path {
            guard let next = (value as? [String: Any])?[key] else { return nil }
            value = next
        }
        return (value as? String) ?? (value as? NSNumber)?.stringValue
    }

    static func files(under directory: String) throws -> [Data] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        return enumerator.compactMap { ($0 as? String).flatMap { FileManager.default.contents(atPath: "\(directory)/\($0)") } }
    }
}

/// `auditrelay` as a child process whose stderr goes to a file.
final class RelayProcess: @unchecked Sendable {
    let process = Process()
    let stderrPath: String

    init(_ arguments: [String], environment: [String: String], stderr: String) throws {
        stderrPath = stderr
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    var exitStatus: Int32 { process.terminationStatus }

    /// Throws, with the end of its log, if the process has exited (a bad config, a crash).
    func expectRunning() throws {
        guard !process.isRunning else { return }
        let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        throw LookalikeError(message: "auditrelay exited with status \(process.terminationStatus): \(log.suffix(1500))")
    }
}

/// Polls `condition` every 50 ms until it holds, failing the test after `seconds`.
func waitUntil(seconds: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out after \(seconds) s waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}
