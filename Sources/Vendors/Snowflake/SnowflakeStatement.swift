import Foundation
import Polling
import RelayCore

/// One SQL API statement from submission to its last partition: the POST, a 202 polled on its
/// `statementStatusUrl` until the ResultSet is there, then every further partition. Returns the
/// rows as one synthetic `{"rows":[…]}` answer.
enum SnowflakeStatement {
    /// Polls of a running statement before giving up (Snowflake itself ends it at `timeout`).
    static let maximumPolls = 600

    static func run(_ request: HTTPRequest, baseURL: String, send: PageExchange.Send) async throws -> HTTPResponse {
        let endpoint = Redaction.url(request.url)
        var response = try await send(request)
        var polls = 0
        while response.status == 202 {
            // Snowflake answers 202 once a statement has run 45 s (or asynchronously): poll its handle,
            // at once and then backing off to every 5 s.
            let status = try statusURL(in: response, baseURL: baseURL, endpoint: endpoint)
            if polls > 0 { try await Task.sleep(for: .milliseconds(min(5000, 250 << min(polls, 5)))) }
            polls += 1
            guard polls <= maximumPolls else {
                throw PollError.malformedBody("the statement was still running after \(maximumPolls) status checks", endpoint: endpoint)
            }
            response = try await send(HTTPRequest(url: status, headers: [("Accept", "application/json")]))
        }
        let document = JSONDocument()
        let root: JSONValue
        do {
            root = try document.parse(response.body)
        } catch {
            throw PollError.malformedBody("the result set is not JSON (\(response.body.count) bytes)", endpoint: endpoint)
        }
        guard let metadata = root["resultSetMetaData"], let rowType = metadata["rowType"], rowType.kind == .array else {
            throw PollError.malformedBody("the result set has no resultSetMetaData.rowType", endpoint: endpoint)
        }
        let columns = try SnowflakeRows.columns(rowType, endpoint: endpoint)
        var writer = JSONWriter(capacity: response.body.count + 64)
        writer.raw("{\"rows\":[")
        var first = true
        try SnowflakeRows.write(root["data"], columns: columns, into: &writer, first: &first, endpoint: endpoint)
        let partitions = metadata["partitionInfo"]?.count ?? 1
        if partitions > 1 {
            guard let handle = root["statementHandle"]?.string, !handle.isEmpty else {
                throw PollError.malformedBody("a result of \(partitions) partitions has no statementHandle", endpoint: endpoint)
            }
            for partition in 1..<partitions {
                let url = "\(baseURL)/api/v2/statements/\(PercentEncoding.encode(handle))?partition=\(partition)"
                let part = try await send(HTTPRequest(url: url, headers: [("Accept", "application/json")]))
                let partDocument = JSONDocument()
                guard let partRoot = try? partDocument.parse(part.body) else {
                    throw PollError.malformedBody("result partition \(partition) is not JSON (\(part.body.count) bytes)", endpoint: endpoint)
                }
                try SnowflakeRows.write(partRoot["data"], columns: columns, into: &writer, first: &first, endpoint: endpoint)
            }
        }
        writer.raw("]}")
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: writer.bytes, httpVersion: response.httpVersion)
    }

    /// Where to poll a running statement: its `statementStatusUrl` (a path on the account's host),
    /// else the `statementHandle`. Never another host: the request carries our JWT.
    static func statusURL(in response: HTTPResponse, baseURL: String, endpoint: String) throws(PollError) -> String {
        let document = JSONDocument()
        let root = try? document.parse(response.body)
        if let path = root?["statementStatusUrl"]?.string, path.hasPrefix("/"), !path.hasPrefix("//") {
            return baseURL + path
        }
        if let handle = root?["statementHandle"]?.string, !handle.isEmpty {
            return "\(baseURL)/api/v2/statements/\(PercentEncoding.encode(handle))"
        }
        throw PollError.malformedBody("a 202 answer names no statement handle to poll", endpoint: endpoint)
    }
}

/// SQL API `jsonv2` rows (arrays of strings, `null` for NULL) as JSON objects keyed by column
/// name, each value converted by its column's `rowType` type.
enum SnowflakeRows {
    struct Column {
        var name: String
        var type: String
    }

    static func columns(_ rowType: JSONValue, endpoint: String) throws(PollError) -> [Column] {
        var columns: [Column] = []
        for column in rowType.elements {
            guard let name = column["name"]?.string, !name.isEmpty else {
                throw PollError.malformedBody("a rowType entry has no name", endpoint: endpoint)
            }
            columns.append(Column(name: name.uppercased(), type: (column["type"]?.string ?? "text").uppercased()))
        }
        return columns
    }

