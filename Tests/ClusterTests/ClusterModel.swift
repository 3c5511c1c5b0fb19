import Cluster
import Polling
import RelayCore
import TestHelpers

/// A deterministic, coarse-grained model of cluster mode (one step per simulated second): a model
/// vendor per source, replicas with a durable record log and in-memory poll tasks, a Kafka group
/// coordinator with cooperative-sticky rebalancing, model sinks with random acknowledgement
/// latency, a compacted state topic, and random crashes and restarts. The parts under test are the
/// real ones: `SourcePartitioning`, `CursorMirrorGate`, `StateRecord`, `MirroredStateTable` and
/// `TakeoverRule`; the cursors are real `SourceCursor` JSON.
struct ClusterSimulation {
    struct Settings {
        var seed: UInt64
        var sourceCount = 500
        var replicaCount = 10
        var partitionCount: Int32 = 128
        /// Every source's events per second; the sum is `aggregateEventsPerSecond`.
        var aggregateEventsPerSecond: Int64 = 50_000
        /// Faults happen in [0, faultPhase); then `drainPhase` seconds without faults.
        var faultPhase = 2 * 86_400
        var drainPhase = 1_800
        /// Five minutes (sources default to one): the run's cost is per page, and the properties
        /// checked do not depend on the interval (the unowned bound includes one interval).
        var pollInterval = 300
        var pageSize: Int64 = 50_000
        var maxPagesPerPoll = 10
        /// Most pages take 1-3 s; `slowPageProbability` of them 8-40 s (a slow vendor), longer than
        /// `revocationWait`, so revoked tasks sometimes still finish a page after the handover.
        var slowPageProbability = 0.02
        var sessionTimeout = 45
        var heartbeatInterval = 3
        /// One JoinGroup/SyncGroup round of the coordinator.
        var rebalanceRound = 3
        /// The revocation callback waits at most this long for the current page to end.
        var revocationWait = 10
        /// How long the state reader takes to reach the high watermarks taken at assignment.
        var stateReadDelay = 0...2
        var produceDelay = 0...1
        var meanSecondsBetweenCrashes = 1_800
        var restartDelay = 10...600
        var volumeLossProbability = 0.5
        var sinkCount = 2
        var ackLatency = 0...4
        var meanSecondsBetweenSinkOutages = 4 * 3_600
        var sinkOutage = 60...900
        var maxPendingPerSource = 64
        var mode = Mode.asDesigned
    }

    /// The design, or a deliberately broken variant that the assertions must catch.
    enum Mode {
        case asDesigned
        /// Cursors go to the state topic at commit, before the sinks acknowledged the data.
        case mirrorBeforeAcknowledgement
        /// Revocation does not stop the source's poll task.
        case pollingContinuesAfterRevocation
    }

    struct Report {
        var eventsProduced: Int64 = 0
        var eventsDelivered: Int64 = 0
        var duplicates: Int64 = 0
        var lost: Int64 = 0
        var sourcesWithLoss = 0
        var mirroredAhead = 0
        var mirrorWrites = 0
        var mirrorErrors = 0
        var stateWarnings = 0
        var crashes = 0
        var volumesLost = 0
        var rebalanceRounds = 0
        var takeovers = 0
        var unownedBound = 0
        var longestUnowned = 0
        var unownedOverBound = 0
        var unownedPeriods: [Int] = []
        /// Two replicas both polling a source they own: never allowed.
        var doubleOwned = 0
        /// A revoked task finishing its page while the new owner already polls: inside a rebalance.
        var rebalanceOverlaps = 0
        var longestRebalanceOverlap = 0
        var overlapOutsideRebalance = 0
        var maxGatePending = 0

        var duplicateRatio: Double { eventsDelivered == 0 ? 0 : Double(duplicates) / Double(eventsDelivered) }

        func percentile(_ fraction: Double) -> Int {
            let sorted = unownedPeriods.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        }
    }

    // MARK: The world

