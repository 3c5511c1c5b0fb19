import Cluster
import Enrichment
import Logging
import Normalizers
import RelayCore
import Spool
import Webhooks

/// Builds a running pipeline from a validated configuration.
public enum RelayRuntime {
    public static func makePipeline(_ configuration: RelayConfiguration, logger: Logger) throws -> Pipeline {
        let sources = try configuration.sources.filter { !($0.definition is any WebhookSourceDefinition) }.map { source in
            Pipeline.SourceRun(
                source: try source.definition.makeSource(),
                identity: SourceIdentity(workspaceID: configuration.workspaceID, sourceID: source.definition.id, sourceTTL: source.sourceTTL)
            )
        }
        let context = SinkContext(spoolDirectory: configuration.spool.directory, logger: logger)
        let sinks = try configuration.sinks.map { try $0.makeSink(context: context) }
        let geoIP = try makeGeoIPEnricher(configuration)
        let spool = try Spool(configuration: spoolConfiguration(configuration, logger: logger))
        var pipeline = Pipeline(sources: sources, sinks: sinks, log: SpoolRecordLog(spool: spool), enrichers: geoIP.map { [$0] } ?? [], logger: logger)
        pipeline.servesPushedSources = !configuration.webhookSources.isEmpty
        if let cluster = configuration.cluster {
            pipeline.cluster = try ClusterNode(configuration: cluster, sourceIDs: sources.map(\.source.id), logger: logger)
        }
        return pipeline
    }

    /// The GeoIP enricher for the configured databases, or nil when none are configured.
    public static func makeGeoIPEnricher(_ configuration: RelayConfiguration) throws -> GeoIPEnricher? {
        guard !configuration.geoIPDatabases.isEmpty else { return nil }
        return try GeoIPEnricher(paths: configuration.geoIPDatabases, cacheSize: configuration.geoIPCacheSize)
    }

    /// The spool settings of a config: its directory, hard size cap and the sinks that must acknowledge.
    /// With a `logger`, every `drop_oldest` deletion is logged (see `logDrop`).
    public static func spoolConfiguration(_ configuration: RelayConfiguration, logger: Logger? = nil) -> Spool.Configuration {
        // A webhook delivery is one record as large as its body (twice, escaped, at worst).
        let largestDelivery = configuration.webhookSources.map { recordBytes(maxBodyBytes: $0.maxBodyBytes) }.max() ?? 0
        var spool = Spool.Configuration(directory: configuration.spool.directory, maxBytes: configuration.spool.maxBytes,
                                        segmentBytes: segmentBytes(spoolMaxBytes: configuration.spool.maxBytes),
                                        maxRecordBytes: max(8 << 20, largestDelivery),
                                        fullPolicy: configuration.spool.fullPolicy == "drop_oldest" ? .dropOldest : .block,
                                        sinks: configuration.sinks.map(\.name), ackPersistIntervalSeconds: configuration.spool.ackPersistInterval.seconds)
        if let logger { spool.onDrop = { logDrop($0, logger: logger) } }
        return spool
    }

    /// One warning per dropped segment, written before its file is deleted: the dropped-records counter
    /// starts from zero in every process, so this line is what accounts for drops across restarts. Per sink:
    /// `<sink>.undelivered` records it never received, `<sink>.inFlight` records handed to it but not
    /// acknowledged (they may have arrived).
    static func logDrop(_ drop: SpoolDrop, logger: Logger) {
        var metadata: Logger.Metadata = [
            "segment": "\(drop.segmentID)", "sequences": "\(drop.sequences.lowerBound)-\(drop.sequences.upperBound)",
            "records": "\(drop.records)",
        ]
        for (sink, loss) in drop.sinks {
            metadata["\(sink).undelivered"] = "\(loss.undelivered)"
            metadata["\(sink).inFlight"] = "\(loss.inFlight)"
        }
        logger.warning("spool full: dropped the oldest segment with \(drop.records) undelivered records (spool.fullPolicy: drop_oldest)",
                       metadata: metadata)
    }

    /// The spool segment size for a spool of `spoolMaxBytes`.
    public static func segmentBytes(spoolMaxBytes: UInt64) -> UInt64 {
        min(64 << 20, max(min(4 << 20, spoolMaxBytes / 2), spoolMaxBytes / 8))
    }

    /// The largest record a webhook body of `maxBodyBytes` can become: rawLog is a JSON string
    /// (every quote and backslash escaped, so at most twice the body) plus the normalized fields.
    public static func recordBytes(maxBodyBytes: Int) -> Int { 2 * maxBodyBytes + (256 << 10) }

    /// The webhook receiver for the configured pushed sources, storing into `pipeline`; nil when
    /// there are none.
    public static func makeWebhookReceiver(_ configuration: RelayConfiguration, pipeline: Pipeline, logger: Logger) throws -> WebhookReceiver? {
        let pushed = configuration.sources.filter { $0.definition is any WebhookSourceDefinition }
        guard !pushed.isEmpty else { return nil }
        let endpoints = try configuration.webhookSources.map { try $0.makeEndpoint() }
        let identities = pushed.map {
            SourceIdentity(workspaceID: configuration.workspaceID, sourceID: $0.definition.id, sourceTTL: $0.sourceTTL)
        }
        let store = PipelineWebhookStore(pipeline: pipeline, identities: identities, spoolWait: configuration.webhooks.spoolWait)
        let retryAfter = Int(configuration.webhooks.retryAfter.components.seconds)
        return WebhookReceiver(endpoints: endpoints, store: store, retryAfterSeconds: max(1, retryAfter), logger: logger)
    }
}
