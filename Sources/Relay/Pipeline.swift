import Cluster
import Foundation
import Logging
import Metrics
import Normalizers
import Polling
import RelayCore
import ServiceLifecycle

/// Moves batches through the stages: each source runs in its own task (poll page -> normalize ->
/// enrich -> append to the record log, then commit the page's cursor), and each sink in its own
/// task (read from the log -> deliver -> acknowledge). The only buffer between them is the record
/// log, which is bounded; a slow sink therefore slows polling instead of growing memory.
public struct Pipeline: Sendable {
    public struct SourceRun: Sendable {
        public var source: any AuditSource
        public var identity: SourceIdentity

        public init(source: any AuditSource, identity: SourceIdentity) {
            self.source = source
            self.identity = identity
        }
    }

    public var sources: [SourceRun]
    public var sinks: [any RecordSink]
    public var log: any RecordLog
    public var enrichers: [any Enricher]
    public var logger: Logger
    /// Records a sink is given per delivery.
    public var sinkBatchSize = 2000
    /// With `once`, how many consecutive failures of a source or sink end the run with an error.
    public var onceAttempts = 5
    public var backoff = Backoff()
    /// Webhook deliveries are appended while the pipeline runs: then it does not finish when its
    /// polled sources do (there may be none), but at graceful shutdown.
    public var servesPushedSources = false
    /// Each source's and sink's last error, for `GET /status`.
    public var lastErrors = LastErrors()
    /// Cluster mode: polled sources run only while this replica owns them, and cursors delivered by
    /// every sink are mirrored to the state topic (README "Cluster mode"). Nil: every source runs.
    public var cluster: ClusterNode?
    /// Page buffers shared by all sources; one per core (see `PageWorkspaces`).
    let workspaces = PageWorkspaces(count: ProcessInfo.processInfo.activeProcessorCount)

    public init(sources: [SourceRun], sinks: [any RecordSink], log: any RecordLog, enrichers: [any Enricher] = [], logger: Logger) {
        self.sources = sources
        self.sinks = sinks
        self.log = log
        self.enrichers = enrichers
        self.logger = logger
    }

    /// Runs until cancelled; with `once`, polls every source until it is caught up, delivers
    /// everything to every sink, and returns.
    /// - Throws: `PipelineError` (with `once`) naming each source or sink that kept failing.
    @discardableResult
    public func run(once: Bool) async throws -> PipelineSummary {
        if once && cluster != nil {
            throw PipelineError(failures: ["--once cannot run in cluster mode: which sources a replica polls is decided by the group; remove the cluster: block for a one-off run"])
        }
        cluster?.start()
        return try await withThrowingTaskGroup(of: PipelineSummary.self) { group in
            for sink in sinks {
                group.addTask { try await runSink(sink, once: once) }
            }
            var summary = PipelineSummary()
            var failures: [String] = []
            // Cancelled at the drain deadline: not a failure, but the caller must hear of it.
            var cancelled = false
            await withTaskGroup(of: Result<PipelineSummary, any Error>.self) { sourceGroup in
                for run in sources {
                    sourceGroup.addTask {
                        do { return .success(try await runSource(run, once: once)) } catch { return .failure(error) }
                    }
                }
                for await result in sourceGroup {
                    switch result {
                    case .success(let part): summary.add(part)
                    case .failure(let error) where error is CancellationError: cancelled = true
                    case .failure(let error): failures.append("\(error)")
                    }
                }
            }
            // Polling stopped: leave the group now so the other replicas take the sources over
            // while this one drains its spool.
            await cluster?.leaveGroup()
            if servesPushedSources && !once { try? await gracefulShutdown() }
            await log.closeForAppends()
            do {
                for try await part in group { summary.add(part) }
            } catch is CancellationError {
                cancelled = true
            } catch {
                failures.append("\(error)")
            }
            if let cluster {
                if let through = await log.acknowledgedThrough() { cluster.acknowledged(through: through) }
                await cluster.stop()
            }
            await log.close()
            if !failures.isEmpty { throw PipelineError(failures: failures) }
            if cancelled { throw CancellationError() }
            return summary
        }
    }

