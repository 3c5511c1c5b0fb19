// Reads every CSV document a list-then-fetch API lists (Tests/Fixtures/polling/csv_documents.py)
// through the polling kit, as a separate process so its peak memory (VmHWM) is the kit's alone,
// not the test runner's. Checks the rows' `ROW` column counts 1, 2, 3… per document, and prints
// one JSON line: {"rows","pages","documents","bodyBytes","rssStartKiB","hwmStartKiB","hwmKiB","seconds"}.
//
// Usage: csv-stream-probe --base-url http://127.0.0.1:PORT --download-dir DIR [--page-size 1000]
import Foundation
import Polling
import RelayCore

struct EventLogFiles: VendorAPI {
    var baseURL: String
    var sourceType: String { "probe" }
    var stream: String { "eventlogfile" }
    var permissionHint: String { "none" }
    var eventsPath: [String] { ["records"] }
    var idPath: [String] { [] }
    var timePath: [String] { ["TIMESTAMP"] }
    var paging: Paging { .keyset }
    var contents: ContentListing? {
        ContentListing(idPath: ["Id"], urlPath: ["LogFile"], createdPath: ["CreatedDate"], expirationPath: nil, format: .csv(rowIDKey: "auditrelay.row"))
    }

    func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
        var items = [("from", window.from.description), ("to", window.to.description), ("limit", String(pageSize))]
        if let pageToken, let keyset = Keyset(token: pageToken) { items += [("t", keyset.time), ("id", keyset.id)] }
        return HTTPRequest(url: "\(baseURL)/query?\(PercentEncoding.query(items))")
    }
}

/// A `/proc/self/status` field in KiB (Linux), 0 elsewhere.
func status(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// The 10-digit `ROW` value in one row object, found without parsing the whole object.
func rowNumber(_ bytes: ArraySlice<UInt8>) -> Int? {
    let marker = Array(#""ROW":""#.utf8)
    var index = bytes.startIndex
    while index + marker.count + 10 <= bytes.endIndex {
        if bytes[index] == marker[0], Array(bytes[index..<(index + marker.count)]) == marker {
            return Int(String(decoding: bytes[(index + marker.count)..<(index + marker.count + 10)], as: UTF8.self))
        }
        index += 1
    }
    return nil
}

var arguments: [String: String] = [:]
var rest = CommandLine.arguments.dropFirst()
while let name = rest.popFirst() {
    guard name.hasPrefix("--"), let value = rest.popFirst() else {
        FileHandle.standardError.write(Data("usage: csv-stream-probe --base-url URL --download-dir DIR [--page-size N]\n".utf8))
        exit(2)
    }
    arguments[String(name.dropFirst(2))] = value
}
guard let baseURL = arguments["base-url"], let directory = arguments["download-dir"] else {
    FileHandle.standardError.write(Data("--base-url and --download-dir are required\n".utf8))
    exit(2)
}
var settings = PollSettings(id: "csv-probe", baseURL: baseURL,
                            defaults: VendorDefaults(retention: .seconds(30 * 86_400), lag: .zero, lookback: .zero,
                                                     pageSize: Int(arguments["page-size"] ?? "") ?? 1000, requestsPerSecond: 1000, burst: 1000))
settings.downloadDirectory = directory
settings.backfill = .duration(.seconds(7 * 86_400))
let poller = Poller(api: EventLogFiles(baseURL: baseURL), settings: settings, authenticator: StaticTokenAuth(token: Secret("probe")))

let rssStart = status("VmRSS"), hwmStart = status("VmHWM")
let started = Date()
var cursor: String?
var rows = 0, pages = 0, bodyBytes = 0
var expected = 1
var documents = 0
do {
    while let page = try await poller.nextPage(after: cursor) {
        cursor = page.cursor ?? cursor
        pages += 1
        bodyBytes += page.body.count
        for range in page.events {
            guard let number = rowNumber(page.body[range]) else { throw PollError.invalidRequest("a row without ROW", endpoint: baseURL) }
            if number == 1 && expected != 1 {
                documents += 1
                expected = 1
            }
            guard number == expected else {
                throw PollError.invalidRequest("row \(number) delivered where \(expected) was due", endpoint: baseURL)
            }
            expected += 1
            rows += 1
        }
    }
} catch {
    FileHandle.standardError.write(Data("csv-stream-probe: \(error)\n".utf8))
    exit(1)
}
if rows > 0 { documents += 1 }
print(#"{"rows":\#(rows),"pages":\#(pages),"documents":\#(documents),"bodyBytes":\#(bodyBytes),"rssStartKiB":\#(rssStart),"hwmStartKiB":\#(hwmStart),"hwmKiB":\#(status("VmHWM")),"seconds":\#(Int(Date().timeIntervalSince(started)))}"#)
