import Logging
import Normalizers
import RelayCore
import Spool
import Webhooks

/// How webhook deliveries enter the pipeline: normalized, enriched and encoded like a polled page,
/// then appended to the record log with the delivery id in the source's persisted dedupe window
/// (the same commit pollers use for event ids), so a redelivery after a restart is still known.
public struct PipelineWebhookStore: WebhookStore {
    private let pipeline: Pipeline
    private let identities: [String: SourceIdentity]
    private let metrics: [String: SourceMetrics]
    /// How long an append may wait for room in a full spool before the sender is told 503.
    private let spoolWait: Duration

    public init(pipeline: Pipeline, identities: [SourceIdentity], spoolWait: Duration) {
        self.pipeline = pipeline
        self.identities = Dictionary(identities.map { ($0.sourceID, $0) }, uniquingKeysWith: { first, _ in first })
        metrics = Dictionary(uniqueKeysWithValues: self.identities.keys.map { ($0, SourceMetrics(source: $0)) })
        self.spoolWait = spoolWait
    }

    public func isStored(source: String, deliveryID: String) async -> Bool {
        !(await pipeline.log.duplicates(source: source, eventIDs: [deliveryID])).isEmpty
    }

    public func store(source: String, delivery: WebhookDelivery) async throws(WebhookStoreError) {
        guard let identity = identities[source], let metrics = metrics[source] else { throw .unavailable("no source \(source)") }
        let page = RawPage(sourceType: delivery.sourceType, stream: delivery.stream, body: delivery.event,
                           events: [0..<delivery.event.count], cursor: nil)
        var logger = pipeline.logger
        logger[metadataKey: "source"] = "\(source)"
        let envelopes: [[UInt8]]
        do {
            envelopes = try await pipeline.encodePushed(page, identity: identity, tags: delivery.tags, metrics: metrics, logger: logger)
        } catch {
            throw .unavailable("\(error)")
        }
        try await pipeline.append(envelopes, seen: delivery.deliveryID.map { (source, [$0]) }, within: spoolWait)
        metrics.events.increment(by: envelopes.count)
        metrics.lastSuccess.record(Timestamp.now().secondsSinceEpoch)
    }
}

extension Pipeline {
    /// Normalizes, tags, enriches and encodes a pushed delivery in a borrowed workspace; the
    /// envelopes are copied out so the workspace is free again before the (possibly waiting) append.
    func encodePushed(_ page: RawPage, identity: SourceIdentity, tags: [(key: String, value: String)],
                      metrics: SourceMetrics, logger: Logger) async throws -> [[UInt8]] {
        try await workspaces.withWorkspace { workspace in
            defer {
                workspace.records.removeAll(keepingCapacity: true)
                workspace.envelopes.removeAll(keepingCapacity: true)
            }
            workspace.normalizer.normalize(page: page, identity: identity, into: &workspace.records)
            for index in workspace.records.indices {
                for (key, value) in tags { workspace.records[index].tags[key] = value }
            }
            metrics.observe(workspace.records, newFields: workspace.normalizer.newFields, logger: logger)
            for enricher in enrichers { enricher.enrich(&workspace.records) }
            encodeEnvelopes(in: workspace)
            return workspace.envelopes
        }
    }

    /// Appends once, waiting at most `limit` for room in a full spool. A webhook sender is waiting
    /// for the answer, so unlike a poller (which keeps retrying) this gives up and lets the sender
    /// redeliver. The append is cancelled only while it waits for space, never mid-write, and its
    /// own result decides: an append that got in just as the time ran out counts as stored.
    func append(_ envelopes: [[UInt8]], seen: (source: String, eventIDs: [String])?, within limit: Duration) async throws(WebhookStoreError) {
        let log = self.log
        let outcome: Result<Void, any Error>? = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await log.append(envelopes, cursor: nil, seen: seen)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            var result: Result<Void, any Error>?
            while let next = await group.next() {
                guard let next else {
                    // Time is up: cancel the wait for space, then take the append's own result.
                    group.cancelAll()
                    continue
                }
                result = next
                break
            }
            group.cancelAll()
            return result
        }
        switch outcome {
        case .success?:
            return
        case .failure(let error as SpoolError)?:
            if error.isRecordTooLarge || error.isBatchNeverFits { throw .tooLarge(error.description) }
            throw .unavailable(error.isClosed ? "the spool is closed (stopping)" : error.description)
        case .failure(is CancellationError)?, nil:
            throw .full
        case .failure(let error)?:
            throw .unavailable("\(error)")
        }
    }
}
