import Foundation
import Logging
import RelayCore
import Synchronization
@testable import Sinks

/// Builds record envelopes of about `size` bytes with distinct ids.
enum RecordFactory {
    static func envelopes(count: Int, size: Int = 1024, startingAt first: Int = 0, sourceType: String = "okta") -> [[UInt8]] {
        (first..<first + count).map { envelope(index: $0, size: size, sourceType: sourceType) }
    }

    static func envelope(index: Int, size: Int = 1024, sourceType: String = "okta") -> [UInt8] {
        var record = AuditRecord()
        record.sourceType = sourceType
        record.sourceID = "src"
        record.workspaceID = "ws"
        record.eventID = "event-\(index)"
        record.id = RecordID.derive(sourceID: record.sourceID, eventID: record.eventID)
        record.eventName = "user.session.start"
        let bare = RecordEnvelope.make(record).count
        record.rawLog = ArraySlice(String(repeating: "x", count: max(0, size - bare - 12)).utf8)
        return RecordEnvelope.make(record)
    }

    static func id(_ envelope: [UInt8]) -> String { EnvelopeView(envelope)?.id ?? "" }
}

/// Forwards to a sink and counts what it acknowledged, so a test can tell how far a stream got.
final class CountingSink: RecordSink {
    let base: any RecordSink
    private let acknowledged = Atomic<Int>(0)
    init(_ base: any RecordSink) { self.base = base }
    var name: String { base.name }
    var maxConcurrentDeliveries: Int { base.maxConcurrentDeliveries }
    var count: Int { acknowledged.load(ordering: .relaxed) }

    func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        let done = try await base.deliver(entries)
        acknowledged.add(done.count, ordering: .relaxed)
        return done
    }

    func close() async throws { try await base.close() }
}

/// Collects the ids of every record it is given: the expected set for a Kafka read-back.
actor CollectingSink: RecordSink {
    nonisolated let name = "collect"
    private(set) var ids: [String] = []

    func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        ids += entries.map { RecordFactory.id(Array($0.envelope)) }
        return entries.map(\.sequence)
    }

    func close() async throws {}
}

/// A source that hands out prepared pages, optionally pausing between them, so a stream lasts
/// long enough for faults to hit it mid-way.
struct PacedSource: AuditSource {
    let id: String
    let pages: [RawPage]
    let pause: Duration
    var interval: Duration { .seconds(3600) }

    /// `count` Okta events with distinct uuids, `perPage` to a page.
    init(id: String = "paced", count: Int, perPage: Int, pause: Duration = .zero) {
        self.id = id
        self.pause = pause
        var pages: [RawPage] = []
        var index = 0
        while index < count {
            let end = min(count, index + perPage)
            var body: [UInt8] = []
            var ranges: [Range<Int>] = []
            for event in index..<end {
                let text = #"{"uuid":"paced-\#(event)","eventType":"user.session.start","published":"2026-11-23T06:00:00.000Z","displayMessage":"\#(String(repeating: "p", count: 700))","actor":{"id":"u1","alternateId":"a@example.com"}}"#
                let start = body.count
                body += Array(text.utf8)
                ranges.append(start..<body.count)
            }
            pages.append(RawPage(sourceType: "okta", stream: "system_log", body: body, events: ranges, cursor: "\(end)"))
            index = end
        }
        self.pages = pages
    }

    func nextPage(after cursor: String?) async throws -> RawPage? {
        let next = cursor.flatMap { Int($0) } ?? 0
        guard let page = pages.first(where: { ($0.cursor.flatMap { Int($0) } ?? 0) > next }) else { return nil }
        if pause > .zero { try await Task.sleep(for: pause) }
        return page
    }
}

extension Logger {
    /// Errors only; `KAFKA_TEST_LOG=warning` (or debug, …) shows more while debugging a test.
    static let quiet: Logger = {
        var logger = Logger(label: "kafka-test")
        logger.logLevel = ProcessInfo.processInfo.environment["KAFKA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        return logger
    }()
}