    static func write(_ data: JSONValue?, columns: [Column], into writer: inout JSONWriter, first: inout Bool, endpoint: String) throws(PollError) {
        guard let data, data.kind != .null else { return }
        guard data.kind == .array else { throw PollError.malformedBody("the result's data is not an array of rows", endpoint: endpoint) }
        for row in data.elements {
            guard row.kind == .array, row.count == columns.count else {
                throw PollError.malformedBody("a row does not have the \(columns.count) columns of rowType", endpoint: endpoint)
            }
            if !first { writer.raw(UInt8(ascii: ",")) }
            first = false
            writer.raw(UInt8(ascii: "{"))
            for (index, (column, cell)) in zip(columns, row.elements).enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(column.name)
                writer.raw(UInt8(ascii: ":"))
                write(cell, type: column.type, into: &writer)
            }
            writer.raw(UInt8(ascii: "}"))
        }
    }

    /// One cell. A value that does not read as its type is kept as the string Snowflake sent
    /// rather than dropped.
    static func write(_ cell: JSONValue, type: String, into writer: inout JSONWriter) {
        guard cell.kind != .null else { return writer.raw("null") }
        guard let text = cell.kind == .string ? cell.string : cell.text else { return writer.raw("null") }
        switch type {
        case "FIXED", "NUMBER", "REAL", "FLOAT", "DECFLOAT":
            // Written as the digits Snowflake sent: a 19-digit EVENT_ID survives (no Double).
            if isJSONNumber(text) { writer.bytes.append(contentsOf: text.utf8) } else { writer.string(text) }
        case "BOOLEAN":
            switch text.lowercased() {
            case "true", "1": writer.bool(true)
            case "false", "0": writer.bool(false)
            default: writer.string(text)
            }
        case "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ":
            writer.string(rfc3339(epochText: text) ?? text)
        case "DATE":
            if let days = Int64(text) { writer.string(String(Timestamp(seconds: days * 86_400).description.prefix(10))) } else { writer.string(text) }
        case "VARIANT", "OBJECT", "ARRAY", "MAP":
            let document = JSONDocument()
            if (try? document.parse(Array(text.utf8))) != nil { writer.bytes.append(contentsOf: text.utf8) } else { writer.string(text) }
        default:
            writer.string(text)
        }
    }

    /// `1700000000.123456789` → `2023-11-14T22:13:20.123456789Z`, every fraction digit kept (the
    /// keyset compares times verbatim); TIMESTAMP_TZ's `1700000000.123 1500` (offset + 1440 minutes)
    /// → the wall time at that offset, `2023-11-14T23:13:20.123+01:00`. Nil for anything else.
    static func rfc3339(epochText: String) -> String? {
        let parts = epochText.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        var offsetMinutes: Int64?
        if parts.count == 2 {
            guard let encoded = Int64(parts[1]), (0...2880).contains(encoded) else { return nil }
            offsetMinutes = encoded - 1440
        }
        let number = parts[0]
        let negative = number.hasPrefix("-")
        let unsigned = negative ? number.dropFirst() : number[...]
        let pieces = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = pieces.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), let wholeValue = Int64(whole), wholeValue < 100_000_000_000 else { return nil }
        var fraction = pieces.count == 2 ? String(pieces[1]) : ""
        guard fraction.allSatisfy(\.isASCIIDigit), fraction.count <= 9 else { return nil }
        var seconds = negative ? -wholeValue : wholeValue
        if negative, !fraction.isEmpty, fraction.contains(where: { $0 != "0" }) {
            // -1.25 is 1.75 into the second before -1: borrow a second for the positive fraction.
            seconds -= 1
            let scale = Int64(pow(10, Double(fraction.count)))
            let complement = scale - (Int64(fraction) ?? 0)
            fraction = String(repeating: "0", count: max(0, fraction.count - String(complement).count)) + String(complement)
        }
        if let offsetMinutes { seconds += offsetMinutes * 60 }
        var text = String(Timestamp(seconds: seconds).description.dropLast())  // YYYY-MM-DDTHH:MM:SS
        if !fraction.isEmpty { text += "." + fraction }
        guard let offsetMinutes else { return text + "Z" }
        let magnitude = abs(offsetMinutes)
        let hours = String(magnitude / 60), minutes = String(magnitude % 60)
        return text + (offsetMinutes < 0 ? "-" : "+") + (hours.count < 2 ? "0" : "") + hours + ":" + (minutes.count < 2 ? "0" : "") + minutes
    }

    /// RFC 8259 number syntax.
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard let first = bytes.first, isDigit(first) else { return false }
        let integer = bytes.prefix(while: isDigit)
        if integer.count > 1, integer.first == UInt8(ascii: "0") { return false }
        bytes = bytes.dropFirst(integer.count)
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            let digits = bytes.prefix(while: isDigit)
            guard !digits.isEmpty else { return false }
            bytes = bytes.dropFirst(digits.count)
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            let digits = bytes.prefix(while: isDigit)
            guard !digits.isEmpty else { return false }
            bytes = bytes.dropFirst(digits.count)
        }
        return bytes.isEmpty
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
