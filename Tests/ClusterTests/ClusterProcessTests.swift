import Foundation
import Polling
import RelayCore
import TestHelpers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Cluster mode with real processes: `auditrelay run` replicas sharing 30 Okta sources through a
/// consumer group on the librdkafka mock cluster (TCP), one Okta look-alike serving every source.
/// Each replica polls with its own token per source (`tok-<replica>/<source>`), so the look-alike's
/// request log says which replica polled which source when.
@Suite(.serialized) struct ClusterProcessTests {
    @Test
    func threeReplicasPollEverySourceOnceAtATime() async throws {
        let rig = try Rig(events: 100)
        defer { rig.stop() }
        for replica in 1...3 { try rig.startReplica(replica) }
        try await rig.waitUntilEverythingInKafka(seconds: 120)
        try await rig.waitUntilSettled(replicas: ["r1", "r2", "r3"])
        try await rig.vendor.addEvents(50)
        try await rig.waitUntilEverythingInKafka(seconds: 60)

        let polls = try await rig.polls()
        let runs = Rig.ownershipRuns(polls)
        let overlaps = Rig.overlaps(runs)
        #expect(overlaps.isEmpty, "two replicas polled one source at once: \(overlaps)")
        let owners = Rig.finalOwners(runs)
        #expect(owners.count == Rig.sourceCount)
        let shares = Dictionary(grouping: owners, by: \.value).mapValues(\.count)
        #expect(Set(shares.keys) == ["r1", "r2", "r3"], "every replica owns sources: \(shares)")
        let (total, distinct) = try rig.kafkaCounts()
        print("cluster 3 replicas: \(polls.count) polls, shares \(shares.sorted { $0.key < $1.key }), ownership changes \(runs.values.map { $0.count - 1 }.reduce(0, +)), overlaps \(overlaps.count), \(total) records in Kafka, \(total - distinct) duplicates")
        var ownedTotal = 0.0
        for replica in 1...3 {
            let log = try rig.log(replica)
            #expect(log.contains("cluster: sources assigned"), "r\(replica) logged its assignment")
            #expect(!log.contains("tok-r"), "no token in r\(replica)'s log")
            let metrics = try await rig.metrics(replica)
            ownedTotal += Rig.metric("auditrelay_cluster_owned_sources", in: metrics) ?? 0
            #expect((Rig.metric("auditrelay_cluster_mirror_published_total", in: metrics) ?? 0) > 0, "r\(replica) mirrored cursors")
            #expect(Rig.metric("auditrelay_cluster_mirror_pending", in: metrics) != nil)
            #expect((Rig.metric("auditrelay_cluster_rebalances_total", in: metrics) ?? 0) >= 1)
        }
        #expect(ownedTotal == Double(Rig.sourceCount), "the owned-sources gauges add up to every source")
    }

