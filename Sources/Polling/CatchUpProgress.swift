import Foundation
import Logging
import Metrics
import RelayCore

/// Where one stream's backfill or catch-up stands: the share of the window covered and an
/// estimate of the time left.
///
/// The window runs from where the catch-up started (the backfill start, or the position the
/// stream resumed from) to now; `position` is the stream's time cursor (see `Poller`), so the
/// window's end moves on while the stream pages towards it.
public struct CatchUpProgress: Sendable, Equatable {
    public enum Kind: String, Sendable { case backfill, catchUp = "catch-up" }

    /// Where the catch-up started; nil when the stream is caught up.
    public var started: Timestamp?
    public var kind: Kind
    public var position: Timestamp
    public var now: Timestamp
    /// Share of [started, now] covered, 0...1; 1 when caught up.
    public var ratio: Double
    /// Estimated time until caught up, from the smoothed rate of progress; nil when caught up, not
    /// yet measured, or not gaining on now.
    public var remaining: Duration?

    public init(started: Timestamp?, kind: Kind, position: Timestamp, now: Timestamp, ratio: Double, remaining: Duration?) {
        self.started = started
        self.kind = kind
        self.position = position
        self.now = now
        self.ratio = ratio
        self.remaining = remaining
    }

    public var catchingUp: Bool { started != nil }
    /// now − position (never negative).
    public var behind: Duration { .microseconds(max(0, now.microseconds - position.microseconds)) }
}

/// The state behind one stream's `CatchUpProgress` (pure: the caller supplies the times).
///
/// A stream is catching up while it is more than `threshold` behind now and its last cycle did not
/// reach the end. The rate is event-time seconds covered per wall-clock second, smoothed
/// exponentially over `smoothing`; the gap to now closes at `rate - 1`, so that is what the
/// estimate divides by.
public struct CatchUpTracker: Sendable {
    public let threshold: Duration
    public let smoothing: Duration
    /// Progress log lines come at most this often per stream.
    public let logEvery: Duration

    private var started: Timestamp?
    /// When (wall clock) the catch-up began, for the "took" of its last line.
    private var startedWall: Timestamp?
    private var kind = CatchUpProgress.Kind.catchUp
    private var sample: (wall: Timestamp, position: Timestamp)?
    private var rate: Double?
    private var lastLogged: Timestamp?

    public init(threshold: Duration, smoothing: Duration = .seconds(60), logEvery: Duration = .seconds(30)) {
        self.threshold = threshold
        self.smoothing = smoothing
        self.logEvery = logEvery
    }

    /// What happened at an observation that deserves a log line.
    public enum Event: Sendable, Equatable {
        /// Still catching up, and the last line is at least `logEvery` old (or there was none).
        case progress
        /// The catch-up that was going on has reached now.
        case finished(started: Timestamp, took: Duration)
    }

    /// - Parameters:
    ///   - position: the stream's time cursor now.
    ///   - now: the current time (event time and wall time are both this clock).
    ///   - caughtUp: the stream's last cycle reached the end of what it may ask for now.
    ///   - firstRun: the stream has never fetched a page (a catch-up starting now is its backfill).
    public mutating func observe(position: Timestamp, now: Timestamp, caughtUp: Bool, firstRun: Bool) -> (CatchUpProgress, Event?) {
        let behind = now.duration(since: position)
        guard !caughtUp && behind > threshold else {
            var event: Event?
            if let started { event = .finished(started: started, took: now.duration(since: startedWall ?? now)) }
            reset()
            return (CatchUpProgress(started: nil, kind: kind, position: position, now: now, ratio: 1, remaining: nil), event)
        }
        if started == nil {
            started = position
            startedWall = now
            kind = firstRun ? .backfill : .catchUp
            sample = (now, position)
            rate = nil
        }
        updateRate(position: position, now: now)
        let start = started ?? position
        let span = now.duration(since: start).seconds
        let ratio = span > 0 ? min(1, max(0, position.duration(since: start).seconds / span)) : 1
        var remaining: Duration?
        if let rate, rate > 1 { remaining = .seconds(behind.seconds / (rate - 1)) }
        let progress = CatchUpProgress(started: start, kind: kind, position: position, now: now, ratio: ratio, remaining: remaining)
        var event: Event?
        if lastLogged.map({ now.duration(since: $0) >= logEvery }) ?? true {
            lastLogged = now
            event = .progress
        }
        return (progress, event)
    }

