// Sidecar index of a sealed segment, `segment-<20-digit id>.idx`, written atomically (tmp, fsync, rename, fsync
// directory) after the segment was sealed, by scanning the sealed segment with the recovery code itself. It
// records exactly what a recovery scan of that segment contributes, so that a cold start trusts it instead of
// reading and CRC-checking every byte (little-endian):
//
//   "ARSIDX01" | u32 version (1) | u64 segment id | u64 first sequence | u64 file size | u64 valid size |
//   u64 last sequence | u64 expected after | u64 last intact data | u64 highest damaged |
//   u64 corrupt records | u64 corrupt regions |
//   u32 n, (u64 sequence, u64 offset, u64 time ms)*          sparse index
//   u32 n, (u64 lower, u64 upper)*                           corrupt byte ranges (readers skip them)
//   u32 n, (u64 lower, u64 upper)*                           lost data sequences (closed ranges)
//   u32 n, (u16+source, u32+cursor, u64 batch start, u64 batch end)*   last intact cursor per source
//   u32 n, (u16+source, u32 m, (u64 time ms, u16+id)*)*      dedupe ids, oldest first
//   u32 CRC32C of everything before it
//
// A summary is trusted only for a segment that is not the last one, whose file size still equals the recorded
// size and whose scan would start at the recorded first sequence; anything else (missing, corrupt, stale,
// other version) falls back to the full scan. Records are still CRC-checked when they are read for delivery.

/// What a recovery scan of one sealed segment found (see the layout above).
struct SegmentSummary: Equatable {
    static let magic = Array("ARSIDX01".utf8)
    static let version: UInt32 = 1
    /// Larger files are not read (a dedupe window is bounded; this is far above any real summary).
    static let sizeLimit = 256 << 20

    struct CursorEntry: Equatable {
        var source: String
        var value: String
        /// Byte range of the batch the cursor marker ends; verified at recovery for the final cursor.
        var batch: Range<UInt64>
    }

    struct SeenEntry: Equatable {
        var source: String
        var ids: [DedupeEntry]
    }

    struct DedupeEntry: Equatable {
        var id: String
        var timestampMillis: UInt64
    }

    var segmentID: UInt64
    var firstSequence: UInt64
    var fileSize: UInt64
    var validSize: UInt64
    var lastSequence: UInt64
    var expectedAfter: UInt64
    var lastIntactData: UInt64
    var highestDamaged: UInt64
    var corruptRecords: UInt64
    var corruptRegions: UInt64
    var index: [SegmentIndexEntry]
    var corruptRanges: [Range<UInt64>]
    var losses: [ClosedRange<UInt64>]
    var cursors: [CursorEntry]
    var seen: [SeenEntry]

    static func fileName(segmentID: UInt64) -> String {
        String(SegmentHeader.fileName(id: segmentID).dropLast(4)) + ".idx"
    }

    /// The segment id of a sidecar file name, or nil for any other file.
    static func segmentID(fromFileName name: String) -> UInt64? {
        guard name.hasSuffix(".idx") else { return nil }
        return SegmentHeader.id(fromFileName: String(name.dropLast(4)) + ".log")
    }

