import Cluster
import Foundation
import GeoIP
import Polling
import Relay
import RelayCore
import Replay
import Sinks
import Synchronization
import Webhooks

/// `auditrelay check --connect`: one real, cheap call per source and per sink, all at once, each
/// within `timeout`, reported in the words the running sidecar would log.
struct ConnectionCheck: Sendable {
    let configuration: RelayConfiguration
    let timeout: Duration

    /// A clock difference a vendor may refuse (signed requests, JWT assertions): beyond it, fail.
    static let clockSkewLimit: Int64 = 300
    /// Below this share of the vendor's rate limit left, warn: other clients are using it up.
    static let rateLimitLowShare = 0.1

    func run() async -> CheckReport {
        var checks: [@Sendable () async -> CheckReport.Component] = []
        for source in configuration.sources {
            checks.append { await check(source) }
        }
        for sink in configuration.sinks {
            checks.append { await check(sink) }
        }
        if let cluster = configuration.cluster {
            checks.append { await check(cluster) }
        }
        for path in configuration.geoIPDatabases {
            // Local files: read and verified without a deadline (a large City database takes a few seconds).
            checks.append { await Self.onThread { Self.checkDatabase(path) } }
        }
        let components = await withTaskGroup(of: (Int, CheckReport.Component).self) { group in
            for (index, check) in checks.enumerated() { group.addTask { (index, await check()) } }
            var found: [(Int, CheckReport.Component)] = []
            for await result in group { found.append(result) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return CheckReport(components: components)
    }

    // MARK: Sources

    private func check(_ source: RelayConfiguration.Source) async -> CheckReport.Component {
        let definition = source.definition
        if let polled = definition as? any PolledVendor {
            let component = CheckReport.Component(kind: "source", name: definition.id, type: source.type, rows: [])
            return await withDeadline(component) { await Self.checkPolled(polled, component: component, timeout: timeout) }
        }
        if let pushed = definition as? any WebhookSourceDefinition {
            return checkWebhook(pushed, type: source.type)
        }
        var component = CheckReport.Component(kind: "source", name: definition.id, type: source.type, rows: [])
        if let replay = definition as? ReplaySource.Configuration {
            component.rows = [access(replay.path, R_OK) == 0
                ? .ok("readable", "\(replay.path) (replayed from a file: nothing to connect to)")
                : .fail("readable", "cannot read \(replay.path): \(SystemError(errno: errno))", fix: "make \(replay.path) readable by this user (or change the source's path)")]
        } else {
            component.rows = [.skipped("connect", "this source type has no connection check")]
        }
        return component
    }

    private static func checkPolled(_ vendor: any PolledVendor, component: CheckReport.Component, timeout: Duration) async -> CheckReport.Component {
        var component = component
        let probes = await vendor.probe(timeout: timeout)
        let failures = probes.compactMap(\.failure)
        let host = URLParts(vendor.settings.baseURL)?.authority ?? vendor.settings.baseURL
        // Reachability, TLS and authentication are the source's (every stream shares host and
        // credential); the first failure at a stage speaks for it, later stages are skipped.
        var stopped = false
        // Nothing was sent when the credential could not even be built (the failure says why).
        let sent = probes.contains { $0.answered || $0.failure.map { $0.stage == .reachable || $0.stage == .tls } == true }
        for stage in [StreamProbe.Stage.reachable, .tls, .authenticated] {
            if stopped || (!sent && stage != .authenticated) {
                component.rows.append(.skipped(stage.rawValue, stopped ? "not reached" : "not tried"))
                continue
            }
            if let failure = failures.first(where: { $0.stage == stage }) {
                component.rows.append(.fail(stage.rawValue, failure.message, fix: failure.fix))
                stopped = true
                continue
            }
            switch stage {
            case .reachable: component.rows.append(.ok("reachable", "\(host) answered"))
            case .tls:
                component.rows.append(probes.first?.usesTLS == true ? .ok("tls", "certificate trusted") : .skipped("tls", "plain http:// (no TLS)"))
            default: component.rows.append(.ok("authenticated", "credential accepted"))
            }
        }
        for probe in probes {
            let check = "read \(probe.stream)"
            if stopped {
                component.rows.append(.skipped(check, "not reached"))
            } else if let failure = probe.failure {
                component.rows.append(.fail(check, failure.message, fix: failure.fix))
            } else if let newest = probe.newestEvent {
                component.rows.append(.ok(check, "\(probe.events) event\(probe.events == 1 ? "" : "s") on the smallest page of the last 24h, newest seen \(newest)"))
            } else {
                component.rows.append(.ok(check, "allowed; no events in the last 24h"))
            }
        }
        component.newestEvent = probes.compactMap(\.newestEvent).max()
        if let skew = probes.compactMap(\.clockSkew).first {
            // `Date` has whole seconds (truncated): the server's clock is half a second past it on average.
            let seconds = Int64((skew.seconds + 0.5).rounded())
            component.clockSkewSeconds = seconds
            let described = seconds == 0 ? "the server's Date matches our clock" : "the server's Date is \(abs(seconds))s \(seconds > 0 ? "ahead of" : "behind") our clock"
            component.rows.append(abs(seconds) > clockSkewLimit
                ? .fail("clock", described, fix: "set this host's clock right (NTP): signed requests and token assertions are refused \(clockSkewLimit / 60)+ minutes off")
                : .ok("clock", described))
        } else if probes.contains(where: \.answered) {
            component.rows.append(.skipped("clock", "the server sent no Date header"))
        }
        if let rate = probes.compactMap(\.rateLimit).last {
            component.rateLimit = (rate.remaining, rate.limit)
            let reset = rate.reset.map { " until \($0.wholeSeconds)" } ?? ""
            let detail = "\(rate.remaining) of \(rate.limit) requests left\(reset)"
            if Double(rate.remaining) < Double(rate.limit) * rateLimitLowShare {
                component.rows.append(CheckReport.Row(check: "rate limit", result: .warn, detail: detail,
                                                      fix: "other clients of this credential use most of the vendor's limit: the sidecar will poll slower (rateShare)"))
            } else {
                component.rows.append(.ok("rate limit", detail))
            }
        } else if probes.contains(where: \.answered) {
            component.rows.append(.skipped("rate limit", "not reported by the vendor"))
        }
        return component
    }

    private func checkWebhook(_ source: any WebhookSourceDefinition, type: String) -> CheckReport.Component {
        var component = CheckReport.Component(kind: "source", name: source.id, type: type, rows: [])
        let (listen, key) = configuration.webhooks.listen.map { ($0, "webhooks.listen") } ?? (configuration.httpListen, "http.listen")
        do {
            try ListenAddress.checkBindable(listen)
            component.rows.append(.ok("listen", "would bind \(listen) (\(key)); deliveries go to POST /webhooks/\(source.id)"))
        } catch {
            component.rows.append(.fail("listen", "cannot bind \(listen) (\(key)): \(error)",
                                        fix: "free \(listen) (is auditrelay already running?) or change \(key)"))
        }
        let count = source.signingSecretCount
        component.rows.append(count > 0
            ? .ok("secret", count == 1 ? "set (not shown)" : "\(count) set, a rotation is under way (not shown)")
            : .fail("secret", "no signing secret", fix: "set the source's secret to the webhook's secret"))
        return component
    }

    // MARK: Sinks

    private func check(_ sink: any SinkDefinition) async -> CheckReport.Component {
        var component = CheckReport.Component(kind: "sink", name: sink.name, type: "", rows: [])
        switch sink {
        case let kafka as KafkaSink.Configuration:
            component.type = "kafka"
            let topics = Array(Set(topics(for: kafka))).sorted()
            let timeout = timeout
            let named = component
            return await withDeadline(component) {
                var checked = named
                checked.rows = await Self.onThread { kafka.probe(topics: topics, timeout: timeout) }.map(Self.row)
                return checked
            }
        case let syslog as SyslogSink.Configuration:
            component.type = "syslog"
            let timeout = timeout
            let named = component
            return await withDeadline(component) {
                var checked = named
                checked.rows = await Self.onThread { syslog.probe(timeout: timeout) }.map(Self.row)
                return checked
            }
        case let file as FileSink.Configuration:
            component.type = "file"
            component.rows = file.probe().map(Self.row)
        default:
            component.type = "stdout"
            component.rows = [.ok("writable", "standard output")]
        }
        return component
    }

    /// Cluster mode: the brokers answer and both topics exist.
    private func check(_ cluster: ClusterConfiguration) async -> CheckReport.Component {
        let component = CheckReport.Component(kind: "cluster", name: cluster.group, type: "kafka", rows: [])
        let timeout = timeout
        return await withDeadline(component) {
            var checked = component
            checked.rows = await Self.onThread { cluster.probe(timeout: timeout) }.map(Self.row)
            return checked
        }
    }

    /// The topics the configured sources' records go to.
    private func topics(for kafka: KafkaSink.Configuration) -> [String] {
        configuration.sources.flatMap { source -> [String] in
            let definition = source.definition
            let types: [String]
            if let polled = definition as? any PolledVendor {
                types = (try? polled.streams().map(\.sourceType)) ?? []
            } else if let pushed = definition as? any WebhookSourceDefinition {
                types = [pushed.sourceType]
            } else if let replay = definition as? ReplaySource.Configuration, !replay.sourceType.isEmpty {
                types = [replay.sourceType]
            } else {
                types = []  // EMM replay files name a vendor per line
            }
            return types.map { kafka.topic.name(sourceType: $0, sourceID: definition.id, workspaceID: configuration.workspaceID) }
        }
    }

    private static func row(_ step: SinkProbeStep) -> CheckReport.Row {
        step.fix.map { .fail(step.check, step.detail, fix: $0) } ?? .ok(step.check, step.detail)
    }

    // MARK: GeoIP

    private static func checkDatabase(_ path: String) -> CheckReport.Component {
        var component = CheckReport.Component(kind: "geoip", name: path, type: "", rows: [])
        do {
            let database = try GeoIPDatabase(path: path, verifyOnLoad: true)
            let metadata = database.reader.metadata
            component.type = metadata.databaseType
            let built = Timestamp(seconds: Int64(clamping: metadata.buildEpoch))
            component.rows = [.ok("database", "\(metadata.databaseType), built \(built), verified")]
        } catch {
            component.rows = [.fail("database", "\(error)", fix: "replace \(path) with a complete MaxMind DB file (download it again)")]
        }
        return component
    }

    // MARK: Running checks

    /// `operation`'s component, or `component` with a timeout row when it takes longer than
    /// `timeout` (plus a second for the operation's own limits to fire first). The late
    /// operation is cancelled and left to end on its own.
    private func withDeadline(_ component: CheckReport.Component,
                              _ operation: @escaping @Sendable () async -> CheckReport.Component) async -> CheckReport.Component {
        let limit = timeout + .seconds(1)
        let timedOut = { @Sendable in
            var late = component
            late.rows = [.fail("connect", "no answer within \(limit)",
                               fix: "check that the \(component.kind)'s address is right and reachable from here (or raise --timeout)")]
            return late
        }
        let decision = FirstToFinish()
        return await withCheckedContinuation { continuation in
            let work = Task {
                let result = await operation()
                if decision.claim() { continuation.resume(returning: result) }
            }
            let clock = Task {
                try? await Task.sleep(for: limit)
                if decision.claim() {
                    work.cancel()
                    continuation.resume(returning: timedOut())
                }
            }
            decision.onFinish = { clock.cancel() }
        }
    }

    /// Blocking work (sockets, librdkafka, reading a database) on a thread of its own, not the
    /// cooperative pool.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "check"
            thread.start()
        }
    }
}

/// Which of a check and its deadline finished first: only that one reports.
private final class FirstToFinish: Sendable {
    private let state = Mutex<(done: Bool, onFinish: (@Sendable () -> Void)?)>((false, nil))

    /// Whether the caller is first; the first also runs `onFinish` (stopping the other side).
    func claim() -> Bool {
        let (first, action) = state.withLock { state -> (Bool, (@Sendable () -> Void)?) in
            if state.done { return (false, nil) }
            state.done = true
            return (true, state.onFinish)
        }
        action?()
        return first
    }

    var onFinish: (@Sendable () -> Void)? {
        get { state.withLock { $0.onFinish } }
        set {
            let runNow = state.withLock { state -> Bool in
                state.onFinish = newValue
                return state.done
            }
            if runNow { newValue?() }
        }
    }
}
