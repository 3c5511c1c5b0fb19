import Logging
import Normalizers
import RelayCore

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
        // The durable spool replaces this bounded in-memory log (issue #5); the bound is the same.
        let log = MemoryRecordLog(capacityBytes: Int(min(configuration.spool.maxBytes, UInt64(Int.max))), sinks: sinks.map(\.name))
        return Pipeline(sources: sources, sinks: sinks, log: log, logger: logger)
    }
}