    let settings: Settings
    var random: SeededRandom
    /// Crashes and outages draw from their own stream, so every mode sees the same faults.
    var faultRandom: SeededRandom
    var now = 0
    let partitioning: SourcePartitioning
    let sourceIDs: [String]
    let sourceIndex: [String: Int]
    let sourcesOfPartition: [Int32: [Int]]
    let rates: [Int64]
    var replicas: [Replica]
    var coordinator = Coordinator()
    var topic = CompactedTopic()
    /// delivered[sink][source]
    var delivered: [[DeliveredEvents]]
    var sinkDownUntil: [Int]
    var agenda: [Int: [Action]] = [:]
    /// The event position each committed cursor stands for (decoding every mirrored cursor
    /// again would add a third to the run time); entries the gate superseded stay behind.
    var positionOfCursor: [String: Int64] = [:]
    var report = Report()
    /// Tasks polling a source right now (owned, or revoked and finishing a page), per replica.
    var pollers: [[Int: Bool]]
    var unownedSince: [Int?]
    var crashesAtUnownedStart: [Int]
    var overlapSince: [Int?]

    init(_ settings: Settings) throws {
        self.settings = settings
        random = SeededRandom(seed: settings.seed)
        faultRandom = SeededRandom(seed: settings.seed ^ 0xFA17)
        partitioning = try SourcePartitioning(partitionCount: settings.partitionCount)
        sourceIDs = (0..<settings.sourceCount).map { "tenant-\($0)" }
        sourceIndex = Dictionary(uniqueKeysWithValues: sourceIDs.enumerated().map { ($1, $0) })
        var byPartition: [Int32: [Int]] = [:]
        for (index, id) in sourceIDs.enumerated() { byPartition[partitioning.partition(of: id), default: []].append(index) }
        sourcesOfPartition = byPartition
        // Rates vary per source around the mean; pairs cancel, so the sum is exact.
        let mean = settings.aggregateEventsPerSecond / Int64(settings.sourceCount)
        rates = (0..<settings.sourceCount).map { index in
            let spread = Int64(index / 2 % 50)
            return index.isMultiple(of: 2) ? mean + spread : mean - spread
        }
        replicas = (0..<settings.replicaCount).map { _ in Replica(sinkCount: settings.sinkCount, maxPendingPerSource: settings.maxPendingPerSource) }
        delivered = Array(repeating: Array(repeating: DeliveredEvents(), count: settings.sourceCount), count: settings.sinkCount)
        sinkDownUntil = Array(repeating: 0, count: settings.sinkCount)
        pollers = Array(repeating: [:], count: settings.sourceCount)
        unownedSince = Array(repeating: 0, count: settings.sourceCount)
        crashesAtUnownedStart = Array(repeating: 0, count: settings.sourceCount)
        overlapSince = Array(repeating: nil, count: settings.sourceCount)
        // The longest a source may go unpolled after one failure: the owner's crash is noticed
        // after the session timeout, the next round reassigns it (a round already under way may
        // first finish its revocations), the new owner reads the state topic and then polls
        // within one interval.
        report.unownedBound = settings.sessionTimeout + settings.heartbeatInterval + 2 * settings.rebalanceRound
            + settings.revocationWait + settings.stateReadDelay.upperBound + settings.pollInterval
    }

    func produced(_ source: Int, at time: Int) -> Int64 { rates[source] * Int64(time) }

    /// The slowest vendor page, in seconds.
    let longestPage = 40

    // MARK: Running

    mutating func run() -> Report {
        for replica in replicas.indices { start(replica) }
        let end = settings.faultPhase + settings.drainPhase
        while now <= end {
            if now < settings.faultPhase { injectFaults() }
            coordinatorStep()
            for replica in replicas.indices where replicas[replica].alive { deliverAndMirror(replica) }
            // Actions may schedule more for this same second (the next page, a takeover's poll).
            while let actions = agenda.removeValue(forKey: now) {
                for action in actions { perform(action) }
            }
            now += 1
        }
        finish()
        return report
    }

    mutating func injectFaults() {
        if chance(1.0 / Double(settings.meanSecondsBetweenCrashes), fault: true) {
            let alive = replicas.indices.filter { replicas[$0].alive }
            if !alive.isEmpty { crash(alive[Int(faultRandom.next() % UInt64(alive.count))]) }
        }
        for sink in 0..<settings.sinkCount where sinkDownUntil[sink] <= now {
            if chance(1.0 / Double(settings.meanSecondsBetweenSinkOutages), fault: true) {
                sinkDownUntil[sink] = now + draw(settings.sinkOutage, fault: true)
            }
        }
    }

