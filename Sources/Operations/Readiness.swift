import RelayCore

/// Decides `/readyz`. The pipeline's health: the config loaded and the pipeline started, the record
/// log accepts writes, and the oldest unacknowledged record is younger than `maximumAge` (the last
/// rule is what makes an agent that is alive but stuck, a sink down or a wedged delivery, visible).
/// In `.pipeline` mode those problems make the pod unready; in `.process` mode (a sidecar) they are
/// only reported, since answering at all proves the process is up with its spool open.
public struct Readiness: Sendable {
    public var maximumAge: Duration
    public var mode: ReadinessMode

    public init(maximumAge: Duration, mode: ReadinessMode = .pipeline) {
        self.maximumAge = maximumAge
        self.mode = mode
    }

    /// The `/readyz` answer: whether ready, and the pipeline's problems (reported in both modes).
    public func verdict(started: Bool, status: RecordLogStatus?) -> (ready: Bool, problems: [String]) {
        let found = problems(started: started, status: status)
        return (mode == .process || found.isEmpty, found)
    }

    /// The pipeline's problems, one per line for the response body; empty when it is healthy.
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
