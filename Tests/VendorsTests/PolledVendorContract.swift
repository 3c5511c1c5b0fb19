import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

/// One polled vendor as the shared contract tests see it: its look-alike, how to configure it
/// (good and denied credentials), and the vendor-flavoured faults. A new vendor adds one case.
struct VendorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var script: String
    /// Look-alike arguments: credentials (good and denied) and anything vendor-specific.
    var lookalikeArguments: [String]
    /// The vendor's config keys for the good and the denied credential (secrets as plain values).
    var keys: [(key: String, value: String)]
    var deniedKeys: [(key: String, value: String)]
    /// Values that must never appear in a log line, an error, a metric or a spool file.
    var secrets: [String]
    var idPath: [String]
    var pageSize: Int
    /// Completes "<sourceType>: …" in the one-line error a missing permission gives.
    var permissionText: String
    /// The vendor's own 429 (with or without its rate headers).
    var vendorRateLimitFault: String
    /// The look-alike fault that rejects a stored page token or position.
    var rejectedCursorFault: String
    /// Whether the credential is a token that expires (OAuth): the look-alike's `expire` fault applies.
    var tokenExpires: Bool
    /// How old late events are: inside the lookback, outside the vendor's own settle time.
    var lateAge = 60
    /// The look-alike's newest event age, beyond any minimum lag of the vendor.
    var newestAge = 120
    /// Events for the SIGKILL test: enough that every stream has several pages of 50.
    var crashEvents = 300
    /// Appended to the look-alike's URL to make the source's baseURL (Workday's `/ccx/api/privacy/v1/acme`).
    var baseURLPath = ""
    var make: @Sendable ([(key: String, value: String)], PollSettings) -> any PolledVendor
    var defaults: VendorDefaults

    var testDescription: String { name }

    static func of<Vendor: PolledVendor>(_ type: Vendor.Type, name: String, script: String, lookalikeArguments: [String],
                                         keys: [(key: String, value: String)], deniedKeys: [(key: String, value: String)], secrets: [String],
                                         idPath: [String], pageSize: Int, permissionText: String, vendorRateLimitFault: String,
                                         rejectedCursorFault: String, tokenExpires: Bool) -> VendorCase {
        VendorCase(name: name, script: script, lookalikeArguments: lookalikeArguments, keys: keys, deniedKeys: deniedKeys, secrets: secrets,
                   idPath: idPath, pageSize: pageSize, permissionText: permissionText, vendorRateLimitFault: vendorRateLimitFault,
                   rejectedCursorFault: rejectedCursorFault, tokenExpires: tokenExpires,
                   make: { keys, settings in Vendor.configured(keys, settings: settings) }, defaults: Vendor.defaults)
    }

    /// The look-alike with `events` events over the last 2 hours.
    func start(events: Int, extra: [String] = []) throws -> Lookalike {
        try Lookalike(script, lookalikeArguments + ["--events", "\(events)", "--span", "7200", "--newest-age", "\(newestAge)"] + extra,
                      environment: ["LOOKALIKE_TIMEOUT_SLEEP": "3"])
    }

    /// The source against `lookalike`, as a config naming `keys` builds it, with test timings.
    func source(_ lookalike: Lookalike, keys: [(key: String, value: String)]? = nil, pageSize: Int? = nil,
                configure: (inout PollSettings) -> Void = { _ in }) -> any PolledVendor {
        var settings = PollSettings(id: "\(name)-test", baseURL: lookalike.baseURL + baseURLPath, defaults: defaults)
        settings.backfill = .duration(.seconds(3 * 3600))
        settings.lag = .seconds(5)
        settings.pageSize = pageSize ?? self.pageSize
        settings.requestsPerSecond = 1000
        settings.burst = 100
        settings.http.totalTimeout = .seconds(2)  // the look-alike's "timeout" fault sleeps 3 s
        configure(&settings)
        // A value starting "baseURL" stands for the look-alike's URL (PingOne's authURL, Workday's tokenURL).
        return make((keys ?? self.keys).map { ($0.key, Self.resolve($0.value, baseURL: lookalike.baseURL)) }, settings)
    }

    static func resolve(_ value: String, baseURL: String) -> String {
        value.hasPrefix("baseURL") ? baseURL + value.dropFirst("baseURL".count) : value
    }
}

