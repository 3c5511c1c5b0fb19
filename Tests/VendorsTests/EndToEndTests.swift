import Foundation
import Testing
import TestHelpers

/// The real `auditrelay` binary, `run --once` against each look-alike, into a file sink; and
/// `check` on the shipped example configs.
@Suite(.timeLimit(.minutes(3))) struct EndToEndTests {
    static let root = BuiltProducts.repositoryRoot

    static var binary: String { BuiltProducts.path("auditrelay", override: "AUDITRELAY_BIN") }

    /// Runs the binary; stdout and stderr go to files so neither pipe can fill up.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditrelay-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("out").path, errPath = directory.appendingPathComponent("err").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let deadline = Date().addingTimeInterval(45)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("auditrelay-\(UUID())\(suffix)").path
    }

    /// Runs `--once` with `source` (YAML lines of one source) into a file sink; returns the records.
    static func runOnce(source: String, environment: [String: String], secrets: [String]) throws -> [String] {
        let output = temporaryPath(".jsonl")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let config = temporaryPath(".yaml")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let spool = temporaryPath("-spool")  // a durable spool (where there is one) needs a writable directory
        defer { try? FileManager.default.removeItem(atPath: spool) }
        try """
            workspaceID: e2e
            sources:
            \(source)
            sinks:
              - type: file
                path: \(output)
            spool:
              dir: \(spool)
              maxBytes: 64MiB
            log:
              level: debug
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try run(["run", "--config", config, "--once"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        for secret in secrets { #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret)) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    @Test func kandjiOnceDeliversEveryEventToTheFileSink() async throws {
        let vendor = try Lookalike("kandji.py", ["--token", "e2e-kandji-token-31337", "--events", "620", "--span", "7200"])
        defer { vendor.stop() }
        let records = try Self.runOnce(source: """
              - {id: kandji, type: kandji, baseURL: "\(vendor.baseURL)", token: "${env:E2E_KANDJI_TOKEN}", backfill: 3h, lag: 5s}
            """, environment: ["E2E_KANDJI_TOKEN": "e2e-kandji-token-31337"], secrets: ["e2e-kandji-token-31337"])
        #expect(records.count == 620)
        #expect(records.allSatisfy { $0.contains(#""sourceType":"kandji""#) && $0.contains(#""sourceID":"kandji""#) })
    }

    @Test func endorLabsOnceDeliversEveryEventToTheFileSink() async throws {
        let vendor = try Lookalike("endor_labs.py", ["--key", "endr+e2ekey", "--secret", "endr+e2esecret", "--namespace", "acme", "--events", "333", "--span", "7200"])
        defer { vendor.stop() }
        let records = try Self.runOnce(source: """
              - {id: endor, type: endor-labs, baseURL: "\(vendor.baseURL)", namespace: acme, apiKey: "${env:E2E_ENDOR_KEY}", apiSecret: "${env:E2E_ENDOR_SECRET}", backfill: 3h, lag: 5s}
            """, environment: ["E2E_ENDOR_KEY": "endr+e2ekey", "E2E_ENDOR_SECRET": "endr+e2esecret"], secrets: ["endr+e2esecret", "endr-session-"])
        #expect(records.count == 333)
        #expect(records.allSatisfy { $0.contains(#""sourceType":"endor-labs""#) })
    }

    @Test func conductorOneOnceDeliversEveryEventToTheFileSink() async throws {
        let (secret, publicKey) = ConductorOneTests.credentials()
        let clientID = "e2e-client@127.0.0.1/auditrelay"
        let vendor = try Lookalike("conductor_one.py", ["--client-id", clientID, "--public-key=\(publicKey)", "--events", "250", "--span", "7200"])
        defer { vendor.stop() }
        let records = try Self.runOnce(source: """
              - {id: c1, type: conductor-one, baseURL: "\(vendor.baseURL)", clientID: "${env:E2E_C1_ID}", clientSecret: "${env:E2E_C1_SECRET}", backfill: 3h, lag: 5s}
            """, environment: ["E2E_C1_ID": clientID, "E2E_C1_SECRET": secret], secrets: [String(secret.split(separator: ":").last ?? "x"), "c1-at-"])
        #expect(records.count == 250)
        #expect(records.allSatisfy { $0.contains(#""sourceType":"conductor-one""#) })
    }

    @Test func checkAcceptsTheExampleConfigsOnceTheirSecretsAreExported() throws {
        let (secret, _) = ConductorOneTests.credentials()
        let environment = ["KANDJI_TOKEN": "t", "C1_CLIENT_ID": "quiet-otter-4711@acme.conductor.one/auditrelay", "C1_CLIENT_SECRET": secret,
                           "ENDOR_API_KEY": "endr+k", "ENDOR_API_SECRET": "endr+s", "OKTA_API_TOKEN": "00t", "DUO_IKEY": "DI1", "DUO_SKEY": "s",
                           "ONELOGIN_CLIENT_ID": "c", "ONELOGIN_CLIENT_SECRET": "s", "PINGONE_CLIENT_ID": "c", "PINGONE_CLIENT_SECRET": "s",
                           "APPOMNI_TOKEN": "t", "VAULT_PASSWORD": "p", "WORKDAY_CLIENT_ID": "c", "WORKDAY_CLIENT_SECRET": "s", "WORKDAY_REFRESH_TOKEN": "r",
                           "GITHUB_AUDIT_TOKEN": "t", "GITHUB_WEBHOOK_SECRET": "w", "SLACK_AUDIT_TOKEN": "t", "BOX_CLIENT_ID": "c", "BOX_CLIENT_SECRET": "s",
                           "M365_CLIENT_SECRET": "s", "SERVICENOW_CLIENT_SECRET": "s",
                           "SALESFORCE_CLIENT_SECRET": "s", "SNOWFLAKE_PRIVATE_KEY": SnowflakeTests.keyPair.privateKey]
        for name in ["kandji", "conductor-one", "endor-labs", "okta", "duo", "onelogin", "pingone", "appomni", "veeva-vault", "workday",
                     "github", "slack", "box", "microsoft-365", "servicenow", "salesforce", "snowflake"] {
            let result = try Self.run(["check", "--config", "Config/\(name).example.yaml"], environment: environment)
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        // Google's key is a file: check names it (and only it) as the problem when it is missing.
        let google = try Self.run(["check", "--config", "Config/google-workspace.example.yaml"], environment: environment)
        #expect(google.status == 2)
        #expect(google.stderr.contains("sources[0].serviceAccountKey: secret file /run/secrets/google-service-account.json cannot be read"), "\(google.stderr)")
        #expect(google.stderr.contains("1 problem"), "\(google.stderr)")
        // Without the secrets, check names each unset variable by key path.
        let bare = ProcessInfo.processInfo.environment.filter { !["KANDJI_TOKEN"].contains($0.key) }
        let missing = try Self.run(["check", "--config", "Config/kandji.example.yaml"], environment: bare)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("sources[0].token: environment variable KANDJI_TOKEN is not set"))
    }

    @Test func proxiesFromTheEnvironmentAreHonouredIncludingNoProxy() async throws {
        let vendor = try Lookalike("kandji.py", ["--token", "e2e-proxy-token", "--events", "120", "--span", "7200"])
        defer { vendor.stop() }
        // The tenant host does not resolve; only the proxy named by http_proxy can reach it.
        let proxied = try Self.runOnce(source: """
              - {id: kandji, type: kandji, baseURL: "http://acme.api.kandji.invalid", token: "${env:E2E_TOKEN}", backfill: 3h, lag: 5s}
            """, environment: ["E2E_TOKEN": "e2e-proxy-token", "http_proxy": vendor.baseURL], secrets: ["e2e-proxy-token"])
        #expect(proxied.count == 120)
        let stats = try await vendor.stats()
        #expect(stats.proxiedRequests == stats.dataRequests && stats.dataRequests > 0)
        // NO_PROXY exempts the host: a dead proxy is never tried.
        let direct = try Self.runOnce(source: """
              - {id: kandji, type: kandji, baseURL: "\(vendor.baseURL)", token: "${env:E2E_TOKEN}", backfill: 3h, lag: 5s}
            """, environment: ["E2E_TOKEN": "e2e-proxy-token", "http_proxy": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"], secrets: ["e2e-proxy-token"])
        #expect(direct.count == 120)
    }
}