    mutating func finish() {
        // Every event the vendor had when the faults stopped must have reached every sink.
        let horizon = settings.faultPhase
        for source in 0..<settings.sourceCount {
            let wanted = produced(source, at: horizon)
            report.eventsProduced += wanted
            var missingHere: Int64 = 0
            for sink in 0..<settings.sinkCount { missingHere += delivered[sink][source].missing(through: wanted) }
            report.lost += missingHere
            if missingHere > 0 { report.sourcesWithLoss += 1 }
        }
        for source in 0..<settings.sourceCount {
            if let since = unownedSince[source] { closeUnowned(source, since: since) }
        }
    }

    // MARK: Replicas

    mutating func start(_ index: Int) {
        replicas[index].alive = true
        replicas[index].incarnation += 1
        let member = coordinator.join(replica: index, at: now)
        replicas[index].memberID = member
        // Batches the spool still holds are sent again (their acknowledgements were never stored).
        for sink in 0..<settings.sinkCount {
            for position in replicas[index].log.unacknowledged[sink].indices {
                replicas[index].log.unacknowledged[sink][position].ackAt = now + draw(settings.ackLatency)
            }
        }
        schedule(.heartbeat(replica: index, incarnation: replicas[index].incarnation), at: now)
        scheduleRound(at: now + settings.rebalanceRound)
    }

    mutating func crash(_ index: Int) {
        report.crashes += 1
        let loseVolume = chance(settings.volumeLossProbability, fault: true)
        if loseVolume { report.volumesLost += 1 }
        let polled = replicas[index].tasks.keys
        replicas[index].crash(loseVolume: loseVolume, sinkCount: settings.sinkCount, maxPendingPerSource: settings.maxPendingPerSource)
        for source in polled { stopPolling(source, on: index) }
        schedule(.restart(replica: index), at: now + draw(settings.restartDelay, fault: true))
    }

    mutating func perform(_ action: Action) {
        switch action {
        case .restart(let replica):
            if !replicas[replica].alive { start(replica) }
        case .heartbeat(let replica, let incarnation):
            guard replicas[replica].alive, replicas[replica].incarnation == incarnation, let member = replicas[replica].memberID else { return }
            coordinator.heartbeat(member: member, at: now)
            schedule(.heartbeat(replica: replica, incarnation: incarnation), at: now + settings.heartbeatInterval)
        case .startSources(let replica, let incarnation, let partition):
            guard replicas[replica].alive, replicas[replica].incarnation == incarnation,
                  replicas[replica].ownedPartitions.contains(partition) else { return }
            takeOver(partition, on: replica)
        case .poll(let replica, let incarnation, let source):
            guard replicas[replica].alive, replicas[replica].incarnation == incarnation else { return }
            poll(source, on: replica)
        case .pageDone(let replica, let incarnation, let source):
            guard replicas[replica].alive, replicas[replica].incarnation == incarnation else { return }
            pageDone(source, on: replica)
        case .revocationDone(let member, let partition):
            coordinator.revocationDone(member: member, partition: partition)
            scheduleRound(at: now + settings.rebalanceRound)
        case .produce(let replica, let incarnation, let entries):
            guard replicas[replica].alive, replicas[replica].incarnation == incarnation else { return }  // lost with the process
            for entry in entries { writeState(entry) }
        }
    }

    /// The takeover rule: the state reader first reaches the high watermarks taken at assignment
    /// (the action was scheduled after the read delay), then the source starts from the mirrored
    /// cursor, else the local spool's, else a fresh backfill (from the vendor's first event).
    mutating func takeOver(_ partition: Int32, on index: Int) {
        let sources = sourcesOfPartition[partition] ?? []
        report.stateWarnings += replicas[index].readState(of: sources.map { sourceIDs[$0] }, from: topic)
        for source in sources {
            if replicas[index].tasks[source] != nil {
                // Assigned back while its revoked task still finishes a page: the task carries on.
                replicas[index].tasks[source]?.owned = true
                continue
            }
            let id = sourceIDs[source]
            let cursor = TakeoverRule.startingCursor(mirrored: replicas[index].stateTable.cursor(source: id),
                                                     local: replicas[index].log.committedCursor[source])
            let position = cursor.flatMap(ModelCursor.position) ?? 0
            replicas[index].tasks[source] = PollTask(owned: true, position: position)
            report.takeovers += 1
            startPolling(source, on: index)
            schedule(.poll(replica: index, incarnation: replicas[index].incarnation, source: source), at: now)
        }
    }

