// Two small metadata files, each replaced atomically (write tmp, fsync, rename, fsync directory) and
// ending in a CRC32C of everything before it. Both are hints: the segments are the source of truth, and a
// missing or corrupt file only causes re-delivery or a re-fetch, never loss.
//
// `acks`:  "ARACK001" | u64 next sequence | u32 sink count | (u16+name, u64 watermark)* | u32 crc
// `state`: "ARSTA001" | u64 covered-through segment id | u64 next sequence | u32 source count |
//          (u16+source, u8 has cursor, u32+cursor, u32 id count, (u64 time ms, u16+id)*)* | u32 crc
// `state` holds what the deleted segments (ids <= covered-through) contributed: the cursors committed in
// them and the dedupe windows. Segments after it are replayed on recovery.

/// Persisted acknowledgement watermarks: every sequence <= watermark is acknowledged by that sink.
struct AckLedger: Equatable {
    static let fileName = "acks"
    static let magic = Array("ARACK001".utf8)

    var nextSequence: UInt64
    var watermarks: [String: UInt64]

    func encoded() -> [UInt8] {
        var out = Self.magic
        MetadataPayload.appendInteger(nextSequence, to: &out)
        MetadataPayload.appendInteger(UInt32(watermarks.count), to: &out)
        for (sink, watermark) in watermarks.sorted(by: { $0.key < $1.key }) {
            MetadataPayload.appendString16(sink, to: &out)
            MetadataPayload.appendInteger(watermark, to: &out)
        }
        MetadataPayload.appendInteger(CRC32C.checksum(out), to: &out)
        return out
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> AckLedger {
        try MetadataChecksum.verify(bytes, magic: magic, path: path) { reader in
            guard let next = reader.integer(UInt64.self), let count = reader.integer(UInt32.self) else { return nil }
            var watermarks: [String: UInt64] = [:]
            for _ in 0..<count {
                guard let sink = reader.string16(), let watermark = reader.integer(UInt64.self) else { return nil }
                watermarks[sink] = watermark
            }
            return AckLedger(nextSequence: next, watermarks: watermarks)
        }
    }

    static func encodedSize(sinks: [String]) -> Int {
        8 + 8 + 4 + sinks.reduce(0) { $0 + 2 + $1.utf8.count + 8 } + 4
    }
}

/// Cursors and dedupe windows carried over from deleted segments.
struct StateSnapshot {
    static let fileName = "state"
    static let magic = Array("ARSTA001".utf8)

    struct Source {
        var cursor: String?
        var ids: [(id: String, timestampMillis: UInt64)]
    }

    var coveredThroughSegment: UInt64
    var nextSequence: UInt64
    var sources: [String: Source]

    func encoded() -> [UInt8] {
        var out = Self.magic
        MetadataPayload.appendInteger(coveredThroughSegment, to: &out)
        MetadataPayload.appendInteger(nextSequence, to: &out)
        MetadataPayload.appendInteger(UInt32(sources.count), to: &out)
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            MetadataPayload.appendString16(name, to: &out)
            out.append(source.cursor == nil ? 0 : 1)
            let cursor = Array((source.cursor ?? "").utf8)
            MetadataPayload.appendInteger(UInt32(cursor.count), to: &out)
            out.append(contentsOf: cursor)
            MetadataPayload.appendInteger(UInt32(source.ids.count), to: &out)
            for entry in source.ids {
                MetadataPayload.appendInteger(entry.timestampMillis, to: &out)
                MetadataPayload.appendString16(entry.id, to: &out)
            }
        }
        MetadataPayload.appendInteger(CRC32C.checksum(out), to: &out)
        return out
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> StateSnapshot {
        try MetadataChecksum.verify(bytes, magic: magic, path: path) { reader in
            guard let covered = reader.integer(UInt64.self), let next = reader.integer(UInt64.self),
                  let count = reader.integer(UInt32.self) else { return nil }
            var sources: [String: Source] = [:]
            for _ in 0..<count {
                guard let name = reader.string16(), let hasCursor = reader.integer(UInt8.self),
                      let cursorLength = reader.integer(UInt32.self),
                      let cursorBytes = reader.bytes(Int(cursorLength)),
                      let idCount = reader.integer(UInt32.self) else { return nil }
                var ids: [(id: String, timestampMillis: UInt64)] = []
                for _ in 0..<idCount {
                    guard let time = reader.integer(UInt64.self), let id = reader.string16() else { return nil }
                    ids.append((id, time))
                }
                let cursor = hasCursor == 0 ? nil : String(decoding: cursorBytes, as: UTF8.self)
                sources[name] = Source(cursor: cursor, ids: ids)
            }
            return StateSnapshot(coveredThroughSegment: covered, nextSequence: next, sources: sources)
        }
    }
}

enum MetadataChecksum {
    /// Checks magic and trailing CRC, then decodes the body; any inconsistency is a `corruptMetadata` error.
    static func verify<T>(_ bytes: [UInt8], magic: [UInt8], path: String,
                          decode: (inout ByteReader) -> T?) throws -> T {
        guard bytes.count >= magic.count + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw SpoolError.corruptMetadata(path, "bad magic or too short (\(bytes.count) bytes)")
        }
        let body = bytes.count - 4
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: body, as: UInt32.self)) }
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<body])) }
        guard stored == actual else {
            throw SpoolError.corruptMetadata(path, "checksum mismatch: stored \(stored), computed \(actual)")
        }
        return try bytes.withUnsafeBytes { raw -> T in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[magic.count..<body]))
            guard let value = decode(&reader), reader.isAtEnd else {
                throw SpoolError.corruptMetadata(path, "malformed body")
            }
            return value
        }
    }
}
