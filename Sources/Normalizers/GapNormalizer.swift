import RelayCore

/// Turns a poller's `GapEvent` into a record: eventName `auditrelay.gap`, eventTime the end of the
/// lost interval, a stable eventID per (stream, interval), and the interval and reason in `tags`.
struct GapNormalizer: Normalizer {
    var sourceType: String { "auditrelay" }
    var streams: [String] { [GapEvent.stream] }

    func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        let from = event["from"]?.string ?? ""
        let to = event["to"]?.string ?? ""
        let vendorStream = event["stream"]?.string ?? ""
        record.eventName = GapEvent.eventName
        record.eventTime = Timestamp(json: event["to"]) ?? record.receivedAt
        record.eventID = "\(GapEvent.eventName):\(vendorStream):\(from)/\(to)"
        record.serviceName = "auditrelay"
        record.tags["gap.from"] = from
        record.tags["gap.to"] = to
        record.tags["gap.stream"] = vendorStream
        record.tags["gap.reason"] = event["reason"]?.string ?? ""
    }
}