    mutating func poll(_ source: Int, on index: Int) {
        guard var task = replicas[index].tasks[source], task.pageEndsAt == nil else { return }
        // A task checks ownership before each page.
        guard task.owned else {
            replicas[index].tasks[source] = nil
            stopPolling(source, on: index)
            return
        }
        let available = produced(source, at: now)
        guard available > task.position else {
            schedule(.poll(replica: index, incarnation: replicas[index].incarnation, source: source), at: now + settings.pollInterval)
            return
        }
        task.page = (task.position + 1)...min(available, task.position + settings.pageSize)
        let duration = chance(settings.slowPageProbability) ? draw(8...longestPage) : draw(1...3)
        task.pageEndsAt = now + duration
        task.pagesThisPoll += 1
        replicas[index].tasks[source] = task
        schedule(.pageDone(replica: index, incarnation: replicas[index].incarnation, source: source), at: now + duration)
    }

    mutating func pageDone(_ source: Int, on index: Int) {
        guard var task = replicas[index].tasks[source], let page = task.page else { return }
        // The page is appended to the spool together with its cursor (one atomic commit).
        let cursor = ModelCursor.encode(source: sourceIDs[source], position: page.upperBound, time: now)
        positionOfCursor[cursor] = page.upperBound
        let ackAt = (0..<settings.sinkCount).map { _ in now + draw(settings.ackLatency) }
        let through = replicas[index].log.append(source: source, events: page, cursor: cursor, ackAt: ackAt)
        switch settings.mode {
        case .mirrorBeforeAcknowledgement:
            schedule(.produce(replica: index, incarnation: replicas[index].incarnation,
                              entries: [MirroredCursor(source: sourceIDs[source], cursor: cursor, throughSequence: through)]),
                     at: now + draw(settings.produceDelay))
        case .asDesigned, .pollingContinuesAfterRevocation:
            replicas[index].gate.committed(source: sourceIDs[source], cursor: cursor, throughSequence: through)
            report.maxGatePending = max(report.maxGatePending, replicas[index].gate.pendingCount)
        }
        task.position = page.upperBound
        task.page = nil
        task.pageEndsAt = nil
        guard task.owned else {
            // Revoked while this page was in flight: the page is delivered, the task ends.
            replicas[index].tasks[source] = nil
            stopPolling(source, on: index)
            return
        }
        // The vendor says there is a next page only when this one was full.
        let more = Int64(page.count) == settings.pageSize && task.pagesThisPoll < settings.maxPagesPerPoll
        if !more { task.pagesThisPoll = 0 }
        replicas[index].tasks[source] = task
        schedule(.poll(replica: index, incarnation: replicas[index].incarnation, source: source),
                 at: more ? now : now + settings.pollInterval)
    }

    /// Sinks acknowledge what is due; cursors whose records every sink acknowledged leave the gate.
    mutating func deliverAndMirror(_ index: Int) {
        var advanced = false
        for sink in 0..<settings.sinkCount where sinkDownUntil[sink] <= now {
            while let batch = replicas[index].log.nextDue(sink: sink, now: now) {
                report.eventsDelivered += batch.events.upperBound - batch.events.lowerBound + 1
                report.duplicates += delivered[sink][batch.source].insert(batch.events)
                advanced = true
            }
        }
        guard advanced, settings.mode != .mirrorBeforeAcknowledgement else { return }
        let acknowledged = replicas[index].log.acknowledgedByEverySink(sinkCount: settings.sinkCount)
        let released = replicas[index].gate.release(acknowledgedThrough: acknowledged)
        if !released.isEmpty {
            schedule(.produce(replica: index, incarnation: replicas[index].incarnation, entries: released), at: now + draw(settings.produceDelay))
        }
    }

