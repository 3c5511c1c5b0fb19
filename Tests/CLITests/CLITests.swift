import Foundation
import Testing
import TestHelpers

/// Runs the real `auditrelay` binary, as a user would.
enum CLI {
    static let root = BuiltProducts.repositoryRoot

    static var binary: String { BuiltProducts.path("auditrelay", override: "AUDITRELAY_BIN") }

    typealias Result = ChildProcess.Result

    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await ChildProcess.run(binary, arguments, stdin: stdin, environment: environment, directory: root)
    }

    static func temporaryFile(_ content: String, suffix: String = ".yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auditrelay-\(UUID())\(suffix)").path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite struct CheckCommandTests {
    @Test func acceptsTheExampleAndTheDemo() async throws {
        for config in ["Config/auditrelay.example.yaml", "Config/demo.yaml", "Config/syslog.example.yaml"] {
            let result = try await CLI.run(["check", "--config", config])
            #expect(result.status == 0, "\(config): \(result.stderr)")
            #expect(result.stdout.contains("ok"))
        }
    }

    @Test func rejectsUnknownKeyBadDurationAndMissingSecretNamingEachPath() async throws {
        let config = try CLI.temporaryFile("""
            workspaceID: w
            sources:
              - id: one
                type: replay
                path: Config
                format: emm
              - id: two
                type: replay
                path: Tests/NormalizersTests/Fixtures/emm
                interval: 6O s
                colour: blue
              - id: three
                type: replay
                path: ${file:/run/secrets/does-not-exist}
            sinks:
              - type: stdout
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try await CLI.run(["check", "--config", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains("3 problems") || result.stderr.contains("4 problems"), "\(result.stderr)")
        #expect(result.stderr.contains(#"sources[1].interval: "6O s" is not a duration"#))
        #expect(result.stderr.contains("sources[1].colour: unknown key"))
        #expect(result.stderr.contains("sources[2].path: secret file /run/secrets/does-not-exist cannot be read: No such file or directory"))
    }

    @Test func neverPrintsSecretValues() async throws {
        let config = try CLI.temporaryFile("""
            workspaceID: ${env:AR_TEST_SECRET}
            sources: [{id: x, type: replay, path: "${env:AR_TEST_SECRET}"}]
            sinks: [{type: stdout}]
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try await CLI.run(["check", "--config", config], environment: ["AR_TEST_SECRET": "hunter2-very-secret"])
        #expect(result.status == 2)
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"))
        #expect(result.stderr.contains(#"sources[0].path: no .jsonl file at "${env:AR_TEST_SECRET}""#), "\(result.stderr)")
    }

    @Test func invalidYAMLAndMissingFile() async throws {
        let bad = try CLI.temporaryFile("sources: [\n  - a\n b: c")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let result = try await CLI.run(["check", "--config", bad])
        #expect(result.status == 2)
        #expect(result.stderr.contains("invalid YAML"))
        let missing = try await CLI.run(["check", "--config", "/nonexistent.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read config /nonexistent.yaml"))
    }
}

@Suite struct NormalizeCommandTests {
    /// The `event` objects of the Okta EMM samples, one per line, as a poller would receive them.
    static func oktaEvents() throws -> [String] {
        let fixture = try String(contentsOfFile: "\(CLI.root)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl", encoding: .utf8)
        return try fixture.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let event = try #require(object?["event"])
            return String(decoding: try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }
    }

    @Test func normalizesOktaSamplesWithEveryColumn() async throws {
        let events = try Self.oktaEvents()
        let result = try await CLI.run(["normalize", "--type", "okta", "--stream", "system_log", "--source-id", "okta-prod"], stdin: Data(events.joined(separator: "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == events.count)
        let columns = ["workspaceID", "sourceID", "sourceType", "sourceTTL", "receivedAt", "id", "eventTime", "eventName", "eventID",
                       "srcIP", "srcASCountryCode", "srcASNumber", "srcASOrganization", "srcCity", "srcConnectionType", "srcISP", "srcLatitude", "srcLongitude", "srcUserType",
                       "dstIP", "dstASCountryCode", "dstASNumber", "dstASOrganization", "dstCity", "dstConnectionType", "dstISP", "dstLatitude", "dstLongitude", "dstUserType",
                       "actor", "tags", "resources", "serviceName", "enrichments", "readOnly", "rawLog", "behavior"]
        let records = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        for (record, event) in zip(records, events) {
            #expect(Set(record.keys) == Set(columns))
            #expect(record["rawLog"] as? String == event)
            #expect(record["sourceType"] as? String == "okta")
            #expect(record["sourceID"] as? String == "okta-prod")
        }
        // The first sample, read by hand from the fixture.
        let first = records[0]
        #expect(first["eventID"] as? String == "11111111-2222-3333-4444-abcdef111111111111")
        #expect(first["eventTime"] as? String == "2023-09-14T20:23:26.473Z")
        #expect(first["eventName"] as? String == "group.lifecycle.delete")
        #expect(first["srcIP"] as? String == "198.51.100.1")
        #expect(first["behavior"] as? String == "group.delete")
        let actor = try #require(first["actor"] as? [String: String])
        #expect(actor == ["email": "alice@example.com", "id": "00ua1aaaa1abc0A0B123", "name": "Alice Brown", "type": "User"])
        // Every sample carries its labelled behavior.
        let fixture = try String(contentsOfFile: "\(CLI.root)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl", encoding: .utf8)
        let labels = try fixture.split(separator: "\n").map { try #require((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["behavior"] as? String) }
        #expect(records.map { $0["behavior"] as? String } == labels)
    }

    @Test func badLinesAreReportedWhileGoodLinesAreWritten() async throws {
        let input = #"{"uuid":"a","eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}"# + "\n{not json\n\n" + #"{"uuid":"b"}"#
        let result = try await CLI.run(["normalize", "--type", "okta"], stdin: Data(input.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("stdin:2: invalid JSON at byte 1"))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""eventID":"a""#) && lines[1].contains(#""eventID":"b""#))
    }

    @Test func unknownTypeIsAUsageError() async throws {
        let result = try await CLI.run(["normalize", "--type", "nope"], stdin: Data())
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown --type \"nope\""))
    }
}

@Suite struct RunCommandTests {
    @Test func demoRunsOnceThenResumesFromItsCursor() async throws {
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("demo-spool-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let demo = try String(contentsOfFile: "\(CLI.root)/Config/demo.yaml", encoding: .utf8)
        let config = try CLI.temporaryFile(demo.replacingOccurrences(of: "dir: .build/demo-spool", with: "dir: \(spool)"))
        defer { try? FileManager.default.removeItem(atPath: config) }
        let result = try await CLI.run(["run", "--config", config, "--once"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 341)  // every EMM sample of every vendor
        #expect(lines.allSatisfy { $0.hasPrefix(#"{"workspaceID":"demo""#) })
        // The cursor and the acknowledgements are durable: a second run has nothing new to send.
        let again = try await CLI.run(["run", "--config", config, "--once"])
        #expect(again.status == 0 && again.stdout.isEmpty, "\(again.stderr)")
        let inspect = try await CLI.run(["spool", "inspect", "--config", config])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("sink stdout watermark 341"), "\(inspect.stdout)")
    }

    @Test func versionAndHelp() async throws {
        let version = try await CLI.run(["version"])
        #expect(version.stdout.hasPrefix("auditrelay "))
        let help = try await CLI.run(["--help"])
        for command in ["run", "check", "normalize", "spool", "version"] { #expect(help.stdout.contains(command)) }
    }
}

@Suite struct LookupCommandTests {
    @Test func printsTheEnrichmentOfEachAddress() async throws {
        let data = "\(CLI.root)/.cache/mmdb-test-data/test-data"
        try #require(FileManager.default.fileExists(atPath: "\(data)/GeoIP2-City-Test.mmdb"), "run scripts/fetch-mmdb-test-data.sh")
        let result = try await CLI.run(["lookup", "81.2.69.160", "1.128.0.1", "10.1.2.3",
                                  "--mmdb", "\(data)/GeoIP2-City-Test.mmdb", "--mmdb", "\(data)/GeoLite2-ASN-Test.mmdb"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.count == 3)
        #expect(objects[0]["countryCode"] as? String == "GB" && objects[0]["city"] as? String == "London")
        #expect(objects[1]["asNumber"] as? Int == 1221 && objects[1]["asOrganization"] as? String == "Telstra Pty Ltd")
        #expect(objects[2]["specialPurpose"] as? Bool == true && (objects[2]["enrichments"] as? [Any])?.isEmpty == true)
        let bad = try await CLI.run(["lookup", "not-an-ip", "--mmdb", "\(data)/GeoIP2-City-Test.mmdb"])
        #expect(bad.status == 1 && bad.stderr.contains("not-an-ip: not an IP address"))
        let corrupt = try await CLI.run(["lookup", "1.1.1.1", "--mmdb", "\(data)/GeoIP2-City-Test-Broken-Double-Format.mmdb"])
        #expect(corrupt.status != 0 || corrupt.stdout.contains("\"enrichments\":[]"), "\(corrupt.stderr)")
    }
}
