import Foundation
import Testing
import TestHelpers

/// `scripts/bench-peers.sh --quick` on this build's debug binaries (so CI needs no release build):
/// 2,000 Okta events through auditrelay and through rsyslog (imfile -> mmjsonparse -> omkafka; without
/// GeoIP, since Debian ships no mmdblookup module), each into its own mock cluster. The script itself
/// fails unless Kafka holds exactly every event and the sampled records carry what libmaxminddb says.
@Suite(.timeLimit(.minutes(4))) struct BenchPeersScriptTests {
    static let script = "\(BuiltProducts.repositoryRoot)/scripts/bench-peers.sh"

    @Test func quickRunMeasuresAuditrelayAndRsyslogToTheLastAcknowledgementAndStopsEverything() async throws {
        let relay = try BuiltProducts.require("auditrelay", override: "AUDITRELAY_BIN")
        let work = try BuiltProducts.temporaryDirectory("bench-peers-test")
        defer { try? FileManager.default.removeItem(atPath: work) }

        let result = try await ChildProcess.run("/bin/bash", [Self.script, "--quick", "--binary", relay, "--work-dir", work])
        #expect(result.status == 0, "bench-peers failed:\n\(result.stderr)\n\(result.stdout)")

        // One measurement per process: variant, run, process, events, seconds, CPU seconds, VmHWM KiB.
        let rows = ((try? String(contentsOfFile: "\(work)/results.tsv", encoding: .utf8)) ?? "")
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0.count > 2 ? $0[2] : "" } == ["auditrelay", "rsyslog (no GeoIP)"])
        for row in rows where row.count == 7 {
            #expect(row[0] == "1k" && row[1] == "1" && row[3] == "2000", "\(row)")
            #expect((Double(row[4]) ?? 0) > 0, "elapsed seconds in \(row)")
            #expect((Double(row[5]) ?? 0) > 0, "CPU seconds in \(row)")
            #expect((Int(row[6]) ?? 0) > 1024, "peak RSS in \(row)")
        }
        // auditrelay's sampled records were checked against mmdblookup; rsyslog's as parsed events.
        #expect(result.stderr.contains("sampled records checked (GeoIP City and ASN as mmdblookup says)"))
        #expect(result.stderr.contains("sampled records checked (no GeoIP)"))
        #expect(result.stdout.contains("| 1k | auditrelay | "))
        #expect(result.stdout.contains("| 1k | rsyslog (no GeoIP) | "))
        #expect(result.stdout.contains("load before: load average"))

        // Stopped: the last mock cluster's brokers no longer listen and rsyslogd is gone.
        let bootstrap = (try? String(contentsOfFile: "\(work)/cluster.out", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("bootstrap ") }?.dropFirst(10) ?? ""
        #expect(!bootstrap.isEmpty)
        for broker in bootstrap.split(separator: ",") {
            let port = try #require(Int(broker.split(separator: ":").last ?? ""))
            #expect(!Loopback.accepts(port: port), "mock broker \(broker) still listens")
        }
        let rsyslogPid = (try? String(contentsOfFile: "\(work)/rsyslog/peer.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let pid = try #require(rsyslogPid, "the script wrote no rsyslog/peer.pid")
        #expect(kill(pid, 0) != 0, "rsyslogd \(pid) still runs")
    }

    @Test(arguments: [
        (["--variant", "3k"], "--variant must be 1k, 2k or both, not '3k'"),
        (["--events", "0"], "--events must be a positive number, not '0'"),
        (["--runs", "x"], "--runs must be a positive number, not 'x'"),
        (["--binary", "/nonexistent/auditrelay"], "auditrelay binary /nonexistent/auditrelay is not executable"),
        (["--fluent-bit"], "--fluent-bit needs a path"),
        (["--frobnicate"], "unknown argument '--frobnicate'"),
    ])
    func badArgumentsAreRefusedNamingTheCause(arguments: [String], message: String) async throws {
        let result = try await ChildProcess.run("/bin/bash", [Self.script] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }
}
