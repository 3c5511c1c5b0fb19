import Testing
@testable import Sinks

/// The bookkeeping between delivery reports and waiting batches, without librdkafka.
@Suite struct DeliveryTrackerTests {
    func apply(_ tracker: DeliveryTracker, _ reports: [(UInt64, DeliveryOutcome)]) -> Int {
        let typed = reports.map { (sequence: $0.0, outcome: $0.1, error: Int32($0.1 == .persisted ? 0 : -1)) }
        return typed.withUnsafeBufferPointer { tracker.apply($0) }
    }

    @Test func reportsInAnyOrderCompleteTheirOwnBatch() async {
        let tracker = DeliveryTracker()
        let first = tracker.register([1, 2, 3, 7], generation: 0)
        let second = tracker.register([4, 5, 9], generation: 0)
        #expect(apply(tracker, [(9, .persisted), (2, .persisted), (4, .failed), (7, .persisted), (42, .persisted)]) == 1)
        tracker.complete(batch: first, index: 0, outcome: .tooLargeForProducer, error: 10)
        #expect(apply(tracker, [(5, .persisted)]) == 0)
        let secondResult = await tracker.wait(batch: second)
        #expect(secondResult.outcomes == [.failed, .persisted, .persisted])
        #expect(tracker.inFlight == 1)
        // A report for a sequence already reported is ignored, not double-counted.
        #expect(apply(tracker, [(2, .failed)]) == 0)
        async let waiting = tracker.wait(batch: first)
        #expect(apply(tracker, [(3, .persisted)]) == 0)
        let firstResult = await waiting
        #expect(firstResult.outcomes == [.tooLargeForProducer, .persisted, .persisted, .persisted])
        #expect(firstResult.firstError == -1 || firstResult.firstError == 10)
        #expect(tracker.inFlight == 0)
    }

    @Test func aDeadProducerFailsOnlyItsOwnBatchesKeepingWhatWasPersisted() async {
        let tracker = DeliveryTracker()
        let old = tracker.register([1, 2, 3], generation: 1)
        let new = tracker.register([10, 11], generation: 2)
        _ = apply(tracker, [(1, .persisted)])
        tracker.failGeneration(1, error: -150)
        let result = await tracker.wait(batch: old)
        #expect(result.outcomes == [.persisted, .failed, .failed])
        #expect(result.firstError == -150)
        #expect(tracker.inFlight == 1)
        tracker.abandon(batch: new, error: -152)
        #expect(await tracker.wait(batch: new).outcomes == [.failed, .failed])
        // Reports arriving after a batch gave up match nothing.
        #expect(apply(tracker, [(10, .persisted)]) == 1)
        // A batch registered on a producer that already failed fails at once instead of waiting forever.
        let late = tracker.register([20, 21], generation: 1)
        #expect(await tracker.wait(batch: late).outcomes == [.failed, .failed])
    }

    @Test func batchesAreSortedAndDeduplicatedBeforeTracking() {
        let entries = [5, 3, 3, 9, 1].map { LogEntryFactory.entry($0) }
        #expect(KafkaSink.sortedUnique(entries).map(\.sequence) == [1, 3, 5, 9])
        let sorted = [1, 2, 4].map { LogEntryFactory.entry($0) }
        #expect(KafkaSink.sortedUnique(sorted).map(\.sequence) == [1, 2, 4])
    }
}

import RelayCore

enum LogEntryFactory {
    static func entry(_ sequence: Int) -> LogEntry { LogEntry(sequence: UInt64(sequence), envelope: []) }
}
