import Foundation
import Testing
import TestHelpers

/// The real `auditrelay run` reading Salesforce EventLogFile CSVs, SIGKILLed in the middle of a
/// file and started again: every row reaches the file sink exactly once and nothing is appended to
/// the spool twice. Pages of a downloaded file follow each other without a network wait, so the
/// kill is placed by freezing the process (SIGSTOP) until an instant is found, mid-file, where
/// every row the sink wrote has a durable acknowledgement (`ackPersistInterval: 0s` makes each one
/// durable at once), and killing it there; rows appended but not yet written wait in the spool. The
/// first run's fsyncs are slowed by the spool's fault hook so that such an instant exists on any machine.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SalesforceEventLogFileCrashTests {
    @Test func aSIGKILLInTheMiddleOfACSVFileLosesNothingAndRepeatsNothing() async throws {
        let rowsPerFile = 6_000, files = 2
        let total = rowsPerFile * files
        let vendor = try Lookalike("salesforce.py", SalesforceTests.lookalikeArguments
                                   + ["--events", "0", "--log-files", "\(files)", "--rows-per-file", "\(rowsPerFile)", "--span", "7200"])
        defer { vendor.stop() }
        var vendorCase = SalesforceTests.vendorCase
        vendorCase.keys.append(("streams", "[eventlogfile]"))
        let work = EndToEndTests.temporaryPath("-crash-elf")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (config, environment) = try PolledVendorCrashTests.writeConfig(vendorCase, baseURL: vendor.baseURL, work: work,
                                                                            spool: "ackPersistInterval: 0s")
        let output = "\(work)/out.jsonl"

        // Each fsync made 20 ms slower keeps the first file's 120 pages from racing past every probe
        // on a fast machine (CI once read all 6,000 rows between two probes).
        let slowed = environment.merging(["AUDITRELAY_FAULT_SPOOL_SYNC_DELAY_MS": "20"]) { $1 }
        let first = try RelayProcess(["run", "--config", config], environment: slowed, stderr: "\(work)/run1.log")
        defer { first.kill() }
        let pid = first.process.processIdentifier
        var killedAt = 0, probes = 0
        try await waitUntil(seconds: 120, "a quiet instant in the middle of the first file") {
            try first.expectRunning()
            guard Self.completeLines(output) >= 2 * PolledVendorCrashTests.pageSize else { return false }
            probes += 1
            kill(pid, SIGSTOP)
            guard Self.waitForState("T", pid: pid) else { kill(pid, SIGCONT); return false }
            let written = Self.completeLines(output)
            let spool = (try? EndToEndTests.run(["spool", "inspect", "--config", config], environment: environment).stdout) ?? ""
            // Rows appended but not yet written stay in the spool and are delivered after the restart;
            // what must hold is that every written row's acknowledgement is durable and no line is half written.
            let quiet = PolledVendorCrashTests.number(after: "(persisted ", in: spool) == written
                && Self.endsWithNewline(output)
            if quiet && written < rowsPerFile {
                killedAt = written
                kill(pid, SIGKILL)
                return true
            }
            kill(pid, SIGCONT)
            if written >= rowsPerFile { throw LookalikeError(message: "the first file was read to its end before a quiet instant (\(probes) probes)") }
            return false
        }
        first.kill()
        #expect(killedAt > 0 && killedAt < rowsPerFile, "killed after \(killedAt) rows, in the middle of the first file")
        let cursor = try EndToEndTests.run(["cursor", "show", "--config", config], environment: environment)
        #expect(cursor.stdout.contains("document"), "the cursor names the file being read: \(cursor.stdout)")

        let second = try RelayProcess(["run", "--config", config], environment: environment, stderr: "\(work)/run2.log")
        defer { second.kill() }
        try await waitUntil(seconds: 120, "every row delivered after the restart") {
            try second.expectRunning()
            return Self.completeLines(output) >= total
        }
        second.terminate()
        #expect(second.exitStatus == 0)

        let records = PolledVendorCrashTests.lines(output)
        #expect(records.count == total)
        let ids = records.compactMap { PolledVendorCrashTests.vendorID($0, path: ["auditrelay.row"]) }
        #expect(ids.duplicates.isEmpty)
        #expect(Set(ids) == Set(try await vendor.statisticStrings("elf_ids")))
        let spool = try EndToEndTests.run(["spool", "inspect", "--config", config], environment: environment).stdout
        #expect(PolledVendorCrashTests.number(after: "next sequence ", in: spool) == total + 1, "no row appended twice: \(spool)")
        // The file being read at the kill was downloaded again; none was downloaded more than that.
        #expect(try await vendor.statistic("log_file_downloads") <= files + 1)
        let logs = try String(contentsOfFile: "\(work)/run1.log", encoding: .utf8) + String(contentsOfFile: "\(work)/run2.log", encoding: .utf8)
        #expect(!logs.contains(SalesforceTests.clientSecret))
    }

    /// Lines the sink finished writing (a frozen writer may have left half of one).
    static func completeLines(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    static func endsWithNewline(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return true }
        return data.last.map { $0 == UInt8(ascii: "\n") } ?? true
    }

    /// Waits (briefly) until the process is in `state` (`T`: stopped) per /proc/PID/stat.
    static func waitForState(_ state: Character, pid: Int32) -> Bool {
        for _ in 0..<200 {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == state { return true }
            usleep(1000)
        }
        return false
    }
}
