import Foundation

/// A CSV reading error: what is wrong, in which record (the header is record 1) and on which line
/// the record starts, so a person can find it in the file.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var record: Int
    public var line: Int

    public init(reason: String, record: Int, line: Int) {
        self.reason = reason
        self.record = record
        self.line = line
    }

    public var description: String { "record \(record) (line \(line)): \(reason)" }
}

/// One CSV record: its fields' bytes (quotes removed, `""` undoubled) end to end, and where each
/// field ends. One buffer per record rather than one array per field.
public struct CSVRecord: Sendable, Equatable {
    public var bytes: [UInt8]
    public var ends: [Int]

    public init(bytes: [UInt8] = [], ends: [Int] = []) {
        self.bytes = bytes
        self.ends = ends
    }

    public var count: Int { ends.count }

    public subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    /// The fields as text (invalid UTF-8 replaced).
    public var fields: [String] { (0..<count).map { String(decoding: self[$0], as: UTF8.self) } }
}

/// An incremental RFC 4180 parser: fed a chunk at a time (a record may span any number of chunks,
/// a chunk may end anywhere, even between the two bytes of a CRLF or of a doubled quote), it hands
/// out each complete record. Accepted: quoted fields holding commas, CR, LF and doubled quotes;
/// CRLF, LF or CR line ends; an optional UTF-8 byte order mark; empty fields; a last record
/// without a line end. A line with nothing on it is not a record (a trailing blank line is common).
/// A quote inside an unquoted field is taken literally (common in practice, harmless). Errors, as
/// `CSVError`: a quoted field not closed by the end of the input, text after a closing quote, a
/// record longer than `maxRecordBytes` (which also bounds the memory an unclosed quote can take).
public struct CSVParser: Sendable {
    public let maxRecordBytes: Int
    /// Records completed so far.
    public private(set) var records = 0

    private enum State: Sendable { case fieldStart, unquoted, quoted, afterQuote }

    private var state = State.fieldStart
    private var current = CSVRecord()
    /// Whether the record being read has anything (a field, a delimiter, a quote): a line without
    /// anything is skipped, a line with `""` is a record of one empty field.
    private var touched = false
    /// A CR ended the last record: a LF right after it (perhaps in the next chunk) belongs to it.
    private var skipLF = false
    private var bomMatched = 0
    private var bomDone = false
    private var line = 1
    private var recordLine = 1
    private var previousCR = false
    private var finished = false

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    public init(maxRecordBytes: Int = 16 << 20) {
        self.maxRecordBytes = maxRecordBytes
    }

