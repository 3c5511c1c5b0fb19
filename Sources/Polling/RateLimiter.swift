import Foundation
import RelayCore

/// A client-side token bucket: at most `burst` requests at once, refilled at `rate` per second.
/// A value type driven by explicit times, so the wait computation is tested without sleeping.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: Timestamp?

    public init(ratePerSecond: Double, burst: Int) {
        self.rate = max(ratePerSecond, 0.001)
        self.burst = Double(max(burst, 1))
        self.tokens = Double(max(burst, 1))
    }

    /// Takes one token at `now` and returns how long the caller must wait before sending
    /// (zero when a token was available). Waiting callers queue up: each one reserves a token.
    public mutating func reserve(at now: Timestamp) -> Duration {
        if let updated {
            let elapsed = max(0, Double(now.microseconds - updated.microseconds) / 1_000_000)
            tokens = min(burst, tokens + elapsed * rate)
        }
        updated = now
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .microseconds(Int64((-tokens / rate * 1_000_000).rounded(.up)))
    }
}

/// How long to wait before retrying a request, from the response (429/503 `Retry-After` in
/// seconds or as an HTTP date; `X-Rate-Limit-Reset`/`X-RateLimit-Reset` epoch seconds) or, for 5xx
/// and network errors, capped exponential backoff with jitter.
public struct RetryTiming: Sendable {
    public var initialBackoff: Duration = .seconds(1)
    public var maximumBackoff: Duration = .seconds(60)
    /// Server-requested waits longer than this are cut to it (and the cut is logged by the poller):
    /// a bogus reset header must not stall a source for a day.
    public var maximumServerWait: Duration = .seconds(900)

    public init() {}

    /// The wait a response asks for, or nil when it names none.
    public func serverRequestedWait(_ response: HTTPResponse, now: Timestamp) -> Duration? {
        if let value = response.header("retry-after"), let wait = Self.parseRetryAfter(value, now: now) {
            return min(wait, maximumServerWait)
        }
        for name in ["x-ratelimit-reset", "x-rate-limit-reset"] {
            guard let value = response.header(name)?.trimmingCharacters(in: .whitespaces), let number = Double(value) else { continue }
            // An epoch time (what Okta, GitHub and ServiceNow send); small values are delta seconds.
            let seconds = number > 1_000_000_000 ? number - now.secondsSinceEpoch : number
            return min(.milliseconds(Int64(max(0, seconds) * 1000)), maximumServerWait)
        }
        return nil
    }

    /// The n-th (1-based) consecutive failure's backoff: uniformly random in [ceiling/2, ceiling]
    /// where ceiling = min(maximum, initial * 2^(n-1)). `unit` is a random number in [0, 1].
    public func backoff(failure: Int, unit: Double) -> Duration {
        let exponent = Double(min(max(failure - 1, 0), 30))
        let ceiling = min(maximumBackoff.seconds, initialBackoff.seconds * pow(2, exponent))
        let seconds = ceiling / 2 + ceiling / 2 * min(max(unit, 0), 1)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// `Retry-After`: delta seconds, or an HTTP date (IMF-fixdate, RFC 850 or asctime).
    public static func parseRetryAfter(_ value: String, now: Timestamp) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(text) { return .seconds(max(0, seconds)) }
        guard let date = HTTPDate.parse(text) else { return nil }
        let delta = date.microseconds - now.microseconds
        return .microseconds(max(0, delta))
    }
}

/// The three date formats RFC 9110 §5.6.7 requires recipients to accept.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    public static func parse(_ text: String) -> Timestamp? {
        // Drop the weekday: "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
        // "Sun Nov  6 08:49:37 1994".
        let parts = text.replacingOccurrences(of: "-", with: " ").split(separator: " ").map(String.init)
        var day: Int?, month: Int?, year: Int?, clock: [Int]?
        for part in parts.dropFirst() {
            let lowered = part.lowercased()
            if let index = months.firstIndex(of: String(lowered.prefix(3))), lowered.count >= 3, Int(lowered) == nil {
                month = index + 1
            } else if part.contains(":") {
                let pieces = part.split(separator: ":").compactMap { Int($0) }
                if pieces.count == 3 { clock = pieces }
            } else if let number = Int(part) {
                if day == nil && number <= 31 && part.count <= 2 { day = number } else { year = number }
            }
        }
        guard let day, let month, var year, let clock else { return nil }
        if year < 100 { year += year < 70 ? 2000 : 1900 }
        let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, clock[0], clock[1], clock[2])
        return Timestamp(parsing: text)
    }
}

