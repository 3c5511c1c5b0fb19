import Testing
import Foundation
import Logging
import Polling
@testable import Relay
import Normalizers
import RelayCore

/// Real wall-clock time (the look-alikes stamp events with it), but sleeps return at once and are
/// recorded: a 429 with `Retry-After: 7` costs the test nothing and shows up in `sleeps`.
final class InstantSleepClock: PollClock, @unchecked Sendable {
    private let slept = LockedValue<[Duration]>([])
    /// Added to the wall clock: a later "restart" without waiting for real seconds to pass.
    let offset: Duration
    init(offset: Duration = .zero) { self.offset = offset }
    var sleeps: [Duration] { slept.get() }
    func now() -> Timestamp { Timestamp.now().plus(offset) }
    func sleep(for duration: Duration) async throws {
        slept.update { $0.append(duration) }
        await Task.yield()
    }
}

/// A clock that starts at the wall clock and then moves only by what is slept on it (sleeps
/// return at once): pacing becomes exact however loaded the machine is.
final class AdvancingClock: PollClock, @unchecked Sendable {
    private let start = Timestamp.now()
    private let slept = LockedValue<[Duration]>([])
    var sleeps: [Duration] { slept.get() }
    func now() -> Timestamp { start.plus(slept.get().reduce(.zero, +)) }
    func sleep(for duration: Duration) async throws {
        slept.update { $0.append(duration) }
        await Task.yield()
    }
}

/// Collects every log line (message and metadata, rendered) so tests can assert on them and
/// search them for secrets.
final class LogCapture: @unchecked Sendable {
    private let store = LockedValue<[String]>([])
    var lines: [String] { store.get() }
    var text: String { lines.joined(separator: "\n") }
    func append(_ line: String) { store.update { $0.append(line) } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(rendered)")
    }
}

/// The record log contract with crash injection: appends collect envelopes and commit cursors
/// like the spool; `crashAtAppend` makes the n-th append (1-based) end the run as a SIGKILL
/// between fetch and commit would (it throws CancellationError, which every pipeline version
/// passes through rather than retrying), so nothing of that page is durable.
actor TestRecordLog: RecordLog {
    private(set) var envelopes: [[UInt8]] = []
    private var cursors: [String: String] = [:]
    private(set) var appends = 0
    var crashAtAppend: Int?

    func setCrashAtAppend(_ number: Int?) { crashAtAppend = number }

    func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?) async throws {
        appends += 1
        if appends == crashAtAppend { throw CancellationError() }
        self.envelopes.append(contentsOf: envelopes)
        if let cursor { cursors[cursor.source] = cursor.value }
    }

    // The dedupe window, as the spool keeps it: the ids of a page are remembered in the same
    // commit as its records and cursor, so a crashed append remembers nothing.
    private var seenIDs: [String: Set<String>] = [:]
    private(set) var duplicatesFound = 0

    func append(_ envelopes: [[UInt8]], cursor: (source: String, value: String)?, seen: (source: String, eventIDs: [String])?) async throws {
        try await append(envelopes, cursor: cursor)
        if let seen { seenIDs[seen.source, default: []].formUnion(seen.eventIDs) }
    }

    func duplicates(source: String, eventIDs: [String]) -> Set<String> {
        let known = Set(eventIDs).intersection(seenIDs[source] ?? [])
        duplicatesFound += known.count
        return known
    }
    func close() {}

    func committedCursor(source: String) -> String? { cursors[source] }
    func read(sink: String, maxRecords: Int) async throws -> [LogEntry] { [] }
    func acknowledge(sink: String, sequences: [UInt64]) {}
    func retry(sink: String, sequences: [UInt64]) {}
    func closeForAppends() {}
    func status() -> RecordLogStatus {
        RecordLogStatus(records: envelopes.count, bytes: 0, oldestUnacknowledgedAge: nil, writable: true)
    }

    /// The parsed records: (eventName, vendor id read from rawLog at `idPath`).
    func records(idPath: [String]) -> [(eventName: String, vendorID: String?, json: String)] {
        envelopes.compactMap { envelope in
            guard let view = EnvelopeView(envelope) else { return nil }
            let json = Array(envelope[view.jsonRange])
            let document = JSONDocument()
            guard let record = try? document.parse(json) else { return nil }
            let eventName = record["eventName"]?.string ?? ""
            let raw = record["rawLog"]?.string ?? ""
            let event = JSONDocument()
            let root = try? event.parse(Array(raw.utf8))
            // `["EventIdentifier|Id"]`: streams of one source with their ids in different fields (Salesforce).
            let paths = idPath.count == 1 && idPath[0].contains("|") ? idPath[0].split(separator: "|").map { [String($0)] } : [idPath]
            let vendorID = paths.lazy.compactMap { root?.value(at: $0)?.text }.first
            return (eventName, vendorID, String(decoding: json, as: UTF8.self))
        }
    }
}

