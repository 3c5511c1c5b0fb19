import Foundation
import Testing
import TestHelpers
@testable import Spool

/// Real-process crash tests: `spool-torture run` appends batches with cursor markers and acknowledges
/// concurrently; it is SIGKILLed at random points (including during start-up recovery), and after every kill
/// the spool is reopened here and checked against what the child reported as committed.
@Suite(.serialized) struct SpoolCrashTests {
    /// `spool-torture` from the same build (override with SPOOL_TORTURE).
    static func tortureExecutable() throws -> String {
        try BuiltProducts.require("spool-torture", override: "SPOOL_TORTURE")
    }

    /// The child's committed lines: the highest last sequence and cursor it saw returned.
    struct Commits {
        var lastSequence: UInt64 = 0
        var cursor: Int = 0
        var lines = 0

        mutating func absorb(_ output: String) {
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                // A partial last line (killed mid-print) cannot happen: the child writes each line with one write.
                guard fields.count == 4, fields[0] == "COMMIT", let value = Int(fields[3]) else { continue }
                if let last = UInt64(fields[2]) { lastSequence = max(lastSequence, last) }
                cursor = max(cursor, value)
                lines += 1
            }
        }
    }

    @Test(.timeLimit(.minutes(3))) func sigkillAtRandomPointsNeverLosesOrDuplicatesCommittedRecords() async throws {
        let executable = try Self.tortureExecutable()
        let directory = TemporaryDirectory("spool-crash")
        var random = SystemRandomNumberGenerator()
        var commits = Commits()
        let started = Date()
        var kills = 0
        var restartsWithData = 0
        var tornTails = 0
        // Restarts that recovered sealed segments from `.idx` sidecars, which the child writes in the background
        // after each seal: kills also land between a segment's last fsync and its sidecar's rename.
        var restartsWithSidecars = 0
        while kills < 200 || (kills < 400 && Date().timeIntervalSince(started) < 20) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["run", directory.spool, "--seed", String(kills + 1), "--segment-bytes", "1048576"]
                + (kills % 4 == 3 ? [] : ["--ack"])
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Mostly mid-run, sometimes during start-up and recovery.
            let delay = kills % 5 == 0 ? Int.random(in: 0...8, using: &random) : Int.random(in: 10...60, using: &random)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "child exited on its own: \(process.terminationStatus)")
            kills += 1
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            commits.absorb(text)
            let (hadData, truncated, sidecars) = try verify(directory.spool, commits: commits)
            if sidecars { restartsWithSidecars += 1 }
            if hadData { restartsWithData += 1 }
            if truncated { tornTails += 1 }
            #expect(Date().timeIntervalSince(started) < 120, "crash loop is too slow")
        }
        #expect(kills >= 200)
        #expect(commits.lines > 100, "the child committed too little to test anything (\(commits.lines) lines)")
        #expect(restartsWithData > 50)
        #expect(restartsWithSidecars > 0)
        print("crash test: \(kills) SIGKILLs, \(commits.lines) committed batches, \(restartsWithData) restarts with "
            + "undelivered records checked, \(tornTails) torn tails truncated, \(restartsWithSidecars) restarts used sidecars, \(Date().timeIntervalSince(started)) s")
    }

    @Test func secondProcessIsRefusedByTheDirectoryLock() async throws {
        let executable = try Self.tortureExecutable()
        let directory = TemporaryDirectory("spool-lock")
        let holder = try Spool(configuration: configuration(directory.spool, sinks: ["a"]))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", directory.spool]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(message.contains("spool directory is locked by another process"), "stderr: \(message)")
        #expect(message.contains("pid \(getpid())"), "stderr: \(message)")
        // Once released (here: closed; a killed holder releases it too), a new process gets it.
        holder.close()
        let second = Process()
        second.executableURL = URL(fileURLWithPath: executable)
        second.arguments = ["run", directory.spool]
        second.standardOutput = FileHandle.nullDevice
        try second.run()
        try await Task.sleep(for: .milliseconds(200))
        #expect(second.isRunning)
        kill(second.processIdentifier, SIGKILL)
        second.waitUntilExit()
    }

    /// Opens the spool as the restarted process would and checks every committed record and the cursor.
    /// Returns whether unacknowledged records were there to check and whether a torn tail was cut off.
    private func verify(_ directory: String, commits: Commits) throws -> (hadData: Bool, truncated: Bool, sidecars: Bool) {
        let spool = try Spool(configuration: Spool.Configuration(directory: directory, maxBytes: 256 << 20,
                                                                 segmentBytes: 1 << 20, maxRecordBytes: 64 << 10,
                                                                 sinks: ["a"]))
        defer { spool.close() }
        let stats = spool.stats
        #expect(stats.corruptRecordsSkipped == 0 && stats.quarantinedSegments == 0, "SIGKILL must not corrupt: \(stats)")
        let cursor = spool.committedCursor(source: "torture").flatMap { Int($0) } ?? 0
        // Every committed cursor survives (a later, also-fsynced one may be newer than the last printed).
        #expect(cursor >= commits.cursor, "cursor \(cursor) behind committed \(commits.cursor)")
        #expect(stats.lastSequence >= commits.lastSequence,
                "last sequence \(stats.lastSequence) behind committed \(commits.lastSequence)")
        // Records are numbered from 0 and record n has sequence n + 1, so the cursor must equal the last sequence:
        // it points exactly at the end of intact data.
        #expect(UInt64(cursor) == stats.lastSequence, "cursor \(cursor) vs last sequence \(stats.lastSequence)")
        let inspection = spool.inspect()
        let fromSidecars = inspection.segments.contains { $0.fromSidecar }
        let watermark = inspection.sinks[0].watermark
        let entries = try drain(spool, sink: "a", maxRecords: 500)
        var expected = watermark + 1
        for entry in entries {
            guard entry.sequence == expected else {
                Issue.record("sequence \(entry.sequence) where \(expected) was expected (watermark \(watermark))")
                return (false, false, false)
            }
            let number = Int(entry.sequence - 1)
            if Array(entry.payload) != Self.payload(number) {
                Issue.record("payload of sequence \(entry.sequence) is not record \(number)")
                return (false, false, false)
            }
            expected += 1
        }
        #expect(expected - 1 == stats.lastSequence, "records end at \(expected - 1), spool at \(stats.lastSequence)")
        return (!entries.isEmpty, stats.truncatedBytes > 0, fromSidecars)
    }

    /// Same bytes as `TorturePayload.bytes` in the spool-torture target.
    static func payload(_ n: Int) -> [UInt8] {
        let length = 8 + (n &* 7919) % 1500
        var out = [UInt8](repeating: 0, count: length)
        withUnsafeBytes(of: UInt64(n).littleEndian) { for index in 0..<8 { out[index] = $0[index] } }
        for index in 8..<length { out[index] = UInt8(truncatingIfNeeded: n &+ index &* 13) }
        return out
    }
}
