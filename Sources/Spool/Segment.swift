#if canImport(Glibc)
import Glibc
#endif

// Segment file `segment-<20-digit id>.log` starts with a 40-byte header (little-endian):
//   0  8  magic "ARSPSEG\0"
//   8  4  format version (2; 1 = written before sealed segments got `.idx` sidecars, read the same way)
//   12 4  header size (40)
//   16 8  segment id (u64, never reused, never wraps in practice)
//   24 8  sequence of the first data record this segment may hold
//   32 4  CRC32C of bytes 0..<32  36 4  reserved (0)
// followed by records (see RecordFrame.swift). The header is written in the same write as the first batch
// and fsynced (file, then directory) before the append returns.

struct SegmentHeader: Equatable {
    static let size = 40
    static let magic: [UInt8] = Array("ARSPSEG".utf8) + [0]
    /// Version written. Version 2 spools may hold `segment-<id>.idx` sidecars (SegmentSummary.swift) next to
    /// sealed segments; the record layout is unchanged, so version 1 segments (no sidecar) are read as before.
    static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2

    var id: UInt64
    var firstSequence: UInt64

    func write(to base: UnsafeMutableRawPointer) {
        for (index, byte) in Self.magic.enumerated() { base.storeBytes(of: byte, toByteOffset: index, as: UInt8.self) }
        base.storeBytes(of: Self.version.littleEndian, toByteOffset: 8, as: UInt32.self)
        base.storeBytes(of: UInt32(Self.size).littleEndian, toByteOffset: 12, as: UInt32.self)
        base.storeBytes(of: id.littleEndian, toByteOffset: 16, as: UInt64.self)
        base.storeBytes(of: firstSequence.littleEndian, toByteOffset: 24, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 32))
        base.storeBytes(of: crc.littleEndian, toByteOffset: 32, as: UInt32.self)
        base.storeBytes(of: UInt32(0), toByteOffset: 36, as: UInt32.self)
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> SegmentHeader? {
        guard bytes.count >= size, Array(bytes.prefix(8)) == magic,
              readableVersions.contains(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))),
              UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) == UInt32(size),
              let base = bytes.baseAddress,
              CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 32))
                == UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt32.self))
        else { return nil }
        return SegmentHeader(id: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                             firstSequence: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    static func fileName(id: UInt64) -> String {
        let digits = String(id)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The id encoded in a segment file name, or nil for any other file.
    static func id(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".log"), name.count == 8 + 20 + 4 else { return nil }
        return UInt64(name.dropFirst(8).dropLast(4))
    }
}

/// A sparse index entry: the first data record of a batch, so a sequence can be found without scanning the
/// whole segment. One entry at most every `SegmentIndexEntry.spacing` bytes keeps memory bounded.
struct SegmentIndexEntry: Sendable, Equatable {
    static let spacing: UInt64 = 64 << 10
    var sequence: UInt64
    var offset: UInt64
    var timestampMillis: UInt64
}

/// One segment file. Mutable fields are only touched under the spool's state lock.
final class Segment: @unchecked Sendable {
    let id: UInt64
    let path: String
    let file: SpoolFile
    /// Sequence the first data record has (or would have).
    let firstSequence: UInt64
    /// Last committed data sequence in this segment, `firstSequence - 1` while it holds none.
    var lastSequence: UInt64
    /// Committed (fsynced) length; readers never look past it.
    var size: UInt64
    var index: [SegmentIndexEntry] = []
    /// Byte ranges recovery found corrupt; readers jump over them.
    var corruptRanges: [Range<UInt64>] = []
    /// Last intact cursor per source committed inside this segment.
    var cursors: [String: String] = [:]
    /// Byte range of the batch each of `cursors` ends (what recovery re-verifies for a trusted final cursor).
    var cursorBatches: [String: Range<UInt64>] = [:]
    /// Recovered from its sidecar summary without reading its records: damage a scan would have found is
    /// still undiscovered, so the first damaged record a reader meets triggers a full verifying scan.
    var needsVerification = false
    /// Size of the segment's `.idx` sidecar (counted against `maxBytes`), 0 when it has none.
    var sidecarBytes: UInt64 = 0
    var dataRecords: UInt64 { lastSequence + 1 - firstSequence }

    init(id: UInt64, path: String, file: SpoolFile, firstSequence: UInt64, size: UInt64) {
        self.id = id
        self.path = path
        self.file = file
        self.firstSequence = firstSequence
        self.lastSequence = firstSequence &- 1
        self.size = size
    }

    func noteBatch(firstSequence sequence: UInt64, offset: UInt64, timestampMillis: UInt64) {
        if let last = index.last, offset - last.offset < SegmentIndexEntry.spacing { return }
        index.append(SegmentIndexEntry(sequence: sequence, offset: offset, timestampMillis: timestampMillis))
    }

    /// Offset to start scanning from to find `sequence`, and the append time of the entry found there.
    func scanStart(for sequence: UInt64) -> (offset: UInt64, timestampMillis: UInt64?) {
        var low = 0
        var high = index.count
        while low < high {
            let middle = (low + high) / 2
            if index[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (UInt64(SegmentHeader.size), index.first?.timestampMillis) }
        return (index[low - 1].offset, index[low - 1].timestampMillis)
    }
}
