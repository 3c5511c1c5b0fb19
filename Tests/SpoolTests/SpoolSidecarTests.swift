import Foundation
import Testing
@testable import Spool

/// Sealed segments' `.idx` sidecars: written on seal, trusted at recovery only when valid and current, damage
/// inside a trusted segment still detected (at read time) and counted, old-format spools still recovered.
@Suite struct SpoolSidecarTests {
    private static let sinks = ["kafka"]

    private func open(_ directory: String) throws -> Spool {
        try Spool(configuration: configuration(directory, segmentBytes: 8192, sinks: Self.sinks))
    }

    /// 40 batches of 6 records over ~12 segments of 8 KiB; source "early" commits only in the first batches.
    private func makeSpool(_ directory: String) async throws {
        let spool = try open(directory)
        for batch in 0..<40 {
            let source = batch < 3 ? "early" : "okta"
            try await spool.append((0..<6).map { payload(batch * 6 + $0) }, cursor: (source, "page-\(batch)"),
                                   seen: (source, ["event-\(batch)"]))
        }
        spool.acknowledge(sink: "kafka", sequences: 1...3)  // segment 1 stays (not fully acknowledged)
        await spool.waitForSidecars()
        spool.close()
    }

    private func sidecarFiles(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".idx") }.sorted().map { directory + "/" + $0 }
    }

    /// Sum of the sizes of every file the spool accounts for (all but LOCK).
    private func bytesOnDisk(_ directory: String) -> UInt64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0 != "LOCK" }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? UInt64) ?? 0)
        }
    }

    /// What a spool reports and delivers, for comparing a sidecar recovery with a full scan.
    private struct Observed: Equatable {
        var records: UInt64
        var lastSequence: UInt64
        var corrupt: UInt64
        var cursors: [String?]
        var duplicates: Set<String>
        var delivered: [UInt64]
        var payloadsIntact: Bool
    }

    private func observe(_ spool: Spool) throws -> Observed {
        let stats = spool.stats
        let entries = try drain(spool, sink: "kafka")
        let all = (0..<40).map { "event-\($0)" }
        return Observed(records: stats.records, lastSequence: stats.lastSequence, corrupt: spool.stats.corruptRecordsSkipped,
                        cursors: [spool.committedCursor(source: "early"), spool.committedCursor(source: "okta")],
                        duplicates: spool.duplicates(source: "okta", eventIDs: all)
                            .union(spool.duplicates(source: "early", eventIDs: all)),
                        delivered: entries.map(\.sequence),
                        payloadsIntact: entries.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1) })
    }

    /// The same directory recovered by a full scan (sidecars moved away first, then put back).
    private func observeByScan(_ directory: String) throws -> Observed {
        let saved = sidecarFiles(directory).map { ($0, fileBytes($0)) }
        for (path, _) in saved { unlink(path) }
        let spool = try open(directory)
        defer {
            spool.close()
            for (path, bytes) in saved { writeBytes(bytes, to: path) }
        }
        #expect(spool.inspect().segments.allSatisfy { !$0.fromSidecar })
        return try observe(spool)
    }

    @Test func sidecarsAreWrittenOnSealAndRecoveryUsesThemWithExactAccounting() async throws {
        let directory = TemporaryDirectory("spool-sidecar")
        try await makeSpool(directory.spool)
        let segments = segmentFiles(directory.spool)
        #expect(segments.count > 5)
        // Every sealed segment has one, the active one does not.
        #expect(sidecarFiles(directory.spool) == segments.dropLast().map { String($0.dropLast(4)) + ".idx" })
        let scanned = try observeByScan(directory.spool)
        let spool = try open(directory.spool)
        let inspection = spool.inspect()
        #expect(inspection.segments.dropLast().allSatisfy { $0.fromSidecar && $0.sidecarBytes > 0 })
        #expect(inspection.segments.last?.fromSidecar == false)
        #expect(spool.stats.bytes == bytesOnDisk(directory.spool))
        #expect(inspection.description.contains("(recovered from sidecar)"))
        let age = try #require(spool.stats.oldestUnacknowledgedAgeSeconds)
        #expect(age >= 0 && age < 60)
        let observed = try observe(spool)
        #expect(observed == scanned)
        #expect(observed.records == 240 - 3 && observed.delivered == Array(4...240) && observed.payloadsIntact)
        #expect(observed.cursors == ["page-2", "page-39"] && observed.duplicates.count == 40)
        spool.close()
        // Read-only inspection of the directory uses the sidecars too.
        let inspected = try Spool.inspect(configuration: configuration(directory.spool, segmentBytes: 8192, sinks: Self.sinks))
        #expect(inspected.segments.dropLast().allSatisfy { $0.fromSidecar })
    }

    @Test(arguments: ["missing", "bit flip", "truncated", "stale size", "other version", "tmp left by a kill"])
    func anUnusableSidecarFallsBackToAFullScan(damage: String) async throws {
        let directory = TemporaryDirectory("spool-sidecar")
        try await makeSpool(directory.spool)
        let scanned = try observeByScan(directory.spool)
        let target = sidecarFiles(directory.spool)[2]
        var bytes = fileBytes(target)
        switch damage {
        case "missing": unlink(target)
        case "bit flip": bytes[bytes.count / 2] ^= 0x10; writeBytes(bytes, to: target)
        case "truncated": writeBytes(Array(bytes.prefix(bytes.count - 7)), to: target)
        case "other version": bytes[8] = 9; writeBytes(bytes, to: target)
        case "stale size":
            // The segment changed after its sidecar was written: one byte of garbage at its end.
            let segment = String(target.dropLast(4)) + ".log"
            writeBytes(fileBytes(segment) + [0], to: segment)
        default:  // killed between writing the temporary file and renaming it
            unlink(target)
            writeBytes(Array(bytes.prefix(bytes.count / 2)), to: target + ".tmp")
        }
        let spool = try open(directory.spool)
        let flags = spool.inspect().segments.map(\.fromSidecar)
        #expect(flags[2] == false && flags.filter { $0 }.count == flags.count - 2, "\(flags)")
        var observed = try observe(spool)
        if damage == "stale size" {
            #expect(spool.stats.corruptRegions == 1)  // the garbage byte, found by the scan
        }
        observed.corrupt = scanned.corrupt
        #expect(observed == scanned)
        // The scan's result is summarised again in the background.
        await spool.waitForSidecars()
        #expect(!FileManager.default.fileExists(atPath: target + ".tmp"))
        spool.close()
        let reopened = try open(directory.spool)
        #expect(reopened.inspect().segments.dropLast().allSatisfy { $0.fromSidecar })
        #expect(reopened.stats.bytes == bytesOnDisk(directory.spool))
        reopened.close()
    }

    /// Flip one byte of record 50 (payload, CRC field, or length field) in a sealed segment with a valid
    /// sidecar: start-up does not read it, delivery detects it, skips exactly that record and counts it.
    @Test(arguments: [5, 20, 26, 40])
    func bitFlipInsideATrustedSegmentIsDetectedSkippedAndCountedWhenRead(byteInFrame: Int) async throws {
        let directory = TemporaryDirectory("spool-sidecar")
        try await makeSpool(directory.spool)
        let (path, frame) = try #require(segmentFiles(directory.spool).dropLast().lazy.compactMap { path in
            frameOffsets(fileBytes(path)).first { $0.kind & 0x7F == 1 && $0.sequence == 50 }.map { (path, $0) }
        }.first)
        var bytes = fileBytes(path)
        bytes[frame.offset + byteInFrame] ^= 0x04
        writeBytes(bytes, to: path)
        let spool = try open(directory.spool)
        #expect(spool.inspect().segments.dropLast().allSatisfy { $0.fromSidecar })
        #expect(spool.stats.corruptRecordsSkipped == 0)  // not read at start
        let entries = try drain(spool, sink: "kafka")
        #expect(entries.map(\.sequence) == Array(4...49) + Array(51...240))
        #expect(entries.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1) })
        #expect(spool.stats.corruptRecordsSkipped == 1)
        spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
        #expect(spool.stats.records == 0)
        spool.close()
    }

    @Test func damagedBatchOfTheFinalCursorInATrustedSegmentFallsBackToTheEarlierIntactCursor() async throws {
        let directory = TemporaryDirectory("spool-sidecar")
        try await makeSpool(directory.spool)
        // Source "early" last committed "page-2" with batch 2 (sequences 13...18); damage sequence 15.
        let (path, frame) = try #require(segmentFiles(directory.spool).dropLast().lazy.compactMap { path in
            frameOffsets(fileBytes(path)).first { $0.kind & 0x7F == 1 && $0.sequence == 15 }.map { (path, $0) }
        }.first)
        var bytes = fileBytes(path)
        bytes[frame.offset + 30] ^= 0x01
        writeBytes(bytes, to: path)
        let scanned = try observeByScan(directory.spool)
        #expect(scanned.cursors == ["page-1", "page-39"])
        // Also a torn tail: cut by the first pass, which is abandoned; the cut is still counted once.
        let active = try #require(segmentFiles(directory.spool).last)
        writeBytes(fileBytes(active) + [0xA7, 0x52, 1, 1, 9], to: active)
        let spool = try open(directory.spool)
        #expect(spool.stats.truncatedBytes == 5)
        #expect(spool.committedCursor(source: "early") == "page-1")
        #expect(spool.stats.corruptRecordsSkipped == 1)  // found by the full scan of that segment
        #expect(try observe(spool) == scanned)
        spool.close()
    }

    @Test func aVersionOneSpoolWithoutSidecarsRecoversAndGetsSidecars() async throws {
        let directory = TemporaryDirectory("spool-sidecar")
        try await makeSpool(directory.spool)
        let expected = try observeByScan(directory.spool)
        // Rewrite it as the previous version wrote it: header version 1, no sidecars.
        for path in sidecarFiles(directory.spool) { unlink(path) }
        for path in segmentFiles(directory.spool) {
            var bytes = fileBytes(path)
            bytes[8] = 1
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<32])) }
            for index in 0..<4 { bytes[32 + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index))) }
            writeBytes(bytes, to: path)
        }
        let old = try open(directory.spool)
        #expect(old.inspect().segments.allSatisfy { !$0.fromSidecar })
        #expect(old.stats.quarantinedSegments == 0)
        #expect(try observe(old) == expected)
        await old.waitForSidecars()
        old.close()
        #expect(sidecarFiles(directory.spool).count == segmentFiles(directory.spool).count - 1)
        let upgraded = try open(directory.spool)
        #expect(upgraded.inspect().segments.dropLast().allSatisfy { $0.fromSidecar })
        #expect(try observe(upgraded) == expected)
        upgraded.close()
    }

    @Test func sidecarRoundTripsAndRejectsDamage() throws {
        let summary = SegmentSummary(
            segmentID: 7, firstSequence: 100, fileSize: 9000, validSize: 8990, lastSequence: 180, expectedAfter: 181,
            lastIntactData: 180, highestDamaged: 120, corruptRecords: 2, corruptRegions: 1,
            index: [SegmentIndexEntry(sequence: 100, offset: 40, timestampMillis: 5)], corruptRanges: [500..<600],
            losses: [119...120], cursors: [.init(source: "okta", value: "c", batch: 40..<900)],
            seen: [.init(source: "okta", ids: [.init(id: "e1", timestampMillis: 9)])])
        let bytes = summary.encoded()
        #expect(try SegmentSummary.decode(bytes, path: "x.idx") == summary)
        for index in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[index] ^= 0x20
            #expect(throws: SpoolError.self) { try SegmentSummary.decode(damaged, path: "x.idx") }
        }
        #expect(SegmentSummary.segmentID(fromFileName: SegmentSummary.fileName(segmentID: 42)) == 42)
    }
}
