import Foundation
import Logging
import Polling
import RelayCore
import Testing

/// A minimal vendor: `GET /events?from&to[&page]` -> `{"items":[{"id","ts"}],"next":"…"}`.
struct FakeAPI: VendorAPI {
    var sourceType: String { "fake" }
    var stream = "events"
    var progress: StreamProgress = .windows
    var permissionHint: String { "the token lacks the \"Read events\" permission" }
    var eventsPath: [String] { ["items"] }
    var idPath: [String] { ["id"] }
    var timePath: [String] { ["ts"] }
    var paging: Paging = .bodyToken([["next"]])

    func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
        var query = "from=\(window.from)&to=\(window.to)"
        if let pageToken { query += "&page=\(pageToken)" }
        return HTTPRequest(url: "https://fake.example.com/\(stream)?\(query)")
    }
}

@Suite struct PollerTests {
    static func settings(_ configure: (inout PollSettings) -> Void = { _ in }) -> PollSettings {
        var settings = PollSettings(id: "fake-1", baseURL: "https://fake.example.com", defaults: VendorDefaults(
            backfill: .duration(.seconds(3600)), retention: .seconds(7 * 86_400), lag: .seconds(60), lookback: .seconds(300),
            pageSize: 100, requestsPerSecond: 100, burst: 10))
        configure(&settings)
        return settings
    }

    /// The state of `stream` in a committed cursor.
    static func state(_ cursor: String, stream: String = "events") -> PollState? {
        SourceCursor(decoding: cursor, defaultStream: stream)?.streams[stream]
    }

    static func query(_ request: HTTPRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for item in URLParts(request.url)?.queryItems ?? [] { fields[item.name] = item.value }
        return fields
    }

