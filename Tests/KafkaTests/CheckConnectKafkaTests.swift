import Foundation
import TestHelpers
import Testing

/// `auditrelay check --connect` against librdkafka's mock cluster in another process: the topics
/// the sources' records go to are looked up in the cluster's metadata without creating them.
@Suite(.timeLimit(.minutes(3))) struct CheckConnectKafkaTests {
    static func check(_ config: String, _ extra: [String] = []) async throws -> (result: ChildProcess.Result, seconds: Double) {
        let directory = try KafkaTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/events.jsonl"))
        let path = "\(directory)/check.yaml"
        try config.replacingOccurrences(of: "EVENTS", with: "\(directory)/events.jsonl").write(toFile: path, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let result = try await ChildProcess.run(KafkaTestSupport.binary("auditrelay"), ["check", "--connect", "--config", path] + extra)
        return (result, (ContinuousClock.now - started).seconds)
    }

    static func sources(_ types: [String]) -> String {
        types.map { "  - {id: \($0)-replay, type: replay, path: EVENTS, format: ndjson, sourceType: \($0)}" }.joined(separator: "\n")
    }

    @Test func presentTopicsPassAndAMissingOneFailsWithTheFix() async throws {
        let cluster = try MockCluster(brokers: 2, topics: ["audit.kandji": 2])
        defer { cluster.stop() }
        let passing = try await Self.check("""
            sources:
            \(Self.sources(["kandji"]))
            sinks:
              - {type: kafka, brokers: "\(cluster.bootstrap)"}
            """)
        #expect(passing.result.status == 0, "\(passing.result.stdout)\(passing.result.stderr)")
        #expect(passing.result.stdout.range(of: #"metadata\s+ok\s+2 brokers"#, options: .regularExpression) != nil, "\(passing.result.stdout)")
        #expect(passing.result.stdout.range(of: #"topic audit\.kandji\s+ok\s+present"#, options: .regularExpression) != nil, "\(passing.result.stdout)")

        let missing = try await Self.check("""
            sources:
            \(Self.sources(["kandji", "okta"]))
            sinks:
              - {type: kafka, brokers: "\(cluster.bootstrap)"}
            """)
        #expect(missing.result.status == 1, "\(missing.result.stdout)\(missing.result.stderr)")
        let lines = missing.result.stdout.split(separator: "\n").map(String.init)
        let row = try #require(lines.firstIndex { $0.range(of: #"topic audit\.okta\s+FAIL\s+does not exist"#, options: .regularExpression) != nil },
                               "\(missing.result.stdout)")
        #expect(lines[row + 1].trimmingCharacters(in: .whitespaces)
                == "fix: create the topic audit.okta on \(cluster.bootstrap) (or grant this principal Describe and Write on it)")
        // Asking did not create it.
        let again = try await Self.check("""
            sources:
            \(Self.sources(["okta"]))
            sinks:
              - {type: kafka, brokers: "\(cluster.bootstrap)", topic: "audit.{sourceType}"}
            """, ["--format", "json"])
        #expect(again.result.status == 1)
        #expect(again.result.stdout.contains(#""check":"topic audit.okta","result":"fail""#), "\(again.result.stdout)")
    }

    @Test func unreachableBrokersFailWithinTheTimeout() async throws {
        let port = try #require(Loopback.freePort())
        let run = try await Self.check("""
            sources:
            \(Self.sources(["kandji"]))
            sinks:
              - {type: kafka, brokers: "127.0.0.1:\(port)"}
            """, ["--timeout", "2s"])
        #expect(run.result.status == 1, "\(run.result.stdout)\(run.result.stderr)")
        #expect(run.seconds < 8, "took \(run.seconds) s")
        let lines = run.result.stdout.split(separator: "\n").map(String.init)
        let row = try #require(lines.firstIndex { $0.range(of: #"metadata\s+FAIL"#, options: .regularExpression) != nil }, "\(run.result.stdout)")
        #expect(lines[row + 1].trimmingCharacters(in: .whitespaces)
                == "fix: no broker of 127.0.0.1:\(port) answered: check the sink's brokers, the network and the librdkafka security settings")
    }
}