    func encoded() -> [UInt8] {
        var out = Self.magic
        let put = { (value: UInt64, out: inout [UInt8]) in MetadataPayload.appendInteger(value, to: &out) }
        MetadataPayload.appendInteger(Self.version, to: &out)
        for value in [segmentID, firstSequence, fileSize, validSize, lastSequence, expectedAfter, lastIntactData,
                      highestDamaged, corruptRecords, corruptRegions] {
            put(value, &out)
        }
        MetadataPayload.appendInteger(UInt32(index.count), to: &out)
        for entry in index {
            put(entry.sequence, &out)
            put(entry.offset, &out)
            put(entry.timestampMillis, &out)
        }
        MetadataPayload.appendInteger(UInt32(corruptRanges.count), to: &out)
        for range in corruptRanges {
            put(range.lowerBound, &out)
            put(range.upperBound, &out)
        }
        MetadataPayload.appendInteger(UInt32(losses.count), to: &out)
        for range in losses {
            put(range.lowerBound, &out)
            put(range.upperBound, &out)
        }
        MetadataPayload.appendInteger(UInt32(cursors.count), to: &out)
        for cursor in cursors {
            MetadataPayload.appendString16(cursor.source, to: &out)
            let value = Array(cursor.value.utf8)
            MetadataPayload.appendInteger(UInt32(value.count), to: &out)
            out.append(contentsOf: value)
            put(cursor.batch.lowerBound, &out)
            put(cursor.batch.upperBound, &out)
        }
        MetadataPayload.appendInteger(UInt32(seen.count), to: &out)
        for group in seen {
            MetadataPayload.appendString16(group.source, to: &out)
            MetadataPayload.appendInteger(UInt32(group.ids.count), to: &out)
            for entry in group.ids {
                put(entry.timestampMillis, &out)
                MetadataPayload.appendString16(entry.id, to: &out)
            }
        }
        MetadataPayload.appendInteger(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Decodes and validates a sidecar; any inconsistency is a `corruptMetadata` error naming the file.
    static func decode(_ bytes: [UInt8], path: String) throws -> SegmentSummary {
        try MetadataChecksum.verify(bytes, magic: magic, path: path) { reader in
            guard reader.integer(UInt32.self) == version else { return nil }
            var fields: [UInt64] = []
            for _ in 0..<10 {
                guard let value = reader.integer(UInt64.self) else { return nil }
                fields.append(value)
            }
            guard let index = readList(&reader, { reader -> SegmentIndexEntry? in
                guard let sequence = reader.integer(UInt64.self), let offset = reader.integer(UInt64.self),
                      let time = reader.integer(UInt64.self) else { return nil }
                return SegmentIndexEntry(sequence: sequence, offset: offset, timestampMillis: time)
            }), let corrupt = readList(&reader, { reader -> Range<UInt64>? in
                guard let low = reader.integer(UInt64.self), let high = reader.integer(UInt64.self), low <= high
                else { return nil }
                return low..<high
            }), let losses = readList(&reader, { reader -> ClosedRange<UInt64>? in
                guard let low = reader.integer(UInt64.self), let high = reader.integer(UInt64.self), low <= high
                else { return nil }
                return low...high
            }), let cursors = readList(&reader, { reader -> CursorEntry? in
                guard let source = reader.string16(), let length = reader.integer(UInt32.self),
                      let value = reader.bytes(Int(length)), let low = reader.integer(UInt64.self),
                      let high = reader.integer(UInt64.self), low <= high else { return nil }
                return CursorEntry(source: source, value: String(decoding: value, as: UTF8.self), batch: low..<high)
            }), let seen = readList(&reader, { reader -> SeenEntry? in
                guard let source = reader.string16(),
                      let ids = readList(&reader, { reader -> DedupeEntry? in
                          guard let time = reader.integer(UInt64.self), let id = reader.string16() else { return nil }
                          return DedupeEntry(id: id, timestampMillis: time)
                      }) else { return nil }
                return SeenEntry(source: source, ids: ids)
            }) else { return nil }
            return SegmentSummary(segmentID: fields[0], firstSequence: fields[1], fileSize: fields[2],
                                  validSize: fields[3], lastSequence: fields[4], expectedAfter: fields[5],
                                  lastIntactData: fields[6], highestDamaged: fields[7], corruptRecords: fields[8],
                                  corruptRegions: fields[9], index: index, corruptRanges: corrupt, losses: losses,
                                  cursors: cursors, seen: seen)
        }
    }

    /// A u32 count then that many elements; nil if the count exceeds what the remaining bytes could hold.
    private static func readList<T>(_ reader: inout ByteReader, _ element: (inout ByteReader) -> T?) -> [T]? {
        guard let count = reader.integer(UInt32.self) else { return nil }
        var out: [T] = []
        for _ in 0..<count {
            guard let value = element(&reader) else { return nil }
            out.append(value)
        }
        return out
    }
}
