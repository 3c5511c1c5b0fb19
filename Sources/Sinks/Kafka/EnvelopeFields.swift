import RelayCore

/// Where each routing field and the record JSON sit in an envelope's bytes, found without creating
/// a String: the Kafka sink hands these byte ranges straight to librdkafka (which copies them), so
/// the per-record cost stays a few bounds checks. Same layout and checks as `EnvelopeView`; the
/// tests hold the two in agreement.
struct EnvelopeFields {
    typealias Span = (start: Int, count: Int)
    var sourceType: Span = (0, 0)
    var sourceID: Span = (0, 0)
    var workspaceID: Span = (0, 0)
    var id: Span = (0, 0)
    var eventID: Span = (0, 0)
    var json: Span = (0, 0)

    /// Parses `envelope`; nil when it is truncated or of an unknown version.
    init?(_ envelope: UnsafeRawBufferPointer) {
        let count = envelope.count
        guard count > 0, envelope[0] == RecordEnvelope.version else { return nil }
        var offset = 1
        func string() -> Span? {
            guard offset + 2 <= count else { return nil }
            let length = Int(envelope[offset]) | Int(envelope[offset + 1]) << 8
            let start = offset + 2
            guard start + length <= count else { return nil }
            offset = start + length
            return (start, length)
        }
        guard let sourceType = string(), let sourceID = string(), let workspaceID = string(),
              let id = string(), let eventID = string() else { return nil }
        // eventTime µs (8) + digits (1) + receivedAt µs (8), then the u32 JSON length.
        offset += 17
        guard offset + 4 <= count else { return nil }
        let jsonLength = Int(envelope[offset]) | Int(envelope[offset + 1]) << 8 | Int(envelope[offset + 2]) << 16 | Int(envelope[offset + 3]) << 24
        offset += 4
        guard offset + jsonLength == count else { return nil }
        self.sourceType = sourceType
        self.sourceID = sourceID
        self.workspaceID = workspaceID
        self.id = id
        self.eventID = eventID
        self.json = (offset, jsonLength)
    }

    func span(_ field: MessageField) -> Span {
        switch field {
        case .id: return id
        case .sourceType: return sourceType
        case .sourceID: return sourceID
        case .workspaceID: return workspaceID
        case .eventID: return eventID
        }
    }

    func bytes(_ field: MessageField, in envelope: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let span = span(field)
        return UnsafeRawBufferPointer(rebasing: envelope[span.start..<span.start + span.count])
    }
}