    @Test func asksForTheBackfillWindowUpToNowMinusLagAndPagesToTheEnd() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, index in
            index == 0 ? json(#"{"items":[{"id":"a","ts":"2026-03-01T11:10:00Z"},{"id":"b","ts":"2026-03-01T11:20:00Z"}],"next":"p2"}"#)
                       : json(#"{"items":[{"id":"c","ts":"2026-03-01T11:30:00Z"}],"next":""}"#)
        }
        let poller = Poller(api: FakeAPI(), settings: Self.settings(), authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let first = try #require(try await poller.nextPage(after: nil))
        #expect(Self.query(http.requests[0]) == ["from": "2026-03-01T11:00:00Z", "to": "2026-03-01T11:59:00Z"])  // backfill 1h (lookback never reaches before it); now − lag 1m
        #expect(first.events.count == 2)
        let second = try #require(try await poller.nextPage(after: first.cursor))
        #expect(Self.query(http.requests[1])["page"] == "p2")
        let state = try #require(second.cursor.flatMap { Self.state($0) })
        #expect(state.window == nil)
        #expect(state.since == Timestamp(parsing: "2026-03-01T11:59:00Z"))
        #expect(state.watermark == .init(time: Timestamp(parsing: "2026-03-01T11:30:00Z")!, id: "c"))
        // Caught up: nothing until the interval has passed.
        #expect(try await poller.nextPage(after: second.cursor) == nil)
        #expect(http.requests.count == 2)
        clock.advance(.seconds(60))
        _ = try await poller.nextPage(after: second.cursor)
        #expect(Self.query(http.requests[2])["from"] == "2026-03-01T11:54:00Z")  // since − lookback
    }

    @Test func linkHeaderPagingIsFollowedWithCredentialsOnlyOnTheSameOrigin() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, index in
            switch index {
            case 0: return json(200, #"{"items":[{"id":"a","ts":"2026-03-01T11:10:00Z"}]}"#,
                                headers: [("Link", #"<https://fake.example.com/events?after=a>; rel="next""#)])
            case 1: return json(200, #"{"items":[{"id":"b","ts":"2026-03-01T11:20:00Z"}]}"#,
                                headers: [("Link", #"<https://elsewhere.example.net/events?after=b>; rel="next""#)])
            default: return json("{}")
            }
        }
        let poller = Poller(api: FakeAPI(paging: .linkHeader), settings: Self.settings(), authenticator: StaticTokenAuth(token: Secret("t0k")), http: http, clock: clock)
        let first = try #require(try await poller.nextPage(after: nil))
        #expect(first.cursor.flatMap { Self.state($0) }?.window?.next == "https://fake.example.com/events?after=a")
        do {
            _ = try await poller.nextPage(after: first.cursor)
            Issue.record("a next link to another host was accepted")
        } catch let error as PollError {
            #expect(error.reason == "unsafe_next_link")
            #expect(error.needsOperator)
        }
        #expect(http.requests[1].url == "https://fake.example.com/events?after=a")  // followed verbatim
        #expect(http.requests[1].header("Authorization") == "Bearer t0k")
        #expect(http.requests.count == 2)  // nothing was ever sent to elsewhere.example.net
    }

    @Test func backfillNoneFetchesNoHistoryButEverythingAfterTheFirstPoll() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { _, _ in json(#"{"items":[{"id":"late","ts":"2026-03-01T12:00:30Z"}]}"#) }
        let poller = Poller(api: FakeAPI(), settings: Self.settings { $0.backfill = .none }, authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        let anchor = try #require(try await poller.nextPage(after: nil))
        #expect(anchor.events.isEmpty)
        #expect(http.requests.isEmpty)
        #expect(anchor.cursor.flatMap { Self.state($0) }?.since == Timestamp(parsing: "2026-03-01T12:00:00Z"))
        #expect(try await poller.nextPage(after: anchor.cursor) == nil)  // now − lag is still before the start
        clock.advance(.seconds(180))
        _ = try #require(try await poller.nextPage(after: anchor.cursor))
        #expect(Self.query(http.requests[0]) == ["from": "2026-03-01T12:00:00Z", "to": "2026-03-01T12:02:00Z"])
    }

    @Test func backfillBeyondRetentionYieldsAGapPageFirst() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { _, _ in json(#"{"items":[]}"#) }
        let logs = LogLines()
        let poller = Poller(api: FakeAPI(), settings: Self.settings { $0.backfill = .duration(.seconds(30 * 86_400)) },
                            authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock, logger: logs.logger)
        let gap = try #require(try await poller.nextPage(after: nil))
        #expect(gap.stream == GapEvent.stream)
        #expect(gap.sourceType == "fake")
        let event = String(decoding: gap.body, as: UTF8.self)
        #expect(event.contains(#""from":"2026-01-30T12:00:00Z","to":"2026-02-22T12:05:00Z","reason":"backfill_beyond_retention""#), "\(event)")
        #expect(http.requests.isEmpty)
        #expect(poller.metrics.snapshot().gaps == 1)
        #expect(logs.lines.contains { $0.contains("recording a gap") })
        clock.advance(.seconds(1))  // time moves on: the boundary must not produce another gap
        let page = try #require(try await poller.nextPage(after: gap.cursor))
        #expect(page.stream == "events")
        #expect(Self.query(http.requests[0])["from"] == "2026-02-22T12:05:01Z")  // since − lookback, clamped to the retention floor plus the gap margin
        #expect(poller.metrics.snapshot().gaps == 1)
    }

    @Test func anExpiredTokenIsRenewedOnceThenAPersistent401IsAPermissionError() async throws {
        let clock = ManualClock()
        let fetches = LockedBox<[String]>([])
        let cache = TokenCache { _ in
            fetches.append("x")
            return IssuedToken(accessToken: Secret("tok-\(fetches.value.count)"), expiresIn: .seconds(3600))
        }
        let http = ScriptedHTTP { request, index in
            request.header("Authorization") == "Bearer tok-2" ? json(#"{"items":[]}"#) : json(401, #"{"error":"expired"}"#)
        }
        let logs = LogLines()
        let poller = Poller(api: FakeAPI(), settings: Self.settings(), authenticator: CachedBearerAuth(cache: cache, redactions: []),
                            http: http, clock: clock, logger: logs.logger)
        _ = try await poller.nextPage(after: nil)
        #expect(fetches.value.count == 2)
        #expect(poller.metrics.snapshot().tokenRefreshes == 1)

        let denied = Poller(api: FakeAPI(), settings: Self.settings(), authenticator: StaticTokenAuth(token: Secret("static-secret")),
                            http: ScriptedHTTP { _, _ in json(403, "{}") }, clock: clock, logger: logs.logger)
        for _ in 0..<3 {
            await #expect(throws: PollError.self) { _ = try await denied.nextPage(after: nil) }
        }
        #expect(logs.lines.filter { $0.contains("fake: the token lacks the \"Read events\" permission") }.count == 1)
        #expect(!logs.lines.joined().contains("static-secret"))
    }

    @Test func aClientErrorQuotesTheServerWithoutTheTokenItEchoes() async throws {
        let cache = TokenCache { _ in IssuedToken(accessToken: Secret("opaque-access-token-77"), expiresIn: nil) }
        let http = ScriptedHTTP { _, _ in json(400, #"{"message":"filter invalid for token opaque-access-token-77"}"#) }
        let poller = Poller(api: FakeAPI(), settings: Self.settings(), authenticator: CachedBearerAuth(cache: cache, redactions: ["client-secret-1"]),
                            http: http, clock: ManualClock())
        do {
            _ = try await poller.nextPage(after: nil)
            Issue.record("expected an error")
        } catch let error as PollError {
            #expect(!error.isRetryable)
            #expect("\(error)".contains("answered HTTP 400: {\"message\":\"filter invalid for token <redacted>"), "\(error)")
            #expect(!"\(error)".contains("opaque-access-token-77"))
        }
        #expect(http.requests.count == 1)  // a 400 is not retried
    }

    @Test func transientFailuresBackOffOnTheInjectedClockThenGiveUpWithAdvice() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { _, _ in json(500, "{}") }
        let poller = Poller(api: FakeAPI(), settings: Self.settings { $0.maxAttempts = 4 }, authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock)
        do {
            _ = try await poller.nextPage(after: nil)
            Issue.record("expected an error")
        } catch let error as PollError {
            #expect(error.isRetryable)
            #expect(error.httpStatus == 500)
        }
        #expect(http.requests.count == 4)
        let waits = clock.sleeps
        #expect(waits.count == 3)
        #expect(zip([1.0, 2.0, 4.0], waits).allSatisfy { ceiling, wait in wait >= .seconds(ceiling / 2) && wait <= .seconds(ceiling) })
    }
}

final class LogLines: @unchecked Sendable {
    private let box = LockedBox<[String]>([])
    var lines: [String] { box.value }
    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(box: self.box) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let box: LockedBox<[String]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            box.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
