import Foundation
import Testing
@testable import Relay
import RelayCore
import Spool

@Suite struct SpoolRecordLogTests {
    @Test func aPageLargerThanASegmentIsCommittedInChunksWithTheCursorLast() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-log-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(configuration: .init(directory: directory, maxBytes: 16 << 20, segmentBytes: 1 << 20, sinks: ["s"]))
        let log = SpoolRecordLog(spool: spool)
        // 600 records of ~4 KiB: 2.4 MB, more than two segments.
        var envelopes: [[UInt8]] = []
        var ids: [String] = []
        for index in 0..<600 {
            var record = AuditRecord()
            record.eventID = "e\(index)"
            record.rawLog = ArraySlice(String(repeating: "x", count: 4000).utf8)
            envelopes.append(RecordEnvelope.make(record))
            ids.append(record.eventID)
        }
        try await log.append(envelopes, cursor: ("src", "page-1"), seen: ("src", ids))
        #expect(await log.committedCursor(source: "src") == "page-1")
        #expect(await log.duplicates(source: "src", eventIDs: ["e0", "e299", "e599", "new"]) == ["e0", "e299", "e599"])
        var read: [UInt64] = []
        await log.closeForAppends()
        while true {
            let entries = try await log.read(sink: "s", maxRecords: 1000)
            if entries.isEmpty { break }
            read += entries.map(\.sequence)
            for entry in entries { #expect(EnvelopeView(entry.envelope)?.eventID == "e\(entry.sequence - 1)") }
        }
        #expect(read == Array(1...600))
        await log.close()
    }

    /// Found by scripts/chaos.sh: a chunked page whose later chunk hit a full disk was appended again whole
    /// by the pipeline's retry, its first chunks once more each time; with room for about one chunk the
    /// source re-delivered them forever and never committed its cursor.
    @Test func aRetriedPageDoesNotAppendTheChunksThatWentInBeforeTheDiskFilled() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-log-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=1m") == 0 else {
            print("skipped: mounting a tmpfs needs root (errno \(errno))")
            return
        }
        defer { _ = umount2(directory, Int32(MNT_DETACH)) }
        let spool = try Spool(configuration: .init(directory: directory + "/spool", maxBytes: 64 << 20, segmentBytes: 512 << 10, sinks: ["s"],
                                                   ackPersistIntervalSeconds: 0))
        let log = SpoolRecordLog(spool: spool)
        // 300 records of ~4 KiB: chunks of a quarter MiB, more than the 1 MiB disk holds at once.
        var envelopes: [[UInt8]] = []
        var ids: [String] = []
        for index in 0..<300 {
            var record = AuditRecord()
            record.eventID = "e\(index)"
            record.rawLog = ArraySlice(String(repeating: "x", count: 4000).utf8)
            envelopes.append(RecordEnvelope.make(record))
            ids.append(record.eventID)
        }
        let page = envelopes
        let pageIDs = ids
        await #expect(throws: SpoolError.self) { try await log.append(page, cursor: ("src", "page-1"), seen: ("src", pageIDs)) }
        // The pipeline appends the page again (as `appendRetrying` does: a write that meets the full disk
        // anew, e.g. after a ledger rewrite took the room just freed, throws and the page is offered again)
        // while the sink delivers what is in.
        let retry = Task {
            while true {
                do {
                    return try await log.append(page, cursor: ("src", "page-1"), seen: ("src", pageIDs))
                } catch let error as SpoolError where error.isDiskFull {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        var delivered: [String] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let entries = try spool.readAvailable(sink: "s", maxRecords: 1000, maxBytes: 8 << 20)
            delivered += entries.compactMap { EnvelopeView($0.payload)?.eventID }
            spool.acknowledge(sink: "s", sequences: entries.map(\.sequence))
            if entries.isEmpty {
                if spool.committedCursor(source: "src") == "page-1" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        retry.cancel()
        if case .failure(let error) = await retry.result, !(error is CancellationError) {
            Issue.record("the retried append failed: \(error)")
        }
        #expect(spool.committedCursor(source: "src") == "page-1")
        #expect(delivered.count == 300, "\(delivered.count) records delivered for a page of 300")
        #expect(Set(ids).subtracting(delivered).isEmpty, "events of the page never delivered")
        spool.close()
    }
}
