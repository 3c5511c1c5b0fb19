import Foundation
import Logging
import Testing
@testable import Relay
import Replay
import Normalizers
import RelayCore
import Sinks

/// A source that never runs dry: each page has `eventsPerPage` ~1 KiB Okta-like events.
final class EndlessSource: AuditSource, @unchecked Sendable {
    let id = "endless"
    let interval: Duration = .milliseconds(1)
    let eventsPerPage: Int
    private let lock = NSLock()
    private var _pagesPolled = 0
    private var _cursorsSeen: [String?] = []
    var pagesPolled: Int { lock.withLock { _pagesPolled } }
    var cursorsSeen: [String?] { lock.withLock { _cursorsSeen } }

    init(eventsPerPage: Int) { self.eventsPerPage = eventsPerPage }

    func nextPage(after cursor: String?) async throws -> RawPage? {
        let page = lock.withLock {
            _cursorsSeen.append(cursor)
            _pagesPolled += 1
            return _pagesPolled
        }
        var body: [UInt8] = []
        var events: [Range<Int>] = []
        for index in 0..<eventsPerPage {
            let start = body.count
            body += Array(#"{"uuid":"\#(page)-\#(index)","eventType":"user.session.start","published":"2024-01-01T00:00:00Z","pad":"\#(String(repeating: "x", count: 900))"}"#.utf8)
            events.append(start..<body.count)
        }
        return RawPage(sourceType: "okta", stream: "system_log", body: body, events: events, cursor: "page-\(page)")
    }
}

/// Counts the page reads under way at once across sources.
final class PageReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var reading = 0
    private var _mostAtOnce = 0
    var mostAtOnce: Int { lock.withLock { _mostAtOnce } }

    func begin() { lock.withLock { reading += 1; _mostAtOnce = max(_mostAtOnce, reading) } }
    func end() { lock.withLock { reading -= 1 } }
}

/// Pages read from local storage (like a replay file), each read taking a few milliseconds.
struct LocalFileLikeSource: AuditSource {
    let id: String
    let counter: PageReadCounter
    let pages: Int
    var interval: Duration { .seconds(60) }
    var deduplicates: Bool { false }
    var readsPagesLocally: Bool { true }

    func nextPage(after cursor: String?) async throws -> RawPage? {
        counter.begin()
        defer { counter.end() }
        try await Task.sleep(for: .milliseconds(3))
        let next = (cursor.flatMap { Int($0) } ?? 0) + 1
        guard next <= pages else { return nil }
        let body = Array(#"{"uuid":"\#(id)-\#(next)","eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}"#.utf8)
        return RawPage(sourceType: "okta", stream: "system_log", body: body, events: [0..<body.count], cursor: "\(next)")
    }
}

/// A sink that acknowledges slowly, or fails a given number of times first.
actor ScriptedSink: RecordSink {
    nonisolated let name: String
    let delay: Duration
    var failuresLeft: Int
    private(set) var delivered: [UInt64] = []
    private(set) var attempts = 0

    init(name: String = "scripted", delay: Duration = .zero, failures: Int = 0) {
        self.name = name
        self.delay = delay
        self.failuresLeft = failures
    }

    func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        attempts += 1
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw SinkError("peer unavailable")
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        delivered += entries.map(\.sequence)
        return entries.map(\.sequence)
    }

    func close() async throws {}
}

@Suite struct PipelineTests {
    let logger = Logger(label: "test")

