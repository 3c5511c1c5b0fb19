import Foundation
import Testing

/// Issue #21's simulation: 500 sources, 10 replicas, 50k events/s, random crashes (half of them
/// losing the spool volume), restarts and sink outages over two simulated days, with the real
/// partitioning, mirror gate, state records and takeover rule (see ClusterModel.swift).
@Suite struct ClusterSimulationTests {
    /// `AUDITRELAY_CLUSTER_SIM_SEED` replays another seed.
    static let seed = ProcessInfo.processInfo.environment["AUDITRELAY_CLUSTER_SIM_SEED"].flatMap { UInt64($0) } ?? 20_261_207

    /// `AUDITRELAY_CLUSTER_SIM_DAYS` runs longer (or shorter) than the CI's two days.
    static let days = ProcessInfo.processInfo.environment["AUDITRELAY_CLUSTER_SIM_DAYS"].flatMap(Double.init) ?? 2

    @Test func twoSimulatedDaysOfCrashesLoseNothingAndKeepOwnershipBounded() throws {
        var settings = ClusterSimulation.Settings(seed: Self.seed)
        settings.faultPhase = Int(Self.days * 86_400)
        let started = ContinuousClock.now
        var simulation = try ClusterSimulation(settings)
        let report = simulation.run()
        print("""
            cluster simulation (seed \(Self.seed), \(Self.days) days, \(ContinuousClock.now - started)): \(report.eventsProduced) events, \(report.crashes) crashes \
            (\(report.volumesLost) volumes lost), \(report.rebalanceRounds) rebalance rounds, \(report.takeovers) takeovers; \
            unowned p50 \(report.percentile(0.5)) s, p99 \(report.percentile(0.99)) s, max \(report.longestUnowned) s \
            (bound \(report.unownedBound) s); \(report.rebalanceOverlaps) rebalance overlaps (longest \(report.longestRebalanceOverlap) s); \
            \(report.mirrorWrites) cursors mirrored; duplicates \(report.duplicates) \
            (\(String(format: "%.4f", report.duplicateRatio * 100)) % of deliveries); lost \(report.lost)
            """)
        #expect(report.crashes >= Int(Self.days * 25), "the run must exercise crashes")
        #expect(report.volumesLost >= Int(Self.days * 10))
        #expect(report.eventsProduced == 50_000 * Int64(settings.faultPhase))
        #expect(report.lost == 0, "\(report.sourcesWithLoss) sources lost events")
        #expect(report.mirroredAhead == 0, "a cursor reached the state topic before every sink acknowledged its data")
        #expect(report.mirrorErrors == 0)
        #expect(report.stateWarnings == 0)
        #expect(report.unownedOverBound == 0, "longest unowned period \(report.longestUnowned) s, bound \(report.unownedBound) s")
        #expect(report.doubleOwned == 0, "two replicas owned one source at once")
        #expect(report.overlapOutsideRebalance == 0, "longest overlap \(report.longestRebalanceOverlap) s")
        #expect(report.rebalanceOverlaps > 0, "slow pages must outlast the revocation wait sometimes")
        #expect(report.duplicates > 0, "takeovers from the mirrored cursor fetch some events again")
        #expect(report.maxGatePending > 0)
    }

    /// The assertions can fail: mirroring a cursor before the sinks acknowledged its data loses
    /// events when the old owner's volume is lost; the gate, under the very same faults, does not.
    @Test func mirroringBeforeAcknowledgementIsCaught() throws {
        var settings = ClusterSimulation.Settings(seed: Self.seed)
        settings.faultPhase = 3 * 3_600
        // Loss needs a volume lost while a sink is behind: make both frequent.
        settings.meanSecondsBetweenSinkOutages = 1_800
        settings.meanSecondsBetweenCrashes = 900
        settings.volumeLossProbability = 1
        var broken = settings
        broken.mode = .mirrorBeforeAcknowledgement
        var brokenSimulation = try ClusterSimulation(broken)
        let report = brokenSimulation.run()
        print("cluster simulation, mirroring before acknowledgement: \(report.crashes) crashes, \(report.mirroredAhead) cursors mirrored ahead, \(report.lost) events lost in \(report.sourcesWithLoss) sources")
        #expect(report.mirroredAhead > 0)
        #expect(report.lost > 0)
        var gatedSimulation = try ClusterSimulation(settings)
        let gated = gatedSimulation.run()
        #expect(gated.crashes == report.crashes)
        #expect(gated.mirroredAhead == 0)
        #expect(gated.lost == 0)
    }

    /// The assertions can fail: a replica that keeps polling after revocation is a second owner.
    @Test func pollingAfterRevocationIsCaught() throws {
        var settings = ClusterSimulation.Settings(seed: Self.seed)
        settings.faultPhase = 3 * 3_600
        settings.mode = .pollingContinuesAfterRevocation
        var simulation = try ClusterSimulation(settings)
        let report = simulation.run()
        print("cluster simulation, polling after revocation: \(report.doubleOwned) times two owners, longest overlap \(report.longestRebalanceOverlap) s")
        #expect(report.doubleOwned > 0)
        #expect(report.overlapOutsideRebalance > 0)
    }
}

/// The model's coordinator moves only what must move (cooperative-sticky), so the simulation's
/// rebalances are as small as the real protocol's.
@Suite struct ModelCoordinatorTests {
    func settle(_ coordinator: inout Coordinator, partitions: Int32) {
        for _ in 0..<3 {
            let plan = coordinator.plan(partitionCount: partitions)
            for (partition, member) in plan.revoke { coordinator.revocationDone(member: member, partition: partition) }
            for (partition, member) in plan.assign { coordinator.owner[partition] = member }
        }
    }

    @Test func aJoinMovesOnlyTheNewMembersShareAndAnExpiryOnlyTheLeaversPartitions() {
        var coordinator = Coordinator()
        for replica in 0..<10 { _ = coordinator.join(replica: replica, at: 0) }
        settle(&coordinator, partitions: 128)
        #expect(coordinator.owner.count == 128)
        let before = coordinator.owner

        _ = coordinator.join(replica: 10, at: 1)
        let plan = coordinator.plan(partitionCount: 128)
        #expect(plan.assign.isEmpty)  // nothing is free: revoke first, assign in a later round
        #expect(plan.revoke.count == 128 / 11)
        for (partition, member) in plan.revoke { coordinator.revocationDone(member: member, partition: partition) }
        settle(&coordinator, partitions: 128)
        let joined = (0..<Int32(128)).filter { coordinator.owner[$0] != before[$0] }
        #expect(joined.count == 128 / 11)
        #expect(Set(joined.compactMap { coordinator.owner[$0] }) == [11])

        // Member 3 stops heartbeating: only its partitions move, spread over the others.
        let settled = coordinator.owner
        for member in coordinator.members.keys where member != 3 { coordinator.heartbeat(member: member, at: 50) }
        #expect(coordinator.expire(at: 50, sessionTimeout: 45) == [3])
        settle(&coordinator, partitions: 128)
        let moved = (0..<Int32(128)).filter { coordinator.owner[$0] != settled[$0] }
        #expect(Set(moved) == Set(settled.filter { $0.value == 3 }.keys))
        #expect(coordinator.owner.count == 128)
        #expect(!coordinator.owner.values.contains(3))
    }
}
