import Replay
@testable import Vendors
import Foundation
import Polling
import RelayCore
import Testing

@Suite(.timeLimit(.minutes(3))) struct EndorLabsTests {
    static let key = "endr+K7bVq2TnW4"
    static let secret = "endr+S9xPfR3mLz8"

    static func configuration(_ lookalike: Lookalike, secret: String = secret) -> EndorLabsSource {
        var settings = PollSettings(id: "endor-test", baseURL: lookalike.baseURL, defaults: EndorLabsSource.defaults)
        settings.backfill = .duration(.seconds(3 * 3600))
        settings.lag = .seconds(5)
        settings.pageSize = 150
        settings.requestsPerSecond = 1000
        settings.http.totalTimeout = .seconds(2)  // the look-alike's "timeout" fault sleeps 3 s
        return .configured(["namespace": "acme", "apiKey": key, "apiSecret": secret], settings: settings)
    }

    static func start(events: Int) throws -> Lookalike {
        try Lookalike("endor_labs.py", ["--key", key, "--secret", secret, "--namespace", "acme", "--events", "\(events)", "--span", "7200"],
                      environment: ["LOOKALIKE_TIMEOUT_SLEEP": "3"])
    }

    @Test func exchangesTheKeyFollowsPageIDsAndTokensAndDeliversEveryEventOnce() async throws {
        let vendor = try Self.start(events: 1000)
        defer { vendor.stop() }
        try await vendor.inject(["ok", "429date", "ok", "expire", "ok", "500", "truncated", "ok", "malformed", "ok", "timeout", "503reset"])
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try Self.configuration(vendor).makePoller(clock: clock, logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["uuid"], count: 1000, logs: logs)
        #expect(stats.tokenRequests == 2)
        #expect(clock.sleeps.contains { $0 > .seconds(25) && $0 <= .seconds(30) })  // Retry-After as an HTTP date
        for secret in [Self.key, Self.secret, "endr-session-"] { #expect(!logs.text.contains(secret)) }
    }

    @Test func aRestartAfterAFailedAppendResumesAtTheUncommittedPage() async throws {
        let vendor = try Self.start(events: 900)
        defer { vendor.stop() }
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let log = TestRecordLog()
        await log.setCrashAtAppend(3)
        #expect(await PipelineRun.once(try Self.configuration(vendor).makePoller(clock: clock, logger: logs.logger()), log: log, logger: logs.logger()) != nil)
        #expect(await log.records(idPath: ["uuid"]).count == 300)
        await log.setCrashAtAppend(nil)
        #expect(await PipelineRun.once(try Self.configuration(vendor).makePoller(clock: clock, logger: logs.logger()), log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: ["uuid"]).compactMap(\.vendorID)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        #expect(delivered.duplicates.isEmpty)
    }

    @Test func aWrongSecretIsReportedWithoutRevealingIt() async throws {
        let vendor = try Self.start(events: 5)
        defer { vendor.stop() }
        let logs = LogCapture()
        let failure = await PipelineRun.once(try Self.configuration(vendor, secret: "endr+WRONGsecret99").makePoller(clock: InstantSleepClock(), logger: logs.logger()),
                                             log: TestRecordLog(), logger: logs.logger())
        let message = failure.map { "\($0)" } ?? ""
        #expect(message.contains("rejected the credentials (HTTP 401"), "\(message)")
        #expect(!message.contains("WRONGsecret") && !logs.text.contains("WRONGsecret"))
    }
}
