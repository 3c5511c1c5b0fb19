import Foundation
import Polling
import RelayCore
import TestHelpers
import Testing

/// `Tests/Fixtures/polling/csv_documents.py` as a child process on an ephemeral 127.0.0.1 port:
/// a Salesforce EventLogFile-shaped API (keyset-paged listing, CSV documents at relative URLs).
final class CSVDocumentServer: @unchecked Sendable {
    let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(BuiltProducts.repositoryRoot)/Tests/Fixtures/polling/csv_documents.py"]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // The first line is `PORT n` (a blocking read: the server prints it at once or dies).
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw CSVServerError(message: "csv_documents.py did not print its port: \(text)")
        }
        self.port = port
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Adds documents: (id, created, CSV text).
    func add(_ documents: [(id: String, created: String, csv: String)]) async throws {
        var writer = JSONWriter()
        writer.raw("{\"documents\":[")
        for (index, document) in documents.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.raw("{\"id\":")
            writer.string(document.id)
            writer.raw(",\"created\":")
            writer.string(document.created)
            writer.raw(",\"csv\":")
            writer.string(document.csv)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw("]}")
        try await post("/_documents", writer.bytes)
    }

    /// Adds a document of `rows` generated rows, streamed by the server (see the script).
    func addGenerated(id: String, created: String, rows: Int) async throws {
        try await post("/_documents", Array(#"{"documents":[{"id":"\#(id)","created":"\#(created)","generate":{"rows":\#(rows)}}]}"#.utf8))
    }

    /// The next fetches of document `id` answer these statuses.
    func fail(_ id: String, with statuses: [Int]) async throws {
        try await post("/_faults", Array(#"{"\#(id)":[\#(statuses.map(String.init).joined(separator: ","))]}"#.utf8))
    }

    func fetches() async throws -> [String: Int] {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats"))
        var counts: [String: Int] = [:]
        guard let fetches = try JSONDocument().parse(response.body)["fetches"] else { return [:] }
        for (id, count) in fetches.members { counts[id] = Int(count.int64 ?? -1) }
        return counts
    }

    private func post(_ path: String, _ body: [UInt8]) async throws {
        let response = try await HTTPClient().send(HTTPRequest(method: .post, url: "\(baseURL)\(path)", body: body))
        guard response.status == 200 else { throw CSVServerError(message: "\(path) answered \(response.status)") }
    }
}

struct CSVServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// CSV documents through the kit's list-then-fetch stream: downloaded to a file, served a page of
/// rows at a time, the cursor holding the rows delivered, a restart resuming mid-document.
@Suite(.timeLimit(.minutes(5))) struct CSVDocumentTests {
    struct EventLogFiles: VendorAPI {
        var baseURL: String
        var idPath: [String] = []
        var sourceType: String { "fake-csv" }
        var stream: String { "eventlogfile" }
        var permissionHint: String { "no" }
        var eventsPath: [String] { ["records"] }
        var timePath: [String] { ["TIMESTAMP"] }
        var paging: Paging { .keyset }
        var contents: ContentListing? {
            ContentListing(idPath: ["Id"], urlPath: ["LogFile"], createdPath: ["CreatedDate"], expirationPath: nil,
                           format: .csv(rowIDKey: "auditrelay.row"), expired: { $0.status == 404 })
        }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("from", window.from.description), ("to", window.to.description), ("limit", String(pageSize))]
            if let pageToken {
                guard let keyset = Keyset(token: pageToken) else { throw PollError.invalidRequest("not a keyset", endpoint: baseURL) }
                items += [("t", keyset.time), ("id", keyset.id)]
            }
            return HTTPRequest(url: "\(baseURL)/query?\(PercentEncoding.query(items))")
        }
    }

    /// A source reading `server` with `pageSize` rows (and listing entries) per page, files in `directory`.
    static func poller(_ server: CSVDocumentServer, directory: String, pageSize: Int, idPath: [String] = [], clock: ManualClock = ManualClock()) -> Poller {
        var settings = PollSettings(id: "csv-test", baseURL: server.baseURL, defaults: VendorDefaults(
            backfill: .duration(.seconds(86_400)), retention: .seconds(30 * 86_400), lag: .zero, lookback: .zero,
            pageSize: 100, requestsPerSecond: 1000, burst: 1000))
        settings.pageSize = pageSize
        settings.downloadDirectory = directory
        settings.maxAttempts = 2
        settings.retry.initialBackoff = .milliseconds(1)
        settings.retry.maximumBackoff = .milliseconds(2)
        return Poller(api: EventLogFiles(baseURL: server.baseURL, idPath: idPath), settings: settings,
                      authenticator: StaticTokenAuth(token: Secret("t")), clock: clock)
    }

    /// The rows of each page (as text-valued objects) until `maxPages` or the source is caught up.
    static func drain(_ poller: Poller, from cursor: String?, maxPages: Int = 1000) async throws -> (rows: [[String: String]], cursor: String?, pages: Int) {
        var cursor = cursor
        var rows: [[String: String]] = []
        var pages = 0
        while pages < maxPages, let page = try await poller.nextPage(after: cursor) {
            pages += 1
            cursor = page.cursor ?? cursor
            let document = JSONDocument()
            _ = try document.parse(page.body)  // the page body is one JSON array of the row objects
            for range in page.events {
                let object = try JSONDocument().parse(Array(page.body[range]))
                var row: [String: String] = [:]
                for (key, value) in object.members { row[key] = try #require(value.string) }
                rows.append(row)
            }
        }
        return (rows, cursor, pages)
    }

    static func state(_ cursor: String?) -> PollState? {
        cursor.flatMap { SourceCursor(decoding: $0, defaultStream: "eventlogfile")?.streams["eventlogfile"] }
    }

    static func directory() throws -> String { try BuiltProducts.temporaryDirectory("csv-documents") }

    static func files(in directory: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }

    /// `n` simple rows `N,TIMESTAMP,REQUEST_ID` numbered from 1.
    static func simple(_ count: Int, request: (Int) -> String = { "REQ\($0)" }) -> String {
        "N,TIMESTAMP,REQUEST_ID\n" + (1...max(1, count)).prefix(count).map { "\($0),2026-03-01T10:00:\(String(format: "%02d", $0 % 60)).000Z,\(request($0))\n" }.joined()
    }

    @Test func everyRowOfEveryListedDocumentIsDeliveredOnceAcrossPages() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The edge cases of RFC 4180, a BOM and no final line end, in the first document.
        let tricky = "\u{FEFF}EVENT_TYPE,TIMESTAMP,REQUEST_ID,MESSAGE\r\n"
            + "API,2026-03-01T10:00:00.000Z,R1,\"a, b\"\r\n"
            + "API,2026-03-01T10:00:01.000Z,R1,\"two\r\nlines\"\r\n"
            + "API,2026-03-01T10:00:02.000Z,,\"say \"\"hi\"\"\"\r\n"
            + "Login,2026-03-01T10:00:03.000Z,R4,\"lf\nonly\"\r\n"
            + "URI,2026-03-01T10:00:04.000Z,R5,"
        // Five documents, two sharing a creation time across the listing's page boundary (3 a page).
        try await server.add([
            ("0AT000000000001", "2026-03-01T09:00:00.000+0000", tricky),
            ("0AT000000000002", "2026-03-01T09:10:00.000+0000", Self.simple(7)),
            ("0AT000000000003", "2026-03-01T09:20:00.000+0000", Self.simple(3)),
            ("0AT000000000004", "2026-03-01T09:20:00.000+0000", "N,TIMESTAMP,REQUEST_ID\n"),  // a header only
            ("0AT000000000005", "2026-03-01T09:30:00.000+0000", Self.simple(5)),
        ])
        let poller = Self.poller(server, directory: directory, pageSize: 3)
        let (rows, cursor, _) = try await Self.drain(poller, from: nil)

        #expect(rows.count == 20)  // 5 + 7 + 3 + 0 + 5
        let messages: [String?] = rows.prefix(5).map { $0["MESSAGE"] }
        #expect(messages == ["a, b", "two\r\nlines", "say \"hi\"", "lf\nonly", ""])
        let requests: [String?] = rows.prefix(5).map { $0["REQUEST_ID"] }
        #expect(requests == ["R1", "R1", "", "R4", "R5"])
        #expect(rows[0].keys.sorted() == ["EVENT_TYPE", "MESSAGE", "REQUEST_ID", "TIMESTAMP", "auditrelay.row"])
        // Each row's id: its document and row number, unique even where REQUEST_ID repeats.
        let firstIDs: [String?] = rows.prefix(5).map { $0["auditrelay.row"] }
        #expect(firstIDs == (1...5).map { "0AT000000000001:\($0)" })
        let secondNumbers: [String?] = rows.dropFirst(5).prefix(7).map { $0["N"] }
        #expect(secondNumbers == (1...7).map { String($0) })
        let lastIDs: [String?] = rows.suffix(5).map { $0["auditrelay.row"] }
        #expect(lastIDs == (1...5).map { "0AT000000000005:\($0)" })
        #expect(Set(rows.compactMap { $0["auditrelay.row"] }).count == rows.count)

        let fetches = try await server.fetches()
        let once: [String: Int] = Dictionary(uniqueKeysWithValues: (1...5).map { ("0AT00000000000\($0)", 1) })
        #expect(fetches == once)
        let state = try #require(Self.state(cursor))
        #expect(state.document == nil)
        #expect(state.window == nil)
        #expect(state.since == Timestamp(parsing: "2026-03-01T12:00:00Z"))
        // Forgotten with the window: a later window (no lookback here) cannot list them again.
        #expect(state.fetchedDocuments.isEmpty)
        #expect(Self.files(in: directory).isEmpty, "downloads left behind: \(Self.files(in: directory))")
        // Caught up: nothing more until the interval has passed.
        #expect(try await poller.nextPage(after: cursor) == nil)
    }

    @Test func theCursorCarriesTheDocumentBeingReadAndOlderCursorsStayReadable() throws {
        let old = #"{"v":2,"streams":{"eventlogfile":{"since":"2026-03-01T12:00:00Z","docs":{"00000000000000aa":1772350000}}}}"#
        let state = try #require(SourceCursor(decoding: old, defaultStream: "eventlogfile")?.streams["eventlogfile"])
        #expect(state.document == nil)
        #expect(state.fetchedDocuments == ["00000000000000aa": 1_772_350_000])
        var reading = state
        reading.document = PollState.DocumentProgress(digest: "6e9a30fb6f0a7bc8", rows: 41_000)
        let encoded = SourceCursor(streams: ["eventlogfile": reading]).encoded
        #expect(encoded.contains(#""doc":{"d":"6e9a30fb6f0a7bc8","rows":41000}"#))
        #expect(SourceCursor(decoding: encoded, defaultStream: "eventlogfile")?.streams["eventlogfile"] == reading)
        let negative = #"{"v":2,"streams":{"e":{"since":"2026-03-01T12:00:00Z","doc":{"d":"x","rows":-1}}}}"#
        #expect(SourceCursor(decoding: negative, defaultStream: "e") == nil)
    }

    @Test func aRestartInTheMiddleOfADocumentDeliversExactlyTheRest() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        try await server.add([("0ATA", "2026-03-01T09:00:00.000+0000", Self.simple(4)),
                              ("0ATB", "2026-03-01T09:05:00.000+0000", Self.simple(23)),
                              ("0ATC", "2026-03-01T09:10:00.000+0000", Self.simple(2))])
        let all = (1...4).map { "0ATA:\($0)" } + (1...23).map { "0ATB:\($0)" } + (1...2).map { "0ATC:\($0)" }
        for k in [1, 2, 3, 5, 6] {
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let before = try await Self.drain(Self.poller(server, directory: directory, pageSize: 5), from: nil, maxPages: k)
            let state = try #require(Self.state(before.cursor))
            if k >= 2 && k <= 5 {
                // Pages 2…6 are 0ATB's: the cursor names it and the rows delivered.
                #expect(state.document == PollState.DocumentProgress(digest: ContentListing.Entry.digest("0ATB"), rows: Int64(5 * (k - 1))))
                #expect(Self.files(in: directory).count == 1)  // the first process "died" holding its download
            }
            let after = try await Self.drain(Self.poller(server, directory: directory, pageSize: 5), from: before.cursor)
            let delivered = (before.rows + after.rows).compactMap { $0["auditrelay.row"] }
            #expect(delivered == all, "restart after page \(k)")
            #expect(Self.files(in: directory).isEmpty, "after page \(k): \(Self.files(in: directory))")
        }
    }

    @Test func askingAgainFromTheLastCommittedCursorRepeatsThatPageWithoutDownloadingAgain() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.add([("0ATR", "2026-03-01T09:00:00.000+0000", Self.simple(12))])
        let poller = Self.poller(server, directory: directory, pageSize: 5)
        let first = try #require(try await poller.nextPage(after: nil))
        let second = try #require(try await poller.nextPage(after: first.cursor))
        // The pipeline could not commit `second` and asks again after `first`.
        let again = try #require(try await poller.nextPage(after: first.cursor))
        #expect(again.body == second.body)
        #expect(again.cursor == second.cursor)
        let rest = try await Self.drain(poller, from: again.cursor)
        #expect(rest.rows.compactMap { $0["N"] } == (11...12).map(String.init))
        #expect(try await server.fetches() == ["0ATR": 1])
    }

    @Test func aRowIDFromTheVendorsIDColumnOrElseDocumentAndRowNumberIsTheWatermarkID() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.add([("0ATW", "2026-03-01T09:00:00.000+0000", Self.simple(3) { $0 == 3 ? "" : "REQ\($0)" })])
        // The newest row has an empty REQUEST_ID: the watermark falls back to document and row.
        let byColumn = try await Self.drain(Self.poller(server, directory: directory, pageSize: 10, idPath: ["REQUEST_ID"]), from: nil)
        let newest = try #require(Timestamp(parsing: "2026-03-01T10:00:03Z"))
        let watermark = Self.state(byColumn.cursor)?.watermark
        #expect(watermark == PollState.Watermark(time: newest, id: "0ATW:3"))
        try await server.add([("0ATX", "2026-03-01T12:01:00.000+0000", "N,TIMESTAMP,REQUEST_ID\n9,2026-03-01T11:00:00Z,REQ-X\n")])
        let later = ManualClock()
        later.advance(.seconds(120))
        let next = try await Self.drain(Self.poller(server, directory: directory, pageSize: 10, idPath: ["REQUEST_ID"], clock: later), from: byColumn.cursor)
        #expect(next.rows.count == 1)
        #expect(Self.state(next.cursor)?.watermark?.id == "REQ-X")
    }

    @Test func malformedRowsAreErrorsNamingDocumentAndRowNeverSkipped() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.add([("0ATM", "2026-03-01T09:00:00.000+0000", "A,B\n1,2\n3,4\n5,6,7\n8,9\n")])
        let poller = Self.poller(server, directory: directory, pageSize: 2)
        let first = try #require(try await poller.nextPage(after: nil))
        #expect(first.events.count == 2)
        for _ in 0..<2 {  // asked again, the same error: the bad row is never stepped over
            let error = await #expect(throws: PollError.self) { try await poller.nextPage(after: first.cursor) }
            #expect(error?.description.contains("CSV document 0ATM: row 3 has 3 fields, the header 2") == true, "\(String(describing: error))")
        }
        #expect(Self.files(in: directory).isEmpty)

        try await server.add([("0ATN", "2026-03-01T09:30:00.000+0000", "A,B\n1,\"open\n")])
        let other = Self.poller(server, directory: directory, pageSize: 2)
        // A cursor that has 0ATM behind it, so 0ATN is read next.
        let cursor = Self.state(first.cursor).map { state -> String in
            var skipping = state
            skipping.fetchedDocuments[ContentListing.Entry.digest("0ATM")] = 0
            skipping.document = nil
            return SourceCursor(streams: ["eventlogfile": skipping]).encoded
        }
        let unclosed = await #expect(throws: PollError.self) { _ = try await other.nextPage(after: cursor) }
        #expect(unclosed?.description.contains("CSV document 0ATN: row 1 (line 2): a quoted field is not closed by the end of the file") == true,
                "\(String(describing: unclosed))")
        #expect(Self.files(in: directory).isEmpty)
    }

    @Test func aDocumentAnsweredAsExpiredIsAGapAndTheOthersAreRead() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.add([("0ATE1", "2026-03-01T09:00:00.000+0000", Self.simple(2)),
                              ("0ATE2", "2026-03-01T09:10:00.000+0000", Self.simple(3))])
        try await server.fail("0ATE1", with: [404])
        let poller = Self.poller(server, directory: directory, pageSize: 10)
        var cursor: String?
        var gaps = 0
        var rows: [String] = []
        while let page = try await poller.nextPage(after: cursor) {
            cursor = page.cursor ?? cursor
            if page.stream == GapEvent.stream { gaps += 1 }
            rows += page.events.compactMap { try? JSONDocument().parse(Array(page.body[$0]))["auditrelay.row"]?.string }
        }
        #expect(gaps == 1)
        #expect(rows == ["0ATE2:1", "0ATE2:2", "0ATE2:3"])
        #expect(Self.files(in: directory).isEmpty)
    }

    @Test func anHTTPPeerThatKeepsBodiesInMemoryStillServesDocuments() async throws {
        // Test doubles (and any `HTTPSending` without file downloads) answer with the body.
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let http = ScriptedHTTP { request, _ in
            if request.url.contains("/query") {
                return json(#"{"records":[{"Id":"0ATS","CreatedDate":"2026-03-01T09:00:00.000+0000","LogFile":"/files/0ATS"}]}"#)
            }
            #expect(request.url == "https://fake.example.com/files/0ATS")
            #expect(request.downloadPath?.hasPrefix(directory + "/") == true)
            return HTTPResponse(status: 200, body: Array("N,TIMESTAMP\n1,2026-03-01T10:00:00Z\n2,2026-03-01T10:00:01Z\n".utf8))
        }
        var settings = PollerTests.settings { $0.pageSize = 10 }
        settings.downloadDirectory = directory
        let poller = Poller(api: EventLogFiles(baseURL: "https://fake.example.com"), settings: settings,
                            authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: ManualClock())
        let page = try #require(try await poller.nextPage(after: nil))
        #expect(String(decoding: page.body, as: UTF8.self)
            == #"[{"N":"1","TIMESTAMP":"2026-03-01T10:00:00Z","auditrelay.row":"0ATS:1"},{"N":"2","TIMESTAMP":"2026-03-01T10:00:01Z","auditrelay.row":"0ATS:2"}]"#)
        #expect(page.events.count == 2)
        #expect(Self.files(in: directory).isEmpty)
    }

    @Test func downloadsGoToTheFileWithErrorBodiesReadBackAndTheirOwnLimit() async throws {
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await server.addGenerated(id: "0ATG", created: "2026-03-01T09:00:00.000+0000", rows: 2000)
        let path = "\(directory)/download.csv"
        let ok = try await HTTPClient().send(HTTPRequest(url: "\(server.baseURL)/files/0ATG", downloadPath: path))
        #expect(ok.status == 200)
        #expect(ok.body.isEmpty)
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size == Int(ok.header("content-length") ?? "") ?? -1)
        #expect(size > 300_000)

        try await server.fail("0ATG", with: [500])
        let failed = try await HTTPClient().send(HTTPRequest(url: "\(server.baseURL)/files/0ATG", downloadPath: path))
        #expect(failed.status == 500)
        #expect(String(decoding: failed.body, as: UTF8.self) == #"{"error": "fault 500"}"#)

        var options = HTTPOptions()
        options.maxDownloadBytes = 100_000
        options.maxResponseBytes = 1 << 30  // not the limit that applies to a download
        let error = await #expect(throws: PollError.self) {
            _ = try await HTTPClient(options: options).send(HTTPRequest(url: "\(server.baseURL)/files/0ATG", downloadPath: path))
        }
        #expect(error?.reason == "too_large")
    }

    /// The issue's 200 MB EventLogFile: read by `csv-stream-probe` (Tools/), a process of its own
    /// so its peak RSS is the kit's alone; it checks every row arrives once and in order.
    @Test(.timeLimit(.minutes(10))) func a200MBDocumentStreamsWithBoundedMemory() async throws {
        let probe = try BuiltProducts.require("csv-stream-probe")
        let server = try CSVDocumentServer()
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rows = 1_121_471  // × 187 bytes a row: 200 MiB
        let created = Timestamp.now().minus(.seconds(3600)).wholeSeconds.description
        try await server.addGenerated(id: "0ATBIG", created: created, rows: rows)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: probe)
        process.arguments = ["--base-url", server.baseURL, "--download-dir", directory, "--page-size", "1000"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try JSONDocument().parse(Array(data))
        let hwm = Int(report["hwmKiB"]?.int64 ?? -1), start = Int(report["rssStartKiB"]?.int64 ?? -1)
        print("csv-stream-probe: \(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(report["rows"]?.int64 == Int64(rows))
        #expect(report["documents"]?.int64 == 1)
        #expect(hwm > 0 && hwm < 100 * 1024, "peak RSS \(hwm) KiB")
        #expect(hwm - start < 64 * 1024, "grew \(hwm - start) KiB while reading")
        #expect(Self.files(in: directory).isEmpty)
    }
}
