import Foundation
import Polling
import RelayCore
import Testing
@testable import Vendors

/// Backfill progress against a look-alike: Kandji's time-window API backfilling a week in pages
/// of 20, on a clock that moves 10 s per page, so the 30 s log rate limit is exercised without
/// waiting for it.
@Suite(.timeLimit(.minutes(1))) struct BackfillProgressTests {
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

        var cursor: String?
        var ratios: [Double] = []
        var pages = 0
        while let page = try await poller.nextPage(after: cursor) {
            if let next = page.cursor { cursor = next }
            pages += 1
            let progress = try #require(poller.progress(stream: "audit_events"))
            ratios.append(progress.ratio)
            #expect(progress.behind == progress.now.duration(since: progress.position))
            clock.advance(.seconds(10))
            #expect(pages < 100, "the backfill does not end")
            if pages >= 100 { break }
        }
        #expect(pages >= 30)  // 600 events in pages of 20
        #expect(zip(ratios, ratios.dropFirst()).allSatisfy { $0 <= $1 }, "\(ratios)")
        #expect(ratios.last == 1)
        #expect(ratios.contains { $0 > 0.2 && $0 < 0.8 }, "\(ratios)")  // it really moved through the window

        let lines = logs.lines.filter { $0.contains("kandji-backfill/audit_events: backfill ") }
        // Pages are 10 s apart on the clock: at most one line per 30 s, the first at once.
        let clockSeconds = pages * 10
        #expect(lines.count >= 3)
        #expect(lines.count <= clockSeconds / 30 + 1, "\(lines.count) lines over \(clockSeconds) s")
        #expect(lines.allSatisfy { $0.hasPrefix("info ") })
        #expect(lines.dropFirst().contains { $0.contains(" left") }, "\(lines)")
        #expect(logs.lines.filter { $0.contains("kandji-backfill/audit_events: caught up") }.count == 1, "\(logs.lines.suffix(5))")
        #expect(!logs.text.contains(KandjiTests.token))
    }
}
