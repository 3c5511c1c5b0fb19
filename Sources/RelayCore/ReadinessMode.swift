/// What `/readyz` answers for (`http.readiness`).
///
/// `pipeline` (the default): ready only while records flow, so a StatefulSet whose sink is stuck
/// leaves its Service and the stall shows in `kubectl get pods`.
/// `process`: ready while the process serves HTTP with its spool open. A sidecar's readiness
/// counts towards the host application's pod, and a sink backlog must not take that pod out of
/// its Service; the backlog stays visible on `/metrics` (and the chart's alert rules).
public enum ReadinessMode: String, Sendable, CaseIterable {
    case pipeline
    case process
}
