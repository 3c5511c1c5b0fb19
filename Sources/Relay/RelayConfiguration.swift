import Cluster
import Replay
import Vendors
import Webhooks
#if canImport(Glibc)
import Glibc
#endif
import Logging
import RelayCore
import Sinks

/// A configured sink.
public protocol SinkDefinition: Sendable {
    var name: String { get }
    func makeSink() throws -> any RecordSink
    /// Builds the sink for a run; sinks that need the run's context (the spool directory for
    /// dead letters, the logger) implement this, the others keep the default.
    func makeSink(context: SinkContext) throws -> any RecordSink
}

extension SinkDefinition {
    public func makeSink(context: SinkContext) throws -> any RecordSink { try makeSink() }
}

/// What a sink may need from the run it is part of.
public struct SinkContext: Sendable {
    public var spoolDirectory: String
    public var logger: Logger

    public init(spoolDirectory: String, logger: Logger) {
        self.spoolDirectory = spoolDirectory
        self.logger = logger
    }
}

/// The whole config file, validated. Built by `RelayConfiguration.parse`, which reports every
/// problem with its key path instead of stopping at the first.
public struct RelayConfiguration: Sendable {
    public struct Source: Sendable {
        public var definition: any SourceDefinition
        public var type: String
        /// Retention hint in days, copied into every record's `sourceTTL`.
        public var sourceTTL: UInt32
    }

    public struct SpoolSettings: Sendable {
        public var directory: String
        public var maxBytes: UInt64
        /// `block` (default: polling pauses while full) or `drop_oldest` (counted).
        public var fullPolicy: String
        /// How often sinks' acknowledgements are made durable: what a crash can deliver twice is
        /// at most this much of a sink's traffic (each persist is one small fsynced write).
        public var ackPersistInterval: Duration = .milliseconds(200)
    }

    public var workspaceID: String
    public var sources: [Source]
    public var sinks: [any SinkDefinition]
    public var spool: SpoolSettings
    public var geoIPDatabases: [String]
    public var geoIPCacheSize: Int
    /// How often database files are checked for replacement.
    public var geoIPRefreshInterval: Duration
    /// `http.listen` when the config does not set it.
    public static let defaultListen = "127.0.0.1:8686"
    public var httpListen: String
    /// `/readyz` fails once the oldest unacknowledged record is older than this.
    public var readinessMaxAge: Duration
    /// Whether a stuck pipeline makes `/readyz` fail (`pipeline`) or only the process's liveness
    /// counts (`process`, for sidecars).
    public var readiness: ReadinessMode
    public var logLevel: String
    public var logFormat: String
    /// On SIGTERM: how long sinks may take to drain before the process exits anyway (the rest stays spooled).
    public var drainTimeout: Duration
    /// The `webhooks:` section: the dedicated listener and limits for pushed sources.
    public var webhooks: WebhookSettings
    /// The `cluster:` section: replicas sharing the polled sources (nil: this process polls them all).
    public var cluster: ClusterConfiguration?

    /// The pushed sources (webhooks); the others are polled.
    public var webhookSources: [any WebhookSourceDefinition] {
        sources.compactMap { $0.definition as? any WebhookSourceDefinition }
    }