    /// A state writer's produce reached the topic: the cursor's position must not be ahead of
    /// what every sink has of that source.
    mutating func writeState(_ entry: MirroredCursor) {
        // A cursor's text includes its position, so the same text (two replicas at the same
        // second) means the same position; only a text already taken is decoded again.
        guard let source = sourceIndex[entry.source],
              let position = positionOfCursor.removeValue(forKey: entry.cursor) ?? ModelCursor.position(entry.cursor),
              let records = try? StateRecord.records(source: entry.source, cursor: entry.cursor) else {
            report.mirrorErrors += 1
            return
        }
        report.mirrorWrites += 1
        let deliveredEverywhere = (0..<settings.sinkCount).map { delivered[$0][source].contiguousThrough }.min() ?? 0
        if position > deliveredEverywhere { report.mirroredAhead += 1 }
        for record in records { topic.write(source: entry.source, key: record.key, value: record.value) }
    }

    // MARK: The group coordinator

    mutating func scheduleRound(at time: Int) {
        if let pending = coordinator.nextRound, pending <= time { return }
        coordinator.nextRound = time
    }

    mutating func coordinatorStep() {
        if !coordinator.expire(at: now, sessionTimeout: settings.sessionTimeout).isEmpty {
            scheduleRound(at: now + settings.rebalanceRound)
        }
        guard let round = coordinator.nextRound, round <= now else { return }
        coordinator.nextRound = nil
        report.rebalanceRounds += 1
        let plan = coordinator.plan(partitionCount: settings.partitionCount)
        for (partition, member) in plan.revoke {
            guard let replica = coordinator.members[member]?.replica else { continue }
            let done = revoke(partition, on: replica, member: member)
            schedule(.revocationDone(member: member, partition: partition), at: done)
        }
        for (partition, member) in plan.assign {
            coordinator.owner[partition] = member
            guard let replica = coordinator.members[member]?.replica, replicas[replica].alive,
                  replicas[replica].memberID == member else { continue }  // assigned to a member that died
            replicas[replica].ownedPartitions.insert(partition)
            schedule(.startSources(replica: replica, incarnation: replicas[replica].incarnation, partition: partition),
                     at: now + draw(settings.stateReadDelay))
        }
    }

    /// The rebalance callback on the old owner: its sources are marked not owned and it waits
    /// (bounded) until their tasks finished the current page. Returns when the callback returns.
    mutating func revoke(_ partition: Int32, on index: Int, member: Int) -> Int {
        guard replicas[index].alive, replicas[index].memberID == member else { return now }
        replicas[index].ownedPartitions.remove(partition)
        if settings.mode == .pollingContinuesAfterRevocation { return now }
        var lastPageEnd = now
        for source in sourcesOfPartition[partition] ?? [] {
            guard var task = replicas[index].tasks[source] else { continue }
            task.owned = false
            if let end = task.pageEndsAt {
                replicas[index].tasks[source] = task
                lastPageEnd = max(lastPageEnd, end)
            } else {
                replicas[index].tasks[source] = nil
                stopPolling(source, on: index)
            }
        }
        return min(lastPageEnd, now + settings.revocationWait)
    }

    // MARK: Ownership bookkeeping

    mutating func startPolling(_ source: Int, on index: Int) {
        if pollers[source].isEmpty, let since = unownedSince[source] {
            closeUnowned(source, since: since)
            unownedSince[source] = nil
        }
        pollers[source][index] = true
        noteOverlap(source)
    }

    mutating func stopPolling(_ source: Int, on index: Int) {
        pollers[source][index] = nil
        noteOverlap(source)
        if pollers[source].isEmpty {
            unownedSince[source] = now
            crashesAtUnownedStart[source] = report.crashes
        }
    }

    mutating func closeUnowned(_ source: Int, since: Int) {
        let period = now - since
        report.unownedPeriods.append(period)
        report.longestUnowned = max(report.longestUnowned, period)
        // Each further crash while the source waits can cost one more detection and round (the
        // source may have been assigned to the replica that crashed next).
        let laterCrashes = report.crashes - crashesAtUnownedStart[source]
        if period > report.unownedBound * (1 + laterCrashes) { report.unownedOverBound += 1 }
    }

