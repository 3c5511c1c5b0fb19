/// The metadata map at the end of a MaxMind DB file, validated so that the search tree it describes
/// fits inside the file.
public struct MMDBMetadata: Sendable, Hashable {
    public let nodeCount: Int
    /// Bits per search-tree record: 24, 28 or 32.
    public let recordSize: Int
    /// 4 or 6.
    public let ipVersion: Int
    public let databaseType: String
    public let languages: [String]
    public let binaryFormatMajorVersion: Int
    public let binaryFormatMinorVersion: Int
    /// Seconds since the epoch when the database was built (may be any UInt64, even UInt64.max).
    public let buildEpoch: UInt64
    public let description: [String: String]

    /// Bytes per search-tree node (two records).
    public var nodeByteSize: Int { recordSize / 4 }
    /// Bytes of the whole search tree.
    public var searchTreeSize: Int { nodeCount * nodeByteSize }

    /// The marker that starts the metadata section (spec: "\xAB\xCD\xEFMaxMind.com").
    static let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
    /// The spec limits the metadata section to the last 128 KiB of the file.
    static let maximumMetadataSize = 128 * 1024

    /// The offset where the last metadata marker in the file starts, searching backwards through the
    /// last 128 KiB, or nil.
    static func markerOffset(in bytes: UnsafeRawBufferPointer) -> Int? {
        let markerLength = marker.count
        guard bytes.count >= markerLength, let base = bytes.baseAddress else { return nil }
        let lowest = max(0, bytes.count - maximumMetadataSize - markerLength)
        var start = bytes.count - markerLength
        return marker.withUnsafeBytes { markerBytes -> Int? in
            guard let markerBase = markerBytes.baseAddress else { return nil }
            while start >= lowest {
                if base.load(fromByteOffset: start, as: UInt8.self) == 0xAB,
                   memcmpBytes(base + start, markerBase, markerLength) {
                    return start
                }
                start -= 1
            }
            return nil
        }
    }

    private static func memcmpBytes(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, _ count: Int) -> Bool {
        for index in 0 ..< count where left.load(fromByteOffset: index, as: UInt8.self) != right.load(fromByteOffset: index, as: UInt8.self) {
            return false
        }
        return true
    }

    /// Reads and validates the metadata map; `fileSize` and `markerOffset` bound the search tree.
    init(decoding value: MMDBValue, markerOffset: Int, path: String) throws(MMDBError) {
        func invalid(_ cause: String) -> MMDBError { MMDBError(path: path, code: .invalidMetadata(cause)) }
        guard case let .map(map) = value else { throw invalid("metadata is not a map") }
        func unsigned(_ key: String) throws(MMDBError) -> UInt64 {
            guard let number = map[key]?.unsignedValue else {
                throw invalid("metadata key '\(key)' is missing or not an unsigned integer")
            }
            return number
        }
        let nodeCount = try unsigned("node_count")
        let recordSize = try unsigned("record_size")
        let ipVersion = try unsigned("ip_version")
        let major = try unsigned("binary_format_major_version")
        let minor = try unsigned("binary_format_minor_version")
        guard major == 2 else { throw invalid("binary format major version \(major) is not supported (only 2)") }
        guard [24, 28, 32].contains(recordSize) else { throw invalid("record size \(recordSize) is not 24, 28 or 32") }
        guard ipVersion == 4 || ipVersion == 6 else { throw invalid("ip version \(ipVersion) is not 4 or 6") }
        guard nodeCount > 0, nodeCount < UInt64(UInt32.max) else { throw invalid("node count \(nodeCount) is out of range") }
        let treeSize = Int(nodeCount) * Int(recordSize) / 4
        guard treeSize + 16 <= markerOffset else {
            throw invalid("the search tree (\(nodeCount) nodes of \(recordSize / 4) bytes) extends past the end of the file")
        }
        guard case let .string(databaseType)? = map["database_type"] else {
            throw invalid("metadata key 'database_type' is missing or not a string")
        }
        self.nodeCount = Int(nodeCount)
        self.recordSize = Int(recordSize)
        self.ipVersion = Int(ipVersion)
        self.databaseType = databaseType
        binaryFormatMajorVersion = Int(major)
        binaryFormatMinorVersion = Int(minor)
        buildEpoch = map["build_epoch"]?.unsignedValue ?? 0
        if case let .array(languages)? = map["languages"] {
            self.languages = languages.compactMap(\.stringValue)
        } else {
            languages = []
        }
        if case let .map(description)? = map["description"] {
            self.description = description.compactMapValues(\.stringValue)
        } else {
            description = [:]
        }
    }
}
