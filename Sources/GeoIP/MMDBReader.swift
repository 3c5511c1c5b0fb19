/// The result of a lookup: where the address's data record is, and the prefix length of the network
/// that matched. A small value; decoding happens only when the caller asks for a field.
public struct LookupResult: Sendable, Hashable {
    /// Offset of the record in the data section, or -1 when the address has no data.
    public let dataOffset: Int
    /// Prefix length of the matched network, in the address's own family (0...32 for IPv4).
    public let prefixLength: Int

    public var found: Bool { dataOffset >= 0 }

    public init(dataOffset: Int, prefixLength: Int) {
        self.dataOffset = dataOffset
        self.prefixLength = prefixLength
    }
}

/// A MaxMind DB (.mmdb) reader: opens a file with `mmap` (or a private copy), looks addresses up in
/// the search tree and decodes only the fields the caller asks for.
///
/// Thread-safe and immutable; share one reader between tasks. Every read is bounds-checked, so a
/// corrupt or hostile file yields `MMDBError`, never a crash or hang. The one exception is outside the
/// reader's control: a `.mapped` file that another process truncates in place raises SIGBUS on
/// access; use `.copied` or `GeoIPDatabase` when files may be rewritten in place.
///
/// Typical enrichment use:
/// ```swift
/// static let cityName: MMDBPath = ["city", "names", "en"]
/// let result = try reader.lookup(address)
/// let city = try reader.string(at: Self.cityName, in: result)
/// ```
public final class MMDBReader: @unchecked Sendable {
    /// The file name used in error messages.
    public let path: String
    public let metadata: MMDBMetadata
    /// Where the data section starts in the file.
    public let dataSectionFileOffset: Int
    /// The signature of the file when it was opened (nil for in-memory databases).
    public var fileSignature: MMDBFileSignature? { storage.signature }
    /// Bytes held by this reader (the mapping or the private copy).
    public var byteCount: Int { storage.bytes.count }

    let storage: MMDBStorage
    let tree: SearchTree
    let data: DataSection

    /// Opens the database at `path`.
    public convenience init(path: String, mode: MMDBLoadMode = .mapped) throws(MMDBError) {
        try self.init(storage: MMDBStorage.open(path: path, mode: mode), path: path)
    }

    /// Opens a database held in memory (the bytes are copied), e.g. for tests and fuzzing.
    public convenience init(bytes: UnsafeRawBufferPointer, name: String = "<memory>") throws(MMDBError) {
        try self.init(storage: MMDBStorage(copying: bytes), path: name)
    }

    public convenience init(bytes: [UInt8], name: String = "<memory>") throws(MMDBError) {
        let storage = bytes.withUnsafeBytes { MMDBStorage(copying: $0) }
        try self.init(storage: storage, path: name)
    }

    init(storage: MMDBStorage, path: String) throws(MMDBError) {
        self.storage = storage
        self.path = path
        let bytes = storage.bytes
        guard let base = bytes.baseAddress,
              let markerOffset = MMDBMetadata.markerOffset(in: bytes)
        else {
            throw MMDBError(path: path, code: .invalidMetadata("no metadata marker in the last 128 KiB, is this a MaxMind DB file?"))
        }
        let metadataStart = markerOffset + MMDBMetadata.marker.count
        let metadataSection = DataSection(base: base + metadataStart, count: bytes.count - metadataStart,
                                          fileOffset: metadataStart)
        var decoder = ValueDecoder(section: metadataSection, limits: .default)
        let metadataValue: MMDBValue
        do {
            metadataValue = try decoder.decode(at: 0).0
        } catch {
            throw MMDBError(path: path, code: .invalidMetadata("metadata is corrupt: " + error.reason.message(detail: error.detail)
                    + " at offset \(metadataStart + error.offset)"))
        }
        metadata = try MMDBMetadata(decoding: metadataValue, markerOffset: markerOffset, path: path)
        dataSectionFileOffset = metadata.searchTreeSize + 16
        data = DataSection(base: base + dataSectionFileOffset, count: markerOffset - dataSectionFileOffset,
                           fileOffset: dataSectionFileOffset)
        tree = SearchTree(base: base, metadata: metadata, dataSectionSize: data.count)
    }

    // MARK: - Lookup

