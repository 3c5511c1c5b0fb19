import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct WorkdayTests {
    static let clientID = "wd-client-4f1"
    static let clientSecret = "wd-secret-8c2e77a1"
    static let refreshToken = "wd-rt-initial-51b7e0"

    /// The tenant rotates refresh tokens (`--rotate`): every grant revokes the token it was sent,
    /// so each restart in the shared tests only works with the token persisted in the cursor.
    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            WorkdaySource.self, name: "workday", script: "workday.py",
            lookalikeArguments: ["--client-id", clientID, "--client-secret", clientSecret, "--refresh-token", refreshToken, "--rotate",
                                 "--denied-client", "wd-denied-3a"],
            keys: [("tokenURL", "baseURL/ccx/oauth2/acme/token"), ("clientID", clientID), ("clientSecret", clientSecret), ("refreshToken", refreshToken)],
            deniedKeys: [("tokenURL", "baseURL/ccx/oauth2/acme/token"), ("clientID", "wd-denied-3a"), ("clientSecret", clientSecret),
                         ("refreshToken", refreshToken)],
            secrets: [clientSecret, refreshToken, "wd-rt-"], idPath: ["sessionId"], pageSize: 200,
            permissionText: "the API client lacks the \"User Activity Logging\" domain", vendorRateLimitFault: "429wd",
            rejectedCursorFault: "badcursor", tokenExpires: true)
        vendorCase.baseURLPath = "/ccx/api/privacy/v1/acme"
        return vendorCase
    }()

    @Test func aRotatedRefreshTokenSurvivesARestartAndNeverReachesTheCursorInTheClear() async throws {
        let vendor = try Self.vendorCase.start(events: 400)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let first = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) == nil)
        #expect(try await vendor.statistic("current_refresh_token_index") == 1)
        let committed = try #require(await log.committedCursor(source: "workday-test"))
        #expect(SourceCursor(decoding: committed, defaultStream: "activity_logging")?.sealedCredential != nil)
        #expect(!committed.contains("wd-rt-"))
        // A restart with the configured (now revoked) token: the persisted one is used, and rotated again.
        try await vendor.addEvents(10)
        let second = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(offset: .seconds(10)), logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        #expect(try await vendor.statistic("revoked_refresh_uses") == 0)
        #expect(try await vendor.statistic("current_refresh_token_index") == 2)
        #expect(Set(await log.records(idPath: ["sessionId"]).compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        #expect(!logs.text.contains("wd-rt-"))
    }

    @Test func aBackfillGoesWindowByWindowOfAtMostAnHour() throws {
        let api = WorkdaySource.ActivityLogging(baseURL: "https://wd2.example.com/ccx/api/privacy/v1/acme")
        #expect(api.maximumWindow == .seconds(3600))
        let request = try api.request(window: PollWindow(from: Timestamp(parsing: "2026-03-01T11:00:00Z")!, to: Timestamp(parsing: "2026-03-01T12:00:00Z")!),
                                      pageToken: "1000", pageSize: 1000)
        #expect(request.url == "https://wd2.example.com/ccx/api/privacy/v1/acme/activityLogging?from=2026-03-01T11%3A00%3A00.000Z&to=2026-03-01T12%3A00%3A00.000Z&limit=1000&offset=1000&instancesReturned=10")
    }
}
