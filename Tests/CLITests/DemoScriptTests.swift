import Foundation
import Testing
import TestHelpers

/// `scripts/demo.sh` as a user runs it, but on this build's binaries (`--bin-dir`, so CI does no
/// release build): two vendor look-alikes, librdkafka's mock cluster and `auditrelay run` come up,
/// every event the look-alikes serve is read back from Kafka with the GeoIP columns the MaxMind
/// test databases give its client address, and nothing is left running afterwards.
@Suite(.timeLimit(.minutes(3))) struct DemoScriptTests {
    /// The demo's client addresses and what GeoIP2-City-Test / GeoLite2-ASN-Test say about them.
    static let geoIP: [String: (city: String, country: String, asNumber: Int)] = [
        "89.160.20.112": ("Linköping", "SE", 29518), "214.78.120.5": ("San Diego", "US", 721),
        "214.0.0.7": ("Singapore", "SG", 721), "214.0.1.9": ("Melbourne", "AU", 721), "216.160.83.58": ("Milton", "US", 209),
    ]

    @Test func demoDeliversEveryServedEventToKafkaWithItsGeoIPColumnsAndStopsEverything() async throws {
        let relay = try BuiltProducts.require("auditrelay", override: "AUDITRELAY_BIN")
        let binDirectory = URL(fileURLWithPath: relay).deletingLastPathComponent().path
        #expect(FileManager.default.isExecutableFile(atPath: "\(binDirectory)/kafka-mock-cluster"), "kafka-mock-cluster is not beside \(relay)")
        let work = try BuiltProducts.temporaryDirectory("demo-test")
        defer { try? FileManager.default.removeItem(atPath: work) }

        let result = try await Self.runDemo(["--bin-dir", binDirectory, "--work-dir", work], work: work)
        #expect(result.status == 0, "demo failed:\n\(result.stderr)\n\(result.stdout)")

        // Every record the demo read back from Kafka (kcat), parsed here independently of its summary.
        let lines = ((try? String(contentsOfFile: "\(work)/kafka-records.tsv", encoding: .utf8)) ?? "").split(separator: "\n")
        var ids = Set<String>(), perTopic: [String: Int] = [:]
        for line in lines {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let record = try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any],
                  let id = record["id"] as? String, let ip = record["srcIP"] as? String else {
                Issue.record("not a topic and a record: \(line.prefix(200))")
                continue
            }
            ids.insert(id)
            perTopic[String(parts[0]), default: 0] += 1
            guard let expected = Self.geoIP[ip] else {
                Issue.record("srcIP \(ip) is not one of the demo's client addresses")
                continue
            }
            #expect(record["srcCity"] as? String == expected.city, "\(ip): \(record["srcCity"] ?? "none")")
            #expect(record["srcASCountryCode"] as? String == expected.country, "\(ip): \(record["srcASCountryCode"] ?? "none")")
            #expect(record["srcASNumber"] as? Int == expected.asNumber, "\(ip): \(record["srcASNumber"] ?? "none")")
            #expect(record["sourceType"] as? String == String(parts[0]).replacingOccurrences(of: "demo.", with: ""))
        }
        // The look-alikes serve 120 Okta and 80 GitHub events; each arrives once in a clean run.
        #expect(perTopic == ["demo.okta": 120, "demo.github": 80])
        #expect(ids.count == 200)

        #expect(result.stdout.contains("200 records in Kafka"))
        #expect(result.stdout.contains("== auditrelay cursor show"))
        #expect(result.stdout.contains("auditrelay_sink_records_acknowledged_total"))
        #expect(result.stderr.contains("auditrelay exited 0"))

        // Stopped: nothing answers on the look-alikes', the brokers' or auditrelay's ports any more.
        for name in ["okta", "github"] {
            let port = try #require(Self.firstNumber(after: "PORT ", in: "\(work)/\(name).out"))
            #expect(!Loopback.accepts(port: port), "the \(name) look-alike still listens")
        }
        let bootstrap = (try? String(contentsOfFile: "\(work)/kafka.out", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("bootstrap ") }?.dropFirst(10) ?? ""
        for broker in bootstrap.split(separator: ",") {
            let port = try #require(Int(broker.split(separator: ":").last ?? ""))
            #expect(!Loopback.accepts(port: port), "mock broker \(broker) still listens")
        }
        let log = (try? String(contentsOfFile: "\(work)/auditrelay.log", encoding: .utf8)) ?? ""
        let metricsPort = try #require(Self.listeningPort(in: log), "no listening line in auditrelay's log")
        #expect(!Loopback.accepts(port: metricsPort), "auditrelay still listens")

        // The look-alike tokens are secrets to auditrelay: they reach neither its log nor the output.
        for text in [log, result.stdout, result.stderr] {
            #expect(!text.contains("00demo") && !text.contains("ghp_demo"))
        }
    }

    /// The HTTP port from auditrelay's JSON "listening" log line.
    static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("\"message\":\"listening\"") {
            if let range = line.range(of: #""port":""#) { return Int(line[range.upperBound...].prefix { $0.isNumber }) }
        }
        return nil
    }

    static func firstNumber(after prefix: String, in path: String) -> Int? {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
    }

    /// Runs the script on a dedicated thread (waiting blocks); stdout and stderr go to files.
    static func runDemo(_ arguments: [String], work: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let outPath = "\(work)/demo.stdout", errPath = "\(work)/demo.stderr"
                    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
                    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/bash")
                    process.arguments = ["\(BuiltProducts.repositoryRoot)/scripts/demo.sh"] + arguments
                    process.currentDirectoryURL = URL(fileURLWithPath: BuiltProducts.repositoryRoot)
                    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
                    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    process.waitUntilExit()
                    return (process.terminationStatus, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                            (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
                })
            }.start()
        }
    }
}
