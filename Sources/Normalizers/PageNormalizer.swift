import RelayCore

/// Who a record belongs to: the parts of every record that come from the config, not the event.
public struct SourceIdentity: Sendable {
    public var workspaceID: String
    public var sourceID: String
    public var sourceTTL: UInt32

    public init(workspaceID: String, sourceID: String, sourceTTL: UInt32 = 0) {
        self.workspaceID = workspaceID
        self.sourceID = sourceID
        self.sourceTTL = sourceTTL
    }
}

/// Stage 2 entry point: turns raw events into records with the vendor's normalizer, and fills the
/// columns every vendor shares (identity, ids, rawLog). Reuses one JSON document for all events,
/// so use one instance per task.
public final class PageNormalizer {
    private let document = JSONDocument()
    private let registry: NormalizerRegistry
    /// Where each source's field paths are tracked (shared by every workspace), if anywhere.
    private let fieldTracker: FieldPathTracker?
    /// Fields the last page showed for the first time (schema drift), for the caller to report.
    public private(set) var newFields: [FieldPathTracker.NewField] = []

    public init(registry: NormalizerRegistry, fieldTracker: FieldPathTracker? = nil) {
        self.registry = registry
        self.fieldTracker = fieldTracker
    }

    /// Normalizes one event. Invalid JSON throws; the caller decides whether to keep the event
    /// (the pipeline does, see `normalize(page:)`) or report it (the `normalize` command does).
    public func normalize(
        event bytes: ArraySlice<UInt8>, sourceType: String, stream: String, identity: SourceIdentity, receivedAt: Timestamp
    ) throws(JSONError) -> AuditRecord {
        let root = try document.parse(bytes)
        var record = baseRecord(bytes, sourceType: sourceType, identity: identity, receivedAt: receivedAt)
        registry.normalizer(for: sourceType)?.normalize(root, stream: stream, into: &record)
        finish(&record, bytes)
        return record
    }

    /// Normalizes a page. An event that is not valid JSON still becomes a record, with its raw bytes,
    /// a content-hash eventID and the parse error in `tags["auditrelay.error"]`: nothing a vendor
    /// sent is dropped on the floor.
    public func normalize(page: RawPage, identity: SourceIdentity, into records: inout [AuditRecord]) {
        // A poller's gap report keeps the vendor's sourceType but is not a vendor event.
        let normalizer: (any Normalizer)? = page.stream == GapEvent.stream ? GapNormalizer() : registry.normalizer(for: page.sourceType)
        newFields.removeAll(keepingCapacity: true)
        let streamKey = fieldTracker.map { _ in FieldPathTracker.StreamKey(source: identity.sourceID, stream: page.stream) }
        for range in page.events {
            let bytes = page.body[range]
            var record = baseRecord(bytes, sourceType: page.sourceType, identity: identity, receivedAt: page.receivedAt)
            do {
                let root = try document.parse(bytes)
                normalizer?.normalize(root, stream: page.stream, into: &record)
                if let fieldTracker, let streamKey, page.stream != GapEvent.stream {
                    newFields.append(contentsOf: fieldTracker.observe(root, in: streamKey))
                }
            } catch {
                record.tags[Self.errorTag] = error.description
            }
            finish(&record, bytes)
            records.append(record)
        }
    }

    private func baseRecord(_ bytes: ArraySlice<UInt8>, sourceType: String, identity: SourceIdentity, receivedAt: Timestamp) -> AuditRecord {
        var record = AuditRecord()
        record.workspaceID = identity.workspaceID
        record.sourceID = identity.sourceID
        record.sourceType = sourceType
        record.sourceTTL = identity.sourceTTL
        record.receivedAt = receivedAt
        record.rawLog = bytes
        return record
    }

    public static let errorTag = "auditrelay.error"
    public static let missingTime = "no event time found in the event; eventTime is when it was received"
    public static let unknownShape = "none of the vendor's id, name or actor fields were found: an event shape this normalizer does not know"

    /// Never a silent empty record: an event whose time could not be found takes the time it was
    /// received (never 1970-01-01), and one without any of the vendor's id, name or actor fields (a
    /// shape the normalizer does not know) says so, both in `tags["auditrelay.error"]`.
    private func finish(_ record: inout AuditRecord, _ bytes: ArraySlice<UInt8>) {
        let missingTime = record.eventTime == .zero
        if missingTime { record.eventTime = record.receivedAt }
        if record.tags[Self.errorTag] == nil {  // a parse error, set before, says more
            if record.eventID.isEmpty && record.eventName.isEmpty && record.actor.isEmpty {
                record.tags[Self.errorTag] = Self.unknownShape
            } else if missingTime {
                record.tags[Self.errorTag] = Self.missingTime
            }
        }
        if record.eventID.isEmpty { record.eventID = RecordID.contentHash(bytes) }
        record.id = RecordID.derive(sourceID: record.sourceID, eventID: record.eventID)
    }
}