    /// Watches sources with more than one poller: two owners is a violation; an owner plus a
    /// revoked task finishing its page is the rebalance overlap the design allows, and it ends
    /// when that page does.
    mutating func noteOverlap(_ source: Int) {
        let polling = pollers[source].keys.compactMap { replicas[$0].tasks[source] }
        if polling.filter(\.owned).count > 1 { report.doubleOwned += 1 }
        if polling.count > 1, overlapSince[source] == nil {
            overlapSince[source] = now
        } else if polling.count <= 1, let since = overlapSince[source] {
            overlapSince[source] = nil
            let length = now - since
            report.rebalanceOverlaps += 1
            report.longestRebalanceOverlap = max(report.longestRebalanceOverlap, length)
            if length > longestPage - settings.revocationWait { report.overlapOutsideRebalance += 1 }
        }
    }

    // MARK: Helpers

    mutating func schedule(_ action: Action, at time: Int) { agenda[time, default: []].append(action) }

    mutating func chance(_ probability: Double, fault: Bool = false) -> Bool {
        let bits = fault ? faultRandom.next() : random.next()
        return Double(bits >> 11) / Double(1 << 53) < probability
    }

    mutating func draw(_ range: ClosedRange<Int>, fault: Bool = false) -> Int {
        let bits = fault ? faultRandom.next() : random.next()
        return range.lowerBound + Int(bits % UInt64(range.upperBound - range.lowerBound + 1))
    }
}

enum Action {
    case restart(replica: Int)
    case heartbeat(replica: Int, incarnation: Int)
    case startSources(replica: Int, incarnation: Int, partition: Int32)
    case poll(replica: Int, incarnation: Int, source: Int)
    case pageDone(replica: Int, incarnation: Int, source: Int)
    case revocationDone(member: Int, partition: Int32)
    case produce(replica: Int, incarnation: Int, entries: [MirroredCursor])
}

struct PollTask {
    /// False once revoked: the task finishes its current page and ends.
    var owned: Bool
    /// The last event fetched (what the task's in-memory cursor says).
    var position: Int64
    var page: ClosedRange<Int64>?
    var pageEndsAt: Int?
    var pagesThisPoll = 0
}

/// One replica: its volume (the record log) survives a crash unless the volume is lost; the rest
/// is process memory.
struct Replica {
    var alive = false
    var incarnation = 0
    var memberID: Int?
    var log: ModelLog
    var gate: CursorMirrorGate
    var stateTable = MirroredStateTable()
    /// Per state-topic key, the offset of the record this replica's table last applied.
    var appliedOffset: [[UInt8]: Int] = [:]
    var tasks: [Int: PollTask] = [:]
    var ownedPartitions: Set<Int32> = []

    init(sinkCount: Int, maxPendingPerSource: Int) {
        log = ModelLog(sinkCount: sinkCount)
        gate = CursorMirrorGate(maxPendingPerSource: maxPendingPerSource)
    }

    mutating func crash(loseVolume: Bool, sinkCount: Int, maxPendingPerSource: Int) {
        alive = false
        memberID = nil
        gate = CursorMirrorGate(maxPendingPerSource: maxPendingPerSource)
        stateTable = MirroredStateTable()
        appliedOffset = [:]
        tasks = [:]
        ownedPartitions = []
        if loseVolume { log = ModelLog(sinkCount: sinkCount) }
    }

    /// Brings the table up to the topic's end for these sources: the records their keys got since
    /// this replica last applied them. (A real reader consumes every key all along; the records of
    /// other sources cannot change these sources' cursors, so the model reads lazily.) Returns the
    /// number of warnings.
    mutating func readState(of sources: [String], from topic: CompactedTopic) -> Int {
        var warnings = 0
        for source in sources {
            for key in topic.keys(of: source) {
                guard let record = topic.latest[key], record.offset > appliedOffset[key, default: -1] else { continue }
                appliedOffset[key] = record.offset
                if stateTable.apply(key: key, value: record.value) != nil { warnings += 1 }
            }
        }
        return warnings
    }
}

/// A replica's spool as far as the cluster cares: sequence numbers per event, the batches each
/// sink has not acknowledged yet (acknowledged in order, the contiguous watermark), and each
/// source's last committed cursor.
struct ModelLog {
    struct Batch {
        var source: Int
        var events: ClosedRange<Int64>
        var lastSequence: UInt64
        var ackAt: Int
    }

