import Foundation
import RelayCore

/// Where a source starts on its first run: `backfill: 24h` (relative to now), an absolute RFC 3339
/// time, or `none` (only events from now on).
public enum Backfill: Sendable, Equatable {
    case duration(Duration)
    case since(Timestamp)

    public static let none = Backfill.duration(.zero)

    /// Parses `24h`, `7d`, `0`, `none`, or `2026-01-01T00:00:00Z`.
    public init?(_ text: String) {
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed == "none" || trimmed == "0" {
            self = .none
        } else if let duration = ConfigUnits.duration(trimmed) {
            self = .duration(duration)
        } else if trimmed.count >= 20, trimmed.contains("T"), let time = Timestamp(parsing: trimmed) {
            self = .since(time)
        } else {
            return nil
        }
    }

    public func start(now: Timestamp) -> Timestamp {
        switch self {
        case .duration(let duration): return now.minus(duration)
        case .since(let time): return min(time, now)
        }
    }
}

/// An interval of events that can no longer be fetched (beyond the vendor's retention), reported
/// as a log line, a counter and an `auditrelay.gap` record instead of silently skipped.
public struct Gap: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case backfillBeyondRetention = "backfill_beyond_retention", outageBeyondRetention = "outage_beyond_retention"
        /// Listed documents (Microsoft's content blobs) that expired before they could be fetched.
        case contentExpired = "content_expired"
    }
    public var from: Timestamp
    public var to: Timestamp
    public var reason: Reason

    public init(from: Timestamp, to: Timestamp, reason: Reason) {
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// Resuming this close to the retention boundary would race it (events expiring while we page),
    /// so a gap extends this far past the boundary; the next gap can then only come after a new
    /// outage, never from the boundary moving on while we catch up.
    public static let safetyMargin: Duration = .seconds(300)

    /// The gap, if resuming at `since` asks for events older than the retention allows: from
    /// `since` to the retention boundary plus `safetyMargin`.
    public static func check(since: Timestamp, now: Timestamp, retention: Duration, firstRun: Bool) -> Gap? {
        let floor = now.minus(retention)
        guard since < floor else { return nil }
        return Gap(from: since, to: floor.plus(safetyMargin), reason: firstRun ? .backfillBeyondRetention : .outageBeyondRetention)
    }
}

extension Timestamp {
    public func minus(_ duration: Duration) -> Timestamp {
        Timestamp(microseconds: microseconds - Int64(duration.seconds * 1_000_000), fractionDigits: fractionDigits)
    }

    public func plus(_ duration: Duration) -> Timestamp {
        Timestamp(microseconds: microseconds + Int64(duration.seconds * 1_000_000), fractionDigits: fractionDigits)
    }

    /// Rounded down to a whole second, printed without a fraction (friendlier in vendor queries).
    public var wholeSeconds: Timestamp {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        return Timestamp(seconds: seconds)
    }

    public func duration(since earlier: Timestamp) -> Duration { .microseconds(microseconds - earlier.microseconds) }

    /// `2024-01-01T00:00:00.000Z`: exactly three fraction digits, as PingOne's filter and
    /// Workday's `from`/`to` want them.
    public var millisecondsDescription: String {
        let whole = wholeSeconds.description  // 2024-01-01T00:00:00Z
        let millis = Int((microseconds % 1_000_000 + 1_000_000) % 1_000_000 / 1000)
        return String(whole.dropLast()) + "." + String(format: "%03d", millis) + "Z"
    }
}
