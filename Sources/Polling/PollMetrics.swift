import Foundation

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
        public var eventsDeduplicated = 0
    }

    private let lock = NSLock()
    private var values = Snapshot()

    public init() {}

    public func update(_ change: (inout Snapshot) -> Void) {
        lock.lock()
        change(&values)
        lock.unlock()
    }

    public func snapshot() -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
