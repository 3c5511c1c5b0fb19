import Foundation
import Metrics
import RelayCore

/// Counters of one source's polling, readable at any time (the metrics endpoint exports them).
public final class PollMetrics: @unchecked Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var requests = 0
        public var retries = 0
        public var rateLimitWaits = 0
        public var rateLimitWaitSeconds = 0.0
        public var throttleWaitSeconds = 0.0
        public var tokenRefreshes = 0
        public var permissionErrors = 0
        public var gaps = 0
        public var gapSeconds = 0.0
        public var eventsFetched = 0
        public var rateShareWaits = 0
        public var rateShareWaitSeconds = 0.0
        public var cursorFallbacks = 0
        public var setupRestarts = 0
    }

    private let lock = NSLock()
    private var values = Snapshot()
    private let exported: ExportedPollMetrics?

    /// - Parameter source: the source id used as the `source` label of the exported metrics;
    ///   nil keeps the counters local (tests).
    public init(source: String? = nil) {
        exported = source.map(ExportedPollMetrics.init(source:))
    }

    public func update(_ change: (inout Snapshot) -> Void) {
        lock.lock()
        let before = values
        change(&values)
        let after = values
        lock.unlock()
        exported?.record(from: before, to: after)
    }

    public func snapshot() -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}

/// The swift-metrics side of `PollMetrics`: each update adds its increase to Prometheus counters
/// labelled with the source, so rate-limit waits, retries and gaps show on `/metrics`.
struct ExportedPollMetrics: Sendable {
    let requests, retries, rateLimitWaits, tokenRefreshes, permissionErrors, gaps, fetched, rateShareWaits, cursorFallbacks, setupRestarts: Counter
    let rateLimitWaitSeconds, throttleWaitSeconds, gapSeconds, rateShareWaitSeconds: FloatingPointCounter

    init(source: String) {
        let labels = [("source", source)]
        requests = Counter(label: MetricName.sourceRequests, dimensions: labels)
        retries = Counter(label: MetricName.sourceErrors, dimensions: labels + [("kind", "retried")])
        permissionErrors = Counter(label: MetricName.sourceErrors, dimensions: labels + [("kind", "permission")])
        rateLimitWaits = Counter(label: MetricName.sourceRateLimitWaits, dimensions: labels)
        tokenRefreshes = Counter(label: MetricName.sourceTokenRefreshes, dimensions: labels)
        gaps = Counter(label: MetricName.sourceGaps, dimensions: labels)
        fetched = Counter(label: MetricName.sourceEventsFetched, dimensions: labels)
        rateShareWaits = Counter(label: MetricName.sourceRateShareWaits, dimensions: labels)
        cursorFallbacks = Counter(label: MetricName.sourceCursorFallbacks, dimensions: labels)
        setupRestarts = Counter(label: MetricName.sourceSetupRestarts, dimensions: labels)
        rateShareWaitSeconds = FloatingPointCounter(label: MetricName.sourceRateShareWait, dimensions: labels)
        rateLimitWaitSeconds = FloatingPointCounter(label: MetricName.sourceRateLimitWait, dimensions: labels)
        throttleWaitSeconds = FloatingPointCounter(label: MetricName.sourceThrottleWait, dimensions: labels)
        gapSeconds = FloatingPointCounter(label: MetricName.sourceGapSeconds, dimensions: labels)
    }

    func record(from before: PollMetrics.Snapshot, to after: PollMetrics.Snapshot) {
        func add(_ counter: Counter, _ old: Int, _ new: Int) { if new > old { counter.increment(by: new - old) } }
        func add(_ counter: FloatingPointCounter, _ old: Double, _ new: Double) { if new > old { counter.increment(by: new - old) } }
        add(requests, before.requests, after.requests)
        add(retries, before.retries, after.retries)
        add(permissionErrors, before.permissionErrors, after.permissionErrors)
        add(rateLimitWaits, before.rateLimitWaits, after.rateLimitWaits)
        add(tokenRefreshes, before.tokenRefreshes, after.tokenRefreshes)
        add(gaps, before.gaps, after.gaps)
        add(fetched, before.eventsFetched, after.eventsFetched)
        add(rateShareWaits, before.rateShareWaits, after.rateShareWaits)
        add(cursorFallbacks, before.cursorFallbacks, after.cursorFallbacks)
        add(setupRestarts, before.setupRestarts, after.setupRestarts)
        add(rateShareWaitSeconds, before.rateShareWaitSeconds, after.rateShareWaitSeconds)
        add(rateLimitWaitSeconds, before.rateLimitWaitSeconds, after.rateLimitWaitSeconds)
        add(throttleWaitSeconds, before.throttleWaitSeconds, after.throttleWaitSeconds)
        add(gapSeconds, before.gapSeconds, after.gapSeconds)
    }
}