    @Test func slowSinkSlowsPollingInsteadOfBuffering() async throws {
        let source = EndlessSource(eventsPerPage: 50)
        let sink = ScriptedSink(delay: .milliseconds(20))
        let capacity = 256 << 10  // ~5 pages of ~50 KiB
        let log = MemoryRecordLog(capacityBytes: capacity, sinks: [sink.name])
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "w", sourceID: "endless"))],
                                sinks: [sink], log: log, logger: logger)
        pipeline.sinkBatchSize = 50
        let run = Task { try await pipeline.run(once: false) }
        var maxBuffered = 0
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(10))
            maxBuffered = max(maxBuffered, await log.bufferedBytes)
        }
        run.cancel()
        _ = try? await run.value
        let delivered = await sink.delivered.count
        let pages = source.pagesPolled
        #expect(delivered > 0)
        #expect(maxBuffered <= capacity)
        // Without backpressure the source would have produced thousands of pages in 0.5 s.
        let pageBytes = 50 * 1000
        #expect(pages * 50 <= delivered + capacity / pageBytes * 50 + 150, "polled \(pages) pages, delivered \(delivered) records")
    }

    /// A replay source's page costs no wait to read, so it is read only once a page workspace is
    /// free (and dropped before the workspace is given back): 12 such sources read at most one page
    /// per workspace at a time, not one each (26 replayed vendor streams held 26 pages of ~1 MiB in
    /// the budget benchmark before).
    @Test func localSourcesReadAPageOnlyWhileTheyHaveAWorkspace() async throws {
        let counter = PageReadCounter()
        let sources = (0..<12).map { Pipeline.SourceRun(source: LocalFileLikeSource(id: "s\($0)", counter: counter, pages: 10),
                                                         identity: SourceIdentity(workspaceID: "w", sourceID: "s\($0)")) }
        let sink = ScriptedSink()
        let log = MemoryRecordLog(capacityBytes: 1 << 20, sinks: [sink.name])
        let pipeline = Pipeline(sources: sources, sinks: [sink], log: log, logger: logger)
        let summary = try await pipeline.run(once: true)
        #expect(summary.polledRecords == 12 * 10)
        #expect(await sink.delivered.count == 12 * 10)
        #expect(counter.mostAtOnce >= 1)
        #expect(counter.mostAtOnce <= ProcessInfo.processInfo.activeProcessorCount, "\(counter.mostAtOnce) page reads at once")
    }

    @Test func envelopeSizeIsExactAndFieldsRoundTrip() throws {
        var record = AuditRecord()
        record.sourceType = "okta"
        record.sourceID = "src"
        record.workspaceID = "wé"
        record.eventID = String(repeating: "e", count: Int(UInt16.max) + 10)  // cut to 65,535 bytes
        record.id = "id-1"
        record.rawLog = ArraySlice(#"{"a":1}"#.utf8)
        let envelope = RecordEnvelope.make(record)
        #expect(envelope.count == RecordEnvelope.size(of: record, jsonCount: RecordEncoder.encode(record).count))
        let view = try #require(EnvelopeView(envelope))
        #expect(view.sourceType == "okta" && view.sourceID == "src" && view.workspaceID == "wé" && view.id == "id-1")
        #expect(view.eventID.utf8.count == Int(UInt16.max))
    }

    @Test func cursorFollowsAppendedPages() async throws {
        let source = EndlessSource(eventsPerPage: 2)
        let sink = ScriptedSink()
        let log = MemoryRecordLog(capacityBytes: 1 << 20, sinks: [sink.name])
        let pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "", sourceID: "endless"))],
                                sinks: [sink], log: log, logger: logger)
        let run = Task { try await pipeline.run(once: false) }
        // Condition, not a fixed sleep: other suites may keep the cooperative threads busy.
        for _ in 0..<1000 where source.pagesPolled < 5 { try await Task.sleep(for: .milliseconds(10)) }
        run.cancel()
        _ = try? await run.value
        let seen = source.cursorsSeen
        #expect(seen.count >= 5)
        #expect(seen.first == .some(nil))
        for (index, cursor) in seen.enumerated().dropFirst() { #expect(cursor == "page-\(index)") }
        let committed = await log.committedCursor(source: "endless")
        #expect(committed != nil)
    }

    @Test func onceDeliversEveryReplayedEventToAFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditrelay-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = "\(repositoryRoot)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"
        let source = ReplaySource(configuration: .init(id: "replay", path: fixture, batchSize: 7))
        let sink = try FileSink(configuration: .init(name: "file", path: "\(directory)/out.jsonl"))
        let flaky = ScriptedSink(name: "flaky", failures: 2)
        let log = MemoryRecordLog(capacityBytes: 1 << 20, sinks: ["file", "flaky"])
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "w", sourceID: "replay"))],
                                sinks: [sink, flaky], log: log, logger: logger)
        pipeline.backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))
        let summary = try await pipeline.run(once: true)

        let lines = try String(contentsOfFile: "\(directory)/out.jsonl", encoding: .utf8).split(separator: "\n")
        let expected = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").map { line in
            let document = JSONDocument()
            return try #require(document.parse(Array(line.utf8))["event", "uuid"]?.string)
        }
        #expect(lines.count == 23)
        let document = JSONDocument()
        let eventIDs = try lines.map { try #require(document.parse(Array($0.utf8))["eventID"]?.string) }
        #expect(eventIDs == expected)
        #expect(summary.polledRecords == 23 && summary.polledPages == 4)
        #expect(summary.deliveredRecords == 46)
        #expect(await flaky.delivered == Array(1...23))
        #expect(await log.bufferedRecords == 0)
        let size = try #require(FileManager.default.attributesOfItem(atPath: fixture)[.size] as? Int)
        #expect(await log.committedCursor(source: "replay") == "0:\(fixture):\(size)")
    }

    @Test func onceFailsNamingTheSinkThatKeepsFailing() async throws {
        let fixture = "\(repositoryRoot)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"
        let source = ReplaySource(configuration: .init(id: "replay", path: fixture))
        let broken = ScriptedSink(name: "broken", failures: 1000)
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "", sourceID: "replay"))],
                                sinks: [broken], log: MemoryRecordLog(capacityBytes: 1 << 20, sinks: ["broken"]), logger: logger)
        pipeline.backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(2))
        await #expect(throws: PipelineError.self) { try await pipeline.run(once: true) }
        do {
            try await pipeline.run(once: true)
        } catch {
            #expect("\(error)".contains("sink broken: peer unavailable"))
        }
        #expect(await broken.attempts >= 5)
    }

    /// What `GET /status` serves: each failing source's and sink's last error, credentials redacted.
    @Test func lastErrorsNameTheFailingSourceAndSinkWithoutCredentials() async throws {
        struct LeakySource: AuditSource {
            let id = "leaky"
            let interval: Duration = .milliseconds(1)
            struct Failure: Error, CustomStringConvertible {
                var description: String { "HTTP 401 from https://vendor.test/logs (sent Authorization: Bearer sk-live-9f8e7d6c5b)" }
            }
            func nextPage(after cursor: String?) async throws -> RawPage? { throw Failure() }
        }
        let broken = ScriptedSink(name: "broken", failures: 1000)
        let log = MemoryRecordLog(capacityBytes: 1 << 20, sinks: ["broken"])
        try await log.append([RecordEnvelope.make(AuditRecord())], cursor: nil)
        var pipeline = Pipeline(sources: [.init(source: LeakySource(), identity: SourceIdentity(workspaceID: "", sourceID: "leaky"))],
                                sinks: [broken], log: log, logger: logger)
        pipeline.backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(2))
        _ = try? await pipeline.run(once: true)
        let source = try #require(pipeline.lastErrors.entry(.sources, name: "leaky"))
        #expect(source.message.hasPrefix("HTTP 401 from https://vendor.test/logs"), "\(source.message)")
        #expect(!source.message.contains("sk-live-9f8e7d6c5b"))
        #expect(pipeline.lastErrors.entry(.sinks, name: "broken")?.message == "peer unavailable")
        let json = String(decoding: pipeline.lastErrors.json(), as: UTF8.self)
        #expect(json.contains(#""leaky":{"lastError":"HTTP 401"#) && !json.contains("sk-live"), "\(json)")
    }

    @Test func fileSinkDropsATornLastLineOnOpen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("torn-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"a\":1}\n{\"b\":2}\n{\"c\":".utf8).write(to: URL(fileURLWithPath: path))
        let sink = try FileSink(configuration: .init(name: "f", path: path))
        var record = AuditRecord()
        record.eventID = "x"
        let acked = try await sink.deliver([LogEntry(sequence: 9, envelope: RecordEnvelope.make(record))])
        try await sink.close()
        #expect(acked == [9])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[0] == "{\"a\":1}" && lines[1] == "{\"b\":2}" && lines[3].isEmpty)
        #expect(lines[2].hasPrefix("{\"workspaceID\""))
    }
}

