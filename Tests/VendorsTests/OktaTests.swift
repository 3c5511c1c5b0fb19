import Crypto
import _CryptoExtras
import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct OktaTests {
    static let token = "00okta-ssws-Tk9Lq3XvR2"
    static let deniedToken = "00okta-ssws-denied-4hQw"

    static let ssws = VendorCase.of(
        OktaSource.self, name: "okta", script: "okta.py", lookalikeArguments: ["--token", token, "--denied-token", deniedToken],
        keys: [("token", token)], deniedKeys: [("token", deniedToken)], secrets: [token, deniedToken], idPath: ["uuid"], pageSize: 200,
        permissionText: "the API token's admin lacks a role that can read the System Log", vendorRateLimitFault: "429okta",
        rejectedCursorFault: "badcursor", tokenExpires: false)

    /// An OAuth service app: an RSA key whose public half the look-alike checks assertions with.
    static func serviceApp() throws -> (privateKey: String, publicKeyFile: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("okta-\(UUID()).pub.pem").path
        try key.publicKey.pemRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
        return (key.pemRepresentation, path)
    }

    @Test func aServiceAppSignsItsAssertionGetsTheLogsScopeAndRenewsAnExpiredToken() async throws {
        let (privateKey, publicKeyFile) = try Self.serviceApp()
        defer { try? FileManager.default.removeItem(atPath: publicKeyFile) }
        let vendor = try Lookalike("okta.py", ["--client-id", "0oa-svc-app-1", "--public-key-pem", publicKeyFile, "--events", "900", "--span", "7200"])
        defer { vendor.stop() }
        try await vendor.inject(["ok", "expire", "ok", "ok", "expire"])
        var oauth = Self.ssws
        oauth.keys = [("clientID", "0oa-svc-app-1"), ("privateKey", privateKey)]
        let logs = LogCapture()
        let poller = try oauth.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["uuid"], count: 900, logs: logs)
        #expect(stats.tokenRequests == 3)  // the first token and one after each expiry
        #expect(poller.metrics.snapshot().tokenRefreshes == 2)
        #expect(!logs.text.contains("PRIVATE KEY"))
    }

    @Test func pollingFollowsTheEndlessNextLinkAndResumesAtTheLastOne() async throws {
        let vendor = try Lookalike("okta.py", ["--token", Self.token, "--events", "450", "--span", "7200"])
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let first = try Self.ssws.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) == nil)
        let committed = try #require(await log.committedCursor(source: "okta-test"))
        let state = try #require(SourceCursor(decoding: committed, defaultStream: "system_log")?.streams["system_log"])
        let position = try #require(state.position)
        #expect(position.contains("after="))  // the last next link, kept verbatim
        #expect(state.window == nil)
        // Events published in the past but stored now come after that link: a later cycle gets
        // exactly them, by asking for the stored link, never by a time.
        try await vendor.addLateEvents(7, age: 3600)
        let before = try await vendor.stats().dataRequests
        let second = try Self.ssws.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: ["uuid"]).compactMap(\.vendorID)
        #expect(delivered.count == 457)
        #expect(delivered.duplicates.isEmpty)
        #expect(try await vendor.stats().dataRequests == before + 1)  // one short page: cycle done
    }

    @Test func ourShareOfOktasRateLimitLeavesTheRestToOtherIntegrations() async throws {
        // 20 requests a minute for /api/v1/logs (a small org); we take half.
        let vendor = try Lookalike("okta.py", ["--token", Self.token, "--events", "1500", "--span", "7200", "--rate-limit", "20"])
        defer { vendor.stop() }
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try Self.ssws.source(vendor, pageSize: 100).makePoller(clock: clock, logger: logs.logger())
        _ = await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger())
        let metrics = poller.metrics.snapshot()
        #expect(metrics.rateShareWaits >= 1, "\(metrics)")
        #expect(try await vendor.statistic("rate_limited") == 0)  // never pushed Okta to a 429
        #expect(clock.sleeps.contains { $0 > .seconds(1) && $0 <= .seconds(61) })
    }

    @Test func configNeedsATokenOrAServiceAppButNotBoth() {
        let diagnostics = ConfigDiagnostics()
        for keys: [(String, ConfigValue)] in [[], [("token", .scalar("t")), ("clientID", .scalar("c")), ("privateKey", .scalar("k"))],
                                             [("clientID", .scalar("c"))], [("clientID", .scalar("c")), ("privateKey", .scalar("not a key"))]] {
            let section = ConfigSection(path: "sources[0]", value: .map([("id", .scalar("o")), ("baseURL", .scalar("https://acme.okta.com"))] + keys),
                                        diagnostics: diagnostics, secrets: SecretResolver(environment: [:]))
            _ = OktaSource(section)
        }
        let problems = diagnostics.problems.map(\.description)
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.contains("set either token (an API token) or clientID and privateKey (an OAuth service app)") })
        #expect(problems.contains { $0.contains("not both") })
        #expect(problems.contains { $0.contains("privateKey: is not a PEM") })
        #expect(!problems.joined().contains("not a key"))
    }
}
