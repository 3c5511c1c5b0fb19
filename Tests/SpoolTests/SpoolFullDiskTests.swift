import Foundation
import Testing
@testable import Spool

/// A real full file system: a 4 MiB tmpfs (needs root / CAP_SYS_ADMIN; skipped with a message otherwise).
@Suite(.serialized) struct SpoolFullDiskTests {
    static let mountPermitted: Bool = {
        let probe = TemporaryDirectory("spool-mount-probe")
        defer { _ = umount2(probe.path, 0) }
        let mounted = mount("tmpfs", probe.path, "tmpfs", 0, "size=64k") == 0
        if !mounted { print("SpoolFullDiskTests skipped: mounting a tmpfs is not permitted (errno \(errno))") }
        return mounted
    }()

    /// Found by scripts/chaos.sh: segments delivered while the disk was full were deleted although `state` (their
    /// cursors and dedupe ids) could not be written, so a source whose last pages were in them lost its cursor
    /// and the restart reported the deleted sequences as corrupt.
    @Test(.enabled(if: mountPermitted, "mounting a tmpfs is not permitted"))
    func segmentsCollectedOnAFullDiskKeepEverySourcesCursor() async throws {
        let directory = TemporaryDirectory("spool-full-state")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=512k") == 0 else {
            Issue.record("mount failed: errno \(errno)")
            return
        }
        defer { _ = umount2(directory.path, Int32(MNT_DETACH)) }
        let config = configuration(directory.spool, maxBytes: 64 << 20, segmentBytes: 64 << 10, sinks: ["kafka"])
        let spool = try Spool(configuration: config)
        var next = 0
        func page(_ source: String) -> (records: [[UInt8]], ids: [String]) {
            defer { next += 8 }
            // Long ids make the dedupe windows, and so `state`, larger than the space a full disk leaves.
            return ((0..<8).map { payload(next + $0, size: 1000) }, (0..<8).map { String(repeating: "i", count: 300) + "\(next + $0)" })
        }
        // Source a's pages end up in sealed segments only; source b fills the disk after them.
        for batch in 0..<20 {
            let (records, ids) = page("a")
            try await spool.append(records, cursor: ("a", "a\(batch)"), seen: ("a", ids))
        }
        var diskFull = false
        for batch in 0..<1000 {
            let (records, ids) = page("b")
            do {
                try await spool.append(records, cursor: ("b", "b\(batch)"), seen: ("b", ids))
            } catch let error as SpoolError {
                diskFull = error.isDiskFull
                break
            }
        }
        #expect(diskFull)
        // Delivering everything lets the sealed segments go while the disk is still full.
        let entries = try drain(spool, sink: "kafka")
        spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
        spool.close()
        let reopened = try Spool(configuration: config)
        defer { reopened.close() }
        #expect(reopened.committedCursor(source: "a") == "a19")
        #expect(reopened.stats.corruptRecordsSkipped == 0)
    }

    /// Found by scripts/chaos.sh: the disk filled with the active segment alone; once it was delivered nothing
    /// deleted it (acknowledgements only collect sealed segments) and a page larger than the space left waited forever.
    @Test(.enabled(if: mountPermitted, "mounting a tmpfs is not permitted"))
    func aFullDiskHeldByTheDeliveredActiveSegmentIsFreedForTheNextPage() async throws {
        let directory = TemporaryDirectory("spool-full-active")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=1m") == 0 else {
            Issue.record("mount failed: errno \(errno)")
            return
        }
        defer { _ = umount2(directory.path, Int32(MNT_DETACH)) }
        // One segment can outgrow the disk: it stays the active one.
        let config = configuration(directory.spool, maxBytes: 64 << 20, segmentBytes: 8 << 20, sinks: ["kafka"])
        let spool = try Spool(configuration: config)
        defer { spool.close() }
        var committed = 0
        do {
            for batch in 0..<1000 {
                try await spool.append((0..<16).map { payload(batch * 16 + $0, size: 1000) }, cursor: ("src", "\(batch)"))
                committed += 16
            }
        } catch let error as SpoolError {
            #expect(error.isDiskFull, "\(error)")
        }
        #expect(segmentFiles(directory.spool).count == 1)
        let entries = try drain(spool, sink: "kafka")
        #expect(entries.count == committed)
        spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
        // A page bigger than what the delivered active segment leaves free.
        let page = (0..<500).map { payload(committed + $0, size: 1000) }
        let appended = Task { try await spool.append(page, cursor: ("src", "big")) }
        let deadline = Date().addingTimeInterval(15)
        while spool.committedCursor(source: "src") != "big" && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(spool.committedCursor(source: "src") == "big", "the page still waits for space the delivered segment holds")
        appended.cancel()
        #expect(try drain(spool, sink: "kafka").count == 500)
        #expect(spool.stats.corruptRecordsSkipped == 0)
    }

    @Test(.enabled(if: mountPermitted, "mounting a tmpfs is not permitted"))
    func diskFullFailsTheBatchThenBlocksLosesNothingAndResumesWhenSpaceReturns() async throws {
        let directory = TemporaryDirectory("spool-full")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=4m") == 0 else {
            Issue.record("mount failed: errno \(errno)")
            return
        }
        defer { _ = umount2(directory.path, Int32(MNT_DETACH)) }
        // maxBytes far above the file system size: the disk fills before the cap.
        let config = configuration(directory.spool, maxBytes: 64 << 20, segmentBytes: 256 << 10, sinks: ["kafka"])
        let spool = try Spool(configuration: config)
        var committed: [UInt64] = []
        var failure: SpoolError?
        for batch in 0..<1000 {
            do {
                let range = try await spool.append((0..<16).map { payload(batch * 16 + $0, size: 1000) },
                                                   cursor: ("src", "\(batch)"))
                committed.append(contentsOf: range.map(Array.init) ?? [])
            } catch let error as SpoolError {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.isDiskFull, "expected disk full, got \(error)")
        #expect(error.description.contains("disk full"))
        #expect(spool.stats.failure != nil)  // not ready
        let lastCursor = spool.committedCursor(source: "src")
        #expect(lastCursor == String(committed.count / 16 - 1))

        // The pipeline's next append blocks (it does not throw, it does not write) while the disk is full.
        let nextBatch = (0..<16).map { payload(committed.count + $0, size: 1000) }
        let blocked = Task { try await spool.append(nextBatch, cursor: ("src", "after")) }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(spool.stats.failure != nil && spool.stats.lastSequence == UInt64(committed.count))

        // Everything whose append returned is readable; delivering it frees the segments, and the blocked
        // append resumes on a fresh descriptor.
        let entries = try drain(spool, sink: "kafka")
        #expect(entries.map(\.sequence) == committed)
        #expect(entries.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1, size: 1000) })
        spool.acknowledge(sink: "kafka", sequences: entries.map(\.sequence))
        #expect(segmentFiles(directory.spool).count <= 1)
        let next = try #require(try await blocked.value)
        #expect(next.lowerBound == UInt64(committed.count) + 1)
        #expect(spool.stats.failure == nil)
        spool.close()

        // A new instance sees the resumed data intact, nothing corrupt, nothing torn left behind.
        let reopened = try Spool(configuration: config)
        defer { reopened.close() }
        #expect(reopened.stats.corruptRecordsSkipped == 0)
        #expect(reopened.committedCursor(source: "src") == "after")
        let after = try drain(reopened, sink: "kafka")
        #expect(after.map(\.sequence) == Array(next))
        #expect(after.allSatisfy { Array($0.payload) == payload(Int($0.sequence) - 1, size: 1000) })
    }

    @Test(.enabled(if: mountPermitted, "mounting a tmpfs is not permitted"))
    func diskFullThenRestartRecoversWithoutResume() async throws {
        let directory = TemporaryDirectory("spool-full-restart")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=2m") == 0 else {
            Issue.record("mount failed: errno \(errno)")
            return
        }
        defer { _ = umount2(directory.path, Int32(MNT_DETACH)) }
        let config = configuration(directory.spool, maxBytes: 64 << 20, segmentBytes: 512 << 10, sinks: ["kafka"])
        var committed: UInt64 = 0
        do {
            let spool = try Spool(configuration: config)
            do {
                for batch in 0..<1000 {
                    // Large batches so the failing write is a partial one.
                    let range = try await spool.append((0..<40).map { payload(batch * 40 + $0, size: 3000) })
                    committed = range?.upperBound ?? committed
                }
            } catch let error as SpoolError {
                #expect(error.isDiskFull)
            }
            // Explicit repair while the disk is still full: the active segment is cut back to its durable length.
            try spool.resume()
            #expect(spool.stats.failure == nil)
            spool.close()
        }
        let reopened = try Spool(configuration: config)
        defer { reopened.close() }
        #expect(reopened.stats.lastSequence == committed)
        let entries = try drain(reopened, sink: "kafka")
        #expect(entries.map(\.sequence) == Array(1...committed))
        #expect(reopened.stats.corruptRecordsSkipped == 0)
    }
}