    @Test
    func sigkilledReplicasSourcesAreTakenOver() async throws {
        let rig = try Rig(events: 100)
        defer { rig.stop() }
        for replica in 1...3 { try rig.startReplica(replica) }
        try await rig.waitUntilEverythingInKafka(seconds: 120)
        try await rig.waitUntilSettled(replicas: ["r1", "r2", "r3"])
        let owners = Rig.finalOwners(Rig.ownershipRuns(try await rig.polls()))
        let victimSources = Set(owners.filter { $0.value == "r2" }.map(\.key))
        #expect(!victimSources.isEmpty)

        // Under load: new events keep arriving before, during and after the kill.
        let load = rig.startLoad()
        defer { load.cancel() }
        try await Task.sleep(for: .seconds(2))
        let killedAt = Date().timeIntervalSince1970
        rig.kill(2, signal: SIGKILL)
        var takeover: [String: Double] = [:]
        try await waitUntil(seconds: 60, "every source of the killed replica polled by another") {
            let polls = try await rig.polls()
            for poll in polls where victimSources.contains(poll.source) && poll.replica != "r2" && poll.start > killedAt {
                takeover[poll.source] = min(takeover[poll.source] ?? .infinity, poll.start - killedAt)
            }
            return takeover.count == victimSources.count
        }
        try await Task.sleep(for: .seconds(2))
        load.cancel()
        _ = await load.result
        try await rig.waitUntilEverythingInKafka(seconds: 90)
        let slowest = takeover.values.max() ?? 0
        let (total, distinct) = try rig.kafkaCounts()
        print("cluster SIGKILL at \(killedAt): takeover per source \(takeover.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value))" })")
        print("cluster SIGKILL: \(victimSources.count) sources taken over in \(String(format: "%.1f", takeover.values.min() ?? 0))–\(String(format: "%.1f", slowest)) s (session timeout \(Rig.sessionTimeout) s, interval 1 s); \(total) records in Kafka, \(total - distinct) duplicates, 0 missing")
        // The session timeout, then the mock coordinator: it checks sessions once a second and each
        // rebalance round waits session timeout − 1 s for the survivors to rejoin (a real broker
        // completes a round once every live member rejoined, one heartbeat later); cooperative-sticky
        // may take two rounds to place every orphaned partition. Then the state catch-up (0.2 s here,
        // 2 s allowed), one poll interval, and 2 s for a loaded machine.
        let bound = Rig.sessionTimeout + 1 + 2 * (Rig.sessionTimeout - 1) + 2 + 1 + 2
        #expect(slowest <= bound, "takeover took \(slowest) s (bound \(bound) s)")
    }

    @Test
    func allBrokersDownLosesNothing() async throws {
        let rig = try Rig(events: 100)
        defer { rig.stop() }
        for replica in 1...3 { try rig.startReplica(replica) }
        try await rig.waitUntilEverythingInKafka(seconds: 120)
        try await rig.waitUntilSettled(replicas: ["r1", "r2", "r3"])
        let load = rig.startLoad()
        defer { load.cancel() }
        // Longer than the session timeout: every replica's assignment is lost and polling stops.
        try rig.cluster.command("down -1")
        let downAt = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(Rig.sessionTimeout + 6))
        let lastPollWhileDown = try await rig.polls().filter { $0.start > downAt }.map(\.end).max() ?? downAt
        try rig.cluster.command("up -1")
        let upAt = Date().timeIntervalSince1970
        try await waitUntil(seconds: 60, "every source polled again after the brokers returned") {
            Set(try await rig.polls().filter { $0.start > upAt }.map(\.source)).count == Rig.sourceCount
        }
        // The slowest source's first poll after the brokers returned.
        let firstPolls = Dictionary(try await rig.polls().filter { $0.start > upAt }.map { ($0.source, $0.start) }, uniquingKeysWith: min)
        let resumed = (firstPolls.values.max() ?? upAt) - upAt
        load.cancel()
        _ = await load.result
        try await rig.waitUntilEverythingInKafka(seconds: 120)
        let (total, distinct) = try rig.kafkaCounts()
        print("cluster brokers down \(Int(Rig.sessionTimeout + 6)) s: polling stopped \(String(format: "%.1f", lastPollWhileDown - downAt)) s after the outage began, every source polled again within \(String(format: "%.1f", resumed)) s of the brokers' return; \(distinct) distinct records, \(total - distinct) duplicates, 0 missing")
        #expect(lastPollWhileDown - downAt <= Rig.sessionTimeout + 3, "no replica polls long after it lost its assignment")
    }

    @Test
    func scaleOneToThreeToOneUnderLoadLosesNothing() async throws {
        let rig = try Rig(events: 100)
        defer { rig.stop() }
        try rig.startReplica(1)
        try await rig.waitUntilEverythingInKafka(seconds: 120)
        let load = rig.startLoad()
        defer { load.cancel() }
        let scaledUpAt = Date().timeIntervalSince1970
        try rig.startReplica(2)
        try rig.startReplica(3)
        try await waitUntil(seconds: 60, "the new replicas poll sources") {
            let replicas = Set(try await rig.polls().filter { $0.start > scaledUpAt }.map(\.replica))
            return replicas.isSuperset(of: ["r2", "r3"])
        }
        try await rig.waitUntilSettled(replicas: ["r1", "r2", "r3"])
        let scaledDownAt = Date().timeIntervalSince1970
        rig.kill(2, signal: SIGTERM)
        rig.kill(3, signal: SIGTERM)
        for replica in [2, 3] {
            let status = try await rig.waitForExit(replica, seconds: 45)
            let log = (try? rig.log(replica)) ?? ""
            #expect(status == 0, "r\(replica) exits 0 after SIGTERM: \(log.suffix(2000))")
        }
        try await waitUntil(seconds: 60, "r1 polls every source again") {
            Set(try await rig.polls().filter { $0.start > scaledDownAt && $0.replica == "r1" }.map(\.source)).count == Rig.sourceCount
        }
        load.cancel()
        _ = await load.result
        try await rig.waitUntilEverythingInKafka(seconds: 90)
        let polls = try await rig.polls()
        let overlaps = Rig.overlaps(Rig.ownershipRuns(polls))
        #expect(overlaps.isEmpty, "two replicas polled one source at once: \(overlaps)")
        let (total, distinct) = try rig.kafkaCounts()
        print("cluster scale 1→3→1: \(distinct) distinct records, \(total - distinct) duplicates, 0 missing, overlaps \(overlaps.count)")
    }
}

