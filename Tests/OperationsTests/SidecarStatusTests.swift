import Operations
import RelayCore
import Testing

/// What `auditrelay status` makes of a sidecar's `/metrics` and `/status`.
@Suite struct SidecarStatusTests {
    static let metrics = """
        # TYPE auditrelay_source_events_total counter
        auditrelay_source_events_total{source="okta"} 1200
        auditrelay_source_lag_seconds{source="okta"} 42.5
        auditrelay_source_last_success_timestamp_seconds{source="okta"} 1800000000
        auditrelay_source_backfill_progress_ratio{source="okta",stream="logs"} 0.42
        auditrelay_source_backfill_behind_seconds{source="okta",stream="logs"} 10800
        auditrelay_source_backfill_progress_ratio{source="okta",stream="other"} 1
        auditrelay_source_backfill_behind_seconds{source="okta",stream="other"} 30
        auditrelay_source_last_success_timestamp_seconds{source="duo"} 1799999000
        auditrelay_source_errors_total{source="duo",kind="poll"} 3
        auditrelay_sink_records_acknowledged_total{sink="kafka"} 5000
        auditrelay_sink_records_failed_total{sink="kafka"} 7
        auditrelay_sink_backlog_records{sink="kafka"} 120
        auditrelay_sink_backlog_age_seconds{sink="kafka"} 3.5
        auditrelay_spool_bytes 1572864
        auditrelay_spool_records 120
        auditrelay_spool_oldest_unacknowledged_age_seconds 3.5
        auditrelay_spool_writable 1
        auditrelay_geoip_database_build_epoch_seconds{database="GeoIP2-City"} 1798000000
        auditrelay_normalize_unclassified_total{source="okta",event="a \\"quoted\\" name"} 2
        """

    static let errors = #"{"sources":{"duo":{"lastError":"HTTP 503 from https://api.duo.test/admin/v2/logs","lastErrorAt":"2027-01-15T08:00:00Z"}},"sinks":{}}"#

    @Test func prometheusTextIsParsedWithLabelsAndEscapes() throws {
        let samples = try PrometheusText.parse(Self.metrics)
        #expect(samples.count == 19)
        #expect(samples.first == MetricSample(name: "auditrelay_source_events_total", labels: ["source": "okta"], value: 1200))
        #expect(samples.last?.labels["event"] == #"a "quoted" name"#)
        #expect(samples.contains(MetricSample(name: "auditrelay_spool_bytes", value: 1_572_864)))
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse("auditrelay_x{a=\"b\"} twelve") }
    }

    @Test func sourcesSinksSpoolAndDatabasesComeFromTheMetricsAndErrors() throws {
        let earlier = try PrometheusText.parse(Self.metrics.replacingOccurrences(of: #"{sink="kafka"} 5000"#, with: #"{sink="kafka"} 4000"#))
        let document = JSONDocument()
        let status = SidecarStatus(metrics: try PrometheusText.parse(Self.metrics), earlier: earlier, elapsed: 2,
                                   errors: try document.parse(Array(Self.errors.utf8)), now: Timestamp(seconds: 1_800_000_060))
        #expect(status.sources.map(\.id) == ["duo", "okta"])
        let duo = status.sources[0], okta = status.sources[1]
        #expect(duo.state == "failing")  // its last error is newer than its last success
        #expect(duo.lastError?.message.hasPrefix("HTTP 503") == true)
        #expect(okta.state == "catching up")
        #expect(okta.lagSeconds == 42.5)
        #expect(okta.streams.map(\.name) == ["logs", "other"])
        let kafka = try #require(status.sinks.first)
        #expect(kafka.backlogRecords == 120)
        #expect(kafka.ratePerSecond == 500)  // 1000 acknowledged in 2 s
        #expect(kafka.failedRecords == 7)
        #expect(status.spool.usedBytes == 1_572_864)
        #expect(status.spool.writable == true)
        #expect(status.databases.first?.type == "GeoIP2-City")

        let table = status.table()
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("SOURCE  STATE        LAG"), "\(table)")
        #expect(lines.contains { $0.hasPrefix("okta ") && $0.contains("catching up") && $0.contains("42% logs (behind 3h)") && $0.contains("60s ago") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("duo ") && $0.contains("HTTP 503 from https://api.duo.test") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("kafka ") && $0.contains("500.0/s") && $0.contains(" 120 ") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("spool ") && $0.contains("1.5 MiB") && $0.hasSuffix("yes") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("GeoIP2-City ") && $0.contains("2026-12-23") && $0.contains("23d") }, "\(table)")

        let json = status.json()
        let parsed = try JSONDocument().parse(Array(json.utf8))
        #expect(parsed["sources"]?[1]?["streams"]?[0]?["backfillProgress"]?.double == 0.42)
        #expect(parsed["sinks"]?[0]?["ratePerSecond"]?.double == 500)
        #expect(parsed["sources"]?[0]?["lastError"]?["message"]?.string?.hasPrefix("HTTP 503") == true)
    }

    @Test func lastErrorsAreCutAndServedAsJSON() throws {
        let errors = LastErrors()
        errors.record(.sinks, name: "syslog", message: String(repeating: "x", count: 2000), at: Timestamp(seconds: 1_800_000_000))
        let entry = try #require(errors.entry(.sinks, name: "syslog"))
        #expect(entry.message.count == LastErrors.maximumLength + 1)
        let parsed = try JSONDocument().parse(errors.json())
        #expect(parsed["sinks"]?["syslog"]?["lastErrorAt"]?.string == "2027-01-15T08:00:00Z")
        #expect(parsed["sources"]?.kind == .object)
    }
}
