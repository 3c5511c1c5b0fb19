// On-disk framing of one spool record (little-endian):
//
//   offset size field
//   0      2    magic 0xA7 0x52
//   2      1    format version (1)
//   3      1    kind (1 data, 2 cursor marker, 3 dedupe ids) in bits 0-6; bit 7 marks the last record of a
//               batch: recovery keeps a batch only if its last record is intact (batches are all or nothing)
//   4      4    payload length (checked against maxRecordBytes before anything is allocated)
//   8      8    sequence: data records are numbered 1, 2, 3, ... without gaps; markers carry the
//               sequence of the last data record written before them
//   16     8    append time, milliseconds since the Unix epoch (drives oldest-unacked-age)
//   24     4    CRC32C over bytes 0..<24 followed by the payload
//   28     n    payload
//
// Records never span segments and are never padded, so the next header follows the payload directly.

/// What a record in the log means.
enum RecordKind: UInt8, Sendable {
    /// A payload handed to `Spool.append`, delivered to every sink.
    case data = 1
    /// `(source, cursor)` committed together with the batch of data records just before it.
    case cursorMarker = 2
    /// Vendor event ids recorded in a source's dedupe window.
    case dedupe = 3
}

/// A decoded record header (payload not included).
struct RecordHeader: Equatable, Sendable {
    static let size = 28
    static let magic0: UInt8 = 0xA7
    static let magic1: UInt8 = 0x52
    static let version: UInt8 = 1

    var kind: RecordKind
    var endsBatch: Bool
    var length: UInt32
    var sequence: UInt64
    var timestampMillis: UInt64
    var checksum: UInt32

    /// Writes the header and computes the CRC over header and the payload that must already sit right
    /// after it at `base + size`.
    static func write(kind: RecordKind, endsBatch: Bool, payloadLength: Int, sequence: UInt64,
                      timestampMillis: UInt64, at base: UnsafeMutableRawPointer) {
        base.storeBytes(of: magic0, toByteOffset: 0, as: UInt8.self)
        base.storeBytes(of: magic1, toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: version, toByteOffset: 2, as: UInt8.self)
        base.storeBytes(of: kind.rawValue | (endsBatch ? 0x80 : 0), toByteOffset: 3, as: UInt8.self)
        base.storeBytes(of: UInt32(payloadLength).littleEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        base.storeBytes(of: timestampMillis.littleEndian, toByteOffset: 16, as: UInt64.self)
        let crc = checksum(headerAt: UnsafeRawPointer(base), payloadLength: payloadLength)
        base.storeBytes(of: crc.littleEndian, toByteOffset: 24, as: UInt32.self)
    }

    static func checksum(headerAt base: UnsafeRawPointer, payloadLength: Int) -> UInt32 {
        let headerCRC = CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 24))
        return CRC32C.checksum(UnsafeRawBufferPointer(start: base + size, count: payloadLength), continuing: headerCRC)
    }

    /// Parses a header if the magic, version and kind are plausible and the length is within `maxLength`.
    /// Does not check the CRC (the payload may not be in memory yet).
    static func parse(_ base: UnsafeRawPointer, maxLength: Int) -> RecordHeader? {
        guard base.load(fromByteOffset: 0, as: UInt8.self) == magic0,
              base.load(fromByteOffset: 1, as: UInt8.self) == magic1,
              base.load(fromByteOffset: 2, as: UInt8.self) == version,
              let kind = RecordKind(rawValue: base.load(fromByteOffset: 3, as: UInt8.self) & 0x7F)
        else { return nil }
        let endsBatch = base.load(fromByteOffset: 3, as: UInt8.self) & 0x80 != 0
        let length = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard Int(length) <= maxLength else { return nil }
        return RecordHeader(
            kind: kind, endsBatch: endsBatch, length: length,
            sequence: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            timestampMillis: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            checksum: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
    }

    /// Whether the CRC matches, given the header at `base` followed by its full payload.
    func isIntact(at base: UnsafeRawPointer) -> Bool {
        Self.checksum(headerAt: base, payloadLength: Int(length)) == checksum
    }

    var frameSize: Int { Self.size + Int(length) }
}

/// Payloads of the metadata records, encoded with length prefixes (little-endian).
enum MetadataPayload {
    /// Cursor marker: u16 source length, source, u64 first data sequence of the batch, u32 data count,
    /// cursor value (rest of the payload).
    static func encodeCursor(source: String, value: String, batchFirst: UInt64, batchCount: UInt32) -> [UInt8] {
        var out = [UInt8]()
        appendString16(source, to: &out)
        appendInteger(batchFirst, to: &out)
        appendInteger(batchCount, to: &out)
        out.append(contentsOf: value.utf8)
        return out
    }

    static func decodeCursor(_ bytes: UnsafeRawBufferPointer)
        -> (source: String, value: String, batchFirst: UInt64, batchCount: UInt32)? {
        var reader = ByteReader(bytes)
        guard let source = reader.string16(), let first = reader.integer(UInt64.self),
              let count = reader.integer(UInt32.self) else { return nil }
        return (source, reader.rest(), first, count)
    }

    /// Dedupe ids: u16 source length, source, then repeated (u16 id length, id).
    static func encodeDedupe(source: String, ids: some Collection<String>) -> [UInt8] {
        var out = [UInt8]()
        appendString16(source, to: &out)
        for id in ids { appendString16(id, to: &out) }
        return out
    }

    static func decodeDedupe(_ bytes: UnsafeRawBufferPointer) -> (source: String, ids: [String])? {
        var reader = ByteReader(bytes)
        guard let source = reader.string16() else { return nil }
        var ids: [String] = []
        while !reader.isAtEnd {
            guard let id = reader.string16() else { return nil }
            ids.append(id)
        }
        return (source, ids)
    }

    static func appendString16(_ string: String, to out: inout [UInt8]) {
        let utf8 = Array(string.utf8.prefix(Int(UInt16.max)))
        appendInteger(UInt16(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
}

/// Bounds-checked little-endian reader over untrusted bytes.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { return nil }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    mutating func string16() -> String? {
        guard let length = integer(UInt16.self), bytes.count - offset >= Int(length) else { return nil }
        defer { offset += Int(length) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))]), as: UTF8.self)
    }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func rest() -> String {
        defer { offset = bytes.count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset...]), as: UTF8.self)
    }
}
