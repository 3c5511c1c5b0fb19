import RelayCore

/// Decides `/readyz`: ready only when the config loaded and the pipeline started, the record log
/// accepts writes, and the oldest unacknowledged record is younger than `maximumAge`. The last
/// rule is what makes an agent that is alive but stuck (a sink down, a wedged delivery) visible.
public struct Readiness: Sendable {
    public var maximumAge: Duration

    public init(maximumAge: Duration) { self.maximumAge = maximumAge }

    /// Nil when ready; otherwise the reasons, one per line, for the response body.
    public func problems(started: Bool, status: RecordLogStatus?) -> [String] {
        var problems: [String] = []
        if !started { problems.append("pipeline not started") }
        guard let status else { return problems + ["record log status unavailable"] }
        if !status.writable { problems.append("spool is not writable (disk full or I/O error)") }
        if let age = status.oldestUnacknowledgedAge, age > maximumAge {
            problems.append("oldest unacknowledged record is \(Int(age.seconds)) s old (limit \(Int(maximumAge.seconds)) s): a sink is not keeping up")
        }
        return problems
    }
}
