/// Sizes of one batch, computed (and limits checked) before anything is allocated or written.
struct BatchLayout {
    let cursor: (source: String, value: String)?
    let seen: (source: String, eventIDs: [String])?
    private let dedupePayloads: [[UInt8]]
    let totalBytes: UInt64

    init<Payload: SpoolPayload>(payloads: [Payload], cursor: (source: String, value: String)?,
                                seen: (source: String, eventIDs: [String])?, maxRecordBytes: Int) throws {
        var total: UInt64 = 0
        for payload in payloads {
            let size = payload.withUnsafeBytes { $0.count }
            guard size <= maxRecordBytes else { throw SpoolError.recordTooLarge(size, limit: maxRecordBytes) }
            total += UInt64(RecordHeader.size + size)
        }
        if let cursor {
            let size = 2 + cursor.source.utf8.count + 12 + cursor.value.utf8.count
            guard size <= maxRecordBytes else { throw SpoolError.recordTooLarge(size, limit: maxRecordBytes) }
            total += UInt64(RecordHeader.size + size)
        }
        var dedupePayloads: [[UInt8]] = []
        if let seen, !seen.eventIDs.isEmpty {
            // Split so every dedupe record stays within maxRecordBytes.
            let ids = seen.eventIDs.map(DedupeWindow.normalise)
            var start = 0
            let prefix = 2 + seen.source.utf8.count
            while start < ids.count {
                var end = start
                var size = prefix
                while end < ids.count, size + 2 + ids[end].utf8.count <= maxRecordBytes {
                    size += 2 + ids[end].utf8.count
                    end += 1
                }
                guard end > start else { throw SpoolError.recordTooLarge(prefix + 2 + ids[start].utf8.count, limit: maxRecordBytes) }
                dedupePayloads.append(MetadataPayload.encodeDedupe(source: seen.source, ids: ids[start..<end]))
                start = end
            }
        }
        total += dedupePayloads.reduce(0) { $0 + UInt64(RecordHeader.size + $1.count) }
        self.cursor = cursor
        self.seen = seen
        self.dedupePayloads = dedupePayloads
        self.totalBytes = total
    }

    var metadataCount: Int { (cursor == nil ? 0 : 1) + dedupePayloads.count }

    func metadataRecords(batchFirst: UInt64, batchCount: UInt32) -> [(RecordKind, [UInt8])] {
        var records: [(RecordKind, [UInt8])] = []
        if let cursor {
            records.append((.cursorMarker, MetadataPayload.encodeCursor(source: cursor.source, value: cursor.value,
                                                                        batchFirst: batchFirst, batchCount: batchCount)))
        }
        for payload in dedupePayloads { records.append((.dedupe, payload)) }
        return records
    }
}
