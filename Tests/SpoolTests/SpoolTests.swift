import Foundation
import Testing
@testable import Spool

@Suite struct SpoolBasicsTests {
    @Test func crc32cMatchesKnownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let whole = CRC32C.checksum(bytes)
        let chained = CRC32C.checksum(Array(bytes[333...]), continuing: CRC32C.checksum(Array(bytes[..<333])))
        #expect(whole == chained)
    }

    @Test func hardwareAndSoftwareCRCAgreeOnEveryLengthAndAlignment() {
        let bytes = (0..<4200).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4095, 4191 - start] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "start \(start) length \(length)")
                }
            }
        }
        #expect(CRC32C.softwareChecksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
    }

    @Test func appendReadAcknowledgeAndRestart() async throws {
        let directory = TemporaryDirectory()
        let config = configuration(directory.spool)
        do {
            let spool = try Spool(configuration: config)
            let first = try await spool.append((0..<10).map { payload($0) }, cursor: ("okta", "page-1"))
            #expect(first == 1...10)
            let second = try await spool.append((10..<25).map { payload($0) }, cursor: ("okta", "page-2"))
            #expect(second == 11...25)
            #expect(spool.committedCursor(source: "okta") == "page-2")
            let read = try drain(spool, sink: "kafka")
            #expect(read.map(\.sequence) == Array(1...25))
            #expect(read.map { Array($0.payload) } == (0..<25).map { payload($0) })
            spool.acknowledge(sink: "kafka", sequences: Array(1...12))
            #expect(try drain(spool, sink: "kafka").isEmpty)
            #expect(spool.stats.records == 25)  // syslog has not acknowledged anything
            spool.close()
        }
        let reopened = try Spool(configuration: config)
        defer { reopened.close() }
        #expect(reopened.committedCursor(source: "okta") == "page-2")
        #expect(try drain(reopened, sink: "kafka").map(\.sequence) == Array(13...25))
        #expect(try drain(reopened, sink: "syslog").map(\.sequence) == Array(1...25))
        let third = try await reopened.append([payload(99)], cursor: nil)
        #expect(third == 26...26)
    }

    @Test func outOfOrderAcknowledgementsMoveTheWatermarkOverTheContiguousPrefixOnly() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        try await spool.append((0..<10).map { payload($0) })
        _ = try drain(spool, sink: "kafka")
        spool.acknowledge(sink: "kafka", sequences: [2, 3, 5, 9])
        #expect(spool.inspect().sinks[0].watermark == 0)
        spool.acknowledge(sink: "kafka", sequences: [1])
        #expect(spool.inspect().sinks[0].watermark == 3)
        spool.acknowledge(sink: "kafka", sequences: [4, 6, 7, 8])
        #expect(spool.inspect().sinks[0].watermark == 9)
        #expect(spool.stats.records == 1)
    }

    @Test func eachSinkHasItsOwnBacklogCountingOutOfOrderAcknowledgements() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka", "syslog"]))
        defer { spool.close() }
        try await spool.append((0..<10).map { payload($0) })
        _ = try drain(spool, sink: "kafka")
        spool.acknowledge(sink: "kafka", sequences: [1, 2, 3, 5, 9])  // watermark 3, 5 and 9 above it
        let backlogs = spool.stats.sinkBacklogs
        #expect(backlogs["kafka"]?.records == 5)
        #expect(backlogs["syslog"]?.records == 10)
        #expect(spool.stats.records == 10)  // not acknowledged by every sink
        let age = try #require(backlogs["syslog"]?.oldestAgeSeconds)
        #expect(age >= 0 && age < 60)
        spool.acknowledge(sink: "kafka", sequences: [4, 6, 7, 8, 10])
        #expect(spool.stats.sinkBacklogs["kafka"]?.records == 0)
        #expect(spool.stats.sinkBacklogs["kafka"]?.oldestAgeSeconds == nil)
    }

    @Test func retriedRecordsAreReadAgainBeforeNewOnes() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        try await spool.append((0..<20).map { payload($0) })
        let first = try spool.readAvailable(sink: "kafka", maxRecords: 10, maxBytes: 1 << 20)
        #expect(first.map(\.sequence) == Array(1...10))
        spool.acknowledge(sink: "kafka", sequences: [1, 2, 3])
        spool.retry(sink: "kafka", sequences: [4, 7, 3])
        let again = try spool.readAvailable(sink: "kafka", maxRecords: 10, maxBytes: 1 << 20)
        #expect(again.map(\.sequence) == [4, 7] + Array(11...18))  // retries first, then new records
        let payloadsMatch = again.map { Array($0.payload) } == ([3, 6] + Array(10...17)).map { payload($0) }
        #expect(payloadsMatch)
        #expect(try drain(spool, sink: "kafka").map(\.sequence) == [19, 20])
    }

    @Test func segmentsAreDeletedOnlyWhenEverySinkIsPastThem() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, segmentBytes: 64 << 10))
        defer { spool.close() }
        for batch in 0..<20 { try await spool.append((0..<20).map { payload(batch * 20 + $0, size: 1000) }) }
        let before = segmentFiles(directory.spool).count
        #expect(before > 5)
        let all = try drain(spool, sink: "kafka")
        spool.acknowledge(sink: "kafka", sequences: all.map(\.sequence))
        #expect(segmentFiles(directory.spool).count == before)
        let syslog = try drain(spool, sink: "syslog")
        spool.acknowledge(sink: "syslog", sequences: syslog.prefix(200).map(\.sequence))
        let after = segmentFiles(directory.spool).count
        #expect(after < before && after > 1)
        #expect(spool.inspect().segments.allSatisfy { $0.lastSequence > 200 })
    }

    @Test func readWaitsForAppendAndReturnsEmptyOnClose() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        async let waited = spool.read(sink: "kafka", maxRecords: 10, maxBytes: 1 << 20)
        try await Task.sleep(for: .milliseconds(50))
        try await spool.append([payload(1)])
        #expect(try await waited.map(\.sequence) == [1])
        async let closedRead = spool.read(sink: "kafka", maxRecords: 10, maxBytes: 1 << 20)
        try await Task.sleep(for: .milliseconds(50))
        spool.close()
        #expect(try await closedRead.isEmpty)
    }

    @Test func oversizeRecordAndImpossibleBatchAreRejectedUpFront() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, maxBytes: 256 << 10, segmentBytes: 64 << 10,
                                                           maxRecordBytes: 32 << 10))
        defer { spool.close() }
        await #expect(throws: SpoolError.recordTooLarge(0, limit: 0)) {
            try await spool.append([[UInt8](repeating: 1, count: (32 << 10) + 1)])
        }
        await #expect(throws: SpoolError.batchNeverFits(0, capacity: 0)) {
            try await spool.append((0..<3).map { _ in [UInt8](repeating: 1, count: 30 << 10) })
        }
        #expect(segmentFiles(directory.spool).isEmpty)
        #expect(try await spool.append([[UInt8](repeating: 1, count: 32 << 10)]) == 1...1)
    }

    @Test func inspectionShowsSegmentsSinksAndCursorsAndWorksBesideARunningSpool() async throws {
        let directory = TemporaryDirectory()
        let config = configuration(directory.spool, segmentBytes: 8 << 10)
        let spool = try Spool(configuration: config)
        defer { spool.close() }
        for page in 0..<5 { try await spool.append((0..<10).map { payload(page * 10 + $0, size: 300) }, cursor: ("okta", "p\(page)")) }
        spool.acknowledge(sink: "kafka", sequences: try drain(spool, sink: "kafka").map(\.sequence))
        let live = spool.inspect()
        #expect(live.segments.count >= 3 && live.segments.last?.lastSequence == 50)
        #expect(live.sinks.map(\.name) == ["kafka", "syslog"] && live.sinks.map(\.watermark) == [50, 0])
        #expect(live.cursors == ["okta": "p4"])
        #expect(live.description.contains("sink kafka watermark 50"))
        // Read-only: no lock taken, nothing repaired, same picture.
        let offline = try Spool.inspect(configuration: config)
        #expect(offline.segments.map(\.id) == live.segments.map(\.id))
        #expect(offline.cursors == live.cursors && offline.nextSequence == 51)
        #expect(spool.stats.filesystemAvailableBytes ?? 0 > 0)
    }

    @Test func secondInstanceIsRefusedByTheLock() throws {
        let directory = TemporaryDirectory()
        let first = try Spool(configuration: configuration(directory.spool))
        #expect(throws: SpoolError.locked("", holder: "")) { try Spool(configuration: configuration(directory.spool)) }
        do {
            _ = try Spool(configuration: configuration(directory.spool))
        } catch let error as SpoolError {
            #expect(error.description.contains("locked by another process"))
            #expect(error.description.contains("pid \(getpid())"))
        }
        first.close()
        let second = try Spool(configuration: configuration(directory.spool))
        second.close()
    }
}
