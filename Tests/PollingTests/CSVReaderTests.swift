import Foundation
import Polling
import Testing

/// The incremental RFC 4180 reader behind CSV documents (Salesforce's EventLogFile), fed in chunks
/// of every size so that fields, doubled quotes, CRLFs and the BOM are split at every boundary.
@Suite struct CSVReaderTests {
    /// Parses `bytes` fed `chunk` bytes at a time.
    static func parse(_ bytes: [UInt8], chunk: Int, maxRecordBytes: Int = 1 << 20) throws(CSVError) -> [[String]] {
        var parser = CSVParser(maxRecordBytes: maxRecordBytes)
        var records: [[String]] = []
        var start = 0
        while start < bytes.count {
            let piece = Array(bytes[start..<min(bytes.count, start + chunk)])
            start += chunk
            var index = 0
            while true {
                let record = try piece.withUnsafeBufferPointer { (buffer) throws(CSVError) -> CSVRecord? in try parser.next(buffer, at: &index) }
                guard let record else { break }
                records.append(record.fields)
            }
            #expect(index == piece.count)
        }
        if let last = try parser.finish() { records.append(last.fields) }
        return records
    }

    /// Parses `text` at every chunk size from 1 to its length and checks they all agree.
    static func parseEverySplit(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
        let bytes = Array(text.utf8)
        let whole = try parse(bytes, chunk: max(1, bytes.count))
        for size in 1..<max(2, bytes.count) {
            let split = try parse(bytes, chunk: size)
            #expect(split == whole, "chunks of \(size) bytes", sourceLocation: sourceLocation)
        }
        return whole
    }

    static func failure(_ text: String, chunk: Int = 3) -> CSVError? {
        do {
            _ = try parse(Array(text.utf8), chunk: chunk, maxRecordBytes: 64)
            return nil
        } catch {
            return error
        }
    }

    @Test func quotedFieldsHoldCommasLineBreaksAndDoubledQuotes() throws {
        let text = "A,B,C\r\n\"x, y\",\"line one\r\nline two\",\"say \"\"hi\"\"\"\r\n\"lf\nonly\",plain,\"\"\"\"\r\n"
        #expect(try Self.parseEverySplit(text) == [["A", "B", "C"], ["x, y", "line one\r\nline two", "say \"hi\""], ["lf\nonly", "plain", "\""]])
    }

    @Test func lfCrlfAndCrLineEndsAndAFinalRowWithoutOne() throws {
        #expect(try Self.parseEverySplit("a,b\nc,d\r\ne,f\rg,h") == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        #expect(try Self.parseEverySplit("a,b\r\nc,\"d\"") == [["a", "b"], ["c", "d"]])
    }

    @Test func emptyFieldsAndEmptyQuotedFields() throws {
        #expect(try Self.parseEverySplit("a,,c\n,,\n\"\",x,\"\"\n,\n") == [["a", "", "c"], ["", "", ""], ["", "x", ""], ["", ""]])
        // A line with nothing on it is not a record; a line holding "" is one empty field.
        #expect(try Self.parseEverySplit("a\n\n\"\"\n\r\n") == [["a"], [""]])
    }

    @Test func aByteOrderMarkIsDroppedOnlyAtTheStart() throws {
        #expect(try Self.parseEverySplit("\u{FEFF}ID,NAME\n1,\u{FEFF}x\n") == [["ID", "NAME"], ["1", "\u{FEFF}x"]])
        #expect(try Self.parseEverySplit("\u{FEFF}\"ID\",N\n") == [["ID", "N"]])
        // Bytes that only start like a BOM are data.
        let partial: [UInt8] = [0xEF, 0xBB, UInt8(ascii: "a"), UInt8(ascii: ","), UInt8(ascii: "b")]
        for size in 1...partial.count {
            #expect(try Self.parse(partial, chunk: size) == [[String(decoding: [0xEF, 0xBB, UInt8(ascii: "a")], as: UTF8.self), "b"]])
        }
    }

    @Test func aFieldSplitAcrossAChunkBoundaryIsWhole() throws {
        let bytes = Array("ID,MESSAGE\n7,\"first half, \"\"quoted\"\"\r\nsecond half\"\n".utf8)
        // Boundaries inside the quoted field, between the two quotes of a doubled quote, and between CR and LF.
        let q = try #require(bytes.firstIndex(of: UInt8(ascii: "q")))  // after the first doubled quote
        let cr = try #require(bytes.firstIndex(of: UInt8(ascii: "\r")))
        for boundary in [14, 20, q - 1, q - 2, cr, cr + 1] {
            var parser = CSVParser()
            var records: [[String]] = []
            for piece in [Array(bytes[..<boundary]), Array(bytes[boundary...])] {
                var index = 0
                while let record = try piece.withUnsafeBufferPointer({ (buffer) throws(CSVError) -> CSVRecord? in try parser.next(buffer, at: &index) }) {
                    records.append(record.fields)
                }
            }
            #expect(try parser.finish() == nil)
            #expect(records == [["ID", "MESSAGE"], ["7", "first half, \"quoted\"\r\nsecond half"]], "split at \(boundary)")
        }
    }

    @Test func quotesInsideAnUnquotedFieldAreData() throws {
        #expect(try Self.parseEverySplit("a\"b,c\"\"d\n") == [["a\"b", "c\"\"d"]])
    }

    @Test func anUnclosedQuoteAtTheEndIsAnErrorNamingTheRecordAndLine() throws {
        let error = try #require(Self.failure("A,B\n1,2\n3,\"never closed\nstill open"))
        #expect(error.record == 3)
        #expect(error.line == 3)
        #expect(error.reason.contains("not closed"))
        #expect(error.description.hasPrefix("record 3 (line 3):"))
    }

    @Test func textAfterAClosingQuoteIsAnError() throws {
        let error = try #require(Self.failure("A,B\n\"x\"y,2\n"))
        #expect(error.record == 2)
        #expect(error.reason.contains("after the closing quote of field 1"))
    }

    @Test func aRecordLongerThanTheLimitIsAnErrorNotAGrowingBuffer() throws {
        let error = try #require(Self.failure("A\n\"" + String(repeating: "x", count: 500)))
        #expect(error.record == 2)
        #expect(error.reason.contains("longer than 64 bytes"))
        #expect(try Self.parse(Array(("A\n" + String(repeating: "y", count: 64) + "\n").utf8), chunk: 5, maxRecordBytes: 64).count == 2)
    }

    @Test func theFileReaderReadsThroughSmallChunks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "\u{FEFF}N,TEXT\r\n"
        for n in 1...300 { text += "\(n),\"row \(n), \"\"q\"\"\r\nnext\"\r\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        for chunk in [1, 7, 64, 1 << 16] {
            let reader = try CSVFileReader(path: path, chunkSize: chunk)
            var rows: [[String]] = []
            while let record = try reader.next() { rows.append(record.fields) }
            #expect(rows.count == 301)
            #expect(rows.first == ["N", "TEXT"])
            #expect(rows.last == ["300", "row 300, \"q\"\r\nnext"])
            #expect(rows.dropFirst().enumerated().allSatisfy { $0.element[0] == String($0.offset + 1) })
            #expect(try reader.next() == nil)
        }
    }
}
