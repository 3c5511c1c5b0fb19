import Foundation
import Synchronization
import Testing
@testable import Spool

/// `maxBytes` is a hard cap including metadata; `.block` waits for acknowledgements, `.dropOldest` counts drops.
@Suite struct SpoolCapacityTests {
    private func diskUsage(_ directory: String) -> UInt64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0 != "LOCK" }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? UInt64) ?? 0)
        }
    }

    @Test func exactlyFillingTheCapWorksAndTheNextAppendWaitsForAcknowledgements() async throws {
        let directory = TemporaryDirectory()
        let maxBytes: UInt64 = 64 << 10
        let config = configuration(directory.spool, maxBytes: maxBytes, segmentBytes: maxBytes, sinks: ["kafka"])
        let spool = try Spool(configuration: config)
        defer { spool.close() }
        let reserve = spool.state.withLock { $0.metadataReserve(sinkNames: ["kafka"]) }
        let room = Int(maxBytes - reserve) - SegmentHeader.size - 2 * RecordHeader.size
        let exact = [[UInt8](repeating: 1, count: room / 2), [UInt8](repeating: 2, count: room - room / 2)]
        let oneTooMany = [exact[0], exact[1] + [3]]
        await #expect(throws: SpoolError.batchNeverFits(0, capacity: 0)) { try await spool.append(oneTooMany) }
        #expect(try await spool.append(exact) == 1...2)
        #expect(spool.stats.bytes + reserve >= maxBytes - 64)  // metadata files not yet written count in reserve
        #expect(diskUsage(directory.spool) <= maxBytes)

        let blocked = Task { try await spool.append([[UInt8](repeating: 4, count: 100)]) }
        for _ in 0..<500 where spool.stats.blockedSeconds == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(spool.stats.blockedSeconds != nil)
        let entries = try drain(spool, sink: "kafka")
        #expect(entries.map(\.sequence) == [1, 2])
        spool.acknowledge(sink: "kafka", sequences: [2])
        try await Task.sleep(for: .milliseconds(50))
        #expect(spool.stats.blockedSeconds != nil)  // sequence 1 still unacknowledged: still full
        spool.acknowledge(sink: "kafka", sequences: [1])
        #expect(try await blocked.value == 3...3)
        #expect(spool.stats.blockedSeconds == nil)
        #expect(try drain(spool, sink: "kafka").map(\.sequence) == [3])
        #expect(diskUsage(directory.spool) <= maxBytes)
    }

    @Test func blockedAppendResumesWhenSinksCatchUpAndNeverExceedsTheCap() async throws {
        let directory = TemporaryDirectory()
        let maxBytes: UInt64 = 256 << 10
        let spool = try Spool(configuration: configuration(directory.spool, maxBytes: maxBytes, segmentBytes: 32 << 10))
        defer { spool.close() }
        let writer = Task {
            for batch in 0..<100 {
                try await spool.append((0..<10).map { payload(batch * 10 + $0, size: 500) }, cursor: ("src", "\(batch)"))
            }
        }
        var delivered: [String: [UInt64]] = ["kafka": [], "syslog": []]
        var maxUsage: UInt64 = 0
        while delivered.values.contains(where: { $0.count < 1000 }) {
            // A sink that has everything would wait for data forever: appends landing between the
            // two reads can let syslog finish an iteration before kafka.
            for sink in ["kafka", "syslog"] where delivered[sink, default: []].count < 1000 {
                let entries = try await spool.read(sink: sink, maxRecords: 37, maxBytes: 1 << 20)
                #expect(entries.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1, size: 500) })
                delivered[sink, default: []].append(contentsOf: entries.map(\.sequence))
                spool.acknowledge(sink: sink, sequences: entries.map(\.sequence).reversed())
                maxUsage = max(maxUsage, diskUsage(directory.spool))
            }
        }
        try await writer.value
        #expect(delivered["kafka"] == Array(1...1000) && delivered["syslog"] == Array(1...1000))
        #expect(maxUsage <= maxBytes)
        #expect(spool.committedCursor(source: "src") == "99")
        #expect(spool.stats.droppedRecords == 0)
    }

    @Test func dropOldestDeletesUnacknowledgedSegmentsAndCountsEveryRecord() async throws {
        let directory = TemporaryDirectory()
        let maxBytes: UInt64 = 128 << 10
        let spool = try Spool(configuration: configuration(directory.spool, maxBytes: maxBytes, segmentBytes: 16 << 10,
                                                           policy: .dropOldest, sinks: ["kafka"]))
        defer { spool.close() }
        for batch in 0..<200 {
            try await spool.append((0..<5).map { payload(batch * 5 + $0, size: 400) })
            #expect(diskUsage(directory.spool) <= maxBytes)
        }
        let entries = try drain(spool, sink: "kafka")
        let stats = spool.stats
        #expect(stats.droppedRecords > 0)
        #expect(stats.droppedRecords + UInt64(entries.count) == 1000)
        #expect(entries.map(\.sequence) == Array(UInt64(1000 - entries.count + 1)...1000))
        #expect(entries.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1, size: 400) })
    }

    /// The drop counter resets with the process, so each drop is reported (for a log line) before its file
    /// goes, with what each sink loses: records it never got, and records in flight that may still arrive.
    @Test func dropOldestReportsEachDropPerSinkBeforeDeletingIt() async throws {
        let directory = TemporaryDirectory()
        let reports = Mutex<[(SpoolDrop, segmentFileExisted: Bool)]>([])
        var config = configuration(directory.spool, maxBytes: 128 << 10, segmentBytes: 16 << 10, policy: .dropOldest,
                                   sinks: ["kafka", "syslog"])
        let spoolDirectory = directory.spool
        config.onDrop = { drop in
            let existed = FileManager.default.fileExists(atPath: spoolDirectory + "/" + SegmentHeader.fileName(id: drop.segmentID))
            reports.withLock { $0.append((drop, existed)) }
        }
        let spool = try Spool(configuration: config)
        defer { spool.close() }
        // kafka: the first 20 records read, 1...10 acknowledged, 11...20 in flight; 21...25 read and handed back.
        try await spool.append((0..<25).map { payload($0, size: 400) })
        let read = try spool.readAvailable(sink: "kafka", maxRecords: 25, maxBytes: 1 << 20)
        #expect(read.map(\.sequence) == Array(1...25))
        spool.acknowledge(sink: "kafka", sequences: 1...10)
        spool.retry(sink: "kafka", sequences: 21...25)
        for batch in 5..<200 {
            try await spool.append((0..<5).map { payload(batch * 5 + $0, size: 400) })
        }
        let drops = reports.withLock { $0 }
        #expect(!drops.isEmpty)
        let reportedFirst = drops.allSatisfy { $0.segmentFileExisted }
        #expect(reportedFirst, "reported before the segment file was deleted")
        let reportedRecords = drops.map { $0.0.records }.reduce(0, +)
        #expect(reportedRecords == spool.stats.droppedRecords)
        let first = try #require(drops.first?.0)
        #expect(first.sequences.lowerBound == 1)
        let inFirst = first.sequences.count
        // syslog read nothing: the whole segment is lost to it; kafka lost what it had not acknowledged.
        #expect(first.sinks["syslog"] == SpoolDrop.SinkLoss(undelivered: UInt64(inFirst), inFlight: 0))
        #expect(first.sinks["kafka"] == SpoolDrop.SinkLoss(undelivered: UInt64(inFirst - 25), inFlight: 15))
        #expect(first.records == UInt64(inFirst))
        for (drop, _) in drops.dropFirst() {
            #expect(drop.sinks["kafka"] == SpoolDrop.SinkLoss(undelivered: UInt64(drop.sequences.count), inFlight: 0))
            #expect(drop.sinks["syslog"] == drop.sinks["kafka"])
        }
        let undelivered = drops.map { $0.0.sinks["syslog"]?.undelivered ?? 0 }.reduce(0, +)
        let remaining = try drain(spool, sink: "syslog").count
        #expect(undelivered + UInt64(remaining) == 1000)
    }

    @Test func cancellingABlockedAppendThrowsCancellation() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, maxBytes: 64 << 10, segmentBytes: 64 << 10,
                                                           sinks: ["kafka"]))
        defer { spool.close() }
        try await spool.append([[UInt8](repeating: 1, count: 60 << 10)])
        let blocked = Task { try await spool.append([[UInt8](repeating: 2, count: 10 << 10)]) }
        try await Task.sleep(for: .milliseconds(50))
        blocked.cancel()
        await #expect(throws: CancellationError.self) { try await blocked.value }
    }
}
