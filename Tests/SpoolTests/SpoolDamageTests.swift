import Foundation
import Testing
@testable import Spool

/// Torn tails, bit flips, zero-filled tails and damaged metadata: recovery must succeed, keep every intact
/// record, and count the damage.
@Suite struct SpoolDamageTests {
    /// Six batches of four records, each with a cursor marker, in a single segment.
    private func makeSpool(_ directory: String) async throws -> (bytes: [UInt8], path: String) {
        let spool = try Spool(configuration: configuration(directory, sinks: ["kafka"]))
        for batch in 0..<6 {
            try await spool.append((0..<4).map { payload(batch * 4 + $0) }, cursor: ("okta", "page-\(batch)"))
        }
        spool.close()
        let files = segmentFiles(directory)
        #expect(files.count == 1)
        return (fileBytes(files[0]), files[0])
    }

    @Test func tornTailAtEveryOffsetOfTheLastRecordsIsTruncatedAndEarlierBatchesSurvive() async throws {
        let directory = TemporaryDirectory()
        let (original, path) = try await makeSpool(directory.spool)
        let frames = frameOffsets(original)
        #expect(frames.count == 30)  // 6 x (4 data + 1 marker)
        let lastBatchStart = frames[25].offset
        // Every byte offset of the last data record and of the batch's cursor marker (the segment's last record):
        // the incomplete batch disappears entirely, earlier batches survive.
        for cut in frames[28].offset..<original.count {
            writeBytes(Array(original[..<cut]), to: path)
            let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
            let stats = spool.stats
            #expect(stats.truncatedBytes == UInt64(cut - lastBatchStart), "cut at \(cut)")
            #expect(stats.corruptRecordsSkipped == 0, "cut at \(cut)")
            #expect(spool.committedCursor(source: "okta") == "page-4", "cut at \(cut)")
            let entries = try drain(spool, sink: "kafka")
            #expect(entries.map(\.sequence) == Array(1...20), "cut at \(cut)")
            #expect(entries.map { Array($0.payload) } == (0..<20).map { payload($0) }, "cut at \(cut)")
            guard cut % 16 == 0 || cut == original.count - 1 else {  // appending after the cut: a sample suffices
                spool.close()
                continue
            }
            // The ledger written at close saw sequences 21...24: they are never reused.
            let appended = try #require(try await spool.append([payload(20)]))
            #expect(appended.lowerBound >= 21, "cut at \(cut)")
            #expect(try drain(spool, sink: "kafka").map(\.sequence) == [appended.lowerBound], "cut at \(cut)")
            spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence) + [appended.lowerBound])
            #expect(spool.stats.records == 0, "cut at \(cut)")
            spool.close()
            let reopened = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
            #expect(reopened.stats.truncatedBytes == 0 && reopened.stats.lastSequence == appended.lowerBound)
            reopened.close()
            writeBytes(original, to: path)
            try? FileManager.default.removeItem(atPath: directory.spool + "/acks")
        }
    }

    @Test(arguments: [0, 1, 3, 5, 9, 17, 22, 26, 28, 60])
    func bitFlipInAMiddleRecordSkipsExactlyThatRecord(byteInFrame: Int) async throws {
        let directory = TemporaryDirectory()
        let (original, path) = try await makeSpool(directory.spool)
        let frames = frameOffsets(original)
        let victim = frames[12]  // batch 2, third data record: sequence 11
        #expect(victim.sequence == 11 && victim.kind == 1)
        var damaged = original
        damaged[victim.offset + byteInFrame] ^= 0x10
        writeBytes(damaged, to: path)
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        let stats = spool.stats
        #expect(stats.corruptRecordsSkipped == 1 && stats.corruptRegions == 1 && stats.truncatedBytes == 0)
        #expect(spool.committedCursor(source: "okta") == "page-5")  // later batches are intact
        let entries = try drain(spool, sink: "kafka")
        #expect(entries.map(\.sequence) == Array(1...10) + Array(12...24))
        let intact = entries.map { Array($0.payload) } == (0..<24).filter { $0 != 10 }.map { payload($0) }
        #expect(intact)
        spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
        #expect(spool.inspect().sinks[0].watermark == 24)  // the hole does not block the watermark
        #expect(spool.stats.records == 0)
    }

    @Test func damagedRecordInTheLastBatchRollsTheCursorBackToTheLastIntactBatch() async throws {
        let directory = TemporaryDirectory()
        let (original, path) = try await makeSpool(directory.spool)
        let frames = frameOffsets(original)
        var damaged = original
        damaged[frames[26].offset + 40] ^= 0xFF  // batch 5, second data record (sequence 22)
        writeBytes(damaged, to: path)
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        #expect(spool.stats.corruptRecordsSkipped == 1)
        #expect(spool.committedCursor(source: "okta") == "page-4")  // page 5 must be fetched again
        #expect(try drain(spool, sink: "kafka").map(\.sequence) == Array(1...21) + Array(23...24))
    }

    @Test func zeroFilledTailIsTreatedAsEndOfLog() async throws {
        let directory = TemporaryDirectory()
        let (original, path) = try await makeSpool(directory.spool)
        writeBytes(original + [UInt8](repeating: 0, count: 100_000), to: path)
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        #expect(spool.stats.truncatedBytes == 100_000 && spool.stats.corruptRecordsSkipped == 0)
        #expect(spool.stats.lastSequence == 24)
        #expect(fileBytes(path).count == original.count)
    }

    @Test func garbageBetweenValidRecordsIsResynchronisedOver() async throws {
        let directory = TemporaryDirectory()
        let (original, path) = try await makeSpool(directory.spool)
        let frames = frameOffsets(original)
        // Overwrite data records 7 and 8 and the marker of batch 1 with 0xA7 bytes (the magic's first byte).
        var damaged = original
        for index in frames[7].offset..<(frames[9].offset + frames[9].size) { damaged[index] = 0xA7 }
        writeBytes(damaged, to: path)
        let spool = try Spool(configuration: configuration(directory.spool, sinks: ["kafka"]))
        defer { spool.close() }
        #expect(spool.stats.corruptRecordsSkipped == 2)
        #expect(try drain(spool, sink: "kafka").map(\.sequence) == Array(1...6) + Array(9...24))
    }

    @Test func unreadableSegmentHeaderQuarantinesTheSegment() async throws {
        let directory = TemporaryDirectory()
        let spool = try Spool(configuration: configuration(directory.spool, segmentBytes: 8 << 10, sinks: ["kafka"]))
        for batch in 0..<10 { try await spool.append((0..<10).map { payload(batch * 10 + $0, size: 200) }) }
        spool.close()
        let files = segmentFiles(directory.spool)
        #expect(files.count >= 3)
        var bytes = fileBytes(files[1])
        bytes[3] ^= 0xFF
        writeBytes(bytes, to: files[1])
        let reopened = try Spool(configuration: configuration(directory.spool, segmentBytes: 8 << 10, sinks: ["kafka"]))
        defer { reopened.close() }
        #expect(reopened.stats.quarantinedSegments == 1)
        #expect(FileManager.default.fileExists(atPath: files[1] + ".quarantined"))
        let entries = try drain(reopened, sink: "kafka")
        #expect(reopened.stats.corruptRecordsSkipped == UInt64(100 - entries.count))
        #expect(entries.count > 50 && entries.last?.sequence == 100)
    }

    @Test func corruptOrMissingAckLedgerCausesRedeliveryNotLoss() async throws {
        let directory = TemporaryDirectory()
        let config = configuration(directory.spool, sinks: ["kafka"])
        let spool = try Spool(configuration: config)
        try await spool.append((0..<10).map { payload($0) })
        spool.acknowledge(sink: "kafka", sequences: Array(1...6))
        spool.close()
        let ledger = directory.spool + "/acks"
        var bytes = fileBytes(ledger)
        #expect(!bytes.isEmpty)
        bytes[bytes.count - 1] ^= 1
        writeBytes(bytes, to: ledger)
        let reopened = try Spool(configuration: config)
        #expect(reopened.stats.metadataErrors == 1)
        #expect(try drain(reopened, sink: "kafka").map(\.sequence) == Array(1...10))
        reopened.close()
        try FileManager.default.removeItem(atPath: ledger)
        let third = try Spool(configuration: config)
        defer { third.close() }
        #expect(try drain(third, sink: "kafka").count == 10)
    }
}
