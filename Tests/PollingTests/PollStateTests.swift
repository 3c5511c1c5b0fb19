import Polling
import RelayCore
import Testing

@Suite struct PollStateTests {
    let t0 = Timestamp(parsing: "2026-03-01T12:00:00Z")!

    @Test func roundTripsWithOpaqueTokensKeptVerbatim() throws {
        let state = PollState(since: t0, watermark: .init(time: t0.minus(.seconds(3)), id: "evt-\"quoted\"-9"),
                              window: .init(from: t0.minus(.seconds(3600)), to: t0, next: "https://x/events?cursor=a%2Fb&n=1152922976252290886"),
                              floor: t0.minus(.seconds(86_400)))
        let decoded = try #require(PollState(decoding: state.encoded))
        #expect(decoded == state)
        #expect(PollState(decoding: PollState(since: t0).encoded) == PollState(since: t0))
    }

    @Test func rejectsAnythingElse() {
        #expect(PollState(decoding: "0:/var/x:123") == nil)  // a replay cursor
        #expect(PollState(decoding: #"{"v":2,"since":"2026-03-01T12:00:00Z"}"#) == nil)
        #expect(PollState(decoding: #"{"v":1}"#) == nil)
        #expect(PollState(decoding: #"{"v":1,"since":"2026-03-01T12:00:00Z","win":{"from":"x"}}"#) == nil)
    }

    @Test func backfillIsADurationAnAbsoluteTimeOrNone() {
        #expect(Backfill("24h") == .duration(.seconds(86_400)))
        #expect(Backfill("2026-01-01T00:00:00Z") == .since(Timestamp(parsing: "2026-01-01T00:00:00Z")!))
        #expect(Backfill("none") == Backfill.none)
        #expect(Backfill("yesterday") == nil)
        #expect(Backfill("24h").map { $0.start(now: t0) } == t0.minus(.seconds(86_400)))
        #expect(Backfill("2099-01-01T00:00:00Z").map { $0.start(now: t0) } == t0)  // never in the future
    }

    @Test func aGapIsReportedOnlyBeyondRetention() {
        let retention = Duration.seconds(7 * 86_400)
        #expect(Gap.check(since: t0.minus(.seconds(86_400)), now: t0, retention: retention, firstRun: true) == nil)
        let gap = Gap.check(since: t0.minus(.seconds(10 * 86_400)), now: t0, retention: retention, firstRun: false)
        #expect(gap == Gap(from: t0.minus(.seconds(10 * 86_400)), to: t0.minus(retention).plus(Gap.safetyMargin), reason: .outageBeyondRetention))
        // Resuming where that gap ends is clean, even as the retention boundary moves on.
        #expect(Gap.check(since: t0.minus(retention).plus(Gap.safetyMargin), now: t0.plus(.seconds(299)), retention: retention, firstRun: false) == nil)
        #expect(Gap.check(since: .zero, now: t0, retention: retention, firstRun: true)?.reason == .backfillBeyondRetention)
    }

    @Test func memoryDedupeWindowIsBoundedAndForgetsTheOldest() async {
        let window = MemoryDedupeWindow(capacity: 3)
        await window.record(source: "s", ids: ["a", "b", "c"])
        #expect(await window.contains(source: "s", ids: ["a", "b", "c", "d"]) == [true, true, true, false])
        #expect(await window.contains(source: "other", ids: ["a"]) == [false])
        await window.record(source: "s", ids: ["d", "e"])
        #expect(await window.contains(source: "s", ids: ["a", "b", "c", "d", "e"]) == [false, false, true, true, true])
        #expect(await window.count(source: "s") == 3)
    }

    @Test func noDedupeWindowPassesEverythingThrough() async {
        let window = NoDedupeWindow()
        await window.record(source: "s", ids: ["a"])
        #expect(await window.contains(source: "s", ids: ["a", "b"]) == [false, false])
    }
}
