/// Durations for people: `45s`, `12m`, `3h`, `2d`, the one unit that reads best (progress log
/// lines, `auditrelay status`).
public enum BriefDuration {
    public static func text(_ seconds: Double) -> String {
        let seconds = seconds.isFinite ? max(0, seconds) : 0
        if seconds < 90 { return "\(Int(seconds.rounded()))s" }
        if seconds < 90 * 60 { return "\(Int((seconds / 60).rounded()))m" }
        if seconds < 48 * 3600 { return "\(Int((seconds / 3600).rounded()))h" }
        return "\(Int((seconds / 86_400).rounded()))d"
    }
}
