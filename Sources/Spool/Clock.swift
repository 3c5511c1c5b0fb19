#if canImport(Glibc)
import Glibc
#endif

enum Clock {
    /// Wall-clock milliseconds since the Unix epoch (stored in records; drives ages and the dedupe window).
    static func nowMillis() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(max(0, time.tv_sec)) * 1000 + UInt64(max(0, time.tv_nsec)) / 1_000_000
    }

    /// Monotonic seconds, for durations.
    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