/// What every polled vendor promises, checked against each look-alike: every event exactly once
/// across many pages and every kind of fault, late events inside the lookback delivered once, a
/// missing permission as one clear line, a rejected stored cursor that never skips, and no secret
/// anywhere. (The SIGKILL-in-the-middle-of-a-window test is `PolledVendorCrashTests`.)
@Suite(.timeLimit(.minutes(5))) struct PolledVendorContractTests {
    static let cases: [VendorCase] = [OktaTests.ssws, DuoTests.vendorCase, OneLoginTests.vendorCase, PingOneTests.vendorCase,
                                      WorkdayTests.vendorCase, VeevaVaultTests.vendorCase, AppOmniTests.vendorCase,
                                      GitHubTests.vendorCase, SlackTests.vendorCase, BoxTests.vendorCase, GoogleWorkspaceTests.vendorCase,
                                      Microsoft365Tests.vendorCase, ServiceNowTests.vendorCase,
                                      SalesforceTests.vendorCase, SnowflakeTests.vendorCase]

    @Test(arguments: cases)
    func deliversEveryEventOnceAcrossPagesRateLimitsServerErrorsTimeoutsAndTruncation(_ vendorCase: VendorCase) async throws {
        let vendor = try vendorCase.start(events: 1500)
        defer { vendor.stop() }
        var faults = ["429", "ok", "429bare", "ok", "500", "ok", "timeout", "ok", "truncated", "ok", "malformed", "ok", vendorCase.vendorRateLimitFault]
        if vendorCase.tokenExpires { faults += ["ok", "expire"] }
        try await vendor.inject(faults)
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try vendorCase.source(vendor).makePoller(clock: clock, logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: vendorCase.idPath, count: 1500, logs: logs)
        #expect(stats.faultsServed.filter { $0 != "ok" }.count == faults.filter { $0 != "ok" }.count, "\(stats.faultsServed)")
        #expect(stats.dataRequests > 1500 / vendorCase.pageSize)  // many pages
        let metrics = poller.metrics.snapshot()
        #expect(metrics.rateLimitWaits >= 3, "\(metrics)")
        #expect(metrics.retries >= 7, "\(metrics)")
        #expect(clock.sleeps.contains(.seconds(7)))  // Retry-After: 7 honoured
        if vendorCase.tokenExpires { #expect(metrics.tokenRefreshes >= 1, "\(metrics)") }
        for secret in vendorCase.secrets { #expect(!logs.text.contains(secret), "\(secret) in a log line") }
    }

    @Test(arguments: cases)
    func lateEventsInsideTheLookbackAreDeliveredOnceAfterARestart(_ vendorCase: VendorCase) async throws {
        let vendor = try vendorCase.start(events: 300)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let first = try vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) == nil)
        #expect(await log.records(idPath: vendorCase.idPath).compactMap(\.vendorID).count == 300)

        try await vendor.addLateEvents(20, age: vendorCase.lateAge)
        // A restart later on: the next window (or the vendor's position) reaches past the first run's end.
        let second = try vendorCase.source(vendor).makePoller(clock: InstantSleepClock(offset: .seconds(10)), logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: vendorCase.idPath).compactMap(\.vendorID)
        #expect(delivered.count == 320)
        #expect(delivered.duplicates.isEmpty)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
    }

    @Test(arguments: cases)
    func aMissingPermissionIsOneClearLineWithoutSecrets(_ vendorCase: VendorCase) async throws {
        let vendor = try vendorCase.start(events: 10)
        defer { vendor.stop() }
        let logs = LogCapture()
        let poller = try vendorCase.source(vendor, keys: vendorCase.deniedKeys).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let failure = try #require(await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger()))
        let message = "\(failure)"
        #expect(message.contains("\(vendorCase.name): \(vendorCase.permissionText)"), "\(message)")
        #expect(!message.contains("\n"))
        let reports = logs.lines.filter { $0.hasPrefix("error") && $0.contains(vendorCase.permissionText) }
        #expect(reports.count == 1, "\(logs.lines)")
        for secret in vendorCase.secrets { #expect(!message.contains(secret) && !logs.text.contains(secret)) }
    }

    @Test(arguments: cases)
    func aBackfillBeyondTheVendorsRetentionIsAGapRecordAndEveryEventStillComes(_ vendorCase: VendorCase) async throws {
        let vendor = try vendorCase.start(events: 200)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try vendorCase.source(vendor) { $0.backfill = .duration($0.retention + .seconds(2 * 86_400)) }
            .makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: vendorCase.idPath)
        let gaps = records.filter { $0.eventName == "auditrelay.gap" }
        #expect(gaps.count == poller.streams.count, "one gap per stream: \(gaps.map(\.json))")
        #expect(gaps.allSatisfy { $0.json.contains(#""gap.reason":"backfill_beyond_retention""#) })
        let delivered = records.filter { $0.eventName != "auditrelay.gap" }.compactMap(\.vendorID)
        #expect(delivered.duplicates.isEmpty)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        #expect(try await vendor.stats().badRequests == 0, "a request reached past the vendor's retention")
    }

    @Test(arguments: cases)
    func aStoredCursorTheVendorRejectsFallsBackWithoutSkipping(_ vendorCase: VendorCase) async throws {
        let vendor = try vendorCase.start(events: 600)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        await log.setCrashAtAppend(3)  // pages 1 and 2 are durable; the cursor is mid-window
        let pageSize = 20  // small enough that even a source of many streams is mid-window after two pages
        let first = try vendorCase.source(vendor, pageSize: pageSize).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) != nil)
        // Stopped in the middle of a window (or at a resumable position): the restart carries a stored page token.
        let committed = try #require(await log.committedCursor(source: "\(vendorCase.name)-test"))
        let states = try #require(SourceCursor(decoding: committed, defaultStream: "")).streams.values
        #expect(states.contains { $0.window != nil || $0.position != nil }, "\(committed)")

        // The stored page token or position has expired by the time the process is back.
        try await vendor.inject([vendorCase.rejectedCursorFault])
        await log.setCrashAtAppend(nil)
        let second = try vendorCase.source(vendor, pageSize: pageSize).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)
        #expect(try await vendor.stats().faultsServed.contains(vendorCase.rejectedCursorFault))
        #expect(second.metrics.snapshot().cursorFallbacks == 1)
        let delivered = await log.records(idPath: vendorCase.idPath).compactMap(\.vendorID)
        #expect(delivered.duplicates.isEmpty)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        #expect(logs.lines.contains { $0.hasPrefix("warning") && $0.contains("rejected the stored cursor") })
    }
}
