import Foundation
import Testing
import Relay
import RelayCore

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite struct RelayConfigurationTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> (RelayConfiguration?, [String]) {
        let value = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: SecretResolver(environment: environment))
        return (configuration, problems.map(\.description))
    }

    @Test func acceptsTheDocumentedExample() throws {
        let value = try ConfigLoader.read(file: "\(repositoryRoot)/Config/auditrelay.example.yaml")
        // The example names repo-relative paths; `swift test` runs in the package root.
        #expect(FileManager.default.currentDirectoryPath == repositoryRoot)
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: .live())
        #expect(problems.isEmpty, "\(problems)")
        let parsed = try #require(configuration)
        #expect(parsed.workspaceID == "acme-prod")
        #expect(parsed.sources.map(\.definition.id) == ["samples"])
        #expect(parsed.sources.first?.sourceTTL == 90)
        #expect(parsed.sinks.map(\.name) == ["stdout", "archive"])
        #expect(parsed.spool.maxBytes == 1 << 30)
        #expect(parsed.httpListen == "127.0.0.1:8686")
    }

    @Test func reportsEveryProblemWithItsPath() throws {
        let (configuration, problems) = try parse("""
            workspaceID: x
            sources:
              - {id: a, type: replay, path: \(repositoryRoot)/Config}
              - {id: a, type: replay, path: /nonexistent/dir, interval: 6O s}
              - {id: c, type: oktaa}
            sinks:
              - {type: file}
              - {type: stdout, colour: red}
            spool: {dir: /tmp/x, maxBytes: lots, ackPersistInterval: 5m}
            extra: 1
            """)
        #expect(configuration == nil)
        #expect(problems == [
            "sources[0].path: no .jsonl file at \"\(repositoryRoot)/Config\"",
            #"sources[1].interval: "6O s" is not a duration (use e.g. 500ms, 60s, 5m, 2h, 7d)"#,
            "sources[1].path: no .jsonl file at \"/nonexistent/dir\"",
            #"sources[1].id: "a" is used by another source"#,
            #"sources[2].type: "oktaa" is not a known source type (known: appomni, box, conductor-one, duo, endor-labs, github, github-webhook, google-workspace, kandji, microsoft-365, okta, onelogin, pingone, replay, salesforce, servicenow, slack, snowflake, veeva-vault, workday)"#,
            "sinks[0].path: is required",
            "sinks[1].colour: unknown key",
            #"spool.maxBytes: "lots" is not a size (use e.g. 4096, 64KiB, 512MiB, 2GiB)"#,
            "spool.ackPersistInterval: must be at most 60s (longer means more redelivered after a crash)",
            "extra: unknown key",
        ])
    }

    @Test func missingSecretFileIsNamedWithoutItsValue() throws {
        let (configuration, problems) = try parse("""
            sources: [{id: r, type: replay, path: "${file:/nonexistent/secret}"}]
            sinks: [{type: stdout}]
            """)
        #expect(configuration == nil)
        #expect(problems.first == "sources[0].path: secret file /nonexistent/secret cannot be read: No such file or directory")
    }

    @Test func invalidYAMLNamesTheLine() {
        #expect(throws: ConfigLoadError.self) { try ConfigLoader.parse(yaml: "a: [1,\nb: :", file: "bad.yaml") }
        do {
            _ = try ConfigLoader.parse(yaml: "sources:\n  - id: a\n   type: x\n", file: "bad.yaml")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml: invalid YAML:"))
            #expect(error.description.contains("line 3"))
        }
    }

    @Test func emptyConfigNeedsSourcesAndSinks() throws {
        let (_, problems) = try parse("workspaceID: x")
        #expect(problems == ["sources: at least one source is required", "sinks: at least one sink is required"])
    }

    @Test func readinessModeDefaultsToPipelineAndRejectsOthers() throws {
        let base = "sources: [{id: r, type: replay, path: \(repositoryRoot)/Tests/NormalizersTests/Fixtures/emm}]\nsinks: [{type: stdout}]\n"
        #expect(try #require(parse(base).0).readiness == .pipeline)
        #expect(try #require(parse(base + "http: {readiness: pipeline}").0).readiness == .pipeline)
        #expect(try #require(parse(base + "http: {readiness: process}").0).readiness == .process)
        let (configuration, problems) = try parse(base + "http: {readiness: sidecar}")
        #expect(configuration == nil)
        #expect(problems == [#"http.readiness: "sidecar" is not one of pipeline, process"#])
    }
}
