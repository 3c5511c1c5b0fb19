import Foundation
import Polling
import RelayCore
import Testing

/// Polling kit v2: several streams per source, resumable positions, our share of the vendor's
/// rate limit, rejected stored cursors, rotated refresh tokens.
@Suite struct PollerV2Tests {
    typealias Support = PollerTests

    @Test func eachStreamKeepsItsOwnStateAndTheyTakeTurnsOnOneBudget() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, _ in
            let auth = request.url.contains("/authentication?")
            if Support.query(request)["page"] == nil {
                return json(auth ? #"{"items":[{"id":"a1","ts":"2026-03-01T11:10:00Z"}],"next":"a-p2"}"#
                                 : #"{"items":[{"id":"d1","ts":"2026-03-01T11:20:00Z"}],"next":""}"#)
            }
            return json(#"{"items":[{"id":"a2","ts":"2026-03-01T11:30:00Z"}]}"#)
        }
        // One request a second for the whole source: the second stream's first request waits.
        let settings = Support.settings { $0.requestsPerSecond = 1; $0.burst = 1 }
        let poller = Poller(streams: [FakeAPI(stream: "authentication"), FakeAPI(stream: "administrator")], settings: settings,
                            authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let first = try #require(try await poller.nextPage(after: nil))
        let second = try #require(try await poller.nextPage(after: first.cursor))
        let third = try #require(try await poller.nextPage(after: second.cursor))
        #expect([first.stream, second.stream, third.stream] == ["authentication", "administrator", "authentication"])
        #expect(http.requests.map { URLParts($0.url)?.path ?? "" } == ["/authentication", "/administrator", "/authentication"])
        #expect(clock.sleeps.filter { $0 > .zero }.count == 2)  // the shared bucket paced requests 2 and 3
        let cursor = try #require(third.cursor.flatMap { SourceCursor(decoding: $0, defaultStream: "authentication") })
        #expect(cursor.streams["authentication"]?.watermark?.id == "a2")
        #expect(cursor.streams["authentication"]?.window == nil)
        #expect(cursor.streams["administrator"]?.watermark?.id == "d1")
        #expect(cursor.streams["administrator"]?.since == Timestamp(parsing: "2026-03-01T11:59:00Z"))
        // Both caught up: nothing until the interval passes.
        #expect(try await poller.nextPage(after: third.cursor) == nil)
    }

    @Test func aStreamCanHaveItsOwnLagAndLookback() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { _, _ in json(#"{"items":[]}"#) }
        var settings = Support.settings { $0.backfill = .duration(.seconds(600)) }
        settings.streamTimings["administrator"] = .init(lag: .seconds(300), lookback: .seconds(3600))
        let poller = Poller(streams: [FakeAPI(stream: "authentication"), FakeAPI(stream: "administrator")], settings: settings,
                            authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        var cursor = try #require(try await poller.nextPage(after: nil)).cursor
        cursor = try #require(try await poller.nextPage(after: cursor)).cursor
        #expect(Support.query(http.requests[0])["to"] == "2026-03-01T11:59:00Z")  // the source's lag: 1m
        #expect(Support.query(http.requests[1])["to"] == "2026-03-01T11:55:00Z")  // its own: 5m
        clock.advance(.seconds(600))
        _ = try await poller.nextPage(after: cursor)
        _ = try await poller.nextPage(after: try #require(cursor))
        let windows = http.requests.suffix(2).map { Support.query($0) }
        #expect(windows.contains { $0["from"] == "2026-03-01T11:54:00Z" })  // since 11:59 − lookback 5m
        #expect(windows.contains { $0["from"] == "2026-03-01T11:50:00Z" })  // since 11:55 − 1h, clamped to the backfill start
    }

    @Test func aResumableStreamKeepsTheVendorsPositionAcrossCycles() async throws {
        let clock = ManualClock()
        let position = "https://fake.example.com/log?after=p7"
        let http = ScriptedHTTP { request, index in
            switch index {
            case 0:  // the first request names where to start; a full page
                return json(200, #"{"items":[{"id":"1","ts":"2026-03-01T11:10:00Z"},{"id":"2","ts":"2026-03-01T11:11:00Z"}]}"#,
                            headers: [("Link", #"<https://fake.example.com/log?after=p2>; rel="next""#)])
            case 1:  // a short page ends the cycle; its next link is the position to resume at
                return json(200, #"{"items":[{"id":"3","ts":"2026-03-01T11:12:00Z"}]}"#, headers: [("Link", "<\(position)>; rel=\"next\"")])
            default:  // Okta polling: the next link equals the request: nothing new
                return json(200, "{\"items\":[]}", headers: [("Link", "<\(request.url)>; rel=\"next\"")])
            }
        }
        let api = FakeAPI(stream: "log", progress: .resumable, paging: .linkHeader(endsWhenRepeated: true))
        let poller = Poller(api: api, settings: Support.settings { $0.pageSize = 2 }, authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let first = try #require(try await poller.nextPage(after: nil))
        let second = try #require(try await poller.nextPage(after: first.cursor))
        #expect(second.events.count == 1)
        let state = try #require(second.cursor.flatMap { Support.state($0, stream: "log") })
        #expect(state.position == position)
        #expect(try await poller.nextPage(after: second.cursor) == nil)  // cycle done: rest for the interval
        clock.advance(.seconds(60))
        // A restarted process resumes at the stored position, not at a time.
        let restarted = Poller(api: api, settings: Support.settings { $0.pageSize = 2 }, authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let third = try #require(try await restarted.nextPage(after: second.cursor))
        #expect(http.requests[2].url == position)
        #expect(third.events.isEmpty)
        #expect(try await restarted.nextPage(after: third.cursor) == nil)
        #expect(http.requests.count == 3)
    }

    @Test func ourShareOfTheVendorsReportedLimitIsNeverExceededAndCountedApartFrom429s() async throws {
        let clock = ManualClock()
        let reset = clock.now().plus(.seconds(60)).microseconds / 1_000_000
        let sent = LockedBox<[Int]>([])
        let http = ScriptedHTTP { request, index in
            sent.append(index)
            // Other integrations use the same token: 10 a minute, 2 already used when we start.
            let remaining = max(0, 8 - index - 1)
            return json(200, #"{"items":[{"id":"\#(index)","ts":"2026-03-01T11:10:00Z"}],"next":"p\#(index + 1)"}"#,
                        headers: [("X-Rate-Limit-Limit", "10"), ("X-Rate-Limit-Remaining", "\(remaining)"), ("X-Rate-Limit-Reset", "\(reset)")])
        }
        let poller = Poller(api: FakeAPI(), settings: Support.settings { $0.rateShare = 0.5 }, authenticator: StaticTokenAuth(token: Secret("t")),
                            http: http, clock: clock)
        var cursor: String?
        for _ in 0..<6 {
            cursor = try #require(try await poller.nextPage(after: cursor)).cursor
        }
        // 5 requests (50 % of 10) in the period, then a wait for its reset before the 6th.
        let metrics = poller.metrics.snapshot()
        #expect(metrics.rateShareWaits == 1)
        #expect(metrics.rateLimitWaits == 0)
        #expect(clock.sleeps.contains { $0 >= .seconds(59) && $0 <= .seconds(61) }, "\(clock.sleeps)")
        #expect(sent.value.count == 6)
    }

    @Test func aStoredCursorTheVendorRejectsFallsBackToTheWatermarkOnce() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, _ in
            if Support.query(request)["page"] == "expired" { return json(400, #"{"error":"invalid page token"}"#) }
            return json(#"{"items":[{"id":"n1","ts":"2026-03-01T11:40:00Z"}]}"#)
        }
        let logs = LogLines()
        let poller = Poller(api: FakeAPI(), settings: Support.settings(), authenticator: StaticTokenAuth(token: Secret("t")), http: http,
                            clock: clock, logger: logs.logger)
        let stored = PollState(since: Timestamp(parsing: "2026-03-01T11:00:00Z")!, watermark: .init(time: Timestamp(parsing: "2026-03-01T11:30:00Z")!, id: "w"),
                               window: .init(from: Timestamp(parsing: "2026-03-01T10:55:00Z")!, to: Timestamp(parsing: "2026-03-01T11:59:00Z")!, next: "expired"))
        let page = try #require(try await poller.nextPage(after: SourceCursor(streams: ["events": stored]).encoded))
        #expect(http.requests.count == 2)
        #expect(Support.query(http.requests[1]) == ["from": "2026-03-01T11:25:00Z", "to": "2026-03-01T11:59:00Z"])  // watermark − lookback
        #expect(page.events.count == 1)
        #expect(poller.metrics.snapshot().cursorFallbacks == 1)
        #expect(logs.lines.contains { $0.hasPrefix("warning") && $0.contains("rejected the stored cursor") })

        // A fresh request (no stored token) that fails the same way is an error, not another fallback.
        let failing = Poller(api: FakeAPI(), settings: Support.settings(), authenticator: StaticTokenAuth(token: Secret("t")),
                             http: ScriptedHTTP { _, _ in json(400, #"{"error":"bad"}"#) }, clock: clock)
        await #expect(throws: PollError.self) { _ = try await failing.nextPage(after: nil) }
        #expect(failing.metrics.snapshot().cursorFallbacks == 0)
    }

    @Test func aNewestFirstWindowRestartsFromItsStartWhenItsTokenIsRejected() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, _ in
            Support.query(request)["page"] == "expired" ? json(410, "{}") : json(#"{"items":[]}"#)
        }
        let poller = Poller(api: FakeAPI(progress: .windows(order: .newestFirst)), settings: Support.settings(),
                            authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let stored = PollState(since: Timestamp(parsing: "2026-03-01T11:00:00Z")!, watermark: .init(time: Timestamp(parsing: "2026-03-01T11:50:00Z")!, id: "w"),
                               window: .init(from: Timestamp(parsing: "2026-03-01T10:55:00Z")!, to: Timestamp(parsing: "2026-03-01T11:59:00Z")!, next: "expired"))
        _ = try #require(try await poller.nextPage(after: SourceCursor(streams: ["events": stored]).encoded))
        // The newest event says nothing about the older ones still missing: the whole window again.
        #expect(Support.query(http.requests[1])["from"] == "2026-03-01T10:55:00Z")
    }

    @Test func aRotatedRefreshTokenIsPersistedSealedWithTheCursorAndUsedAfterARestart() async throws {
        let clock = ManualClock()
        // The vendor rotates on every grant and revokes the token it was sent.
        let valid = LockedBox<[String]>(["rt-configured"])
        let http = ScriptedHTTP { request, index in
            if request.url.hasSuffix("/token") {
                let sent = formFields(request)["refresh_token"] ?? ""
                guard valid.value.last == sent else { return json(400, #"{"error":"invalid_grant"}"#) }
                valid.append("rt-\(index)")
                return json(#"{"access_token":"at-\#(index)","expires_in":3600,"refresh_token":"rt-\#(index)"}"#)
            }
            return json(#"{"items":[{"id":"e\#(index)","ts":"2026-03-01T11:10:00Z"}],"next":"p\#(index)"}"#)
        }
        func makePoller() -> Poller {
            let refresh = RotatingRefreshToken(configured: Secret("rt-configured"), sealingSecret: Secret("client-secret"), sourceID: "fake-1")
            let grant = OAuth2.RefreshGrant(tokenURL: "https://fake.example.com/token", clientID: "c", authentication: .secretPost(Secret("client-secret")),
                                            refreshToken: refresh)
            return Poller(api: FakeAPI(), settings: Support.settings(),
                          authenticator: CachedBearerAuth(cache: TokenCache(fetch: grant.cacheFetch), redactions: [], rotatingRefreshToken: refresh),
                          http: http, clock: clock)
        }
        let first = try #require(try await makePoller().nextPage(after: nil))
        let committed = try #require(first.cursor)
        #expect(SourceCursor(decoding: committed, defaultStream: "events")?.sealedCredential != nil)
        #expect(!committed.contains("rt-0"))  // sealed, never the token itself
        // A restart with the (now revoked) configured token: the committed one is used instead.
        let restarted = makePoller()
        let second = try #require(try await restarted.nextPage(after: committed))
        #expect(second.events.count == 1)
        let grants = http.requests.filter { $0.url.hasSuffix("/token") }.map { formFields($0)["refresh_token"] ?? "" }
        #expect(grants == ["rt-configured", "rt-0"])
    }
}