    var lastSequence: UInt64 = 0
    var unacknowledged: [[Batch]]
    var heads: [Int]
    var committedCursor: [Int: String] = [:]

    init(sinkCount: Int) {
        unacknowledged = Array(repeating: [], count: sinkCount)
        heads = Array(repeating: 0, count: sinkCount)
    }

    mutating func append(source: Int, events: ClosedRange<Int64>, cursor: String, ackAt: [Int]) -> UInt64 {
        lastSequence += UInt64(events.upperBound - events.lowerBound + 1)
        for sink in unacknowledged.indices {
            unacknowledged[sink].append(Batch(source: source, events: events, lastSequence: lastSequence, ackAt: ackAt[sink]))
        }
        committedCursor[source] = cursor
        return lastSequence
    }

    mutating func nextDue(sink: Int, now: Int) -> Batch? {
        guard heads[sink] < unacknowledged[sink].count, unacknowledged[sink][heads[sink]].ackAt <= now else { return nil }
        let batch = unacknowledged[sink][heads[sink]]
        heads[sink] += 1
        if heads[sink] > 1_024 {
            unacknowledged[sink].removeFirst(heads[sink])
            heads[sink] = 0
        }
        return batch
    }

    /// Min over sinks of the contiguous acknowledged watermark.
    func acknowledgedByEverySink(sinkCount: Int) -> UInt64 {
        (0..<sinkCount).map { sink in
            heads[sink] < unacknowledged[sink].count
                ? unacknowledged[sink][heads[sink]].lastSequence - UInt64(unacknowledged[sink][heads[sink]].events.count)
                : lastSequence
        }.min() ?? lastSequence
    }
}

/// Cooperative-sticky group membership: rounds move only the partitions that must move; a
/// partition taken from a live member is first revoked (its callback returns), then assigned in
/// a later round.
struct Coordinator {
    struct Member {
        var replica: Int
        var lastHeartbeat: Int
    }

    var members: [Int: Member] = [:]
    var nextMemberID = 0
    var owner: [Int32: Int] = [:]
    var revoking: [Int32: Int] = [:]
    var nextRound: Int?

    mutating func join(replica: Int, at time: Int) -> Int {
        nextMemberID += 1
        members[nextMemberID] = Member(replica: replica, lastHeartbeat: time)
        return nextMemberID
    }

    mutating func heartbeat(member: Int, at time: Int) { members[member]?.lastHeartbeat = time }

    /// Members whose session timed out leave the group; their partitions become free.
    mutating func expire(at time: Int, sessionTimeout: Int) -> [Int] {
        let expired = members.filter { time - $0.value.lastHeartbeat >= sessionTimeout }.map(\.key)
        for member in expired {
            members[member] = nil
            owner = owner.filter { $0.value != member }
            revoking = revoking.filter { $0.value != member }
        }
        return expired
    }

    mutating func revocationDone(member: Int, partition: Int32) {
        guard revoking[partition] == member else { return }
        revoking[partition] = nil
        if owner[partition] == member { owner[partition] = nil }
    }

    /// One round: every member's fair share (sticky: members keep what they have up to their
    /// share), surplus revoked, free partitions assigned to members below their share.
    mutating func plan(partitionCount: Int32) -> (revoke: [(Int32, Int)], assign: [(Int32, Int)]) {
        let ids = members.keys.sorted()
        guard !ids.isEmpty else { return ([], []) }
        var held: [Int: [Int32]] = [:]
        for (partition, member) in owner where members[member] != nil && revoking[partition] == nil {
            held[member, default: []].append(partition)
        }
        // The members holding the most get the larger shares: fewest moves.
        let ranked = ids.sorted { (held[$0]?.count ?? 0, -$0) > (held[$1]?.count ?? 0, -$1) }
        let base = Int(partitionCount) / ids.count, extra = Int(partitionCount) % ids.count
        var share: [Int: Int] = [:]
        for (rank, member) in ranked.enumerated() { share[member] = base + (rank < extra ? 1 : 0) }
        var revoke: [(Int32, Int)] = []
        for member in ids {
            let partitions = (held[member] ?? []).sorted()
            let keep = (share[member] ?? 0)
            for partition in partitions.dropFirst(keep) {
                revoking[partition] = member
                revoke.append((partition, member))
            }
        }
        var free = (0..<partitionCount).filter { owner[$0] == nil && revoking[$0] == nil }
        var assign: [(Int32, Int)] = []
        for member in ids {
            var count = held[member]?.count ?? 0
            while count < (share[member] ?? 0), !free.isEmpty {
                assign.append((free.removeFirst(), member))
                count += 1
            }
        }
        return (revoke, assign)
    }
}