    private mutating func reset() {
        started = nil
        startedWall = nil
        sample = nil
        rate = nil
        lastLogged = nil
    }

    /// Folds the progress since the last sample into the smoothed rate; samples less than a second
    /// apart wait (pages come faster than that, and their quotient is noise).
    private mutating func updateRate(position: Timestamp, now: Timestamp) {
        guard let last = sample else {
            sample = (now, position)
            return
        }
        let elapsed = now.duration(since: last.wall).seconds
        guard elapsed >= 1 else { return }
        let observed = position.duration(since: last.position).seconds / elapsed
        let weight = 1 - exp(-elapsed / max(smoothing.seconds, 1))
        rate = rate.map { $0 + weight * (observed - $0) } ?? observed
        sample = (now, position)
    }
}

extension CatchUpProgress {
    /// `okta/logs: backfill 42% (2026-12-01T10:00:00Z of 2026-11-29T00:00:00Z→now), ~3m left`
    public func logLine(source: String, stream: String) -> String {
        let start = started ?? position
        let left = remaining.map { "~\(Self.brief($0)) left" } ?? (ratio < 1 ? "time left not known yet" : "")
        return "\(source)/\(stream): \(kind.rawValue) \(Int(ratio * 100))% (\(position.wholeSeconds) of \(start.wholeSeconds)→now)"
            + (left.isEmpty ? "" : ", " + left)
    }

    public static func brief(_ duration: Duration) -> String { BriefDuration.text(duration.seconds) }
}

/// Every stream's catch-up progress for one polled source: exported as the gauges
/// `auditrelay_source_backfill_progress_ratio` and `auditrelay_source_backfill_behind_seconds`
/// (labels `source`, `stream`) and logged at most every `CatchUpTracker.logEvery` per stream.
final class CatchUpBoard: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    private struct Entry {
        var tracker: CatchUpTracker
        var progress: CatchUpProgress?
        let ratio: Gauge
        let behind: Gauge
    }

    private let source: String
    private let logger: Logger
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    init(source: String, logger: Logger) {
        self.source = source
        self.logger = logger
    }

    func observe(stream: String, threshold: Duration, position: Timestamp, now: Timestamp, caughtUp: Bool, firstRun: Bool) {
        let (progress, event) = lock.withLock { () -> (CatchUpProgress, CatchUpTracker.Event?) in
            var entry = entries[stream] ?? Entry(
                tracker: CatchUpTracker(threshold: threshold), progress: nil,
                ratio: Gauge(label: MetricName.sourceBackfillProgress, dimensions: [("source", source), ("stream", stream)]),
                behind: Gauge(label: MetricName.sourceBackfillBehind, dimensions: [("source", source), ("stream", stream)]))
            let (progress, event) = entry.tracker.observe(position: position, now: now, caughtUp: caughtUp, firstRun: firstRun)
            entry.progress = progress
            entries[stream] = entry
            entry.ratio.record(progress.ratio)
            entry.behind.record(progress.behind.seconds)
            return (progress, event)
        }
        switch event {
        case .progress:
            logger.info("\(progress.logLine(source: source, stream: stream))",
                        metadata: ["stream": "\(stream)", "progress": "\(String(format: "%.3f", progress.ratio))"])
        case .finished(let started, let took):
            logger.info("\(source)/\(stream): caught up (from \(started.wholeSeconds), took \(CatchUpProgress.brief(took)))",
                        metadata: ["stream": "\(stream)", "progress": "1.000"])
        case nil:
            break
        }
    }

    func knows(_ stream: String) -> Bool { lock.withLock { entries[stream] != nil } }

    func progress(stream: String) -> CatchUpProgress? { lock.withLock { entries[stream]?.progress } }
}