/// The processes of one test: the mock cluster, the Okta look-alike, the replicas.
final class Rig: @unchecked Sendable {
    static let sourceCount = 30
    /// `session.timeout.ms` of every replica, in seconds.
    static let sessionTimeout: Double = 4
    static let sourceIDs = (0..<sourceCount).map { String(format: "s%02d", $0) }
    let cluster: MockCluster
    let vendor: OktaLookalike
    let work: String
    private let lock = NSLock()
    private var replicas: [Int: Process] = [:]

    init(events: Int) throws {
        cluster = try MockCluster(brokers: 3, topics: ["cl.coordination": 32, "cl.state": 8, "relay.cluster": 8])
        vendor = try OktaLookalike(events: events)
        work = try BuiltProducts.temporaryDirectory("cluster")
    }

    func stop() {
        lock.withLock {
            for process in replicas.values where process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        vendor.stop()
        cluster.stop()
        // CLUSTER_TEST_KEEP=1 keeps the replicas' configs, logs and spools for a look afterwards.
        if ProcessInfo.processInfo.environment["CLUSTER_TEST_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: work)
        } else {
            print("cluster test files kept in \(work)")
        }
    }

    func startReplica(_ number: Int) throws {
        let brokers = cluster.bootstrap.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ", ")
        let sources = Self.sourceIDs.map {
            "  - {id: \($0), type: okta, baseURL: \"\(vendor.baseURL)\", token: \"tok-r\(number)/\($0)\", backfill: 3h, lag: 2s, pageSize: 50, interval: 1s, requestsPerSecond: 100}"
        }.joined(separator: "\n")
        let config = "\(work)/r\(number).yaml"
        try """
            workspaceID: cluster
            sources:
            \(sources)
            sinks:
              - {type: kafka, brokers: "\(cluster.bootstrap)", topic: relay.cluster, compression: lz4}
            spool: {dir: \(work)/spool-r\(number), maxBytes: 64MiB}
            http: {listen: "127.0.0.1:0"}
            log: {level: info, format: json}
            shutdown: {drainTimeout: 20s}
            cluster:
              kafka:
                brokers: [\(brokers)]
                librdkafka: {session.timeout.ms: "\(Int(Self.sessionTimeout * 1000))", heartbeat.interval.ms: "500"}
              group: cluster-test
              stateTopic: cl.state
              coordinationTopic: cl.coordination
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.require("auditrelay", override: "AUDITRELAY_BIN"))
        process.arguments = ["run", "--config", config]
        let logPath = "\(work)/r\(number).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        lock.withLock { replicas[number] = process }
    }

    /// Adds 10 events (for every source) every 300 ms until cancelled.
    func startLoad() -> Task<Void, Never> {
        Task { [vendor] in
            while !Task.isCancelled {
                try? await vendor.addEvents(10)
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
    }

    func kill(_ number: Int, signal: Int32) {
        guard let process = lock.withLock({ replicas[number] }) else { return }
        Glibc.kill(process.processIdentifier, signal)
    }

    func waitForExit(_ number: Int, seconds: Double) async throws -> Int32 {
        guard let process = lock.withLock({ replicas[number] }) else { return -1 }
        try await waitUntil(seconds: seconds, "r\(number) exits") { !process.isRunning }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `GET /metrics` of replica `number` (its port from the `listening` log line).
    func metrics(_ number: Int) async throws -> String {
        var port: Int?
        try await waitUntil(seconds: 30, "r\(number)'s listening port in its log") {
            for line in try log(number).split(separator: "\n") where line.contains("\"message\":\"listening\"") {
                if let range = line.range(of: #""port":""#) { port = Int(line[range.upperBound...].prefix { $0.isNumber }) }
            }
            return port != nil
        }
        let response = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(port ?? 0)/metrics"))
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The value of the first sample of `name` (without labels) in a Prometheus text exposition.
    static func metric(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    func log(_ number: Int) throws -> String {
        try String(contentsOfFile: "\(work)/r\(number).log", encoding: .utf8)
    }

    /// Every replica that should run still runs (a crash fails the test at once, with its log).
    func expectRunning() throws {
        for (number, process) in lock.withLock({ replicas }) where !process.isRunning && process.terminationReason == .exit
            && process.terminationStatus != 0 {
            throw MockClusterError(description: "r\(number) exited with \(process.terminationStatus): \((try? log(number))?.suffix(3000) ?? "")")
        }
    }

    /// (source, event id) pairs the look-alike serves that are not in Kafka.
    func missing() async throws -> Int {
        let ids = try await vendor.eventIDs()
        let present = Set(try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "relay.").map {
            "\($0.headers["sourceID"] ?? "")|\($0.headers["eventID"] ?? "")"
        })
        return Self.sourceIDs.reduce(0) { count, source in count + ids.filter { !present.contains("\(source)|\($0)") }.count }
    }

    func waitUntilEverythingInKafka(seconds: Double) async throws {
        var left = -1
        try await waitUntil(seconds: seconds, { "every event of every source in Kafka (\(left) missing)" }) {
            try expectRunning()
            left = try await missing()
            return left == 0
        }
    }

    /// Until each of `replicas` polled and every source was polled in the last 3 s by exactly one replica.
    func waitUntilSettled(replicas expected: Set<String>) async throws {
        try await waitUntil(seconds: 60, "the group settled on \(expected.sorted())") {
            try expectRunning()
            let now = Date().timeIntervalSince1970
            let recent = try await polls().filter { $0.start > now - 3 }
            let bySource = Dictionary(grouping: recent, by: \.source).mapValues { Set($0.map(\.replica)) }
            return bySource.count == Self.sourceCount && bySource.values.allSatisfy { $0.count == 1 }
                && Set(bySource.values.flatMap { $0 }) == expected
        }
    }

    func kafkaCounts() throws -> (total: Int, distinct: Int) {
        let keys = try KafkaReader.readAll(bootstrap: cluster.bootstrap, topicPrefix: "relay.").map {
            "\($0.headers["sourceID"] ?? "")|\($0.headers["eventID"] ?? "")"
        }
        return (keys.count, Set(keys).count)
    }

    struct Poll {
        var replica: String
        var source: String
        var start: Double
        var end: Double
    }

    func polls() async throws -> [Poll] {
        try await vendor.requests().compactMap { label, start, end in
            let parts = label.split(separator: "/")
            guard parts.count == 2 else { return nil }
            return Poll(replica: String(parts[0]), source: String(parts[1]), start: start, end: end)
        }
    }

    /// Per source, its consecutive polls by one replica: (replica, first start, last end).
    static func ownershipRuns(_ polls: [Poll]) -> [String: [(replica: String, first: Double, last: Double)]] {
        var runs: [String: [(replica: String, first: Double, last: Double)]] = [:]
        for poll in polls.sorted(by: { $0.start < $1.start }) {
            var list = runs[poll.source] ?? []
            if let last = list.last, last.replica == poll.replica {
                list[list.count - 1].last = max(last.last, poll.end)
            } else {
                list.append((poll.replica, poll.start, poll.end))
            }
            runs[poll.source] = list
        }
        return runs
    }

    /// Hand-overs where the previous owner's last poll ended after the next owner's first began.
    static func overlaps(_ runs: [String: [(replica: String, first: Double, last: Double)]]) -> [String] {
        runs.flatMap { source, list in
            zip(list, list.dropFirst()).compactMap { previous, next in
                previous.last > next.first ? "\(source): \(previous.replica) until \(previous.last), \(next.replica) from \(next.first)" : nil
            }
        }
    }

    static func finalOwners(_ runs: [String: [(replica: String, first: Double, last: Double)]]) -> [String: String] {
        runs.compactMapValues { $0.last?.replica }
    }
}

/// `Tests/Fixtures/vendors/okta.py` accepting every token `tok-…` and logging who polled.
final class OktaLookalike: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let baseURL: String

    init(events: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(BuiltProducts.repositoryRoot)/Tests/Fixtures/vendors/okta.py", "--events", "\(events)",
                             "--span", "3000", "--newest-age", "30", "--token-prefix", "tok-", "--rate-limit", "1000000"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer: [UInt8] = []
        let line = try MockCluster.readLine(output.fileHandleForReading.fileDescriptor, buffer: &buffer, timeout: 20)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            throw MockClusterError(description: "okta.py did not print its port: \(line)")
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    func addEvents(_ count: Int) async throws {
        _ = try await HTTPClient().send(HTTPRequest(method: .post, url: "\(baseURL)/_control", body: Array("{\"add\":\(count)}".utf8)))
    }

    func eventIDs() async throws -> [String] {
        let body = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats")).body
        let stats = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        return stats?["ids"] as? [String] ?? []
    }

    func requests() async throws -> [(String, Double, Double)] {
        let body = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_requests")).body
        let list = try JSONSerialization.jsonObject(with: Data(body)) as? [[Any]] ?? []
        return list.compactMap { entry in
            guard entry.count == 3, let label = entry[0] as? String, let start = entry[1] as? Double, let end = entry[2] as? Double else { return nil }
            return (label, start, end)
        }
    }
}

func waitUntil(seconds: Double, _ what: @autoclosure () -> String, _ condition: () async throws -> Bool) async throws {
    try await waitUntil(seconds: seconds, { what() }, condition)
}

/// Checks `condition` every 250 ms until it holds; fails naming `what` after `seconds`.
func waitUntil(seconds: Double, _ what: () -> String, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try await condition() { return }
        guard Date() < deadline else { throw MockClusterError(description: "timed out after \(seconds) s waiting for \(what())") }
        try await Task.sleep(for: .milliseconds(250))
    }
}