    private func runSource(_ run: SourceRun, once: Bool) async throws -> PipelineSummary {
        guard let cluster else {
            return try await pollSource(run, once: once, from: await log.committedCursor(source: run.source.id), while: nil)
        }
        // Cluster mode: poll only while owned; each assignment starts from the takeover cursor.
        let source = run.source.id
        var logger = self.logger
        logger[metadataKey: "source"] = "\(source)"
        var summary = PipelineSummary()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let waited = await cancelWhenGracefulShutdown { await cluster.ownership.waitUntilOwned(source) }
            guard let grant = waited ?? nil else { break }
            let local = await log.committedCursor(source: source)
            let catchUp = await cancelWhenGracefulShutdown { await cluster.startingCursor(source: source, local: local) }
            guard let start = catchUp ?? nil else { continue }
            guard cluster.ownership.holds(grant) else { continue }
            logger.info("cluster: polling the source", metadata: ["from": "\(start.mirrored ? "mirrored cursor" : local != nil ? "local cursor" : "backfill")"])
            summary.add(try await pollSource(run, once: false, from: start.cursor, while: grant))
            logger.info("cluster: stopped polling the source (no longer owned)")
        }
        return summary
    }

    /// Polls one source from `cursor`; in cluster mode only while `grant` holds (checked before each page).
    private func pollSource(_ run: SourceRun, once: Bool, from start: String?, while grant: SourceOwnership.Grant?) async throws -> PipelineSummary {
        let source = run.source
        var logger = self.logger
        logger[metadataKey: "source"] = "\(source.id)"
        var cursor = start
        var backoff = self.backoff
        var summary = PipelineSummary()
        let metrics = SourceMetrics(source: source.id)
        // Graceful shutdown (SIGTERM) stops polling after the current page; the sinks then drain.
        let ownership = cluster?.ownership
        // A revocation waits for the page between beginPage and endPage, never for the sleeps.
        func endPage() { if grant != nil { ownership?.endPage(source.id) } }
        polling: while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let grant, let ownership, !ownership.beginPage(grant) { break }
            let step: PollStep
            do {
                step = try await pollPage(run, after: cursor, metrics: metrics, logger: logger)
            } catch {
                endPage()
                throw error
            }
            let page: RawPage, count: Int, newest: Timestamp?
            switch step {
            case .cancelled:
                endPage()
                break polling
            case .failed(let error):
                endPage()
                metrics.errors.increment()
                lastErrors.record(.sources, name: source.id, message: Redaction.text("\(error)"))
                // A source that knows better (rate-limit reset, missing permission) sets the pace.
                let advice = error as? any RetryAdvice
                let delay = max(backoff.nextDelay(), advice?.retryAfter ?? .zero)
                if once && (backoff.failures >= onceAttempts || advice?.needsOperator == true) {
                    throw PipelineError(failures: ["source \(source.id): \(error)"])
                }
                logger.warning("poll failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                continue
            case .caughtUp:
                endPage()
                backoff.reset()
                metrics.lastSuccess.record(Timestamp.now().secondsSinceEpoch)
                if once { break polling }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: source.interval) }
                continue
            case .processed(let processed, let processedCount, let processedNewest):
                backoff.reset()
                (page, count, newest) = (processed, processedCount, processedNewest)
            }
            if let next = page.cursor {
                cursor = next
                // Mirrored once every sink acknowledged every record through this page.
                if let cluster, let through = await log.appendedThrough() {
                    cluster.committed(source: source.id, cursor: next, throughSequence: through)
                    if let acknowledged = await log.acknowledgedThrough() { cluster.acknowledged(through: acknowledged) }
                }
            }
            endPage()
            summary.polledPages += 1
            summary.polledRecords += count
            metrics.pages.increment()
            metrics.events.increment(by: count)
            metrics.lastSuccess.record(Timestamp.now().secondsSinceEpoch)
            if let newest, newest != .zero {
                metrics.lag.record(Timestamp.now().secondsSinceEpoch - newest.secondsSinceEpoch)
            }
        }
        logger.debug("source finished", metadata: ["records": "\(summary.polledRecords)"])
        return summary
    }

    private enum PollStep {
        case processed(RawPage, count: Int, newest: Timestamp?)
        case caughtUp
        case failed(any Error)
        case cancelled
    }

    /// Fetches the page after `cursor` and processes it in a workspace. A vendor's page is fetched
    /// before a workspace is taken (the fetch waits on the network); a local source's page is read
    /// only once one is free, so 26 replay sources hold 2 pages (one per workspace), not 26.
    /// - Throws: what appending throws (the fetch's own errors are `.failed`).
    private func pollPage(_ run: SourceRun, after cursor: String?, metrics: SourceMetrics, logger: Logger) async throws -> PollStep {
        // In a child task: the deep async frames of a poll (vendor kit, HTTP, parsing) live in
        // task-allocator slabs that a task keeps until it ends. A source task that polled itself
        // would hold ~28 KiB of them while it sleeps; with 1,000 sources that was a third of the
        // heap (heaptrack). The child's slabs are freed when the poll returns.
        func fetch() async -> Result<RawPage?, any Error> {
            async let polled = run.source.nextPage(after: cursor)
            do { return .success(try await polled) } catch { return .failure(error) }
        }
        func step(_ fetched: Result<RawPage?, any Error>, in workspace: PageWorkspace?) async throws -> PollStep {
            switch fetched {
            case .failure(let error) where error is CancellationError: return .cancelled
            case .failure(let error): return .failed(error)
            case .success(nil): return .caughtUp
            case .success(let page?):
                let (count, newest) = if let workspace {
                    try await process(page, run: run, in: workspace, metrics: metrics, logger: logger)
                } else {
                    try await workspaces.withWorkspace { workspace in
                        try await process(page, run: run, in: workspace, metrics: metrics, logger: logger)
                    }
                }
                return .processed(page, count: count, newest: newest)
            }
        }
        if run.source.readsPagesLocally {
            return try await workspaces.withWorkspace { workspace in try await step(await fetch(), in: workspace) }
        }
        return try await step(await fetch(), in: nil)
    }

    /// Normalizes, enriches and encodes one page and appends it with its cursor. Returns the number
    /// of records appended and the newest event time among them.
    private func process(_ page: RawPage, run: SourceRun, in workspace: PageWorkspace, metrics: SourceMetrics,
                         logger: Logger) async throws -> (count: Int, newest: Timestamp?) {
        let source = run.source
        // The records slice the page's body (rawLog): empty them on the way out, success or not,
        // rather than keep the page alive in a workspace another source borrows next.
        defer {
            workspace.records.removeAll(keepingCapacity: true)
            workspace.envelopes.removeAll(keepingCapacity: true)
        }
        workspace.normalizer.normalize(page: page, identity: run.identity, into: &workspace.records)
        metrics.observe(workspace.records, newFields: workspace.normalizer.newFields, logger: logger)
        let seen = source.deduplicates ? try await dropDuplicates(&workspace.records, source: source.id, metrics: metrics) : []
        for enricher in enrichers { enricher.enrich(&workspace.records) }
        encodeEnvelopes(in: workspace)
        try await appendRetrying(workspace.envelopes, cursor: page.cursor.map { (source.id, $0) }, seen: (source.id, seen), logger: logger)
        return (workspace.records.count, workspace.records.lazy.map(\.eventTime).max())
    }

    /// Encodes the workspace's records into its envelopes (what the record log stores).
    func encodeEnvelopes(in workspace: PageWorkspace) {
        for record in workspace.records {
            workspace.writer.reset()
            RecordEncoder.encode(record, into: &workspace.writer)
            var envelope: [UInt8] = []  // `append` allocates it once, at its exact size
            workspace.writer.bytes.withUnsafeBytes { RecordEnvelope.append(record, json: $0, to: &envelope) }
            workspace.envelopes.append(envelope)
        }
    }

    /// Removes records whose eventID the source's dedupe window already holds, or that repeat within
    /// the page (an overlapping lookback, a page fetched twice). Returns the ids to remember.
    private func dropDuplicates(_ records: inout [AuditRecord], source: String, metrics: SourceMetrics) async throws -> [String] {
        let ids = records.map(\.eventID)
        let known = await log.duplicates(source: source, eventIDs: ids)
        var inPage = Set<String>(minimumCapacity: ids.count)
        let before = records.count
        records.removeAll { !inPage.insert($0.eventID).inserted || known.contains($0.eventID) }
        if records.count < before { metrics.duplicates.increment(by: before - records.count) }
        return records.map(\.eventID)
    }

    /// Appends a page, retrying with backoff while the log refuses it (disk full, I/O error): the
    /// source blocks, nothing it fetched is dropped, and the cursor does not move until it is in.
    private func appendRetrying(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?,
                                seen: (source: String, eventIDs: [String]), logger: Logger) async throws {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        while true {
            do {
                try await log.append(envelopes, cursor: cursor, seen: seen)
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = backoff.nextDelay()
                if backoff.failures == 1 || backoff.failures % 20 == 0 {
                    logger.error("spool append failed; polling paused until it succeeds", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                }
                try await Task.sleep(for: delay)
            }
        }
    }

    private func runSink(_ sink: any RecordSink, once: Bool) async throws -> PipelineSummary {
        var logger = self.logger
        logger[metadataKey: "sink"] = "\(sink.name)"
        let limit = max(1, sink.maxConcurrentDeliveries)
        var summary = PipelineSummary()
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = 0
            while true {
                if inFlight >= limit, let delivered = try await group.next() {
                    summary.deliveredRecords += delivered
                    inFlight -= 1
                }
                let entries = try await log.read(sink: sink.name, maxRecords: sinkBatchSize)
                if entries.isEmpty { break }
                group.addTask { [logger] in try await deliverWithRetry(entries, to: sink, once: once, logger: logger) }
                inFlight += 1
            }
            for try await delivered in group { summary.deliveredRecords += delivered }
        }
        try await sink.close()
        return summary
    }

    /// Delivers one batch until every record is acknowledged (or, with `once`, until the attempts
    /// run out). Records are acknowledged in the log as soon as the peer confirms them.
    private func deliverWithRetry(_ entries: [LogEntry], to sink: any RecordSink, once: Bool, logger: Logger) async throws -> Int {
        var backoff = self.backoff
        var pending = entries
        var delivered = 0
        let metrics = SinkMetrics(sink: sink.name)
        metrics.inFlight.increment(by: Double(entries.count))
        defer { metrics.inFlight.decrement(by: Double(entries.count)) }
        while !pending.isEmpty {
            var failure: (any Error)?
            metrics.sent.increment(by: pending.count)
            do {
                let acknowledged = try await sink.deliver(pending)
                await log.acknowledge(sink: sink.name, sequences: acknowledged)
                if let cluster, !acknowledged.isEmpty, let through = await log.acknowledgedThrough() {
                    cluster.acknowledged(through: through)
                }
                metrics.acknowledged.increment(by: acknowledged.count)
                if !acknowledged.isEmpty { metrics.lastSuccess.record(Timestamp.now().secondsSinceEpoch) }
                delivered += acknowledged.count
                let done = Set(acknowledged)
                pending.removeAll { done.contains($0.sequence) }
                if !pending.isEmpty { failure = SinkRejection(count: pending.count) }
            } catch is CancellationError {
                await log.retry(sink: sink.name, sequences: pending.map(\.sequence))
                throw CancellationError()
            } catch {
                failure = error
            }
            guard let failure else { break }
            lastErrors.record(.sinks, name: sink.name, message: Redaction.text("\(failure)"))
            metrics.failed.increment(by: pending.count)
            metrics.retried.increment(by: pending.count)
            let delay = backoff.nextDelay()
            logger.warning("delivery failed; retrying", metadata: ["error": "\(failure)", "records": "\(pending.count)", "retryIn": "\(delay)"])
            if once && backoff.failures >= onceAttempts {
                await log.retry(sink: sink.name, sequences: pending.map(\.sequence))
                throw PipelineError(failures: ["sink \(sink.name): \(failure)"])
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                await log.retry(sink: sink.name, sequences: pending.map(\.sequence))
                throw error
            }
        }
        return delivered
    }
}

