import Enrichment
import Logging
import Normalizers
import RelayCore
import Spool

/// Builds a running pipeline from a validated configuration.
public enum RelayRuntime {
    public static func makePipeline(_ configuration: RelayConfiguration, logger: Logger) throws -> Pipeline {
        let sources = try configuration.sources.map { source in
            Pipeline.SourceRun(
                source: try source.definition.makeSource(),
                identity: SourceIdentity(workspaceID: configuration.workspaceID, sourceID: source.definition.id, sourceTTL: source.sourceTTL)
            )
        }
        let context = SinkContext(spoolDirectory: configuration.spool.directory, logger: logger)
        let sinks = try configuration.sinks.map { try $0.makeSink(context: context) }
        let geoIP = try makeGeoIPEnricher(configuration)
        let spool = try Spool(configuration: spoolConfiguration(configuration))
        return Pipeline(sources: sources, sinks: sinks, log: SpoolRecordLog(spool: spool), enrichers: geoIP.map { [$0] } ?? [], logger: logger)
    }

    /// The GeoIP enricher for the configured databases, or nil when none are configured.
    public static func makeGeoIPEnricher(_ configuration: RelayConfiguration) throws -> GeoIPEnricher? {
        guard !configuration.geoIPDatabases.isEmpty else { return nil }
        return try GeoIPEnricher(paths: configuration.geoIPDatabases, cacheSize: configuration.geoIPCacheSize)
    }

    /// The spool settings of a config: its directory, hard size cap and the sinks that must acknowledge.
    public static func spoolConfiguration(_ configuration: RelayConfiguration) -> Spool.Configuration {
        Spool.Configuration(directory: configuration.spool.directory, maxBytes: configuration.spool.maxBytes,
                            segmentBytes: min(64 << 20, max(min(4 << 20, configuration.spool.maxBytes / 2), configuration.spool.maxBytes / 8)),
                            fullPolicy: configuration.spool.fullPolicy == "drop_oldest" ? .dropOldest : .block,
                            sinks: configuration.sinks.map(\.name))
    }
}
