import Logging
import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// How log lines look: JSON lines (one object per line, for log collectors) or human-readable
/// text. `auto` picks text on a terminal and JSON otherwise (containers).
public enum LogFormat: String, Sendable, CaseIterable {
    case auto, json, text

    public var resolved: LogFormat {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) == 1 ? .text : .json
    }

    /// Bootstraps swift-log once for the process.
    public func bootstrap(level: Logger.Level) {
        let format = resolved
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            default:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// Writes each log event as one JSON object per line to stderr:
/// `{"time":"…","level":"warning","logger":"auditrelay","message":"…","source":"okta-prod",…}`.
/// The message is a constant sentence; the data travels in metadata (swift-log best practice).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.key("time"); writer.string(Timestamp.now().description)
        writer.raw(","); writer.key("level"); writer.string(level.rawValue)
        writer.raw(","); writer.key("logger"); writer.string(label)
        writer.raw(","); writer.key("message"); writer.string(message.description)
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            writer.raw(",")
            writer.string(key)
            writer.raw(":")
            writer.string(Self.flatten(value))
        }
        writer.raw("}\n")
        writer.bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let items): return "[" + items.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let items): return "{" + items.keys.sorted().map { "\($0): \(flatten(items[$0] ?? .string("")))" }.joined(separator: ", ") + "}"
        }
    }
}
