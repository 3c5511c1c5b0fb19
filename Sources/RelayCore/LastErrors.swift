import Foundation

/// The last error of each source and sink, served as `GET /status` for `auditrelay status`
/// (metrics count errors but cannot carry their text). Callers record the text their log line
/// carries, with credentials already removed; texts are cut to `maximumLength`.
public final class LastErrors: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    public enum Component: String, Sendable, CaseIterable { case sources, sinks }

    public struct Entry: Sendable, Equatable {
        public var message: String
        public var at: Timestamp
        public init(message: String, at: Timestamp) {
            self.message = message
            self.at = at
        }
    }

    public static let maximumLength = 500
    private let lock = NSLock()
    private var entries: [Component: [String: Entry]] = [:]

    public init() {}

    public func record(_ component: Component, name: String, message: String, at time: Timestamp = .now()) {
        let text = message.count > Self.maximumLength ? String(message.prefix(Self.maximumLength)) + "…" : message
        lock.withLock { entries[component, default: [:]][name] = Entry(message: text, at: Timestamp(seconds: time.microseconds / 1_000_000)) }
    }

    public func entry(_ component: Component, name: String) -> Entry? { lock.withLock { entries[component]?[name] } }

    /// `{"sources":{"okta":{"lastError":"…","lastErrorAt":"2026-12-06T21:00:00Z"}},"sinks":{}}`
    public func json() -> [UInt8] {
        let snapshot = lock.withLock { entries }
        var writer = JSONWriter(capacity: 512)
        writer.raw(UInt8(ascii: "{"))
        for (index, component) in Component.allCases.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.string(component.rawValue)
            writer.raw(":{")
            let named = snapshot[component] ?? [:]
            for (position, name) in named.keys.sorted().enumerated() {
                guard let entry = named[name] else { continue }
                if position > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(name)
                writer.raw(":{\"lastError\":")
                writer.string(entry.message)
                writer.raw(",\"lastErrorAt\":")
                writer.string(entry.at.description)
                writer.raw(UInt8(ascii: "}"))
            }
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw(UInt8(ascii: "}"))
        return writer.bytes
    }
}