    /// Finds the record for `address`. IPv4 addresses in an IPv6 database use the IPv4 subtree
    /// (`::a.b.c.d`); IPv6 addresses follow the tree as stored, so `::ffff:a.b.c.d` finds the IPv4
    /// data when the database aliases it (as MaxMind's databases do). In an IPv4 database an
    /// IPv4-mapped IPv6 address is looked up as its IPv4 address; other IPv6 addresses are an error.
    @inline(__always)
    public func lookup(_ address: IPAddressBytes) throws(MMDBError) -> LookupResult {
        var address = address
        if tree.ipVersion == 4, !address.isIPv4 {
            guard let ipv4 = address.embeddedIPv4 else {
                throw MMDBError(path: path, code: .ipv6InIPv4Database(address.description))
            }
            address = ipv4
        }
        do {
            let (record, depth, parent) = try tree.walk(address)
            let prefix = address.isIPv4 && tree.ipVersion == 6 ? max(0, depth - 96) : depth
            return LookupResult(dataOffset: try tree.dataOffset(forRecord: record, of: parent), prefixLength: prefix)
        } catch {
            throw corrupt(error, treeFailure: true)
        }
    }

    /// Parses `text` (IPv4 or IPv6) and looks it up.
    public func lookup(_ text: String) throws(MMDBError) -> LookupResult {
        guard let address = IPAddressBytes(text) else {
            throw MMDBError(path: path, code: .unparsableAddress(text))
        }
        return try lookup(address)
    }

    // MARK: - Field access (the enrichment fast path)

    /// The string at `path` in the record, or nil when the address has no record, the path does not
    /// exist or names a non-string. Invalid UTF-8 is repaired (U+FFFD), never fatal; `verify()` reports it.
    public func string(at path: MMDBPath, in result: LookupResult) throws(MMDBError) -> String? {
        guard let field = try field(at: path, in: result), field.type == DataType.utf8String else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: data.base + field.payload, count: field.size), as: UTF8.self)
    }

    /// Calls `body` with the raw UTF-8 bytes of the string at `path` without copying them; the bytes
    /// are only valid inside `body`. Returns nil when there is no such string.
    public func withUTF8<Result>(at path: MMDBPath, in result: LookupResult,
                                 _ body: (UnsafeRawBufferPointer) -> Result) throws(MMDBError) -> Result? {
        guard let field = try field(at: path, in: result), field.type == DataType.utf8String else { return nil }
        return withExtendedLifetime(storage) {
            body(UnsafeRawBufferPointer(start: data.base + field.payload, count: field.size))
        }
    }

    /// The double or float at `path`, or nil.
    public func double(at path: MMDBPath, in result: LookupResult) throws(MMDBError) -> Double? {
        guard let field = try field(at: path, in: result) else { return nil }
        return data.doubleValue(field)
    }

    /// The unsigned integer (uint16/32/64, a uint128 below 2^64, or a non-negative int32) at `path`, or nil.
    public func uint(at path: MMDBPath, in result: LookupResult) throws(MMDBError) -> UInt64? {
        guard let field = try field(at: path, in: result) else { return nil }
        return data.unsignedValue(field)
    }

    /// The boolean at `path`, or nil.
    public func bool(at path: MMDBPath, in result: LookupResult) throws(MMDBError) -> Bool? {
        guard let field = try field(at: path, in: result), field.type == DataType.boolean, field.size <= 1 else { return nil }
        return field.size == 1
    }

    /// Decodes the whole value at `path` (the whole record for an empty path), within `limits`.
    public func decode(at path: MMDBPath = [], in result: LookupResult,
                       limits: MMDBDecodeLimits = .default) throws(MMDBError) -> MMDBValue? {
        guard result.dataOffset >= 0 else { return nil }
        do {
            guard let offset = try data.resolveOffset(path, from: result.dataOffset) else { return nil }
            var decoder = ValueDecoder(section: data, limits: limits)
            return try decoder.decode(at: offset).0
        } catch {
            throw corrupt(error)
        }
    }

    /// Payload bounds are checked here, so callers may read `size` bytes at `payload`.
    @inline(__always)
    private func field(at path: MMDBPath, in result: LookupResult) throws(MMDBError) -> Field? {
        guard result.dataOffset >= 0, result.dataOffset < data.count else { return nil }
        do {
            guard let field = try data.resolve(path, from: result.dataOffset) else { return nil }
            if field.type != DataType.map, field.type != DataType.array, field.type != DataType.boolean {
                try data.checkPayload(field)
            }
            return field
        } catch {
            throw corrupt(error)
        }
    }

    func corrupt(_ failure: DecodeFailure, treeFailure: Bool = false) -> MMDBError {
        let fileOffset = treeFailure ? failure.offset : data.fileOffset + failure.offset
        return MMDBError(path: path, code: .corrupt(failure.reason, fileOffset: fileOffset, detail: failure.detail))
    }
}