/// Acknowledges after a random delay, several batches at once, so acknowledgements arrive out of order.
actor ConcurrentSink: RecordSink {
    nonisolated let name = "concurrent"
    nonisolated var maxConcurrentDeliveries: Int { 4 }
    private(set) var delivered: [UInt64] = []
    private(set) var concurrent = 0
    private(set) var maxConcurrent = 0

    func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        concurrent += 1
        maxConcurrent = max(maxConcurrent, concurrent)
        try await Task.sleep(for: .milliseconds(Int.random(in: 1...15)))
        concurrent -= 1
        delivered += entries.map(\.sequence)
        return entries.map(\.sequence).shuffled()
    }

    func close() async throws {}
}

extension PipelineTests {
    @Test func concurrentDeliveriesAcknowledgeOutOfOrderWithoutLoss() async throws {
        let fixture = "\(repositoryRoot)/Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"
        let source = ReplaySource(configuration: .init(id: "replay", path: fixture, batchSize: 3, passes: 20))
        let sink = ConcurrentSink()
        let log = MemoryRecordLog(capacityBytes: 1 << 20, sinks: [sink.name])
        var pipeline = Pipeline(sources: [.init(source: source, identity: SourceIdentity(workspaceID: "", sourceID: "replay"))],
                                sinks: [sink], log: log, logger: logger)
        pipeline.sinkBatchSize = 5
        let summary = try await pipeline.run(once: true)
        #expect(summary.polledRecords == 23 * 20)
        #expect(summary.deliveredRecords == 23 * 20)
        #expect(await sink.delivered.sorted() == Array(1...UInt64(23 * 20)))
        #expect(await sink.maxConcurrent > 1)
        #expect(await log.bufferedRecords == 0)
    }
}