/// The state topic, compacted: the latest value of each key, with the offset it was written at
/// (a reader that is behind sees only the latest value of a key: the same end state as reading
/// every record), and each source's keys.
struct CompactedTopic {
    var latest: [[UInt8]: (offset: Int, value: [UInt8]?)] = [:]
    var keysOfSource: [String: Set<[UInt8]>] = [:]
    var nextOffset = 0

    mutating func write(source: String, key: [UInt8], value: [UInt8]?) {
        if latest.updateValue((nextOffset, value), forKey: key) == nil { keysOfSource[source, default: []].insert(key) }
        nextOffset += 1
    }

    func keys(of source: String) -> [[UInt8]] {
        (keysOfSource[source] ?? []).sorted { latest[$0]?.offset ?? 0 < latest[$1]?.offset ?? 0 }
    }
}

/// Which of a source's events (numbered from 1) a sink has: everything through
/// `contiguousThrough`, plus sorted disjoint ranges beyond it.
struct DeliveredEvents {
    var contiguousThrough: Int64 = 0
    var beyond: [ClosedRange<Int64>] = []

    /// Adds a delivery; returns how many of its events the sink already had.
    mutating func insert(_ events: ClosedRange<Int64>) -> Int64 {
        if events.lowerBound == contiguousThrough + 1, beyond.isEmpty {
            contiguousThrough = events.upperBound  // the usual case: the next events in order
            return 0
        }
        var duplicates: Int64 = 0
        var fresh = events
        if fresh.lowerBound <= contiguousThrough {
            duplicates += min(fresh.upperBound, contiguousThrough) - fresh.lowerBound + 1
            guard fresh.upperBound > contiguousThrough else { return duplicates }
            fresh = (contiguousThrough + 1)...fresh.upperBound
        }
        for range in beyond where range.overlaps(fresh) {
            duplicates += min(range.upperBound, fresh.upperBound) - max(range.lowerBound, fresh.lowerBound) + 1
        }
        // Merge `fresh` with every range it touches.
        var merged = fresh
        var kept: [ClosedRange<Int64>] = []
        for range in beyond {
            if range.upperBound + 1 >= merged.lowerBound, merged.upperBound + 1 >= range.lowerBound {
                merged = min(range.lowerBound, merged.lowerBound)...max(range.upperBound, merged.upperBound)
            } else {
                kept.append(range)
            }
        }
        kept.append(merged)
        kept.sort { $0.lowerBound < $1.lowerBound }
        while let first = kept.first, first.lowerBound <= contiguousThrough + 1 {
            contiguousThrough = max(contiguousThrough, first.upperBound)
            kept.removeFirst()
        }
        beyond = kept
        return duplicates
    }

    func missing(through last: Int64) -> Int64 {
        guard last > contiguousThrough else { return 0 }
        var have: Int64 = 0
        for range in beyond where range.lowerBound <= last { have += min(range.upperBound, last) - range.lowerBound + 1 }
        return last - contiguousThrough - have
    }
}

/// The model vendor's cursor, as a real polling-kit `SourceCursor`: one stream whose resumable
/// position is the last event's number; every tenth source also carries a sealed credential.
enum ModelCursor {
    static let stream = "audit"

    static func encode(source: String, position: Int64, time: Int) -> String {
        let state = PollState(since: Timestamp(seconds: Int64(time)), position: String(position))
        let sealed = source.hasSuffix("0") ? "c2VhbGVk-\(source)" : nil
        return SourceCursor(streams: [stream: state], sealedCredential: sealed).encoded
    }

    static func position(_ cursor: String) -> Int64? {
        SourceCursor(decoding: cursor, defaultStream: stream)?.streams[stream]?.position.flatMap { Int64($0) }
    }
}
