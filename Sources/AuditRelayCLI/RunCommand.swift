import ArgumentParser
import Enrichment
import Logging
import Metrics
import Operations
import Prometheus
import Relay
import RelayCore
import ServiceLifecycle
import UnixSignals
import Webhooks

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline.",
        discussion: """
            Polls every source, normalizes and enriches its events, spools them and delivers them to every sink, \
            serving /healthz, /readyz and /metrics on http.listen. SIGTERM/SIGINT stop polling and drain the sinks \
            for up to shutdown.drainTimeout, then exit 0; undelivered records stay in the spool. SIGHUP does not \
            reload the config (restart to apply changes); GeoIP databases are reloaded whenever their files change.
            With --once: one poll cycle of every source, then drain everything to the sinks and exit 0 \
            (non-zero if a source or sink kept failing).
            """
    )

    @Option(name: .long, help: "The config file (YAML).")
    var config: String

    @Flag(name: .long, help: "Poll each source until caught up, deliver everything, and exit.")
    var once = false

    func run() async throws {
        MemoryTuning.apply()
        let configuration = try ConfigFile.load(config)
        (LogFormat(rawValue: configuration.logFormat) ?? .auto).bootstrap(level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let logger = Logger(label: "auditrelay")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let pipeline: Pipeline
        do {
            pipeline = try RelayRuntime.makePipeline(configuration, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            Terminal.error("cannot start: \(error)")
            throw ExitCode(1)
        }
        if once {
            do {
                let summary = try await pipeline.run(once: true)
                logger.info("run finished", metadata: ["polled": "\(summary.polledRecords)", "delivered": "\(summary.deliveredRecords)"])
            } catch let error as PipelineError {
                logger.error("run failed", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
            return
        }
        let service = PipelineService(pipeline: pipeline)
        let monitor = RecordLogMonitor(log: pipeline.log)
        let receiver: WebhookReceiver?
        do {
            receiver = try RelayRuntime.makeWebhookReceiver(configuration, pipeline: pipeline, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            Terminal.error("cannot start: \(error)")
            throw ExitCode(1)
        }
        let ops: OpsServer
        let mode = configuration.readiness
        do {
            ops = try OpsServer(listen: configuration.httpListen, registry: registry,
                                readiness: Readiness(maximumAge: configuration.readinessMaxAge, mode: mode),
                                // Process readiness must not wait on a slow spool: it reads the monitor's
                                // last status (refreshed every 2 s), only to describe the backlog.
                                status: {
                                    if mode == .process { return await monitor.lastStatus }
                                    return await monitor.refresh()
                                },
                                started: { await service.started },
                                lastErrors: pipeline.lastErrors,
                                webhooks: receiver.map { WebhookRoute(receiver: $0, settings: configuration.webhooks) },
                                logger: logger)
        } catch {
            logger.critical("cannot start the HTTP endpoint", metadata: ["error": "\(error)", "listen": "\(configuration.httpListen)"])
            throw ExitCode(1)
        }
        let reloader = pipeline.enrichers.lazy.compactMap { $0 as? GeoIPEnricher }.first.map {
            GeoIPReloader(enricher: $0, interval: configuration.geoIPRefreshInterval, logger: logger)
        }
        // TLS in front of the webhook listener, which then listens on loopback behind it.
        var tlsFront: (front: WebhookTLSFront, plain: WebhookListener)?
        if let receiver, let listen = configuration.webhooks.listen, let tls = configuration.webhooks.tls {
            let plain = WebhookListener(listen: "127.0.0.1:0", settings: configuration.webhooks, receiver: receiver, logger: logger)
            let front = try WebhookTLSFront(listen: listen, certificate: tls.certificate, key: tls.key, settings: configuration.webhooks,
                                            upstream: { plain.port }, logger: logger)
            tlsFront = (front, plain)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: monitor),
            .init(service: ops),
            .init(service: HangupListener(logger: logger, reloader: reloader, tlsFront: tlsFront?.front)),
        ]
        if let reloader { services.append(.init(service: reloader)) }
        // Last in the list, so the first to stop on SIGTERM: new deliveries get 503 while the
        // spool is still open for the ones in flight.
        if let receiver {
            if let (front, plain) = tlsFront {
                services.append(.init(service: plain))
                services.append(.init(service: front))
            } else if let listen = configuration.webhooks.listen {
                services.append(.init(service: WebhookListener(listen: listen, settings: configuration.webhooks, receiver: receiver, logger: logger)))
            } else {
                services.append(.init(service: WebhookShutdown(receiver: receiver)))
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ).withDrainTimeout(configuration.drainTimeout))
        Task {
            if let port = try? await ops.waitUntilListening() {
                logger.info("listening", metadata: ["address": "\(configuration.httpListen)", "port": "\(port)"])
            }
        }
        try await group.run()
        logger.info("stopped")
    }
}

extension ServiceGroupConfiguration {
    func withDrainTimeout(_ timeout: Duration) -> Self {
        var copy = self
        copy.maximumGracefulShutdownDuration = timeout
        copy.maximumCancellationDuration = .seconds(5)
        return copy
    }
}

/// SIGHUP would otherwise terminate the process. The config is not reloaded in place (the Helm
/// chart rolls pods when it changes); GeoIP files and the webhook TLS certificate are watched and
/// reloaded on their own, and checked at once on SIGHUP.
struct HangupListener: Service {
    let logger: Logger
    let reloader: GeoIPReloader?
    let tlsFront: WebhookTLSFront?

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            logger.notice("SIGHUP received: GeoIP databases and the webhook TLS certificate checked now; the config is not reloaded in place, restart to apply config changes")
            reloader?.refreshNow()
            // A few small files; the signal handler's task is not on a hot path.
            tlsFront?.reloadNow()
        }
    }
}

/// Without a dedicated listener, webhooks are served on the ops server: this tells the receiver to
/// answer 503 once shutdown starts (the spool closes after the drain).
struct WebhookShutdown: Service {
    let receiver: WebhookReceiver

    func run() async throws {
        try? await gracefulShutdown()
        receiver.stop()
    }
}
