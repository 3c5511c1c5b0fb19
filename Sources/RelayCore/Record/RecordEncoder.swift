/// Writes an `AuditRecord` as one JSON object (no trailing newline), every column present, in a
/// fixed order. Byte-level: no dictionaries, no `Encodable`, and `rawLog` is written from the
/// input bytes, not from a re-serialization.
public enum RecordEncoder {
    public static func encode(_ record: AuditRecord, into writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("workspaceID"); writer.string(record.workspaceID)
        writer.raw(","); writer.key("sourceID"); writer.string(record.sourceID)
        writer.raw(","); writer.key("sourceType"); writer.string(record.sourceType)
        writer.raw(","); writer.key("sourceTTL"); writer.integer(record.sourceTTL)
        writer.raw(","); writer.key("receivedAt"); timestamp(record.receivedAt, &writer)
        writer.raw(","); writer.key("id"); writer.string(record.id)
        writer.raw(","); writer.key("eventTime"); timestamp(record.eventTime, &writer)
        writer.raw(","); writer.key("eventName"); writer.string(record.eventName)
        writer.raw(","); writer.key("eventID"); writer.string(record.eventID)
        endpoint(record.src, prefix: .source, &writer)
        endpoint(record.dst, prefix: .destination, &writer)
        writer.raw(","); writer.key("actor"); map(record.actor, &writer)
        writer.raw(","); writer.key("tags"); map(record.tags, &writer)
        writer.raw(","); writer.key("resources"); writer.raw("[")
        for (index, resource) in record.resources.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(resource)
        }
        writer.raw("]")
        writer.raw(","); writer.key("serviceName"); writer.string(record.serviceName)
        writer.raw(","); writer.key("enrichments"); writer.raw("[")
        for (index, enrichment) in record.enrichments.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{"); writer.key("data"); map(enrichment.data, &writer)
            writer.raw(","); writer.key("name"); writer.string(enrichment.name)
            writer.raw(","); writer.key("provider"); writer.string(enrichment.provider)
            writer.raw(","); writer.key("type"); writer.string(enrichment.type)
            writer.raw(","); writer.key("value"); writer.string(enrichment.value)
            writer.raw("}")
        }
        writer.raw("]")
        writer.raw(","); writer.key("readOnly"); writer.bool(record.readOnly)
        writer.raw(","); writer.key("rawLog"); writer.string(bytes: record.rawLog)
        writer.raw(","); writer.key("behavior"); writer.string(record.behavior.rawValue)
        for extra in record.extras {
            writer.raw(","); writer.key(extra.name)
            switch extra.value {
            case .string(let value): writer.string(value)
            case .int(let value): writer.integer(value)
            case .double(let value): writer.double(value)
            case .bool(let value): writer.bool(value)
            }
        }
        writer.raw("}")
    }

    /// Convenience for tests and the CLI: the record as a JSON line (without the newline).
    public static func encode(_ record: AuditRecord) -> [UInt8] {
        var writer = JSONWriter(capacity: 2048 + record.rawLog.count * 2)
        encode(record, into: &writer)
        return writer.bytes
    }

    private static func timestamp(_ time: Timestamp, _ writer: inout JSONWriter) {
        writer.raw("\"")
        time.write(to: &writer.bytes)
        writer.raw("\"")
    }

    private static func map(_ values: KeyValues, _ writer: inout JSONWriter) {
        writer.raw("{")
        for (index, pair) in values.pairs.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(pair.key)
            writer.raw(":")
            writer.string(pair.value)
        }
        writer.raw("}")
    }

    private enum Side { case source, destination }

    private static func endpoint(_ endpoint: NetworkEndpoint, prefix: Side, _ writer: inout JSONWriter) {
        let src = prefix == .source
        writer.raw(","); writer.key(src ? "srcIP" : "dstIP"); writer.string(endpoint.ip)
        writer.raw(","); writer.key(src ? "srcASCountryCode" : "dstASCountryCode"); writer.string(endpoint.asCountryCode)
        writer.raw(","); writer.key(src ? "srcASNumber" : "dstASNumber"); writer.integer(endpoint.asNumber)
        writer.raw(","); writer.key(src ? "srcASOrganization" : "dstASOrganization"); writer.string(endpoint.asOrganization)
        writer.raw(","); writer.key(src ? "srcCity" : "dstCity"); writer.string(endpoint.city)
        writer.raw(","); writer.key(src ? "srcConnectionType" : "dstConnectionType"); writer.string(endpoint.connectionType)
        writer.raw(","); writer.key(src ? "srcISP" : "dstISP"); writer.string(endpoint.isp)
        writer.raw(","); writer.key(src ? "srcLatitude" : "dstLatitude"); writer.double(endpoint.latitude)
        writer.raw(","); writer.key(src ? "srcLongitude" : "dstLongitude"); writer.double(endpoint.longitude)
        writer.raw(","); writer.key(src ? "srcUserType" : "dstUserType"); writer.string(endpoint.userType)
    }
}
