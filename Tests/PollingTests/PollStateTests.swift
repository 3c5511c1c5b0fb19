import Polling
import RelayCore
import Testing

@Suite struct PollStateTests {
    let t0 = Timestamp(parsing: "2026-03-01T12:00:00Z")!

    @Test func roundTripsEveryStreamWithOpaqueTokensKeptVerbatim() throws {
        let authentication = PollState(since: t0, watermark: .init(time: t0.minus(.seconds(3)), id: "evt-\"quoted\"-9"),
                                       window: .init(from: t0.minus(.seconds(3600)), to: t0, next: "1767225600000,af0c-11"),
                                       floor: t0.minus(.seconds(86_400)), lastSuccess: t0)
        let okta = PollState(since: t0, position: "https://x/api/v1/logs?after=a%2Fb&n=1152922976252290886")
        let cursor = SourceCursor(streams: ["authentication": authentication, "system_log": okta], sealedCredential: "c2VhbGVk")
        let decoded = try #require(SourceCursor(decoding: cursor.encoded, defaultStream: "authentication"))
        #expect(decoded == cursor)
        #expect(SourceCursor(decoding: SourceCursor().encoded, defaultStream: "x") == SourceCursor())
    }

    @Test func aVersionOneCursorIsTheDefaultStreamsState() throws {
        // What auditrelay before polling kit v2 committed: an upgrade resumes where it stopped.
        let v1 = #"{"v":1,"since":"2026-03-01T12:00:00Z","wm":{"t":"2026-03-01T11:59:00Z","id":"e9"},"win":{"from":"2026-03-01T11:00:00Z","to":"2026-03-01T12:00:00Z","next":"p2"}}"#
        let decoded = try #require(SourceCursor(decoding: v1, defaultStream: "audit_events"))
        #expect(decoded.streams.keys.sorted() == ["audit_events"])
        #expect(decoded.streams["audit_events"]?.window?.next == "p2")
        #expect(decoded.streams["audit_events"]?.watermark?.id == "e9")
    }

    @Test func rejectsAnythingElse() {
        #expect(SourceCursor(decoding: "0:/var/x:123", defaultStream: "s") == nil)  // a replay cursor
        #expect(SourceCursor(decoding: #"{"v":3,"streams":{}}"#, defaultStream: "s") == nil)
        #expect(SourceCursor(decoding: #"{"v":2}"#, defaultStream: "s") == nil)
        #expect(SourceCursor(decoding: #"{"v":2,"streams":{"a":{"since":"2026-03-01T12:00:00Z","win":{"from":"x"}}}}"#, defaultStream: "s") == nil)
        #expect(SourceCursor(decoding: #"{"v":2,"streams":{"a":{"since":"2026-03-01T12:00:00Z","pos":7}}}"#, defaultStream: "s") == nil)
        #expect(SourceCursor(decoding: #"{"v":1}"#, defaultStream: "s") == nil)
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
}
