import Polling
import RelayCore
import Testing

/// `CatchUpTracker`: the share of the window covered, the smoothed rate's estimate of the time
/// left, the end of a catch-up, and log lines at most every 30 s.
@Suite struct CatchUpProgressTests {
    static let now = Timestamp(seconds: 1_800_000_000)
    static let day: Int64 = 86_400

    static func at(_ offset: Int64) -> Timestamp { Timestamp(seconds: now.microseconds / 1_000_000 + offset) }

    @Test func theRatioIsTheShareOfTheWindowFromTheStartToNow() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        let start = Self.at(-4 * Self.day)
        let (first, _) = tracker.observe(position: start, now: Self.now, caughtUp: false, firstRun: true)
        #expect(first.ratio == 0)
        #expect(first.kind == .backfill)
        #expect(first.started == start)
        #expect(first.behind == .seconds(4 * Self.day))
        // One day of four covered, while 100 s passed: the window now ends 100 s later.
        let (second, _) = tracker.observe(position: Self.at(-3 * Self.day), now: Self.at(100), caughtUp: false, firstRun: true)
        let expected = Double(Self.day) / Double(4 * Self.day + 100)
        #expect(abs(second.ratio - expected) < 1e-9)
        #expect(second.started == start)  // the window's start stays where the catch-up began
        #expect(second.catchingUp)
    }

    @Test func theEstimateDividesWhatIsBehindByHowFastTheGapCloses() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        var position = Self.at(-10 * Self.day)
        var now = Self.now
        var last: CatchUpProgress?
        // 3600 s of events per 10 s of wall time: 360 event seconds per second, the gap closes at 359/s.
        for _ in 0..<20 {
            last = tracker.observe(position: position, now: now, caughtUp: false, firstRun: false).0
            position = position.plus(.seconds(3600))
            now = now.plus(.seconds(10))
        }
        let progress = try! #require(last)
        #expect(progress.kind == .catchUp)
        let remaining = try! #require(progress.remaining).seconds
        #expect(abs(remaining - progress.behind.seconds / 359) < 0.01, "\(remaining)")
    }

    @Test func theRateIsSmoothedAcrossAStall() {
        var tracker = CatchUpTracker(threshold: .seconds(300), smoothing: .seconds(60))
        var position = Self.at(-10 * Self.day)
        var now = Self.now
        for _ in 0..<30 {
            _ = tracker.observe(position: position, now: now, caughtUp: false, firstRun: false)
            position = position.plus(.seconds(1000))
            now = now.plus(.seconds(10))
        }
        let before = try! #require(tracker.observe(position: position, now: now, caughtUp: false, firstRun: false).0.remaining)
        // One 10 s sample without progress (a rate-limit wait) slows the estimate, but not to "never".
        now = now.plus(.seconds(10))
        let after = try! #require(tracker.observe(position: position, now: now, caughtUp: false, firstRun: false).0.remaining)
        #expect(after > before)
        #expect(after < before * 2)
    }

    @Test func noEstimateWhileTheStreamDoesNotGainOnNow() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        var now = Self.now
        var position = Self.at(-Self.day)
        var last: CatchUpProgress?
        for _ in 0..<10 {
            last = tracker.observe(position: position, now: now, caughtUp: false, firstRun: false).0
            position = position.plus(.seconds(5))  // half a second of events per second
            now = now.plus(.seconds(10))
        }
        #expect(last?.remaining == nil)
        #expect(last?.logLine(source: "s", stream: "t").hasSuffix("time left not known yet") == true)
    }

    @Test func caughtUpIsRatioOneAndEndsTheCatchUpOnce() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        _ = tracker.observe(position: Self.at(-Self.day), now: Self.now, caughtUp: false, firstRun: true)
        let (done, event) = tracker.observe(position: Self.at(-20), now: Self.at(600), caughtUp: true, firstRun: false)
        #expect(done.ratio == 1)
        #expect(!done.catchingUp)
        #expect(event == .finished(started: Self.at(-Self.day), took: .seconds(600)))
        // Later observations within the threshold stay at 1 without another line.
        let (again, none) = tracker.observe(position: Self.at(500), now: Self.at(700), caughtUp: false, firstRun: false)
        #expect(again.ratio == 1)
        #expect(none == nil)
    }

    @Test func aQuietStreamWhoseCycleReachedTheEndIsCaughtUpHoweverOldItsNewestEvent() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        let (progress, event) = tracker.observe(position: Self.at(-30 * Self.day), now: Self.now, caughtUp: true, firstRun: false)
        #expect(progress.ratio == 1)
        #expect(event == nil)
        // Within the threshold is not a catch-up either.
        let (near, _) = tracker.observe(position: Self.at(-299), now: Self.now, caughtUp: false, firstRun: false)
        #expect(near.ratio == 1)
        #expect(!near.catchingUp)
    }

    @Test func progressLinesComeAtMostEveryThirtySeconds() {
        var tracker = CatchUpTracker(threshold: .seconds(300))
        var logged: [Int64] = []
        var position = Self.at(-10 * Self.day)
        // An observation every 4 s for 2 minutes.
        for second in stride(from: Int64(0), through: 120, by: 4) {
            if tracker.observe(position: position, now: Self.at(second), caughtUp: false, firstRun: true).1 == .progress {
                logged.append(second)
            }
            position = position.plus(.seconds(7200))
        }
        #expect(logged == [0, 32, 64, 96])
    }

    @Test func theLogLineNamesTheStreamShareWindowAndTimeLeft() {
        let progress = CatchUpProgress(started: Timestamp(parsing: "2026-11-29T00:00:00Z"), kind: .backfill,
                                       position: Timestamp(parsing: "2026-12-01T10:00:00Z")!, now: Timestamp(parsing: "2026-12-05T00:00:00Z")!,
                                       ratio: 0.42, remaining: .seconds(185))
        #expect(progress.logLine(source: "okta", stream: "logs")
            == "okta/logs: backfill 42% (2026-12-01T10:00:00Z of 2026-11-29T00:00:00Z→now), ~3m left")
        #expect(BriefDuration.text(45) == "45s")
        #expect(BriefDuration.text(3 * 3600) == "3h")
        #expect(BriefDuration.text(3 * 86_400) == "3d")
    }
}