/// What a run did.
public struct PipelineSummary: Sendable {
    public var polledPages = 0
    public var polledRecords = 0
    public var deliveredRecords = 0

    mutating func add(_ other: PipelineSummary) {
        polledPages += other.polledPages
        polledRecords += other.polledRecords
        deliveredRecords += other.deliveredRecords
    }
}

/// A run ended because sources or sinks kept failing; each failure names its component.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public let failures: [String]
    public var description: String { failures.joined(separator: "; ") }
}

struct SinkRejection: Error, CustomStringConvertible {
    let count: Int
    var description: String { "\(count) records were not acknowledged" }
}

/// Per-source metrics (names in `MetricName`).
struct SourceMetrics {
    let events, pages, errors, duplicates: Counter
    let lag, lastSuccess: Gauge
    let source: String
    let unclassified: BoundedCounters
    let normalizeErrors: BoundedCounters
    let newFields: BoundedCounters

    init(source: String) {
        let labels = [("source", source)]
        self.source = source
        unclassified = BoundedCounters(label: MetricName.normalizeUnclassified, dimensions: labels, key: "event")
        normalizeErrors = BoundedCounters(label: MetricName.normalizeErrors, dimensions: labels, key: "kind")
        newFields = BoundedCounters(label: MetricName.normalizeNewFields, dimensions: labels, key: "stream")
        events = Counter(label: MetricName.sourceEvents, dimensions: labels)
        pages = Counter(label: MetricName.sourcePages, dimensions: labels)
        errors = Counter(label: MetricName.sourceErrors, dimensions: labels + [("kind", "poll")])
        duplicates = Counter(label: MetricName.sourceDuplicates, dimensions: labels)
        lag = Gauge(label: MetricName.sourceLag, dimensions: labels)
        lastSuccess = Gauge(label: MetricName.sourceLastSuccess, dimensions: labels)
    }
}

