import Polling

/// The state topic's wire format. Key: `<source id>` U+001F `<stream name>` for one stream's
/// `PollState`, or `<source id>` U+001F `#credential` for the source's sealed rotated credential
/// (already AES-256-GCM sealed by `RotatingRefreshToken`, never clear text). Value: one format
/// version byte, then the UTF-8 text. A null value (tombstone) deletes the key.
public enum StateRecord {
    public static let formatVersion: UInt8 = 1
    static let separator: UInt8 = 0x1F
    static let credentialName = "#credential"

    public static func key(source: String, stream: String) -> [UInt8] {
        Array(source.utf8) + [separator] + Array(stream.utf8)
    }

    public static func credentialKey(source: String) -> [UInt8] {
        key(source: source, stream: credentialName)
    }

    /// One source cursor (SourceCursor JSON) → its records (one per stream + the credential if any).
    public static func records(source: String, cursor: String) throws -> [(key: [UInt8], value: [UInt8])] {
        guard !source.isEmpty, !source.utf8.contains(separator) else { throw ClusterError.invalidSourceID(source) }
        // A version 1 cursor would be given this stream name: such a cursor names no stream, and
        // a guessed name could resume the wrong stream on another replica.
        let unnamedStream = "\u{1F}"
        guard let decoded = SourceCursor(decoding: cursor, defaultStream: unnamedStream) else {
            throw ClusterError.invalidCursor(source: source, reason: "not a polling cursor (version 2 JSON)")
        }
        guard decoded.streams[unnamedStream] == nil else {
            throw ClusterError.invalidCursor(source: source, reason: "a version 1 cursor names no stream")
        }
        var records: [(key: [UInt8], value: [UInt8])] = []
        for name in decoded.streams.keys.sorted() {
            guard name != credentialName else {
                throw ClusterError.invalidCursor(source: source, reason: "stream name \(credentialName) is reserved")
            }
            guard let state = decoded.streams[name] else { continue }
            records.append((key(source: source, stream: name), value(state.encoded)))
        }
        if let sealed = decoded.sealedCredential {
            records.append((credentialKey(source: source), value(sealed)))
        }
        return records
    }

    /// The sealed rotated credential a cursor carries, if any (nil for any other cursor).
    public static func sealedCredential(in cursor: String) -> String? {
        // Cheap test first: most sources never rotate a credential, and this runs per page.
        guard cursor.utf8.count > 8, cursor.contains("\"cred\"") else { return nil }
        return SourceCursor(decoding: cursor, defaultStream: "\u{1F}")?.sealedCredential
    }

    static func value(_ text: String) -> [UInt8] {
        [formatVersion] + Array(text.utf8)
    }

    /// A key as log text: control bytes (the separator among them) shown as `\u{..}`.
    static func printable(_ bytes: [UInt8]) -> String {
        var text = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

/// The latest value per key, as a reader consumes the state topic from its start (the same
/// result as reading a compacted topic). A record that does not decode is skipped and the key
/// keeps its previous value: an older cursor can only cause duplicates.
public struct MirroredStateTable: Sendable {
    private var streams: [String: [String: PollState]] = [:]
    private var credentials: [String: String] = [:]

    public init() {}

    /// The sources that have any mirrored state.
    public var sourceIDs: Set<String> { Set(streams.keys).union(credentials.keys) }

    /// Applies one consumed record (value nil = tombstone). Returns a warning text if skipped.
    public mutating func apply(key: [UInt8], value: [UInt8]?) -> String? {
        do {
            try applyOrThrow(key: key, value: value)
            return nil
        } catch {
            return error.description
        }
    }

    private mutating func applyOrThrow(key: [UInt8], value: [UInt8]?) throws(ClusterError) {
        func invalid(_ reason: String) -> ClusterError {
            .invalidStateRecord(key: StateRecord.printable(key), reason: reason)
        }
        guard let split = key.firstIndex(of: StateRecord.separator), split > 0 else {
            throw invalid("the key is not <source id> U+001F <stream>")
        }
        guard let source = String(validating: key[..<split], as: UTF8.self),
              let name = String(validating: key[(split + 1)...], as: UTF8.self) else {
            throw invalid("the key is not UTF-8")
        }
        guard let value else {
            if name == StateRecord.credentialName {
                credentials[source] = nil
            } else {
                streams[source]?[name] = nil
                if streams[source]?.isEmpty == true { streams[source] = nil }
            }
            return
        }
        guard let version = value.first else { throw invalid("empty value (a deletion is a null value)") }
        guard version == StateRecord.formatVersion else {
            throw invalid("unknown format version \(version) (this build reads \(StateRecord.formatVersion))")
        }
        guard let text = String(validating: value.dropFirst(), as: UTF8.self) else { throw invalid("the value is not UTF-8") }
        if name == StateRecord.credentialName {
            guard !text.isEmpty else { throw invalid("empty sealed credential") }
            credentials[source] = text
        } else {
            guard let state = PollState(decoding: text) else { throw invalid("the value is not a stream's poll state") }
            streams[source, default: [:]][name] = state
        }
    }

    /// The SourceCursor JSON assembled from the source's streams + credential, nil if none.
    public func cursor(source: String) -> String? {
        let sourceStreams = streams[source] ?? [:]
        let credential = credentials[source]
        guard !sourceStreams.isEmpty || credential != nil else { return nil }
        return SourceCursor(streams: sourceStreams, sealedCredential: credential).encoded
    }
}
