import Foundation
import TestHelpers
import Testing

/// `auditrelay check --connect` against a real rsyslogd: a RELP session is opened and closed, a
/// TLS handshake checks the receiver's certificate as the sink would, and a closed port fails
/// with the fix.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CheckConnectSyslogTests {
    static func check(sinks: String) async throws -> (status: Int32, stdout: String) {
        let directory = try BuiltProducts.temporaryDirectory("check-syslog")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/events.jsonl"))
        let path = "\(directory)/check.yaml"
        try """
            sources:
              - {id: replayed, type: replay, path: \(directory)/events.jsonl, format: ndjson, sourceType: kandji}
            sinks:
            \(sinks)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(BuiltProducts.path("auditrelay", override: "AUDITRELAY_BIN"),
                                                ["check", "--connect", "--config", path, "--timeout", "5s"])
        return (result.status, result.stdout + result.stderr)
    }

    /// The fix printed under the first row matching `pattern`.
    static func fix(_ output: String, under pattern: String) -> String? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let row = lines.firstIndex(where: { $0.range(of: pattern, options: .regularExpression) != nil }), row + 1 < lines.count else { return nil }
        return lines[row + 1].trimmingCharacters(in: .whitespaces)
    }

    @Test func relpAndTrustedTLSPassAClosedPortAndAnUntrustedCertificateFail() async throws {
        let relp = try RsyslogServer(.relp)
        defer { relp.stop() }
        let pki = try TestPKI()
        let tls = try RsyslogServer(.tls(driver: "ossl", requireClientCertificate: false), pki: pki)
        defer { tls.stop() }
        let passing = try await Self.check(sinks: """
              - {type: syslog, name: relp, url: "relp://127.0.0.1:\(relp.port)"}
              - {type: syslog, name: tls, url: "tls://127.0.0.1:\(tls.port)", tls: {ca: \(pki.caFile)}}
            """)
        #expect(passing.status == 0, "\(passing.stdout)")
        #expect(passing.stdout.range(of: #"relp session\s+ok\s+the server opened a RELP session"#, options: .regularExpression) != nil, "\(passing.stdout)")
        #expect(passing.stdout.range(of: #"tls handshake\s+ok\s+certificate trusted for 127\.0\.0\.1"#, options: .regularExpression) != nil, "\(passing.stdout)")

        let closedPort = try #require(Loopback.freePort())
        let failing = try await Self.check(sinks: """
              - {type: syslog, name: closed, url: "tcp://127.0.0.1:\(closedPort)"}
              - {type: syslog, name: untrusted, url: "tls://127.0.0.1:\(tls.port)", tls: {ca: \(pki.path("other-ca.pem"))}}
            """)
        #expect(failing.status == 1, "\(failing.stdout)")
        #expect(Self.fix(failing.stdout, under: #"connect\s+FAIL\s+syslog sink closed"#)
                == "fix: nothing accepts connections at 127.0.0.1:\(closedPort): check the sink's url and that the syslog receiver is running")
        #expect(failing.stdout.contains("Connection refused"), "\(failing.stdout)")
        #expect(Self.fix(failing.stdout, under: #"tls handshake\s+FAIL\s+syslog sink untrusted.*certificate verification failed"#)
                == "fix: the TLS handshake with 127.0.0.1:\(tls.port) failed: set the sink's tls.ca to the CA that signed the receiver's certificate (and tls.serverName to a name it carries)")
        #expect(failing.stdout.contains("2 of 3 components failed: sink closed (syslog), sink untrusted (syslog)"), "\(failing.stdout)")
    }
}
