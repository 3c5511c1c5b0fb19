/// Capped exponential backoff with jitter: the wait after the n-th consecutive failure is a random
/// duration between half and all of `min(maximum, initial * 2^(n-1))`, so many failing agents do
/// not retry in lockstep.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Records a failure and returns how long to wait before the next attempt.
    public mutating func nextDelay() -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        let ceiling = min(maximum.seconds, initial.seconds * Double(1 << exponent))
        let seconds = Double.random(in: (ceiling / 2)...max(ceiling / 2, ceiling))
        return .milliseconds(Int64(seconds * 1000))
    }

    public mutating func reset() { failures = 0 }
}
