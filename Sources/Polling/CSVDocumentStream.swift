import Foundation
import RelayCore

/// A downloaded CSV document of a list-then-fetch stream, read a page at a time (see
/// `ContentListing`): each row becomes a JSON object keyed by the header's column names, values
/// as JSON strings. Holds one chunk, one row of look-ahead and the page being built.
///
/// Concurrency: used by the one task that polls its source (the pipeline asks a source for one
/// page at a time); the lock only makes that assumption safe to state as `Sendable`.
final class CSVDocumentStream: @unchecked Sendable {
    let entry: ContentListing.Entry
    let path: String
    private let lock = NSLock()
    private var reader: CSVFileReader
    /// Each column's `"NAME":`, escaped once.
    private var keys: [[UInt8]] = []
    private var columns: [String] = []
    private var lookahead: CSVRecord?
    /// A row that failed to read: thrown again on every later read, so it is never stepped over.
    private var failure: PollError?
    /// Data rows taken from the file (delivered, skipped or held in `lookahead`).
    private var taken: Int64 = 0
    /// Data rows delivered in pages (or skipped as delivered before a restart).
    private(set) var delivered: Int64 = 0

    struct Page {
        var fetched: FetchedPage
        /// No row is left after this page.
        var last: Bool
    }

    /// Opens the downloaded file and reads its header.
    /// - Throws: `PollError.malformedBody` naming the document (an unreadable header, a column
    ///   named twice or named like `rowIDKey`).
    init(path: String, entry: ContentListing.Entry, rowIDKey: String?, maxRecordBytes: Int = 16 << 20) throws(PollError) {
        self.path = path
        self.entry = entry
        do {
            reader = try CSVFileReader(path: path, maxRecordBytes: maxRecordBytes)
            guard let header = try reader.next() else { return }  // an empty file: no rows
            columns = header.fields
        } catch {
            throw Self.failure(entry, "its header: \(error.reason)")
        }
        var seen = Set<String>()
        for name in columns + (rowIDKey.map { [$0] } ?? []) {
            guard seen.insert(name).inserted else {
                throw Self.failure(entry, "its header names the column \"\(name)\" twice" + (name == rowIDKey ? " (once as the row id key)" : ""))
            }
            var writer = JSONWriter(capacity: name.utf8.count + 4)
            writer.string(name)
            writer.raw(UInt8(ascii: ":"))
            keys.append(writer.bytes)
        }
    }

    /// Moves past the first `rows` data rows (delivered before a restart). Returns how many there
    /// were, fewer only when the document is shorter than that.
    func skip(to rows: Int64) throws(PollError) -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        while delivered < rows {
            guard try take() != nil else { break }
            lookahead = nil
            delivered += 1
        }
        return delivered
    }

    /// The next page: up to `maxRows` rows, ending early once `maxBytes` of row objects are
    /// written (a page always has at least one row while rows are left).
    /// - Parameters:
    ///   - idPath, timePath: the stream's, read as one column name each.
    ///   - rowIDKey: where each row object also gets `<document id>:<row number>`.
    func nextPage(maxRows: Int, maxBytes: Int, idPath: [String], timePath: [String], rowIDKey: String?) throws(PollError) -> Page {
        lock.lock()
        defer { lock.unlock() }
        let idColumn = idPath.count == 1 ? columns.firstIndex(of: idPath[0]) : nil
        let timeColumn = timePath.count == 1 ? columns.firstIndex(of: timePath[0]) : nil
        var writer = JSONWriter(capacity: min(maxBytes, 1 << 20) + 1024)
        var events: [FetchedPage.Event] = []
        writer.raw(UInt8(ascii: "["))
        while events.count < max(1, maxRows), writer.bytes.count < maxBytes, let row = try take() {
            lookahead = nil
            delivered += 1
            let rowID = "\(entry.id):\(delivered)"
            if !events.isEmpty { writer.raw(UInt8(ascii: ",")) }
            let start = writer.bytes.count
            writer.raw(UInt8(ascii: "{"))
            for column in 0..<row.count {
                if column > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.bytes.append(contentsOf: keys[column])
                writer.string(bytes: row[column])
            }
            if let rowIDKey {
                if row.count > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(rowIDKey)
                writer.raw(UInt8(ascii: ":"))
                writer.string(rowID)
            }
            writer.raw(UInt8(ascii: "}"))
            let vendorID = idColumn.map { String(decoding: row[$0], as: UTF8.self) }.flatMap { $0.isEmpty ? nil : $0 }
            let time = timeColumn.flatMap { Timestamp(parsing: String(decoding: row[$0], as: UTF8.self)) }
            events.append(FetchedPage.Event(range: start..<writer.bytes.count, id: vendorID ?? rowID, time: time))
        }
        writer.raw(UInt8(ascii: "]"))
        // A bad next row fails the next page, not this one (its rows are fine).
        let last: Bool
        do { last = try take() == nil } catch { last = false }
        return Page(fetched: FetchedPage(body: writer.bytes, events: events, next: .end), last: last)
    }

    /// Closes nothing (the reader closes with this object) but removes the file.
    func remove() {
        _ = unlink(path)
    }

    /// The next data row, held in `lookahead` until the caller consumes it; checked against the header.
    private func take() throws(PollError) -> CSVRecord? {
        if let failure { throw failure }
        if let lookahead { return lookahead }
        guard !columns.isEmpty else { return nil }
        let record: CSVRecord?
        do {
            record = try reader.next()
        } catch {
            failure = Self.failure(entry, "row \(taken + 1) (line \(error.line)): \(error.reason)")
            throw failure ?? Self.failure(entry, error.reason)
        }
        guard let record else { return nil }
        taken += 1
        guard record.count == columns.count else {
            failure = Self.failure(entry, "row \(taken) has \(record.count) fields, the header \(columns.count)")
            throw failure ?? Self.failure(entry, "row \(taken)")
        }
        lookahead = record
        return record
    }

    static func failure(_ entry: ContentListing.Entry, _ what: String) -> PollError {
        PollError(.malformedBody(reason: "CSV document \(entry.id): \(what)"), endpoint: Redaction.url(entry.url))
    }
}
