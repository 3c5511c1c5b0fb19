import Replay
@testable import Vendors
import Normalizers
@testable import Relay
import Foundation
import Polling
import RelayCore
import Testing

@Suite(.timeLimit(.minutes(3))) struct KandjiTests {
    static let token = "kandji-test-token-7f3a9c2e51"

    static func configuration(_ lookalike: Lookalike, token: String = token, pageSize: Int = 200) -> KandjiSource {
        var settings = PollSettings(id: "kandji-test", baseURL: lookalike.baseURL, defaults: KandjiSource.defaults)
        settings.backfill = .duration(.seconds(3 * 3600))
        settings.lag = .seconds(5)
        settings.pageSize = pageSize
        settings.requestsPerSecond = 1000
        settings.http.totalTimeout = .seconds(2)  // the look-alike's "timeout" fault sleeps 3 s
        return .configured(["token": token], settings: settings)
    }

    static func start(events: Int) throws -> Lookalike {
        try Lookalike("kandji.py", ["--token", token, "--events", "\(events)", "--span", "7200"], environment: ["LOOKALIKE_TIMEOUT_SLEEP": "3"])
    }

    @Test func deliversEveryEventExactlyOnceThroughRateLimitsServerErrorsTruncationAndTimeouts() async throws {
        let vendor = try Self.start(events: 1234)
        defer { vendor.stop() }
        try await vendor.inject(["429", "ok", "500", "ok", "truncated", "ok", "malformed", "ok", "timeout", "ok", "503reset", "429date"])
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try Self.configuration(vendor).makePoller(clock: clock, logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["id"], count: 1234, logs: logs)
        #expect(stats.faultsServed.filter { $0 != "ok" }.count == 7, "\(stats.faultsServed) \(clock.sleeps) \(logs.lines.filter { $0.hasPrefix("warning") })")
        // Retry-After: 7 and the reset header (about 20 s) were honoured, through the injected clock.
        #expect(clock.sleeps.contains(.seconds(7)))
        #expect(clock.sleeps.contains { $0 > .seconds(15) && $0 <= .seconds(21) })
        #expect(poller.metrics.snapshot().rateLimitWaits == 3)
        #expect(poller.metrics.snapshot().retries >= 7)  // more only if the loaded machine timed out a good page
        #expect(!logs.text.contains(Self.token))
        #expect(logs.text.contains("rate_limited"))
    }

    @Test func aFailedAppendDoesNotMoveTheCursorAndARestartResumesWithoutSkipping() async throws {
        let vendor = try Self.start(events: 1000)
        defer { vendor.stop() }
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let log = TestRecordLog()
        await log.setCrashAtAppend(4)  // pages 1-3 are durable; the process dies appending page 4

        let first = try Self.configuration(vendor, pageSize: 100).makePoller(clock: clock, logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) != nil)
        let afterFailure = await log.records(idPath: ["id"]).compactMap(\.vendorID)
        #expect(afterFailure.count == 300)
        let committed = await log.committedCursor(source: "kandji-test")
        let state = try #require(committed.flatMap { SourceCursor(decoding: $0, defaultStream: "audit_events")?.streams["audit_events"] })
        #expect(state.window?.next.contains("cursor=") == true)  // mid-window, at page 4

        await log.setCrashAtAppend(nil)
        let second = try Self.configuration(vendor, pageSize: 100).makePoller(clock: clock, logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: ["id"]).compactMap(\.vendorID)
        let stats = try await vendor.stats()
        #expect(Set(delivered) == Set(stats.ids))
        #expect(delivered.duplicates.isEmpty)
        #expect(Array(delivered.prefix(300)) == afterFailure)
    }

    @Test func aRestartReadsOnlyNewEventsAndTheLookbackOverlapIsDeduplicated() async throws {
        let vendor = try Self.start(events: 400)
        defer { vendor.stop() }
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let log = TestRecordLog()
        let first = try Self.configuration(vendor).makePoller(clock: clock, logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) == nil)
        #expect(await log.records(idPath: ["id"]).count == 400)

        try await vendor.addEvents(25)
        // A restart within the same second would find nothing to ask for; a shorter lag moves
        // `now - lag` past the first run's end as a later restart would.
        var later = Self.configuration(vendor)
        later.settings.lag = .seconds(2)
        let second = try later.makePoller(clock: clock, logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: ["id"]).compactMap(\.vendorID)
        #expect(delivered.count == 425)
        #expect(delivered.duplicates.isEmpty)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        // The 5-minute lookback re-read events the first run had delivered; the log's persisted
        // dedupe window (the spool's, in production) named them and the pipeline dropped them.
        #expect(second.metrics.snapshot().eventsFetched > 25)
        #expect(await log.duplicatesFound > 0)
    }

    @Test func aTokenWithoutThePermissionIsReportedOnceAndEndsAOnceRunAtOnce() async throws {
        let vendor = try Self.start(events: 10)
        defer { vendor.stop() }
        let logs = LogCapture()
        let clock = InstantSleepClock()
        let poller = try Self.configuration(vendor, token: "wrong-token-d41d8cd98f").makePoller(clock: clock, logger: logs.logger())
        let failure = await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger())
        #expect("\(failure.map { "\($0)" } ?? "")".contains("kandji: the token lacks the \"List audit events\" permission"))

        // Outside --once: every retry fails the same way, is not logged again, and asks for a slow retry.
        for _ in 0..<3 {
            await #expect(throws: PollError.self) { _ = try await poller.nextPage(after: nil) }
        }
        do {
            _ = try await poller.nextPage(after: nil)
        } catch let error as PollError {
            #expect(error.needsOperator)
            #expect(error.retryAfter == .seconds(300))
        }
        let reports = logs.lines.filter { $0.contains("the token lacks the \"List audit events\" permission") && $0.hasPrefix("error") }
        #expect(reports.count == 1)
        #expect(!logs.text.contains("wrong-token-d41d8cd98f"))
        #expect(!"\(failure.map { "\($0)" } ?? "")".contains("wrong-token"))
    }

    @Test func backfillBeyondRetentionBecomesAnAuditrelayGapRecordBeforeTheEvents() async throws {
        let vendor = try Self.start(events: 30)
        defer { vendor.stop() }
        var configuration = Self.configuration(vendor)
        configuration.settings.backfill = .duration(.seconds(100 * 86_400))  // retention is 90 days
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try configuration.makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: ["id"])
        #expect(records.count == 31)
        let gap = try #require(records.first)
        #expect(gap.eventName == "auditrelay.gap")
        #expect(gap.json.contains(#""sourceType":"kandji""#))
        #expect(gap.json.contains(#""gap.reason":"backfill_beyond_retention""#))
        #expect(gap.json.contains(#""gap.stream":"audit_events""#))
        #expect(records.dropFirst().allSatisfy { $0.eventName != "auditrelay.gap" && $0.vendorID != nil })
        #expect(poller.metrics.snapshot().gaps == 1)
        #expect(poller.metrics.snapshot().gapSeconds > 9 * 86_400)
        #expect(logs.lines.contains { $0.hasPrefix("warning") && $0.contains("recording a gap") && $0.contains("backfill_beyond_retention") })
    }

    @Test func aFailingSourceDoesNotHoldUpAnother() async throws {
        let good = try Self.start(events: 300)
        let bad = try Self.start(events: 300)
        defer {
            good.stop()
            bad.stop()
        }
        let logs = LogCapture()
        let clock = InstantSleepClock()
        var denied = Self.configuration(bad, token: "revoked-token-0000")
        denied.settings.id = "kandji-denied"
        let sources: [any AuditSource] = [try denied.makePoller(clock: clock, logger: logs.logger()), try Self.configuration(good).makePoller(clock: clock, logger: logs.logger())]
        let log = TestRecordLog()
        var pipeline = Pipeline(sources: sources.map { .init(source: $0, identity: SourceIdentity(workspaceID: "w", sourceID: $0.id)) },
                                sinks: [], log: log, logger: logs.logger())
        pipeline.backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))
        await #expect(throws: PipelineError.self) { try await pipeline.run(once: true) }
        #expect(await log.records(idPath: ["id"]).compactMap(\.vendorID).count == 300)
        #expect(await log.committedCursor(source: "kandji-test") != nil)
        #expect(await log.committedCursor(source: "kandji-denied") == nil)
    }
}