enum PipelineRun {
    /// One `--once` run of `source` into `log`; returns the error if the run failed.
    static func once(_ source: any AuditSource, log: TestRecordLog, logger: Logger) async -> (any Error)? {
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "w", sourceID: source.id))],
                                sinks: [], log: log, logger: logger)
        pipeline.backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))
        do {
            try await pipeline.run(once: true)
            return nil
        } catch {
            return error
        }
    }
}

extension PipelineRun {
    /// Runs `source` once into a fresh log and checks the contract every connector shares: the run
    /// succeeds, and every event the look-alike served is in the log exactly once (by the vendor id
    /// at `idPath`), with no request the look-alike had to reject. Returns its statistics.
    @discardableResult
    static func expectEveryEventOnce(_ source: any AuditSource, from vendor: Lookalike, idPath: [String], count: Int,
                                     logs: LogCapture, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Lookalike.Stats {
        let log = TestRecordLog()
        let failure = await once(source, log: log, logger: logs.logger())
        #expect(failure == nil, "\(String(describing: failure))", sourceLocation: sourceLocation)
        let stats = try await vendor.stats()
        let delivered = await log.records(idPath: idPath).compactMap(\.vendorID)
        #expect(delivered.count == count, sourceLocation: sourceLocation)
        #expect(Set(delivered) == Set(stats.ids), sourceLocation: sourceLocation)
        #expect(delivered.duplicates.isEmpty, sourceLocation: sourceLocation)
        #expect(stats.badRequests == 0, "the look-alike rejected a request (auth, assertion or parameters)", sourceLocation: sourceLocation)
        return stats
    }
}

extension Array where Element: Hashable {
    /// Elements that occur more than once.
    var duplicates: [Element] {
        var counts: [Element: Int] = [:]
        for element in self { counts[element, default: 0] += 1 }
        return counts.filter { $0.value > 1 }.map(\.key)
    }
}

extension PolledVendor {
    /// The vendor as a config file with `keys` (its own keys, secrets as plain values) would build
    /// it, with the common settings then replaced by `settings`. Fails the test on a config problem.
    static func configured(_ keys: KeyValuePairs<String, String>, settings: PollSettings,
                           sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        configured(keys.map { ($0.key, $0.value) }, settings: settings, sourceLocation: sourceLocation)
    }

    static func configured(_ keys: [(key: String, value: String)], settings: PollSettings,
                           sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        var entries: [(key: String, value: ConfigValue)] = [("id", .scalar(settings.id)), ("baseURL", .scalar(settings.baseURL))]
        for (key, value) in keys where key != "baseURL" {
            // A list-valued key is written `[a, b]`.
            if value.hasPrefix("[") && value.hasSuffix("]") {
                entries.append((key, .list(value.dropFirst().dropLast().split(separator: ",").map { .scalar($0.trimmingCharacters(in: .whitespaces)) })))
            } else {
                entries.append((key, .scalar(value)))
            }
        }
        if let baseURL = keys.first(where: { $0.key == "baseURL" })?.value { entries[1] = ("baseURL", .scalar(baseURL)) }
        let diagnostics = ConfigDiagnostics()
        let section = ConfigSection(path: "sources[0]", value: .map(entries), diagnostics: diagnostics, secrets: SecretResolver(environment: [:]))
        var vendor = Self(section)
        section.finish()
        #expect(diagnostics.problems.isEmpty, "\(diagnostics.problems)", sourceLocation: sourceLocation)
        vendor.settings = settings
        return vendor
    }
}
