import Foundation
import Testing
@testable import Spool

/// The per-source dedupe window is persisted with the batches, survives restarts and segment deletion, and is
/// bounded by count and age.
@Suite struct SpoolDedupeTests {
    @Test func seenIDsSurviveRestartAndSegmentDeletion() async throws {
        let directory = TemporaryDirectory()
        let config = configuration(directory.spool, segmentBytes: 8 << 10, sinks: ["kafka"])
        do {
            let spool = try Spool(configuration: config)
            for page in 0..<20 {
                let ids = (0..<10).map { "evt-\(page * 10 + $0)" }
                try await spool.append((0..<10).map { payload(page * 10 + $0, size: 300) }, cursor: ("okta", "p\(page)"),
                                       seen: ("okta", ids))
            }
            try await spool.recordSeen(source: "duo", eventIDs: ["d-1", "d-2"])
            #expect(spool.isDuplicate(source: "okta", eventID: "evt-5"))
            #expect(!spool.isDuplicate(source: "duo", eventID: "evt-5"))
            spool.close()
        }
        do {
            let spool = try Spool(configuration: config)
            #expect(spool.duplicates(source: "okta", eventIDs: ["evt-0", "evt-199", "evt-200"]) == ["evt-0", "evt-199"])
            #expect(spool.duplicates(source: "duo", eventIDs: ["d-1", "d-3"]) == ["d-1"])
            // Deliver everything: all segments but the active one are deleted, the window moves to `state`.
            let entries = try drain(spool, sink: "kafka")
            spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
            #expect(segmentFiles(directory.spool).count == 1)
            spool.close()
        }
        let spool = try Spool(configuration: config)
        defer { spool.close() }
        #expect(spool.duplicates(source: "okta", eventIDs: (0..<200).map { "evt-\($0)" }).count == 200)
        #expect(spool.isDuplicate(source: "duo", eventID: "d-2"))
        #expect(spool.committedCursor(source: "okta") == "p19")
    }

    @Test func windowIsBoundedByCountAndAge() async throws {
        let directory = TemporaryDirectory()
        let limits = DedupeWindowLimits(maxEntriesPerSource: 100, maxAgeSeconds: 3600)
        let config = configuration(directory.spool, sinks: ["kafka"], dedupe: limits)
        do {
            let spool = try Spool(configuration: config)
            for chunk in 0..<5 { try await spool.recordSeen(source: "okta", eventIDs: (0..<50).map { "e\(chunk * 50 + $0)" }) }
            #expect(spool.duplicates(source: "okta", eventIDs: (0..<250).map { "e\($0)" }) == Set((150..<250).map { "e\($0)" }))
            spool.close()
        }
        do {
            let spool = try Spool(configuration: config)
            #expect(spool.duplicates(source: "okta", eventIDs: (0..<250).map { "e\($0)" }) == Set((150..<250).map { "e\($0)" }))
            #expect(spool.inspect().dedupeWindowSizes["okta"] == 100)
            spool.close()
        }
        let shortLived = configuration(directory.spool, sinks: ["kafka"],
                                       dedupe: DedupeWindowLimits(maxEntriesPerSource: 100, maxAgeSeconds: 2))
        let spool = try Spool(configuration: shortLived)
        defer { spool.close() }
        try await spool.recordSeen(source: "duo", eventIDs: ["fresh"])
        #expect(spool.isDuplicate(source: "duo", eventID: "fresh"))
        // An id's age counts from its batch's write; the fsync after it (and, in this test process,
        // other tests' appends queued on the shared spool thread) must not outlast the window.
        try await Task.sleep(for: .milliseconds(2100))
        #expect(!spool.isDuplicate(source: "duo", eventID: "fresh"))
        #expect(!spool.isDuplicate(source: "okta", eventID: "e200"))
    }
}
