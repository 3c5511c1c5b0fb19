import Foundation
import RelayCore

/// One sample of Prometheus text exposition: `name{label="value",…} 12.5`.
public struct MetricSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    public init(name: String, labels: [String: String] = [:], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// Reads the text format `/metrics` serves (version 0.0.4): comments are skipped, a line that is
/// not a sample is an error naming its line number.
public enum PrometheusText {
    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "metrics line \(line): \(reason)" }
    }

    public static func parse(_ text: String) throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            samples.append(try sample(Substring(line), number: index + 1))
        }
        return samples
    }

    private static func sample(_ line: Substring, number: Int) throws -> MetricSample {
        guard let nameEnd = line.firstIndex(where: { $0 == "{" || $0 == " " }) else {
            throw ParseError(line: number, reason: "no value")
        }
        let name = String(line[..<nameEnd])
        var labels: [String: String] = [:]
        var rest = line[nameEnd...]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { throw ParseError(line: number, reason: "label without value") }
                let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw ParseError(line: number, reason: "label \(key) is not quoted") }
                rest = rest.dropFirst()
                var value = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character == "n" ? "\n" : character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
                labels[key] = value
                rest = rest.drop { $0 == "," || $0 == " " }
                guard !rest.isEmpty else { throw ParseError(line: number, reason: "labels not closed") }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard let first = fields.first, let value = Double(first) ?? special(first) else {
            throw ParseError(line: number, reason: "\"\(rest.prefix(40))\" is not a number")
        }
        return MetricSample(name: name, labels: labels, value: value)
    }

    private static func special(_ text: Substring) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return nil
        }
    }
}

/// What `auditrelay status` shows of a running sidecar, built from its `/metrics` (two scrapes,
/// for the sinks' rates) and `GET /status` (last errors).
public struct SidecarStatus: Sendable {
    public struct Stream: Sendable { public var name: String; public var ratio: Double; public var behindSeconds: Double }
    public struct Source: Sendable {
        public var id: String
        public var state: String
        public var lagSeconds: Double?
        public var lastSuccess: Timestamp?
        public var streams: [Stream]
        public var lastError: LastErrors.Entry?
    }
    public struct Sink: Sendable {
        public var name: String
        public var backlogRecords: Int?
        public var backlogAgeSeconds: Double?
        /// Records acknowledged per second between the two scrapes.
        public var ratePerSecond: Double?
        public var failedRecords: Int
        public var lastError: LastErrors.Entry?
    }
    public struct SpoolState: Sendable {
        public var usedBytes: Int?
        public var records: Int?
        public var oldestUnacknowledgedSeconds: Double?
        public var writable: Bool?
    }
    public struct Database: Sendable { public var type: String; public var built: Timestamp }

    public var sources: [Source]
    public var sinks: [Sink]
    public var spool: SpoolState
    public var databases: [Database]
    public var now: Timestamp

