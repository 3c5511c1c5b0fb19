import Crypto
import _CryptoExtras
import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct GoogleWorkspaceTests {
    static let clientEmail = "auditrelay@acme-reports.iam.gserviceaccount.com"

    /// A service account key file (JSON, as Google issues it) and the public half the look-alike verifies with.
    static let serviceAccount: (keyFile: String, publicKeyFile: String) = {
        let (privateKey, publicKeyFile) = (try? OktaTests.serviceApp()) ?? ("", "")
        let escaped = privateKey.replacingOccurrences(of: "\n", with: "\\n")
        return (#"{"type":"service_account","project_id":"acme-reports","client_email":"\#(clientEmail)","private_key":"\#(escaped)","token_uri":"https://oauth2.googleapis.com/token"}"#,
                publicKeyFile)
    }()

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            GoogleWorkspaceSource.self, name: "google-workspace", script: "google_workspace.py",
            lookalikeArguments: ["--client-email", clientEmail, "--public-key-pem", serviceAccount.publicKeyFile, "--subject", "reports@acme.com",
                                 "--denied-subject", "intern@acme.com"],
            keys: [("serviceAccountKey", serviceAccount.keyFile), ("subject", "reports@acme.com"), ("tokenURL", "baseURL/token")],
            deniedKeys: [("serviceAccountKey", serviceAccount.keyFile), ("subject", "intern@acme.com"), ("tokenURL", "baseURL/token")],
            secrets: ["PRIVATE KEY"], idPath: ["id", "uniqueQualifier"], pageSize: 200,
            permissionText: "the service account cannot read reports", vendorRateLimitFault: "429g", rejectedCursorFault: "badcursor", tokenExpires: true)
        vendorCase.crashEvents = 1200  // eleven applications: about 110 events, three pages, each
        return vendorCase
    }()

    @Test func everyApplicationIsAStreamWithItsOwnCursor() async throws {
        let vendor = try Self.vendorCase.start(events: 550)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let cursor = try #require(await log.committedCursor(source: "google-workspace-test").flatMap { SourceCursor(decoding: $0, defaultStream: "login") })
        #expect(cursor.streams.keys.sorted() == GoogleWorkspaceSource.applicationNames.sorted())
        #expect(Set(await log.records(idPath: ["id", "uniqueQualifier"]).compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        #expect(try await vendor.stats().badRequests == 0)
    }

    @Test func aKeyFileThatIsNotOneIsAConfigProblemThatDoesNotQuoteIt() {
        let diagnostics = ConfigDiagnostics()
        _ = GoogleWorkspaceSource(ConfigSection(path: "sources[0]", value: .map([
            ("id", .scalar("g")), ("serviceAccountKey", .scalar(#"{"client_email":"x","private_key":"not-a-key-5ecr3t"}"#)), ("subject", .scalar("a@acme.com")),
        ]), diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
        let problems = diagnostics.problems.map(\.description)
        #expect(problems.contains { $0.contains("serviceAccountKey: is not a service account JSON key file") }, "\(problems)")
        #expect(!problems.joined().contains("5ecr3t"))
    }
}
