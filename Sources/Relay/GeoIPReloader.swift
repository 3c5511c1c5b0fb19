import Enrichment
import Logging
import ServiceLifecycle

/// Checks the GeoIP database files every `interval` (and on demand, e.g. SIGHUP) and swaps in
/// replaced files. A file that fails validation is logged and the previous database keeps serving.
public struct GeoIPReloader: Service {
    public let enricher: GeoIPEnricher
    public let interval: Duration
    public let logger: Logger

    public init(enricher: GeoIPEnricher, interval: Duration, logger: Logger) {
        self.enricher = enricher
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            refreshNow()
        }
    }

    public func refreshNow() {
        for (path, outcome) in enricher.refresh() {
            switch outcome {
            case .reloaded(let metadata):
                logger.notice("GeoIP database reloaded", metadata: ["path": "\(path)", "type": "\(metadata.databaseType)", "buildEpoch": "\(metadata.buildEpoch)"])
            case .failed(let error):
                logger.error("GeoIP database reload failed; still serving the previous version", metadata: ["path": "\(path)", "error": "\(error)"])
            default:
                break
            }
        }
    }
}