    /// Parses and validates `value`. Returns the configuration only when there are no problems.
    public static func parse(_ value: ConfigValue, secrets: SecretResolver) -> (RelayConfiguration?, [ConfigProblem]) {
        let diagnostics = ConfigDiagnostics()
        let root = ConfigSection(path: "", value: value, diagnostics: diagnostics, secrets: secrets)
        let workspaceID = root.string("workspaceID", default: "")
        var sources: [Source] = []
        var seenIDs: Set<String> = []
        for section in root.sections("sources") {
            let type = section.requiredString("type")
            let ttl = UInt32(section.integer("sourceTTL", default: 0, range: 0...Int(UInt32.max)))
            guard let parse = ComponentCatalog.sources[type] else {
                if !type.isEmpty {
                    section.report("type", "\"\(type)\" is not a known source type (known: \(ComponentCatalog.sources.keys.sorted().joined(separator: ", ")))")
                }
                continue
            }
            let definition = parse(section)
            section.finish()
            if !definition.id.isEmpty && !seenIDs.insert(definition.id).inserted {
                section.report("id", "\"\(definition.id)\" is used by another source")
            }
            sources.append(Source(definition: definition, type: type, sourceTTL: ttl))
        }
        if sources.isEmpty && !root.has("sources") { root.report("sources", "at least one source is required") }

        var sinks: [any SinkDefinition] = []
        var sinkNames: Set<String> = []
        for section in root.sections("sinks") {
            let type = section.requiredString("type")
            let name = section.string("name", default: type)
            guard let parse = ComponentCatalog.sinks[type] else {
                if !type.isEmpty {
                    section.report("type", "\"\(type)\" is not a known sink type (known: \(ComponentCatalog.sinks.keys.sorted().joined(separator: ", ")))")
                }
                continue
            }
            if !sinkNames.insert(name).inserted {
                section.report("name", "\"\(name)\" is used by another sink; give each sink of the same type a distinct name")
            }
            sinks.append(parse(section, name))
            section.finish()
        }
        if sinks.isEmpty && !root.has("sinks") { root.report("sinks", "at least one sink is required") }

        var spool = SpoolSettings(directory: "/var/lib/auditrelay/spool", maxBytes: 1 << 30, fullPolicy: "block")
        if let section = root.section("spool") {
            spool.directory = section.string("dir", default: spool.directory)
            spool.maxBytes = section.byteSize("maxBytes", default: spool.maxBytes)
            spool.fullPolicy = section.choice("fullPolicy", ["block", "drop_oldest"], default: spool.fullPolicy)
            spool.ackPersistInterval = section.duration("ackPersistInterval", default: spool.ackPersistInterval)
            if spool.ackPersistInterval > .seconds(60) { section.report("ackPersistInterval", "must be at most 60s (longer means more redelivered after a crash)") }
            if spool.maxBytes < 1 << 20 { section.report("maxBytes", "must be at least 1MiB") }
            section.finish()
        }
        var databases: [String] = []
        var cacheSize = 8192
        var refreshInterval: Duration = .seconds(10)
        if let section = root.section("geoip") {
            databases = section.strings("databases")
            cacheSize = section.integer("cacheSize", default: cacheSize, range: 0...10_000_000)
            refreshInterval = section.duration("refreshInterval", default: refreshInterval)
            for (index, path) in databases.enumerated() where access(path, R_OK) != 0 {
                section.diagnostics.report("\(section.keyPath("databases"))[\(index)]", "cannot read \(path): \(SystemError(errno: errno))")
            }
            section.finish()
        }
        var listen = Self.defaultListen
        var readinessMaxAge: Duration = .seconds(300)
        var readiness = ReadinessMode.pipeline
        if let section = root.section("http") {
            listen = section.string("listen", default: listen)
            readinessMaxAge = section.duration("readinessMaxAge", default: readinessMaxAge)
            let mode = section.choice("readiness", ReadinessMode.allCases.map(\.rawValue), default: readiness.rawValue)
            readiness = ReadinessMode(rawValue: mode) ?? readiness
            section.finish()
        }
        var level = "info"
        var format = "auto"
        if let section = root.section("log") {
            level = section.choice("level", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: level)
            format = section.choice("format", ["auto", "json", "text"], default: format)
            section.finish()
        }
        var drainTimeout: Duration = .seconds(30)
        if let section = root.section("shutdown") {
            drainTimeout = section.duration("drainTimeout", default: drainTimeout)
            section.finish()
        }
        let webhooks = WebhookSettings(root.section("webhooks"))
        let cluster = root.section("cluster").map { ClusterConfiguration($0) }
        // A delivery is stored as one record (its body twice at most: rawLog is a JSON string);
        // one that could never fit a spool segment is a config error now, not a 413 later.
        let segmentCapacity = RelayRuntime.segmentBytes(spoolMaxBytes: spool.maxBytes)
        for (index, source) in sources.enumerated() {
            guard let pushed = source.definition as? any WebhookSourceDefinition else { continue }
            let needed = RelayRuntime.recordBytes(maxBodyBytes: pushed.maxBodyBytes)
            if UInt64(needed) > segmentCapacity {
                diagnostics.report("sources[\(index)].maxBodyBytes", "a delivery of \(pushed.maxBodyBytes) bytes cannot fit a spool segment of \(segmentCapacity) bytes (spool.maxBytes \(spool.maxBytes)): raise spool.maxBytes to at least \(UInt64(needed) * 8) or lower maxBodyBytes")
            }
        }
        root.finish()
        let problems = diagnostics.problems
        guard problems.isEmpty else { return (nil, problems) }
        return (RelayConfiguration(workspaceID: workspaceID, sources: sources, sinks: sinks, spool: spool,
                                   geoIPDatabases: databases, geoIPCacheSize: cacheSize, geoIPRefreshInterval: refreshInterval,
                                   httpListen: listen, readinessMaxAge: readinessMaxAge, readiness: readiness,
                                   logLevel: level, logFormat: format, drainTimeout: drainTimeout, webhooks: webhooks, cluster: cluster), [])
    }
}

/// The source and sink types a config may name: every polled vendor in `VendorCatalog`, replay,
/// and the sinks (adding a sink type: one line here).
public enum ComponentCatalog {
    public static let sources: [String: @Sendable (ConfigSection) -> any SourceDefinition] = VendorCatalog.sources.merging([
        "replay": { ReplaySource.Configuration($0) },
    ]) { vendor, _ in vendor }

    public static let sinks: [String: @Sendable (ConfigSection, String) -> any SinkDefinition] = [
        "stdout": { section, name in StdoutSinkDefinition(name: name) },
        "file": { section, name in FileSink.Configuration(section, name: name) },
        "kafka": { section, name in KafkaSink.Configuration(section, name: name) },
        "syslog": { section, name in SyslogSink.Configuration(section, name: name) },
    ]
}

extension ReplaySource.Configuration: SourceDefinition {
    public func makeSource() throws -> any AuditSource { ReplaySource(configuration: self) }
}

struct StdoutSinkDefinition: SinkDefinition {
    let name: String
    func makeSink() throws -> any RecordSink { StdoutSink(name: name) }
}

extension FileSink.Configuration: SinkDefinition {
    public func makeSink() throws -> any RecordSink { try FileSink(configuration: self) }
}

extension KafkaSink.Configuration: SinkDefinition {
    public func makeSink() throws -> any RecordSink {
        throw SinkError("kafka sink \(name) needs the run's spool directory for its dead-letter file")
    }

    public func makeSink(context: SinkContext) throws -> any RecordSink {
        try KafkaSink(configuration: self, deadLetterDirectory: "\(context.spoolDirectory)/dead-letter", logger: context.logger)
    }
}

extension SyslogSink.Configuration: SinkDefinition {
    public func makeSink() throws -> any RecordSink { try SyslogSink(configuration: self) }
}
