import Metrics
import RelayCore
import ServiceLifecycle

/// Exports the record log's status as metrics every `interval`, and keeps the last status for
/// readiness. Counters are fed the increase of the log's cumulative totals.
public actor RecordLogMonitor: Service {
    private let log: any RecordLog
    private let interval: Duration
    public private(set) var lastStatus: RecordLogStatus?
    private var reported = RecordLogStatus(records: 0, bytes: 0, oldestUnacknowledgedAge: nil, writable: true)

    private let bytes = Gauge(label: MetricName.spoolBytes)
    private let records = Gauge(label: MetricName.spoolRecords)
    private let oldestAge = Gauge(label: MetricName.spoolOldestUnacknowledgedAge)
    private let writable = Gauge(label: MetricName.spoolWritable)
    private let corrupt = Counter(label: MetricName.spoolCorruptRecords)
    private let truncated = Counter(label: MetricName.spoolTruncatedBytes)
    private let dropped = Counter(label: MetricName.spoolDroppedRecords)
    private var sinkGauges: [String: (records: Gauge, age: Gauge)] = [:]

    public init(log: any RecordLog, interval: Duration = .seconds(2)) {
        self.log = log
        self.interval = interval
    }

    /// The current status (refreshed now, not at the last tick).
    public func refresh() async -> RecordLogStatus {
        let status = await log.status()
        record(status)
        return status
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await refresh()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    private func record(_ status: RecordLogStatus) {
        lastStatus = status
        bytes.record(status.bytes)
        records.record(status.records)
        oldestAge.record(status.oldestUnacknowledgedAge?.seconds ?? 0)
        writable.record(status.writable ? 1 : 0)
        if status.corruptRecordsSkipped > reported.corruptRecordsSkipped {
            corrupt.increment(by: status.corruptRecordsSkipped - reported.corruptRecordsSkipped)
        }
        if status.truncatedBytes > reported.truncatedBytes { truncated.increment(by: status.truncatedBytes - reported.truncatedBytes) }
        if status.droppedRecords > reported.droppedRecords { dropped.increment(by: status.droppedRecords - reported.droppedRecords) }
        reported = status
        for (sink, backlog) in status.sinkBacklogs {
            let gauges = sinkGauges[sink] ?? (Gauge(label: MetricName.sinkBacklogRecords, dimensions: [("sink", sink)]),
                                              Gauge(label: MetricName.sinkBacklogAge, dimensions: [("sink", sink)]))
            sinkGauges[sink] = gauges
            gauges.records.record(backlog.records)
            gauges.age.record(backlog.oldestAge?.seconds ?? 0)
        }
    }
}

/// Runs the pipeline as a service: on graceful shutdown it stops polling and drains the sinks;
/// if the drain outlasts the shutdown deadline, what is left stays in the spool for the next start.
public actor PipelineService: Service {
    private let pipeline: Pipeline
    public private(set) var started = false

    public init(pipeline: Pipeline) { self.pipeline = pipeline }

    public func run() async throws {
        started = true
        do {
            try await pipeline.run(once: false)
        } catch is CancellationError {
            pipeline.logger.notice("drain deadline reached; undelivered records stay in the spool")
        }
    }
}
