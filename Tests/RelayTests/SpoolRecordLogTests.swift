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
}
