import Polling
import RelayCore
import Testing

@Suite struct RateLimiterTests {
    let now = Timestamp(parsing: "2026-03-01T12:00:00Z")!

    @Test func tokenBucketAllowsABurstThenPacesAtTheRate() {
        var bucket = TokenBucket(ratePerSecond: 2, burst: 3)
        #expect((0..<3).map { _ in bucket.reserve(at: now) } == [.zero, .zero, .zero])
        #expect(bucket.reserve(at: now) == .milliseconds(500))
        #expect(bucket.reserve(at: now) == .seconds(1))  // queued behind the previous reservation
        var idle = TokenBucket(ratePerSecond: 2, burst: 3)
        _ = idle.reserve(at: now)
        #expect(idle.reserve(at: now.plus(.seconds(10))) == .zero)  // refilled, capped at the burst
        #expect(idle.reserve(at: now.plus(.seconds(10))) == .zero)
        #expect(idle.reserve(at: now.plus(.seconds(10))) == .zero)
        #expect(idle.reserve(at: now.plus(.seconds(10))) == .milliseconds(500))
    }

    @Test func retryAfterInSecondsAndInEveryHTTPDateFormat() {
        #expect(RetryTiming.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryTiming.parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now: now) == .seconds(30))  // IMF-fixdate
        #expect(RetryTiming.parseRetryAfter("Sunday, 01-Mar-26 12:01:00 GMT", now: now) == .seconds(60))  // RFC 850
        #expect(RetryTiming.parseRetryAfter("Sun Mar  1 12:00:05 2026", now: now) == .seconds(5))  // asctime
        #expect(RetryTiming.parseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", now: now) == .zero)  // in the past
        #expect(RetryTiming.parseRetryAfter("soon", now: now) == nil)
    }

    @Test func serverWaitsFromRetryAfterOrResetHeadersAreCapped() {
        let timing = RetryTiming()
        #expect(timing.serverRequestedWait(HTTPResponse(status: 429, headers: [("Retry-After", "7")]), now: now) == .seconds(7))
        let epoch = now.microseconds / 1_000_000
        // Okta's X-Rate-Limit-Reset and GitHub's X-RateLimit-Reset are epoch seconds.
        #expect(timing.serverRequestedWait(HTTPResponse(status: 429, headers: [("X-Rate-Limit-Reset", "\(epoch + 42)")]), now: now) == .seconds(42))
        #expect(timing.serverRequestedWait(HTTPResponse(status: 403, headers: [("x-ratelimit-reset", "\(epoch + 3)")]), now: now) == .seconds(3))
        #expect(timing.serverRequestedWait(HTTPResponse(status: 429, headers: [("Retry-After", "86400")]), now: now) == .seconds(900))
        #expect(timing.serverRequestedWait(HTTPResponse(status: 503), now: now) == nil)
    }

    @Test func backoffDoublesWithJitterUpToTheCap() {
        let timing = RetryTiming()
        #expect(timing.backoff(failure: 1, unit: 0) == .milliseconds(500))
        #expect(timing.backoff(failure: 1, unit: 1) == .seconds(1))
        #expect(timing.backoff(failure: 4, unit: 1) == .seconds(8))
        #expect(timing.backoff(failure: 4, unit: 0) == .seconds(4))
        #expect(timing.backoff(failure: 30, unit: 1) == .seconds(60))
        #expect(timing.backoff(failure: 1000, unit: 0.5) == .seconds(45))
    }

    @Test func aRollingWindowNeverHoldsMoreThanOurShareWhereverItIsPlaced() {
        // Vault: 40 calls per rolling 5 minutes, we take half. A fixed 5-minute grid would allow 20
        // at the end of one period and 20 more at the start of the next, all inside one window.
        var share = RateShare(share: 0.5)
        let window = Duration.seconds(300)
        var clock = now
        var sent: [Timestamp] = []
        for index in 0..<120 {
            let wait = share.reserve(at: clock)
            clock = clock.plus(wait)
            sent.append(clock)
            // Now and then the other integrations have used up the rest.
            let ours = sent.filter { $0.plus(window) > clock }.count
            share.observe(RateLimitReport(limit: 40, remaining: index % 13 == 5 ? 0 : 40 - min(40, ours), rollingWindow: window), now: clock)
            clock = clock.plus(.seconds(index % 7 == 0 ? 9 : 1))  // uneven gaps between pages
        }
        for (index, start) in sent.enumerated() {
            let inWindow = sent[index...].prefix { $0 < start.plus(window) }.count
            #expect(inWindow <= 20, "\(inWindow) sends in the window from \(start): \(sent[index...].prefix(22).map { $0.duration(since: start) })")
        }
        // And the share is used, not wasted: 120 sends take about 6 windows (plus the looks
        // again after a tenth of one when nothing was left), not 12.
        #expect(sent[119].duration(since: sent[0]) < .seconds(6 * 300 + 10 * 30 + 60))
    }

    @Test func aRollingWindowOthersUsedUpIsLookedAtAgainAfterATenthOfIt() {
        var share = RateShare(share: 0.5)
        #expect(share.reserve(at: now) == .zero)
        share.observe(RateLimitReport(limit: 40, remaining: 0, rollingWindow: .seconds(300)), now: now)
        #expect(share.reserve(at: now.plus(.seconds(1))) == .seconds(30))
        share.observe(RateLimitReport(limit: 40, remaining: 12, rollingWindow: .seconds(300)), now: now.plus(.seconds(31)))
        #expect(share.reserve(at: now.plus(.seconds(32))) == .zero)
    }
}
