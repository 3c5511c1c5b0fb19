import Cluster
import TestHelpers
import Testing

@Suite struct CursorMirrorGateTests {
    @Test func nothingIsReleasedAheadOfTheAcknowledgedSequence() {
        var gate = CursorMirrorGate()
        gate.committed(source: "a", cursor: "a1", throughSequence: 10)
        gate.committed(source: "b", cursor: "b1", throughSequence: 12)
        gate.committed(source: "a", cursor: "a2", throughSequence: 20)
        #expect(gate.pendingCount == 3)
        #expect(gate.release(acknowledgedThrough: 9).isEmpty)
        #expect(gate.release(acknowledgedThrough: 11) == [MirroredCursor(source: "a", cursor: "a1", throughSequence: 10)])
        #expect(gate.pendingCount == 2)
        // Newest per source only: b1 and nothing of a (a2 needs 20).
        #expect(gate.release(acknowledgedThrough: 19) == [MirroredCursor(source: "b", cursor: "b1", throughSequence: 12)])
        #expect(gate.release(acknowledgedThrough: 19).isEmpty)
        #expect(gate.release(acknowledgedThrough: 20) == [MirroredCursor(source: "a", cursor: "a2", throughSequence: 20)])
        #expect(gate.pendingCount == 0)
    }

    @Test func aReleaseGivesTheNewestAcknowledgedCursorPerSource() {
        var gate = CursorMirrorGate()
        for sequence in stride(from: UInt64(1), through: 9, by: 2) {
            gate.committed(source: "a", cursor: "a@\(sequence)", throughSequence: sequence)
            gate.committed(source: "b", cursor: "b@\(sequence + 1)", throughSequence: sequence + 1)
        }
        let released = gate.release(acknowledgedThrough: 7)
        #expect(released.map(\.cursor) == ["b@6", "a@7"])  // in sequence order
        #expect(gate.pendingCount == 3)  // a@9, b@8, b@10
    }

    @Test func whenFullTheNewestPendingEntryIsReplaced() {
        var gate = CursorMirrorGate(maxPendingPerSource: 3)
        for sequence in UInt64(1)...6 { gate.committed(source: "a", cursor: "a@\(sequence * 10)", throughSequence: sequence * 10) }
        #expect(gate.pendingCount == 3)  // a@10, a@20, a@60
        #expect(gate.release(acknowledgedThrough: 59).map(\.cursor) == ["a@20"])  // not a@30..a@50: dropped, not early
        #expect(gate.release(acknowledgedThrough: 60).map(\.cursor) == ["a@60"])
    }

    @Test func aGateOfOneReplacesItsOnlyEntry() {
        var gate = CursorMirrorGate(maxPendingPerSource: 1)
        gate.committed(source: "a", cursor: "a@5", throughSequence: 5)
        gate.committed(source: "a", cursor: "a@8", throughSequence: 8)
        #expect(gate.pendingCount == 1)
        #expect(gate.release(acknowledgedThrough: 7).isEmpty)  // a@5 was replaced by a@8
        #expect(gate.release(acknowledgedThrough: 8).map(\.cursor) == ["a@8"])
        #expect(gate.pendingCount == 0)
    }

    @Test func aCommitWithASmallerSequenceDoesNotLetLaterOnesOutEarly() {
        var gate = CursorMirrorGate()
        gate.committed(source: "a", cursor: "first", throughSequence: 30)
        gate.committed(source: "a", cursor: "second", throughSequence: 20)
        #expect(gate.release(acknowledgedThrough: 25).isEmpty)
        #expect(gate.release(acknowledgedThrough: 30).map(\.cursor) == ["second"])
    }

    @Test func randomCommitsAndReleasesNeverRunAhead() {
        var generator = SeededRandom(seed: 7)
        var gate = CursorMirrorGate(maxPendingPerSource: 4)
        var sequence: UInt64 = 0
        var acknowledged: UInt64 = 0
        var lastReleased: [String: UInt64] = [:]
        for _ in 0..<20_000 {
            if generator.next() % 3 != 0 {
                sequence += 1 + generator.next() % 5
                gate.committed(source: "s\(generator.next() % 20)", cursor: "\(sequence)", throughSequence: sequence)
            } else {
                acknowledged = min(sequence, acknowledged + generator.next() % 12)
                for entry in gate.release(acknowledgedThrough: acknowledged) {
                    #expect(entry.throughSequence <= acknowledged)
                    #expect(entry.throughSequence > lastReleased[entry.source, default: 0])
                    lastReleased[entry.source] = entry.throughSequence
                }
            }
        }
        _ = gate.release(acknowledgedThrough: sequence)
        #expect(gate.pendingCount == 0)
    }
}
