#if canImport(Glibc)
import Glibc
#endif

/// What a streaming pass over one segment found besides its valid records.
struct SegmentScanResult {
    /// End offset of the last valid record (the segment header's end if there is none).
    var validEnd: UInt64
    /// Byte ranges between valid records that hold no valid record (bad CRC, implausible header).
    var corruptRanges: [Range<UInt64>] = []
    /// Bytes after the last valid record that contain no valid record: a torn tail in the active segment.
    var tailGarbage: Range<UInt64>?
}

/// Reads a segment front to back in large chunks with a fixed buffer (bounded memory whatever the segment
/// size), verifying every record's CRC. A record whose CRC fails is skipped by its length when a valid record
/// follows; otherwise the scanner resynchronises on the next offset where a complete, CRC-valid record starts.
struct SegmentScanner: ~Copyable {
    private let file: SpoolFile
    private let fileSize: UInt64
    private let maxRecordBytes: Int
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private let readBytes: Int
    private var bufferStart: UInt64 = 0
    private var filled = 0

    init(file: SpoolFile, fileSize: UInt64, maxRecordBytes: Int, readBytes: Int = 512 << 10) {
        self.file = file
        self.fileSize = fileSize
        self.maxRecordBytes = maxRecordBytes
        self.readBytes = readBytes
        // Twice the largest frame, so any frame fits whatever its alignment relative to the chunk.
        capacity = max(2 * readBytes, 2 * (RecordHeader.size + maxRecordBytes))
        buffer = .allocate(byteCount: capacity, alignment: 16)
        // One front-to-back pass: ask the kernel for aggressive read-ahead (helps a cold page cache).
        _ = posix_fadvise(file.descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { buffer.deallocate() }

    /// Visits every valid record from `start`: header, payload and the record's offset.
    mutating func scan(from start: UInt64,
                       visit: (RecordHeader, UnsafeRawBufferPointer, UInt64) throws -> Void) throws -> SegmentScanResult {
        var result = SegmentScanResult(validEnd: start)
        var offset = start
        while offset < fileSize {
            if let (header, base) = try validFrame(at: offset) {
                try visit(header, UnsafeRawBufferPointer(start: base + RecordHeader.size, count: Int(header.length)), offset)
                offset += UInt64(header.frameSize)
                result.validEnd = offset
                continue
            }
            // Damaged record. Skipping by the stated length is only trusted when a valid record follows.
            if let header = try plausibleHeader(at: offset) {
                let next = offset + UInt64(header.frameSize)
                if next < fileSize, try validFrame(at: next) != nil {
                    result.corruptRanges.append(offset..<next)
                    offset = next
                    continue
                }
            }
            guard let next = try resynchronise(after: offset) else {
                result.tailGarbage = offset..<fileSize
                break
            }
            result.corruptRanges.append(offset..<next)
            offset = next
        }
        return result
    }

    /// Pointer to `count` bytes at file offset `offset`, reading from the file as needed; nil past end of file.
    private mutating func bytes(at offset: UInt64, count: Int) throws -> UnsafeMutableRawPointer? {
        guard offset + UInt64(count) <= fileSize else { return nil }
        if offset >= bufferStart, offset + UInt64(count) <= bufferStart + UInt64(filled) {
            return buffer + Int(offset - bufferStart)
        }
        if offset >= bufferStart, offset < bufferStart + UInt64(filled) {
            let keep = Int(bufferStart + UInt64(filled) - offset)
            memmove(buffer, buffer + Int(offset - bufferStart), keep)
            filled = keep
        } else {
            filled = 0
        }
        bufferStart = offset
        // Read modest chunks: the CRC pass then finds the bytes still in the CPU cache after the kernel's copy.
        let want = max(count, Int(min(UInt64(readBytes), fileSize - offset)))
        while filled < want {
            let got = try file.read(into: buffer + filled, count: want - filled, at: offset + UInt64(filled))
            if got == 0 { break }
            filled += got
        }
        return filled >= count ? buffer : nil
    }

    private mutating func plausibleHeader(at offset: UInt64) throws -> RecordHeader? {
        guard let base = try bytes(at: offset, count: RecordHeader.size) else { return nil }
        return RecordHeader.parse(base, maxLength: maxRecordBytes)
    }

    private mutating func validFrame(at offset: UInt64) throws -> (RecordHeader, UnsafeMutableRawPointer)? {
        guard let header = try plausibleHeader(at: offset),
              let base = try bytes(at: offset, count: header.frameSize),
              header.isIntact(at: base)
        else { return nil }
        return (header, base)
    }

    /// Offset of the next complete CRC-valid record after `offset`, found by scanning for the magic byte.
    private mutating func resynchronise(after offset: UInt64) throws -> UInt64? {
        var candidate = offset + 1
        while candidate + UInt64(RecordHeader.size) <= fileSize {
            let window = Int(min(UInt64(capacity / 2), fileSize - candidate))
            guard let base = try bytes(at: candidate, count: window) else { return nil }
            guard let hit = memchr(base, Int32(RecordHeader.magic0), window) else {
                candidate += UInt64(window)
                continue
            }
            let hitOffset = candidate + UInt64(base.distance(to: hit))
            if try validFrame(at: hitOffset) != nil { return hitOffset }
            candidate = hitOffset + 1
        }
        return nil
    }
}