/// What a vendor says about its rate limit in a response: the limit for the current period, what
/// is left of it (for every client of the token or org, not just us), and when it resets, or,
/// for a limit over a rolling window (Veeva Vault's 5-minute burst limit), how long that window is.
public struct RateLimitReport: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    public var reset: Timestamp?
    /// A rolling window: every call counts for this long after it was made, so there is no reset
    /// instant and our share is counted over the last `rollingWindow` instead of per period.
    public var rollingWindow: Duration?

    public init(limit: Int, remaining: Int, reset: Timestamp?) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }

    public init(limit: Int, remaining: Int, rollingWindow: Duration) {
        self.limit = limit
        self.remaining = remaining
        self.rollingWindow = rollingWindow
    }

    /// `X-Rate-Limit-Limit/-Remaining/-Reset` (Okta) or `X-RateLimit-…` (GitHub, OneLogin,
    /// ServiceNow). A reset above 10^9 is epoch seconds, a smaller one seconds from now.
    public static func standardHeaders(_ response: HTTPResponse, now: Timestamp) -> RateLimitReport? {
        for prefix in ["x-rate-limit-", "x-ratelimit-"] {
            guard let limit = response.header(prefix + "limit").flatMap({ Int($0.trimmingASCIIWhitespace()) }),
                  let remaining = response.header(prefix + "remaining").flatMap({ Int($0.trimmingASCIIWhitespace()) }), limit > 0 else { continue }
            let reset = response.header(prefix + "reset").flatMap { Double($0.trimmingASCIIWhitespace()) }.map { value in
                value > 1_000_000_000 ? Timestamp(microseconds: Int64(value * 1_000_000)) : now.plus(.milliseconds(Int64(max(0, value) * 1000)))
            }
            return RateLimitReport(limit: limit, remaining: max(0, remaining), reset: reset)
        }
        return nil
    }
}

/// Our share of a vendor's reported rate limit (`rateShare`, default 50%): within one reset
/// period (or any stretch of a rolling window) we send at most `share × limit` requests, and none
/// once the vendor reports nothing left, so the SIEM poller never starves the customer's other
/// integrations on the same token or org, and never runs into a 429 it could see coming. A value
/// type driven by explicit times.
public struct RateShare: Sendable {
    public let share: Double
    private var report: RateLimitReport?
    /// Requests we sent in the period the last report describes.
    private var sentInPeriod = 0
    /// For a rolling window: when each of our requests in it was (or will be, after its wait)
    /// sent, oldest first. Holds at most the budget, since a request past it waits for the oldest.
    private var sendTimes: [Timestamp] = []

    public init(share: Double) { self.share = min(max(share, 0.01), 1) }

    private func budget(_ report: RateLimitReport) -> Int { max(1, Int((Double(report.limit) * share).rounded(.down))) }

    /// How long to wait before the next request at `now` (zero: go ahead), counting it as sent.
    public mutating func reserve(at now: Timestamp) -> Duration {
        if let report, let window = report.rollingWindow { return reserveInRollingWindow(window, report: report, at: now) }
        guard let report, let reset = report.reset, now < reset else {
            sentInPeriod += 1
            if report == nil {
                // Before the first answer it is unknown whether the limit rolls: keep the times
                // (a bounded few) so a rolling window counts the requests sent before it was known.
                sendTimes.append(now)
                if sendTimes.count > 64 { sendTimes.removeFirst() }
            }
            return .zero
        }
        if sentInPeriod >= budget(report) || report.remaining <= 0 {
            // Wait for the new period; the request after the wait is the first of it.
            self.report = nil
            sentInPeriod = 1
            return reset.duration(since: now) + .milliseconds(250)
        }
        sentInPeriod += 1
        return .zero
    }

    /// A fixed grid of periods would let two budgets land in one stretch of a rolling window (the
    /// end of one period and the start of the next), so what counts is our sends in the window
    /// that ends at the send itself.
    private mutating func reserveInRollingWindow(_ window: Duration, report: RateLimitReport, at now: Timestamp) -> Duration {
        sendTimes.removeAll { $0.plus(window) <= now }
        var sendAt = now
        if sendTimes.count >= budget(report) {
            // Our share is in use: go when our oldest send in the window leaves it.
            sendAt = sendTimes[sendTimes.count - budget(report)].plus(window + .milliseconds(250))
        } else if report.remaining <= 0 {
            // Others used the rest: room comes back as their calls age out, which we cannot see;
            // look again after a tenth of the window, or when our own oldest leaves, if sooner.
            sendAt = min(now.plus(window / 10), sendTimes.first.map { $0.plus(window + .milliseconds(250)) } ?? now.plus(window / 10))
        }
        // Kept in time order: a look-again wait can end before a send already planned further out.
        sendTimes.insert(sendAt, at: sendTimes.lastIndex { $0 <= sendAt }.map { $0 + 1 } ?? 0)
        if sendTimes.count > budget(report) { sendTimes.removeFirst(sendTimes.count - budget(report)) }
        return sendAt.duration(since: now)
    }

    /// Takes the vendor's report from a response; a new reset time starts a new period.
    public mutating func observe(_ new: RateLimitReport, now: Timestamp) {
        if new.rollingWindow != nil {
            report = new
            return
        }
        if let old = report, let oldReset = old.reset, let newReset = new.reset, newReset > oldReset.plus(.seconds(1)) {
            sentInPeriod = 1  // the request this answered is the first of the new period
        } else if report == nil, let reset = new.reset, reset > now {
            // First report of a period: count what the vendor says is used, up to what we sent.
            sentInPeriod = max(1, min(sentInPeriod, new.limit - new.remaining))
        }
        report = new
    }
}
