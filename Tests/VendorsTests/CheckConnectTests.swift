import Foundation
import RelayCore
import TestHelpers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `auditrelay check --connect` as a user runs it: the built binary against vendor look-alikes,
/// asserting the rows, the one-line fixes (in the sidecar's own words), the exit code, and that
/// no token ever appears in what it prints.
@Suite(.timeLimit(.minutes(4))) struct CheckConnectTests {
    static var binary: String { BuiltProducts.path("auditrelay", override: "AUDITRELAY_BIN") }
    static let kandjiFix = #"fix: kandji: the token lacks the "List audit events" permission (Settings → Access)"#
    static let oktaToken = "okta-check-token-5d1e9b"
    static let webhookSecret = "webhook-check-secret-83c1"
    /// curl reads proxies from the environment: the tests talk to 127.0.0.1 and .invalid directly.
    static let environment = ["KANDJI_TOKEN": KandjiTests.token, "OKTA_TOKEN": oktaToken, "HOOK_SECRET": webhookSecret,
                              "no_proxy": "*", "NO_PROXY": "*"]

    struct Run {
        var result: ChildProcess.Result
        var seconds: Double
        var output: String { result.stdout + result.stderr }
    }

    static func check(_ config: String, _ extra: [String] = [], environment: [String: String] = environment) async throws -> Run {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID()).yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let started = ContinuousClock.now
        let result = try await ChildProcess.run(binary, ["check", "--connect", "--config", path] + extra, environment: environment)
        return Run(result: result, seconds: (ContinuousClock.now - started).seconds)
    }

    /// The table row of `component` and `check` (the component's name is printed on its first row only).
    static func row(_ output: String, _ check: String, after component: String) -> String? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0 == component || $0.hasPrefix(component + " ") }) else { return nil }
        for line in lines[start...] {
            if line != lines[start], let first = line.first, first != " " { return nil }  // the next component
            let columns = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.contains("  \(check)  ") || columns.starts(with: check.split(separator: " ").map(String.init)) { return line }
        }
        return nil
    }

    /// The fix line printed right under `row`.
    static func fix(_ output: String, under row: String) -> String? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(of: row), index + 1 < lines.count else { return nil }
        return lines[index + 1].trimmingCharacters(in: .whitespaces)
    }

    static func expectNoSecret(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in [KandjiTests.token, oktaToken, webhookSecret] {
            #expect(!run.output.contains(secret), "a secret was printed", sourceLocation: sourceLocation)
        }
    }

    static func kandji(_ id: String, _ baseURL: String, token: String = "${env:KANDJI_TOKEN}", extra: String = "") -> String {
        """
          - id: \(id)
            type: kandji
            baseURL: \(baseURL)
            token: "\(token)"
        \(extra)
        """
    }

    static let cityDatabase = BuiltProducts.repositoryRoot + "/.cache/mmdb-test-data/test-data/GeoIP2-City-Test.mmdb"

    @Test func everythingReachableExitsZeroWithEveryRowAndTheJSONShape() async throws {
        guard FileManager.default.fileExists(atPath: Self.cityDatabase) else {
            Issue.record("MaxMind test data missing: run scripts/fetch-mmdb-test-data.sh first")
            return
        }
        let kandji = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "20", "--span", "3600", "--newest-age", "120"])
        defer { kandji.stop() }
        let okta = try Lookalike("okta.py", ["--token", Self.oktaToken, "--events", "20", "--span", "3600", "--rate-limit", "600"])
        defer { okta.stop() }
        let directory = try BuiltProducts.temporaryDirectory("check-connect")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try #require(Loopback.freePort())
        let config = """
            workspaceID: w
            sources:
            \(Self.kandji("kandji-prod", kandji.baseURL))
              - id: okta-prod
                type: okta
                baseURL: \(okta.baseURL)
                token: ${env:OKTA_TOKEN}
              - id: github-hooks
                type: github-webhook
                secret: ${env:HOOK_SECRET}
            webhooks:
              listen: 127.0.0.1:\(port)
            sinks:
              - type: file
                path: \(directory)/records.jsonl
              - type: stdout
            spool:
              dir: \(directory)/spool
            geoip:
              databases: [\(Self.cityDatabase)]
            """
        let run = try await Self.check(config)
        #expect(run.result.status == 0, "\(run.output)")
        Self.expectNoSecret(run)
        let table = run.result.stdout
        for check in ["reachable", "authenticated", "read audit_events", "clock"] {
            let line = try #require(Self.row(table, check, after: "source kandji-prod"), "\(check) in \(table)")
            #expect(line.contains(" ok "), "\(line)")
        }
        #expect(Self.row(table, "tls", after: "source kandji-prod")?.contains("plain http://") == true)
        #expect(Self.row(table, "read audit_events", after: "source kandji-prod")?.contains("newest seen 20") == true)
        #expect(Self.row(table, "rate limit", after: "source kandji-prod")?.contains("not reported") == true)
        let rate = try #require(Self.row(table, "rate limit", after: "source okta-prod"), "\(table)")
        #expect(rate.contains(" ok ") && rate.contains("of 600 requests left"), "\(rate)")
        #expect(Self.row(table, "read system_log", after: "source okta-prod")?.contains(" ok ") == true, "\(table)")
        #expect(Self.row(table, "listen", after: "source github-hooks")?.contains("would bind 127.0.0.1:\(port) (webhooks.listen)") == true, "\(table)")
        #expect(Self.row(table, "secret", after: "source github-hooks")?.contains("set (not shown)") == true, "\(table)")
        #expect(Self.row(table, "writable", after: "sink file")?.contains("can be created in \(directory)") == true, "\(table)")
        #expect(Self.row(table, "database", after: "geoip \(Self.cityDatabase)")?.contains("GeoIP2-City, built 20") == true, "\(table)")
        #expect(table.contains("all 6 checked components passed"), "\(table)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/records.jsonl"), "the file sink's check created its file")

        let json = try await Self.check(config, ["--format", "json"])
        #expect(json.result.status == 0, "\(json.output)")
        Self.expectNoSecret(json)
        let document = JSONDocument()
        let root = try document.parse(Array(json.result.stdout.utf8))
        #expect(root["ok"]?.bool == true)
        let components = try #require(root["components"]?.array)
        #expect(components.map { $0["kind"]?.string ?? "" } == ["source", "source", "source", "sink", "sink", "geoip"])
        #expect(components.map { $0["name"]?.string ?? "" } == ["kandji-prod", "okta-prod", "github-hooks", "file", "stdout", Self.cityDatabase])
        let oktaComponent = components[1]
        #expect(oktaComponent["ok"]?.bool == true)
        #expect(oktaComponent["rateLimit"]?["limit"]?.int64 == 600)
        #expect((oktaComponent["rateLimit"]?["remaining"]?.int64 ?? 0) > 0)
        #expect(abs(oktaComponent["clockSkewSeconds"]?.int64 ?? 99) <= 2)
        #expect(Timestamp(parsing: components[0]["newestEvent"]?.string ?? "") != nil)
        let checks = try #require(components[0]["checks"]?.array)
        #expect(checks.map { $0["check"]?.string ?? "" } == ["reachable", "tls", "authenticated", "read audit_events", "clock", "rate limit"])
        #expect(checks.map { $0["result"]?.string ?? "" } == ["ok", "skipped", "ok", "ok", "ok", "skipped"])
        #expect(checks.allSatisfy { $0["fix"] == nil })
    }

    @Test func aRejectedTokenFailsAuthenticationWithTheVendorsFix() async throws {
        let kandji = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "5"])
        defer { kandji.stop() }
        let run = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", kandji.baseURL, token: "${env:WRONG_TOKEN}"))
            sinks: [{type: stdout}]
            """, environment: Self.environment.merging(["WRONG_TOKEN": "kandji-wrong-token-0b7d"]) { $1 })
        #expect(run.result.status == 1, "\(run.output)")
        #expect(!run.output.contains("kandji-wrong-token-0b7d"))
        Self.expectNoSecret(run)
        let row = try #require(Self.row(run.result.stdout, "authenticated", after: "source kandji-prod"), "\(run.result.stdout)")
        #expect(row.contains("FAIL") && row.contains("HTTP 401"), "\(row)")
        #expect(Self.fix(run.result.stdout, under: row) == Self.kandjiFix)
        #expect(Self.row(run.result.stdout, "read audit_events", after: "source kandji-prod")?.contains("not reached") == true)
        #expect(run.result.stdout.contains("1 of 2 components failed: source kandji-prod"), "\(run.result.stdout)")
    }

    @Test func aMissingPermissionFailsReadingWithTheVendorsFix() async throws {
        let kandji = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "5"])
        defer { kandji.stop() }
        try await kandji.inject(["403"])  // the token is valid but lacks "List audit events"
        let run = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", kandji.baseURL))
            sinks: [{type: stdout}]
            """)
        #expect(run.result.status == 1, "\(run.output)")
        Self.expectNoSecret(run)
        #expect(Self.row(run.result.stdout, "authenticated", after: "source kandji-prod")?.contains(" ok ") == true, "\(run.result.stdout)")
        let row = try #require(Self.row(run.result.stdout, "read audit_events", after: "source kandji-prod"), "\(run.result.stdout)")
        #expect(row.contains("FAIL") && row.contains("HTTP 403"), "\(row)")
        #expect(Self.fix(run.result.stdout, under: row) == Self.kandjiFix)

        let json = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", kandji.baseURL))
            sinks: [{type: stdout}]
            """, ["--format", "json"])
        // The injected 403 was used up: this run passes, so the failure above was the permission's.
        #expect(json.result.status == 0, "\(json.output)")
    }

    /// An OAuth client the token endpoint refuses fails authentication; a client or token whose
    /// scope cannot read events fails reading, each with the vendor's hint.
    @Test func tokenEndpointRefusalsAndMissingScopesOfOtherVendors() async throws {
        let onelogin = try Lookalike("onelogin.py", ["--client-id", OneLoginTests.clientID, "--client-secret", OneLoginTests.clientSecret,
                                                     "--denied-client", "ol-denied-client", "--events", "5"])
        defer { onelogin.stop() }
        let okta = try Lookalike("okta.py", ["--token", Self.oktaToken, "--denied-token", "okta-denied-token-4e2f", "--events", "5"])
        defer { okta.stop() }
        let run = try await Self.check("""
            sources:
              - {id: refused, type: onelogin, baseURL: "\(onelogin.baseURL)", clientID: \(OneLoginTests.clientID), clientSecret: "${env:WRONG_SECRET}"}
              - {id: unscoped, type: onelogin, baseURL: "\(onelogin.baseURL)", clientID: ol-denied-client, clientSecret: "${env:OL_SECRET}"}
              - {id: okta-denied, type: okta, baseURL: "\(okta.baseURL)", token: "${env:OKTA_DENIED}"}
            sinks: [{type: stdout}]
            """, environment: Self.environment.merging(["WRONG_SECRET": "ol-wrong-secret-1a2b", "OL_SECRET": OneLoginTests.clientSecret,
                                                        "OKTA_DENIED": "okta-denied-token-4e2f"]) { $1 })
        #expect(run.result.status == 1, "\(run.output)")
        for secret in ["ol-wrong-secret-1a2b", OneLoginTests.clientSecret, "okta-denied-token-4e2f"] {
            #expect(!run.output.contains(secret), "a secret was printed")
        }
        let table = run.result.stdout
        let refused = try #require(Self.row(table, "authenticated", after: "source refused"), "\(table)")
        #expect(refused.contains("FAIL") && refused.contains("rejected the credentials"), "\(refused)")
        #expect(Self.fix(table, under: refused)?.hasPrefix("fix: onelogin: the token endpoint") == true, "\(table)")
        #expect(Self.fix(table, under: refused)?.hasSuffix("check the source's credentials") == true, "\(table)")
        #expect(Self.row(table, "authenticated", after: "source unscoped")?.contains(" ok ") == true, "\(table)")
        let unscoped = try #require(Self.row(table, "read events", after: "source unscoped"), "\(table)")
        #expect(unscoped.contains("FAIL") && unscoped.contains("HTTP 403"), "\(unscoped)")
        #expect(Self.fix(table, under: unscoped)
                == #"fix: onelogin: the API credential cannot read events (it needs "Read All" or "Manage All": Developers → API Credentials)"#)
        let denied = try #require(Self.row(table, "read system_log", after: "source okta-denied"), "\(table)")
        #expect(denied.contains("FAIL") && denied.contains("HTTP 403"), "\(denied)")
        #expect(Self.fix(table, under: denied)?.hasPrefix("fix: okta: the API token's admin lacks a role that can read the System Log") == true, "\(table)")
    }

    @Test func aWrongHostFailsReachabilityWithTheFix() async throws {
        let closedPort = try #require(Loopback.freePort())
        let run = try await Self.check("""
            sources:
            \(Self.kandji("refused", "http://127.0.0.1:\(closedPort)"))
            \(Self.kandji("unresolvable", "https://auditrelay-check.invalid"))
            sinks: [{type: stdout}]
            """)
        #expect(run.result.status == 1, "\(run.output)")
        Self.expectNoSecret(run)
        let refused = try #require(Self.row(run.result.stdout, "reachable", after: "source refused"), "\(run.result.stdout)")
        #expect(refused.contains("FAIL") && refused.contains("curl error 7"), "\(refused)")
        #expect(Self.fix(run.result.stdout, under: refused)
                == "fix: nothing accepts connections at 127.0.0.1:\(closedPort): check the source's baseURL, proxy and firewall")
        let unresolvable = try #require(Self.row(run.result.stdout, "reachable", after: "source unresolvable"), "\(run.result.stdout)")
        #expect(unresolvable.contains("FAIL") && unresolvable.contains("curl error 6"), "\(unresolvable)")
        #expect(Self.fix(run.result.stdout, under: unresolvable) == "fix: cannot resolve auditrelay-check.invalid: check the source's baseURL (and DNS)")
        for skipped in ["tls", "authenticated", "read audit_events"] {
            #expect(Self.row(run.result.stdout, skipped, after: "source refused")?.contains("not reached") == true, "\(skipped)")
        }
    }

    @Test func anUntrustedCertificateFailsTLSUntilTheCABundleIsSet() async throws {
        let tls = try TLSTests.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let kandji = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "5", "--tls", tls.cert, tls.key])
        defer { kandji.stop() }
        let url = "https://127.0.0.1:\(kandji.port)"
        let run = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", url))
            sinks: [{type: stdout}]
            """)
        #expect(run.result.status == 1, "\(run.output)")
        Self.expectNoSecret(run)
        #expect(Self.row(run.result.stdout, "reachable", after: "source kandji-prod")?.contains(" ok ") == true, "\(run.result.stdout)")
        let row = try #require(Self.row(run.result.stdout, "tls", after: "source kandji-prod"), "\(run.result.stdout)")
        #expect(row.contains("FAIL") && row.contains("curl error 60"), "\(row)")
        #expect(Self.fix(run.result.stdout, under: row)
                == "fix: 127.0.0.1:\(kandji.port)'s certificate is not trusted: set the source's caBundle to the CA that signed it (e.g. a TLS-inspecting proxy's CA)")

        let trusted = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", url, extra: "    caBundle: \(tls.cert)"))
            sinks: [{type: stdout}]
            """)
        #expect(trusted.result.status == 0, "\(trusted.output)")
        #expect(Self.row(trusted.result.stdout, "tls", after: "source kandji-prod")?.contains("certificate trusted") == true, "\(trusted.result.stdout)")
    }

    /// A host that accepts the connection and never answers costs one `--timeout`, not one per
    /// check: the checks run at once.
    @Test func aSilentHostTimesOutWhileTheOtherChecksFinish() async throws {
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(silent >= 0)
        defer { close(silent) }
        var address = Loopback.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) == 0 && getsockname(silent, $0, &length) == 0 }
        }
        #expect(bound && listen(silent, 16) == 0)  // the kernel completes handshakes; nobody reads
        let silentPort = Int(UInt16(bigEndian: address.sin_port))
        let kandji = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "5"])
        defer { kandji.stop() }
        let run = try await Self.check("""
            sources:
            \(Self.kandji("silent-1", "http://127.0.0.1:\(silentPort)"))
            \(Self.kandji("silent-2", "http://127.0.0.1:\(silentPort)"))
            \(Self.kandji("silent-3", "http://127.0.0.1:\(silentPort)"))
            \(Self.kandji("kandji-prod", kandji.baseURL))
            sinks: [{type: stdout}]
            """, ["--timeout", "2s"])
        #expect(run.result.status == 1, "\(run.output)")
        #expect(run.seconds < 6, "three silent hosts took \(run.seconds) s with --timeout 2s")
        for id in ["silent-1", "silent-2", "silent-3"] {
            let row = try #require(Self.row(run.result.stdout, "reachable", after: "source \(id)"), "\(run.result.stdout)")
            #expect(row.contains("FAIL"), "\(row)")
            #expect(Self.fix(run.result.stdout, under: row)
                    == "fix: 127.0.0.1:\(silentPort) did not answer in time: check the source's baseURL, proxy and firewall (or raise --timeout)")
        }
        #expect(Self.row(run.result.stdout, "read audit_events", after: "source kandji-prod")?.contains(" ok ") == true, "\(run.result.stdout)")
    }

    @Test func anInvalidConfigStillExitsTwoWithoutConnecting() async throws {
        let run = try await Self.check("""
            sources:
            \(Self.kandji("kandji-prod", "http://127.0.0.1:1", extra: "    colour: blue"))
            sinks: [{type: stdout}]
            """)
        #expect(run.result.status == 2, "\(run.output)")
        #expect(run.result.stderr.contains("sources[0].colour: unknown key"), "\(run.result.stderr)")
        #expect(!run.result.stdout.contains("reachable"))
        Self.expectNoSecret(run)
    }

    @Test func aBrokenGeoIPDatabaseAndAnUnwritableFileSinkFail() async throws {
        let directory = try BuiltProducts.temporaryDirectory("check-connect")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = "\(directory)/broken.mmdb"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: database))
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/events.jsonl"))
        let run = try await Self.check("""
            sources:
              - {id: replayed, type: replay, path: \(directory)/events.jsonl, format: ndjson, sourceType: kandji}
            sinks:
              - {type: file, path: /proc/auditrelay-check/records.jsonl}
            geoip:
              databases: [\(database)]
            """)
        #expect(run.result.status == 1, "\(run.output)")
        let geoip = try #require(Self.row(run.result.stdout, "database", after: "geoip \(database)"), "\(run.result.stdout)")
        #expect(geoip.contains("FAIL"), "\(geoip)")
        #expect(Self.fix(run.result.stdout, under: geoip) == "fix: replace \(database) with a complete MaxMind DB file (download it again)")
        let file = try #require(Self.row(run.result.stdout, "writable", after: "sink file"), "\(run.result.stdout)")
        #expect(file.contains("FAIL") && file.contains("/proc/auditrelay-check"), "\(file)")
        #expect(Self.fix(run.result.stdout, under: file) == "fix: create the directory /proc/auditrelay-check (or change the sink's path)")
        #expect(Self.row(run.result.stdout, "readable", after: "source replayed")?.contains(" ok ") == true, "\(run.result.stdout)")
    }
}