    /// Parses `chunk` from `index` until a record is complete, and returns it with `index` just
    /// after it; nil once the chunk is used up without completing one (feed the next chunk).
    public mutating func next(_ chunk: UnsafeBufferPointer<UInt8>, at index: inout Int) throws(CSVError) -> CSVRecord? {
        let count = chunk.count
        guard let base = chunk.baseAddress else { return nil }
        if !bomDone {
            while index < count && !bomDone {
                if base[index] == Self.bom[bomMatched] {
                    bomMatched += 1
                    index += 1
                    bomDone = bomMatched == Self.bom.count
                } else {
                    replayPartialBOM()
                }
            }
            if !bomDone { return nil }
        }
        while index < count {
            let byte = base[index]
            if skipLF {
                skipLF = false
                if byte == Self.lf {
                    index += 1
                    continue
                }
            }
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart && byte == Self.quote {
                    state = .quoted
                    touched = true
                    index += 1
                    continue
                }
                // A run of plain bytes moves in one append.
                var end = index
                while end < count {
                    let next = base[end]
                    if next == Self.comma || next == Self.cr || next == Self.lf { break }
                    end += 1
                }
                if end > index {
                    try append(UnsafeBufferPointer(start: base + index, count: end - index))
                    previousCR = false
                    state = .unquoted
                    touched = true
                    index = end
                    continue
                }
                index += 1
                if let record = try delimiter(byte) { return record }
            case .quoted:
                var end = index
                while end < count && base[end] != Self.quote {
                    countLine(base[end])
                    end += 1
                }
                if end > index { try append(UnsafeBufferPointer(start: base + index, count: end - index)) }
                index = end
                if index < count {
                    state = .afterQuote
                    index += 1
                }
            case .afterQuote:
                index += 1
                if byte == Self.quote {
                    try append(byte)
                    previousCR = false
                    state = .quoted
                } else if byte == Self.comma || byte == Self.cr || byte == Self.lf {
                    if let record = try delimiter(byte) { return record }
                } else {
                    throw error("text after the closing quote of field \(current.count + 1)")
                }
            }
        }
        return nil
    }

    /// The end of the input: the last record if it had no line end, nil when there is none.
    public mutating func finish() throws(CSVError) -> CSVRecord? {
        guard !finished else { return nil }
        finished = true
        if !bomDone { replayPartialBOM() }
        switch state {
        case .quoted:
            throw error("a quoted field is not closed by the end of the file")
        case .fieldStart where !touched:
            return nil
        case .fieldStart, .unquoted, .afterQuote:
            endField()
            return endRecord()
        }
    }

    /// A comma or line end outside quotes.
    private mutating func delimiter(_ byte: UInt8) throws(CSVError) -> CSVRecord? {
        if byte == Self.comma {
            previousCR = false
            endField()
            touched = true
            state = .fieldStart
            return nil
        }
        countLine(byte)
        if byte == Self.cr { skipLF = true }
        guard touched else {
            recordLine = line  // an empty line: not a record
            return nil
        }
        endField()
        return endRecord()
    }

    private mutating func endField() {
        current.ends.append(current.bytes.count)
    }

    private mutating func endRecord() -> CSVRecord {
        records += 1
        let record = current
        current = CSVRecord(bytes: [], ends: [])
        current.bytes.reserveCapacity(min(record.bytes.count * 2, maxRecordBytes))
        current.ends.reserveCapacity(record.ends.count)
        state = .fieldStart
        touched = false
        recordLine = line
        return record
    }

    /// Lines are counted for error messages only: CR, LF and CRLF each end one.
    private mutating func countLine(_ byte: UInt8) {
        if byte == Self.lf {
            if !previousCR { line += 1 }
            previousCR = false
        } else if byte == Self.cr {
            line += 1
            previousCR = true
        } else {
            previousCR = false
        }
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        guard current.bytes.count + bytes.count <= maxRecordBytes else {
            throw error("a record longer than \(maxRecordBytes) bytes (an unclosed quote?)")
        }
        current.bytes.append(contentsOf: bytes)
    }

    private mutating func append(_ byte: UInt8) throws(CSVError) {
        guard current.bytes.count < maxRecordBytes else {
            throw error("a record longer than \(maxRecordBytes) bytes (an unclosed quote?)")
        }
        current.bytes.append(byte)
    }

    /// The input did not start with the whole BOM: the bytes taken for it are data after all.
    private mutating func replayPartialBOM() {
        bomDone = true
        guard bomMatched > 0 else { return }
        current.bytes.append(contentsOf: Self.bom[0..<bomMatched])
        state = .unquoted
        touched = true
    }

    private func error(_ reason: String) -> CSVError {
        CSVError(reason: reason, record: records + 1, line: recordLine)
    }
}

/// Reads a CSV file record by record through a fixed-size chunk buffer: memory is one chunk plus
/// one record whatever the file's size.
public final class CSVFileReader {
    private let descriptor: Int32
    private var chunk: [UInt8]
    private var filled = 0
    private var index = 0
    private var atEnd = false
    private var parser: CSVParser
    public let path: String

    public init(path: String, chunkSize: Int = 64 << 10, maxRecordBytes: Int = 16 << 20) throws(CSVError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CSVError(reason: "cannot open \(path): \(String(cString: strerror(errno)))", record: 1, line: 1)
        }
        chunk = [UInt8](repeating: 0, count: max(1, chunkSize))
        parser = CSVParser(maxRecordBytes: maxRecordBytes)
    }

    deinit { close(descriptor) }

    /// Records read so far.
    public var records: Int { parser.records }

    /// The next record, or nil at the end of the file.
    public func next() throws(CSVError) -> CSVRecord? {
        while true {
            if index < filled {
                let found = try chunk.withUnsafeBufferPointer { (buffer) throws(CSVError) -> CSVRecord? in
                    try parser.next(UnsafeBufferPointer(rebasing: buffer[0..<filled]), at: &index)
                }
                if let found { return found }
            }
            if atEnd { return try parser.finish() }
            try fill()
        }
    }

    private func fill() throws(CSVError) {
        index = 0
        filled = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw CSVError(reason: "cannot read \(path): \(String(cString: strerror(errno)))", record: parser.records + 1, line: 0)
            }
            filled = count
            atEnd = count == 0
            return
        }
    }
}