extension SourceMetrics {
    /// Counts what a page's normalizing could not do: records no rule classified (by event name),
    /// records without a time or in an unknown shape, and fields never seen before (logged once each).
    func observe(_ records: [AuditRecord], newFields fields: [FieldPathTracker.NewField], logger: Logger) {
        for record in records {
            if record.behavior == .none && record.eventName != GapEvent.eventName { unclassified.increment(record.eventName) }
            if let error = record.tags[PageNormalizer.errorTag] {
                normalizeErrors.increment(error == PageNormalizer.missingTime ? "missing_time" : error == PageNormalizer.unknownShape ? "unknown_shape" : "invalid_json")
            }
        }
        for field in fields {
            newFields.increment(field.stream)
            logger.warning("a field never seen before in this source's events: the vendor may have changed its format",
                           metadata: ["stream": "\(field.stream)", "field": "\(field.path)"])
        }
    }
}

/// Counters sharing a name and labels plus one label whose values come from data (event names):
/// the first `limit` values get their own series, the rest share `other`, so a vendor inventing
/// event names cannot grow the metrics without bound.
final class BoundedCounters: @unchecked Sendable {
    private let label: String
    private let dimensions: [(String, String)]
    private let key: String
    private let limit: Int
    private let lock = NSLock()
    private var counters: [String: Counter] = [:]

