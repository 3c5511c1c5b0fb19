import Foundation
import Polling
import RelayCore
import Testing
@testable import Vendors

/// Backfill progress against a look-alike: Kandji's time-window API backfilling a week in pages
/// of 20, on a clock that moves 10 s per page, so the 30 s log rate limit is exercised without
/// waiting for it.
@Suite(.timeLimit(.minutes(3))) struct BackfillProgressTests {
    /// The wall clock plus what the test advanced; sleeps (rate limits) advance it too.
    final class SteppedClock: PollClock, @unchecked Sendable {
        private let offset = LockedValue<Duration>(.zero)
        func now() -> Timestamp { Timestamp.now().plus(offset.get()) }
        func advance(_ duration: Duration) { offset.update { $0 += duration } }
        func sleep(for duration: Duration) async throws {
            advance(duration)
            await Task.yield()
        }
    }

    @Test func theGaugeRisesMonotonicallyToOneAndTheLogLinesAreRateLimited() async throws {
        let vendor = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "600", "--span", "\(7 * 86_400)"])
        defer { vendor.stop() }
        var settings = PollSettings(id: "kandji-backfill", baseURL: vendor.baseURL, defaults: KandjiSource.defaults)
        settings.backfill = .duration(.seconds(8 * 86_400))
        settings.lag = .seconds(5)
        settings.pageSize = 20
        settings.requestsPerSecond = 1000
        let clock = SteppedClock()
        let logs = LogCapture()
        let poller = try KandjiSource.configured(["token": KandjiTests.token], settings: settings).makePoller(clock: clock, logger: logs.logger())
        try await Self.expectProgressToOne(poller, stream: "audit_events", clock: clock, logs: logs, minimumPages: 30)
        #expect(!logs.text.contains(KandjiTests.token))
    }

    /// Okta's stream position is an opaque next link: progress follows the newest event seen, and
    /// the cycle that reaches the end (a short page) makes it 1.
    @Test func anOpaqueCursorStreamProgressesByItsNewestEvent() async throws {
        let vendor = try Lookalike("okta.py", ["--token", OktaTests.token, "--events", "400", "--span", "\(3 * 86_400)"])
        defer { vendor.stop() }
        let clock = SteppedClock()
        let logs = LogCapture()
        let source = OktaTests.ssws.source(vendor, pageSize: 20) { $0.backfill = .duration(.seconds(4 * 86_400)) }
        let poller = try source.makePoller(clock: clock, logger: logs.logger())
        try await Self.expectProgressToOne(poller, stream: "system_log", clock: clock, logs: logs, minimumPages: 20)
        #expect(!logs.text.contains(OktaTests.token))
    }

    /// Pages `poller` until it is caught up, 10 s apart on `clock`: after every page the stream's
    /// progress (what the gauges show) never falls, ends at 1, passes through the middle, and the
    /// progress lines come at most every 30 s of the clock, ending with one "caught up" line.
    static func expectProgressToOne(_ poller: Poller, stream: String, clock: SteppedClock, logs: LogCapture, minimumPages: Int,
                                    sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var cursor: String?
        var ratios: [Double] = []
        var pages = 0
        while let page = try await poller.nextPage(after: cursor) {
            if let next = page.cursor { cursor = next }
            pages += 1
            let progress = try #require(poller.progress(stream: stream), sourceLocation: sourceLocation)
            ratios.append(progress.ratio)
            #expect(progress.behind == progress.now.duration(since: progress.position), sourceLocation: sourceLocation)
            clock.advance(.seconds(10))
            if pages >= 200 { break }
        }
        #expect(pages >= minimumPages && pages < 200, "\(pages) pages", sourceLocation: sourceLocation)
        #expect(zip(ratios, ratios.dropFirst()).allSatisfy { $0 <= $1 }, "\(ratios)", sourceLocation: sourceLocation)
        #expect(ratios.last == 1, sourceLocation: sourceLocation)
        #expect(ratios.contains { $0 > 0.2 && $0 < 0.8 }, "\(ratios)", sourceLocation: sourceLocation)  // it really moved through the window

        let name = "\(poller.id)/\(stream)"
        let lines = logs.lines.filter { $0.contains("\(name): backfill ") }
        // Pages are 10 s apart on the clock: at most one line per 30 s, the first at once.
        let clockSeconds = pages * 10
        #expect(lines.count >= 3, sourceLocation: sourceLocation)
        #expect(lines.count <= clockSeconds / 30 + 1, "\(lines.count) lines over \(clockSeconds) s", sourceLocation: sourceLocation)
        #expect(lines.allSatisfy { $0.hasPrefix("info ") }, sourceLocation: sourceLocation)
        #expect(lines.dropFirst().contains { $0.contains(" left") }, "\(lines)", sourceLocation: sourceLocation)
        #expect(logs.lines.filter { $0.contains("\(name): caught up") }.count == 1, "\(logs.lines.suffix(5))", sourceLocation: sourceLocation)
    }
}
