import RelayCore

/// What `check --connect` found, one component (source, sink, GeoIP database) at a time.
struct CheckReport: Sendable {
    enum Result: String, Sendable {
        case ok, fail = "FAIL", warn, skipped = "-"
    }

    struct Row: Sendable {
        var check: String
        var result: Result
        var detail: String
        /// The one-line fix; set exactly when `result` is `fail` (or `warn`).
        var fix: String?

        static func ok(_ check: String, _ detail: String) -> Row { Row(check: check, result: .ok, detail: detail) }
        static func fail(_ check: String, _ detail: String, fix: String) -> Row { Row(check: check, result: .fail, detail: detail, fix: fix) }
        static func skipped(_ check: String, _ detail: String) -> Row { Row(check: check, result: .skipped, detail: detail) }
    }

    struct Component: Sendable {
        /// `source`, `sink`, `cluster` or `geoip`.
        var kind: String
        /// The source's id, the sink's name, the database's path.
        var name: String
        var type: String
        var rows: [Row]
        /// Polled sources: what the vendor's answer said.
        var newestEvent: Timestamp?
        var clockSkewSeconds: Int64?
        var rateLimit: (remaining: Int, limit: Int)?

        var passed: Bool { !rows.contains { $0.result == .fail } }
        var label: String { "\(kind) \(name)" + (type.isEmpty || type == name ? "" : " (\(type))") }
    }

    var components: [Component]
    static let widestLabel = 40

    var passed: Bool { components.allSatisfy(\.passed) }

    /// Aligned columns; each failure is followed by its fix on a line of its own.
    func table() -> String {
        let header = ("COMPONENT", "CHECK", "RESULT")
        // A longer label (a database path) gets a line of its own instead of widening every row.
        let componentWidth = max(header.0.count, components.map(\.label.count).filter { $0 <= Self.widestLabel }.max() ?? 0)
        let checkWidth = max(header.1.count, components.flatMap { $0.rows.map(\.check.count) }.max() ?? 0)
        let resultWidth = 6
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        let indent = String(repeating: " ", count: componentWidth + checkWidth + resultWidth + 6)
        var lines = [pad(header.0, componentWidth) + "  " + pad(header.1, checkWidth) + "  " + pad(header.2, resultWidth) + "  DETAIL"]
        for component in components {
            let ownLine = component.label.count > componentWidth
            if ownLine { lines.append(component.label) }
            for (index, row) in component.rows.enumerated() {
                let name = index == 0 && !ownLine ? component.label : ""
                lines.append(pad(name, componentWidth) + "  " + pad(row.check, checkWidth) + "  " + pad(row.result.rawValue, resultWidth) + "  " + row.detail)
                if let fix = row.fix { lines.append(indent + "fix: " + fix) }
            }
        }
        let failed = components.filter { !$0.passed }
        lines.append("")
        lines.append(failed.isEmpty
            ? "all \(components.count) checked components passed"
            : "\(failed.count) of \(components.count) components failed: \(failed.map(\.label).joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    /// `{"ok": …, "components": [{"kind", "name", "type", "ok", "checks": [{"check", "result", "detail", "fix"?}], …}]}`.
    func json() -> String {
        var writer = JSONWriter()
        writer.raw("{"); writer.key("ok"); writer.bool(passed)
        writer.raw(","); writer.key("components"); writer.raw("[")
        for (index, component) in components.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{"); writer.key("kind"); writer.string(component.kind)
            writer.raw(","); writer.key("name"); writer.string(component.name)
            writer.raw(","); writer.key("type"); writer.string(component.type)
            writer.raw(","); writer.key("ok"); writer.bool(component.passed)
            if let newest = component.newestEvent { writer.raw(","); writer.key("newestEvent"); writer.string(newest.description) }
            if let skew = component.clockSkewSeconds { writer.raw(","); writer.key("clockSkewSeconds"); writer.integer(skew) }
            if let rate = component.rateLimit {
                writer.raw(","); writer.key("rateLimit")
                writer.raw("{"); writer.key("remaining"); writer.integer(rate.remaining)
                writer.raw(","); writer.key("limit"); writer.integer(rate.limit); writer.raw("}")
            }
            writer.raw(","); writer.key("checks"); writer.raw("[")
            for (position, row) in component.rows.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.raw("{"); writer.key("check"); writer.string(row.check)
                writer.raw(","); writer.key("result"); writer.string(row.result == .fail ? "fail" : row.result == .skipped ? "skipped" : row.result.rawValue)
                writer.raw(","); writer.key("detail"); writer.string(row.detail)
                if let fix = row.fix { writer.raw(","); writer.key("fix"); writer.string(fix) }
                writer.raw("}")
            }
            writer.raw("]}")
        }
        writer.raw("]}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
