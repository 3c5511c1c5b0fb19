/// Writes an `AuditRecord` as one JSON object (no trailing newline), every column present, in a
/// fixed order. Byte-level: no dictionaries, no `Encodable`, and `rawLog` is written from the
/// input bytes, not from a re-serialization.
public enum RecordEncoder {
    public static func encode(_ record: AuditRecord, into writer: inout JSONWriter) {
        writer.raw(#"{"workspaceID":"#); writer.string(record.workspaceID)
        writer.raw(#","sourceID":"#); writer.string(record.sourceID)
        writer.raw(#","sourceType":"#); writer.string(record.sourceType)
        writer.raw(#","sourceTTL":"#); writer.integer(record.sourceTTL)
        writer.raw(#","receivedAt":"#); timestamp(record.receivedAt, &writer)
        writer.raw(#","id":"#); writer.string(record.id)
        writer.raw(#","eventTime":"#); timestamp(record.eventTime, &writer)
        writer.raw(#","eventName":"#); writer.string(record.eventName)
        writer.raw(#","eventID":"#); writer.string(record.eventID)
        endpoint(record.src, prefix: .source, &writer)
        endpoint(record.dst, prefix: .destination, &writer)
        writer.raw(#","actor":"#); map(record.actor, &writer)
        writer.raw(#","tags":"#); map(record.tags, &writer)
        writer.raw(#","resources":["#)
        for (index, resource) in record.resources.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(resource)
        }
        writer.raw("]")
        writer.raw(#","serviceName":"#); writer.string(record.serviceName)
        writer.raw(#","enrichments":["#)
        for (index, enrichment) in record.enrichments.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw(#"{"data":"#); map(enrichment.data, &writer)
            writer.raw(#","name":"#); writer.string(enrichment.name)
            writer.raw(#","provider":"#); writer.string(enrichment.provider)
            writer.raw(#","type":"#); writer.string(enrichment.type)
            writer.raw(#","value":"#); writer.string(enrichment.value)
            writer.raw("}")
        }
        writer.raw("]")
        writer.raw(#","readOnly":"#); writer.bool(record.readOnly)
        writer.raw(#","rawLog":"#); writer.string(bytes: record.rawLog)
        writer.raw(#","behavior":"#); writer.string(record.behavior.rawValue)
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
        // Most records know only one end (often neither): an unknown end is one constant.
        if endpoint == NetworkEndpoint() {
            writer.raw(prefix == .source ? Self.emptySource : Self.emptyDestination)
            return
        }
        let src = prefix == .source
        writer.raw(src ? #","srcIP":"# : #","dstIP":"#); writer.string(endpoint.ip)
        writer.raw(src ? #","srcASCountryCode":"# : #","dstASCountryCode":"#); writer.string(endpoint.asCountryCode)
        writer.raw(src ? #","srcASNumber":"# : #","dstASNumber":"#); writer.integer(endpoint.asNumber)
        writer.raw(src ? #","srcASOrganization":"# : #","dstASOrganization":"#); writer.string(endpoint.asOrganization)
        writer.raw(src ? #","srcCity":"# : #","dstCity":"#); writer.string(endpoint.city)
        writer.raw(src ? #","srcConnectionType":"# : #","dstConnectionType":"#); writer.string(endpoint.connectionType)
        writer.raw(src ? #","srcISP":"# : #","dstISP":"#); writer.string(endpoint.isp)
        writer.raw(src ? #","srcLatitude":"# : #","dstLatitude":"#); writer.double(endpoint.latitude)
        writer.raw(src ? #","srcLongitude":"# : #","dstLongitude":"#); writer.double(endpoint.longitude)
        writer.raw(src ? #","srcUserType":"# : #","dstUserType":"#); writer.string(endpoint.userType)
    }

    private static let emptySource: StaticString =
        #","srcIP":"","srcASCountryCode":"","srcASNumber":0,"srcASOrganization":"","srcCity":"","srcConnectionType":"","srcISP":"","srcLatitude":0.0,"srcLongitude":0.0,"srcUserType":"""#
    private static let emptyDestination: StaticString =
        #","dstIP":"","dstASCountryCode":"","dstASNumber":0,"dstASOrganization":"","dstCity":"","dstConnectionType":"","dstISP":"","dstLatitude":0.0,"dstLongitude":0.0,"dstUserType":"""#
}