    /// - Parameters:
    ///   - metrics: the latest scrape; `earlier` the one `elapsed` seconds before it (nil: no rates).
    ///   - errors: the `/status` document (nil when the sidecar does not serve it).
    public init(metrics: [MetricSample], earlier: [MetricSample]?, elapsed: Double, errors: JSONValue?, now: Timestamp) {
        func values(_ name: String) -> [MetricSample] { metrics.filter { $0.name == name } }
        func value(_ name: String, _ key: String, _ label: String, in samples: [MetricSample]? = nil) -> Double? {
            (samples ?? metrics).first { $0.name == name && $0.labels[key] == label }?.value
        }
        func sum(_ name: String, _ key: String, _ label: String, in samples: [MetricSample]) -> Double? {
            let matching = samples.filter { $0.name == name && $0.labels[key] == label }
            return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
        }
        func lastError(_ component: LastErrors.Component, _ name: String) -> LastErrors.Entry? {
            guard let entry = errors?[component.rawValue]?[name], let message = entry["lastError"]?.string,
                  let at = Timestamp(json: entry["lastErrorAt"]) else { return nil }
            return LastErrors.Entry(message: message, at: at)
        }
        let sourceIDs = Set(metrics.filter { $0.name.hasPrefix("auditrelay_source_") }.compactMap { $0.labels["source"] })
        sources = sourceIDs.sorted().map { id in
            let streams = values(MetricName.sourceBackfillProgress).filter { $0.labels["source"] == id }.map { sample in
                let stream: String = sample.labels["stream"] ?? ""
                let behind: MetricSample? = metrics.first { (candidate: MetricSample) -> Bool in
                    candidate.name == MetricName.sourceBackfillBehind && candidate.labels["source"] == id && candidate.labels["stream"] == stream
                }
                return Stream(name: stream, ratio: sample.value, behindSeconds: behind?.value ?? 0)
            }.sorted { $0.name < $1.name }
            let success = value(MetricName.sourceLastSuccess, "source", id).flatMap { $0 > 0 ? Timestamp(microseconds: Int64($0 * 1_000_000), fractionDigits: 0) : nil }
            let error = lastError(.sources, id)
            let state: String
            // `at` is whole seconds: an error in the same second as the last success counts as newer.
            if let error, success.map({ error.at.microseconds / 1_000_000 >= $0.microseconds / 1_000_000 }) ?? true {
                state = "failing"
            } else if streams.contains(where: { $0.ratio < 1 }) {
                state = "catching up"
            } else {
                state = success == nil ? "starting" : "ok"
            }
            return Source(id: id, state: state, lagSeconds: value(MetricName.sourceLag, "source", id), lastSuccess: success,
                          streams: streams, lastError: error)
        }
        let sinkNames = Set(metrics.filter { $0.name.hasPrefix("auditrelay_sink_") }.compactMap { $0.labels["sink"] })
        sinks = sinkNames.sorted().map { name in
            var rate: Double?
            if let earlier, elapsed > 0, let now = sum(MetricName.sinkRecordsAcknowledged, "sink", name, in: metrics) {
                rate = max(0, now - (sum(MetricName.sinkRecordsAcknowledged, "sink", name, in: earlier) ?? 0)) / elapsed
            }
            return Sink(name: name, backlogRecords: value(MetricName.sinkBacklogRecords, "sink", name).map { Int($0) },
                        backlogAgeSeconds: value(MetricName.sinkBacklogAge, "sink", name), ratePerSecond: rate,
                        failedRecords: Int(sum(MetricName.sinkRecordsFailed, "sink", name, in: metrics) ?? 0),
                        lastError: lastError(.sinks, name))
        }
        func single(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
        spool = SpoolState(usedBytes: single(MetricName.spoolBytes).map { Int($0) }, records: single(MetricName.spoolRecords).map { Int($0) },
                           oldestUnacknowledgedSeconds: single(MetricName.spoolOldestUnacknowledgedAge),
                           writable: single(MetricName.spoolWritable).map { $0 >= 1 })
        databases = values(MetricName.geoipDatabaseBuildEpoch).map {
            Database(type: $0.labels["database"] ?? "?", built: Timestamp(seconds: Int64($0.value)))
        }.sorted { $0.type < $1.type }
        self.now = now
    }

    // MARK: Output

    /// The human table: one section per component, columns aligned.
    public func table() -> String {
        var out: [String] = []
        out.append(contentsOf: Self.columns([["SOURCE", "STATE", "LAG", "LAST SUCCESS", "BACKFILL", "LAST ERROR"]] + sources.map { source in
            [source.id, source.state, source.lagSeconds.map { Self.brief($0) } ?? "-", ago(source.lastSuccess),
             backfill(source.streams), errorText(source.lastError)]
        }))
        out.append("")
        out.append(contentsOf: Self.columns([["SINK", "BACKLOG", "OLDEST", "RATE", "FAILED", "LAST ERROR"]] + sinks.map { sink in
            [sink.name, sink.backlogRecords.map(String.init) ?? "-", sink.backlogRecords == 0 ? "-" : sink.backlogAgeSeconds.map { Self.brief($0) } ?? "-",
             sink.ratePerSecond.map { String(format: "%.1f/s", $0) } ?? "-", String(sink.failedRecords), errorText(sink.lastError)]
        }))
        out.append("")
        let used = spool.usedBytes.map(Self.bytes) ?? "-"
        let oldest = spool.oldestUnacknowledgedSeconds.map { $0 > 0 ? Self.brief($0) : "none" } ?? "-"
        out.append(contentsOf: Self.columns([["SPOOL", "USED", "RECORDS", "OLDEST UNACKNOWLEDGED", "WRITABLE"],
                                             ["spool", used, spool.records.map(String.init) ?? "-", oldest, spool.writable.map { $0 ? "yes" : "NO" } ?? "-"]]))
        out.append("")
        if databases.isEmpty {
            out.append("GEOIP  (no databases loaded)")
        } else {
            out.append(contentsOf: Self.columns([["GEOIP", "BUILT", "AGE"]] + databases.map { database in
                [database.type, String(database.built.description.prefix(10)), Self.brief(now.secondsSinceEpoch - database.built.secondsSinceEpoch)]
            }))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The same as JSON, numbers in seconds and bytes.
    public func json() -> String {
        var writer = JSONWriter(capacity: 2048)
        func optional(_ value: Double?) { if let value { writer.double(value) } else { writer.raw("null") } }
        func error(_ entry: LastErrors.Entry?) {
            guard let entry else { return writer.raw("null") }
            writer.raw("{\"message\":")
            writer.string(entry.message)
            writer.raw(",\"at\":")
            writer.string(entry.at.description)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw("{\"sources\":[")
        for (index, source) in sources.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.raw("{\"id\":")
            writer.string(source.id)
            writer.raw(",\"state\":")
            writer.string(source.state)
            writer.raw(",\"lagSeconds\":")
            optional(source.lagSeconds)
            writer.raw(",\"lastSuccess\":")
            if let success = source.lastSuccess { writer.string(success.description) } else { writer.raw("null") }
            writer.raw(",\"streams\":[")
            for (position, stream) in source.streams.enumerated() {
                if position > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.raw("{\"stream\":")
                writer.string(stream.name)
                writer.raw(",\"backfillProgress\":")
                writer.double(stream.ratio)
                writer.raw(",\"behindSeconds\":")
                writer.double(stream.behindSeconds)
                writer.raw(UInt8(ascii: "}"))
            }
            writer.raw("],\"lastError\":")
            error(source.lastError)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw("],\"sinks\":[")
        for (index, sink) in sinks.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.raw("{\"name\":")
            writer.string(sink.name)
            writer.raw(",\"backlogRecords\":")
            optional(sink.backlogRecords.map(Double.init))
            writer.raw(",\"backlogAgeSeconds\":")
            optional(sink.backlogAgeSeconds)
            writer.raw(",\"ratePerSecond\":")
            optional(sink.ratePerSecond)
            writer.raw(",\"failedRecords\":")
            writer.integer(sink.failedRecords)
            writer.raw(",\"lastError\":")
            error(sink.lastError)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw("],\"spool\":{\"usedBytes\":")
        optional(spool.usedBytes.map(Double.init))
        writer.raw(",\"records\":")
        optional(spool.records.map(Double.init))
        writer.raw(",\"oldestUnacknowledgedSeconds\":")
        optional(spool.oldestUnacknowledgedSeconds)
        writer.raw(",\"writable\":")
        if let writable = spool.writable { writer.raw(writable ? "true" : "false") } else { writer.raw("null") }
        writer.raw("},\"geoip\":[")
        for (index, database) in databases.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.raw("{\"database\":")
            writer.string(database.type)
            writer.raw(",\"built\":")
            writer.string(database.built.description)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw("]}")
        return String(decoding: writer.bytes, as: UTF8.self) + "\n"
    }

    private func ago(_ time: Timestamp?) -> String {
        guard let time else { return "never" }
        return Self.brief(max(0, now.secondsSinceEpoch - time.secondsSinceEpoch)) + " ago"
    }

    /// `done`, or the least advanced stream: `42% logs (behind 3h)`.
    private func backfill(_ streams: [Stream]) -> String {
        guard let slowest = streams.min(by: { $0.ratio < $1.ratio }) else { return "-" }
        if slowest.ratio >= 1 { return "done" }
        let name = streams.count > 1 ? " \(slowest.name)" : ""
        return "\(Int(slowest.ratio * 100))%\(name) (behind \(Self.brief(slowest.behindSeconds)))"
    }

    private func errorText(_ entry: LastErrors.Entry?) -> String {
        guard let entry else { return "-" }
        let oneLine = entry.message.replacingOccurrences(of: "\n", with: " ")
        return "\(ago(entry.at)): \(oneLine.count > 100 ? String(oneLine.prefix(100)) + "…" : oneLine)"
    }

    static func brief(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1fs", max(0, seconds)) : BriefDuration.text(seconds)
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Left-aligned columns two spaces apart; the last column is not padded.
    static func columns(_ rows: [[String]]) -> [String] {
        guard let width = rows.map(\.count).max() else { return [] }
        let widths = (0..<width).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
