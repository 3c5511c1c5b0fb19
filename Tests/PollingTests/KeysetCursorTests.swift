import Foundation
import Polling
import RelayCore
import Testing

/// The (time, id) cursor of query sources (ServiceNow, Salesforce, Snowflake): rows ordered by
/// (time, id), a full page continuing after its last row, against an in-process table whose times
/// have whole-second precision, so many rows share one.
@Suite struct KeysetCursorTests {
    typealias Support = PollerTests

    /// A table served like a query API: `from` ≤ time < `to`, after the keyset (`t`, `id`) when
    /// given, ordered by (time, id), `limit` rows.
    final class Table: @unchecked Sendable {
        private let lock = NSLock()
        private var rows: [(time: String, id: String)] = []

        func insert(_ time: String, _ ids: [String]) { lock.withLock { rows += ids.map { (time, $0) } } }

        func answer(_ request: HTTPRequest) -> HTTPResponse {
            let query = Support.query(request)
            guard let from = query["from"], let to = query["to"], let limit = query["limit"].flatMap(Int.init) else { return json(400, "{}") }
            let after = query["t"].map { ($0, query["id"] ?? "") }
            let selected = lock.withLock { rows }
                .filter { $0.time >= from && $0.time < to }
                .filter { row in after.map { row.time > $0.0 || (row.time == $0.0 && row.id > $0.1) } ?? true }
                .sorted { ($0.time, $0.id) < ($1.time, $1.id) }
                .prefix(limit)
            let items = selected.map { #"{"sys_id":"\#($0.id)","sys_created_on":"\#($0.time)"}"# }.joined(separator: ",")
            return json(#"{"result":[\#(items)]}"#)
        }
    }

    struct QueryAPI: VendorAPI {
        var sourceType: String { "fake" }
        var stream: String { "sys_audit" }
        var permissionHint: String { "no" }
        var eventsPath: [String] { ["result"] }
        var idPath: [String] { ["sys_id"] }
        var timePath: [String] { ["sys_created_on"] }
        var paging: Paging { .keyset }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("from", Self.text(window.from)), ("to", Self.text(window.to)), ("limit", String(pageSize))]
            if let pageToken {
                guard let keyset = Keyset(token: pageToken) else { throw PollError.invalidRequest("not a keyset", endpoint: "fake") }
                items += [("t", keyset.time), ("id", keyset.id)]
            }
            return HTTPRequest(url: "https://fake.example.com/table?\(PercentEncoding.query(items))")
        }

        /// `2026-03-01 11:59:00`, ServiceNow's UTC format.
        static func text(_ time: Timestamp) -> String {
            String(time.wholeSeconds.description.dropLast()).replacingOccurrences(of: "T", with: " ")
        }
    }

    static func poller(_ table: Table, clock: ManualClock, pageSize: Int = 10) -> (Poller, ScriptedHTTP) {
        let http = ScriptedHTTP { request, _ in table.answer(request) }
        let settings = Support.settings { $0.pageSize = pageSize }
        return (Poller(api: QueryAPI(), settings: settings, authenticator: StaticTokenAuth(token: Secret("t")), http: http, clock: clock), http)
    }

    /// Pages until the source is caught up: the ids delivered and the last cursor.
    static func drain(_ poller: Poller, from cursor: String?, maxPages: Int = 100) async throws -> (ids: [String], cursor: String?) {
        var cursor = cursor
        var ids: [String] = []
        for _ in 0..<maxPages {
            guard let page = try await poller.nextPage(after: cursor) else { break }
            ids += page.events.compactMap { range in
                let document = JSONDocument()
                return (try? document.parse(Array(page.body[range])))?["sys_id"]?.string
            }
            cursor = page.cursor ?? cursor
        }
        return (ids, cursor)
    }

    static func ids(_ prefix: String, _ count: Int) -> [String] { (0..<count).map { String(format: "\(prefix)%03d", $0) } }

    @Test func rowsSharingOneSecondAcrossPageBoundariesComeOnceEach() async throws {
        let table = Table()
        table.insert("2026-03-01 11:30:00", Self.ids("a", 5))
        table.insert("2026-03-01 11:30:01", Self.ids("b", 27))  // spans three pages of 10
        table.insert("2026-03-01 11:30:02", Self.ids("c", 3))
        let (poller, http) = Self.poller(table, clock: ManualClock())
        let (delivered, _) = try await Self.drain(poller, from: nil)
        #expect(delivered == Self.ids("a", 5) + Self.ids("b", 27) + Self.ids("c", 3))
        // Each later page asks after the previous page's last row: its second and its id.
        let keysets = http.requests.compactMap { request in Support.query(request)["t"].map { "\($0)/\(Support.query(request)["id"] ?? "")" } }
        #expect(keysets == ["2026-03-01 11:30:01/b004", "2026-03-01 11:30:01/b014", "2026-03-01 11:30:01/b024"])
    }

    @Test func aRestartBetweenPagesResumesAfterTheLastCommittedRow() async throws {
        let table = Table()
        table.insert("2026-03-01 11:40:00", Self.ids("x", 25))
        let clock = ManualClock()
        let (first, _) = Self.poller(table, clock: clock)
        let page = try #require(try await first.nextPage(after: nil))
        let state = try #require(page.cursor.flatMap { SourceCursor(decoding: $0, defaultStream: "sys_audit") }?.streams["sys_audit"])
        #expect(Keyset(token: try #require(state.window?.next)) == Keyset(time: "2026-03-01 11:40:00", id: "x009"))
        // A new process with the committed cursor: the rest, nothing twice.
        let (second, _) = Self.poller(table, clock: clock)
        let (rest, _) = try await Self.drain(second, from: page.cursor)
        #expect(rest == Array(Self.ids("x", 25).dropFirst(10)))
    }

    @Test func rowsInsertedLateWithOlderTimesInsideTheLookbackAreReadOnTheNextPoll() async throws {
        let table = Table()
        table.insert("2026-03-01 11:50:00", Self.ids("n", 12))
        let clock = ManualClock()
        let (poller, _) = Self.poller(table, clock: clock)
        let (firstIDs, cursor) = try await Self.drain(poller, from: nil)
        #expect(firstIDs == Self.ids("n", 12))
        // Committed later with a time before the cursor (ServiceNow's and Salesforce's rows fill in
        // late), but within the 5-minute lookback; one outside it would need a longer lookback.
        table.insert("2026-03-01 11:56:30", ["late1"])
        table.insert("2026-03-01 11:50:00", ["n000a"])
        clock.advance(.seconds(120))
        let (secondIDs, _) = try await Self.drain(poller, from: cursor)
        #expect(secondIDs.contains("late1"))
        #expect(!secondIDs.contains("n000a"))  // 11:50 is before since − lookback (11:59 − 5m = 11:54)
        #expect(secondIDs.allSatisfy { $0 == "late1" || firstIDs.contains($0) })  // re-read rows only from the lookback (dropped as duplicates downstream)
    }

    @Test func aTokenThatIsNotAKeysetIsRefused() {
        #expect(Keyset(token: "2026-03-01 11:50:00") == nil)
        #expect(Keyset(token: #"["a"]"#) == nil)
        #expect(Keyset(token: #"["a",1]"#) == nil)
        let keyset = Keyset(time: "2026-03-01 11:50:00.123456789", id: "a\"b,c")
        #expect(Keyset(token: keyset.token) == keyset)
    }
}
