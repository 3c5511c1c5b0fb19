import RelayCore

/// Wall-clock time and sleeping, injectable so tests never really wait: every wait the kit does
/// (rate limits, backoff, token refresh margins, permission retries) goes through this.
public protocol PollClock: Sendable {
    func now() -> Timestamp
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemPollClock: PollClock {
    public init() {}
    public func now() -> Timestamp { .now() }
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