    init(label: String, dimensions: [(String, String)], key: String, limit: Int = 100) {
        self.label = label
        self.dimensions = dimensions
        self.key = key
        self.limit = limit
    }

    func increment(_ value: String) {
        let counter = lock.withLock { () -> Counter in
            let name = value.isEmpty ? "(none)" : value
            if let counter = counters[name] { return counter }
            let label = counters.count < limit ? name : "other"
            if let counter = counters[label] { return counter }
            let counter = Counter(label: self.label, dimensions: dimensions + [(key, label)])
            counters[label] = counter
            return counter
        }
        counter.increment()
    }
}

/// Per-sink metrics (names in `MetricName`).
struct SinkMetrics {
    let sent, acknowledged, failed, retried: Counter
    let inFlight: Meter
    let lastSuccess: Gauge

    init(sink: String) {
        let labels = [("sink", sink)]
        sent = Counter(label: MetricName.sinkRecordsSent, dimensions: labels)
        acknowledged = Counter(label: MetricName.sinkRecordsAcknowledged, dimensions: labels)
        failed = Counter(label: MetricName.sinkRecordsFailed, dimensions: labels)
        retried = Counter(label: MetricName.sinkRecordsRetried, dimensions: labels)
        inFlight = Meter(label: MetricName.sinkRecordsInFlight, dimensions: labels)
        lastSuccess = Gauge(label: MetricName.sinkLastSuccess, dimensions: labels)
    }
}
