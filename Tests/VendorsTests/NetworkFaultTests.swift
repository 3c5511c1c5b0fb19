import Foundation
import Polling
import Testing
import TestHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The real `auditrelay run` between a vendor look-alike and real sink peers (librdkafka's mock
/// cluster, rsyslogd over RELP, TCP and TLS) while the network misbehaves: 300 ms of round trip
/// and 5% packet loss, a silent partition of the sinks, a partition of the vendor in the middle
/// of a response. Runs only inside scripts/test-netfaults.sh's namespace (see `NetworkLab`);
/// prints what it measured (`netfaults:` lines) for the README.
@Suite(.serialized, .enabled(if: NetworkLab.isolated, NetworkLab.skipReason), .timeLimit(.minutes(10)))
struct NetworkFaultTests {
    static let token = "netfaults-kandji-token-8121"

    // MARK: 300 ms round trip, 5% loss

    @Test func latencyAndLossSlowDeliveryDownButLoseNothing() async throws {
        let events = Int(ProcessInfo.processInfo.environment["NETFAULT_EVENTS"] ?? "") ?? 300
        let clean = try await Self.deliverEverything(events: events, impairment: nil)
        // 150 ms each way is 300 ms of round trip; each direction also loses 5% of its packets.
        let impaired = try await Self.deliverEverything(events: events, impairment: (delay: 150, loss: 0.05))
        print("netfaults: \(events) events, clean network: every sink complete in \(clean.seconds) s; duplicates \(clean.duplicates)")
        print("netfaults: \(events) events, +300 ms RTT and 5% loss each way: every sink complete in \(impaired.seconds) s; duplicates \(impaired.duplicates); queue: \(impaired.queue)")
        #expect(impaired.seconds > clean.seconds, "the impairment should cost time")
        let dropped = Self.number(after: "dropped ", in: impaired.queue) ?? 0
        #expect(dropped > 0, "the queue dropped no packet: \(impaired.queue)")
    }

    /// Runs the relay until every sink holds every event the look-alike served; the elapsed time
    /// and each sink's duplicates.
    static func deliverEverything(events: Int, impairment: (delay: Int, loss: Double)?) async throws
        -> (seconds: Double, duplicates: [String: Int], queue: String) {
        let vendor = try Lookalike("kandji.py", ["--token", token, "--events", "\(events)", "--span", "7200"])
        defer { vendor.stop() }
        let peers = try SinkPeers()
        let work = EndToEndTests.temporaryPath("-netfaults")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var queue: NetworkLab.Impairment?
        if let impairment {
            queue = try NetworkLab.Impairment(ports: [vendor.port] + peers.ports, delayMilliseconds: impairment.delay, loss: impairment.loss)
        }
        defer { queue?.stop() }
        let relay = try RelayRun(work: work, vendor: vendor, peers: peers)
        defer { relay.process.kill() }
        let started = ContinuousClock.now
        let served = Set(try await vendor.stats().ids)
        #expect(served.count == events)
        var received: [String: [String]] = [:]
        try await waitUntil(seconds: 400, "every sink holds all \(events) events") {
            try relay.process.expectRunning()
            if let queue, !queue.isRunning { throw TestFailure("netfault-queue exited") }
            received = peers.receivedEventIDs()
            return received.values.allSatisfy { Set($0).isSuperset(of: served) }
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
            + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        let summary = queue?.stop() ?? ""
        relay.process.terminate()
        #expect(relay.process.exitStatus == 0)
        for (sink, ids) in received { #expect(Set(ids) == served, "\(sink) holds events that were never served") }
        return ((seconds * 10).rounded() / 10, received.mapValues { $0.count - Set($0).count }, summary)
    }

    // MARK: silent partition of the sinks

    /// The configured partition (90 s unless NETFAULT_PARTITION_SECONDS says otherwise) and a
    /// 40 s one, which heals while the kernel would still be retransmitting what a failed
    /// connection had unsent (so a sink that closed it gracefully would deliver it twice).
    static let partitionDurations = Array(Set([NetworkLab.partitionSeconds, 40])).sorted(by: >)

    @Test(arguments: partitionDurations)
    func aSilentPartitionOfTheSinksIsDetectedAbsorbedAndHealed(seconds partitionSeconds: Double) async throws {
        let first = 200, during = 200
        let vendor = try Lookalike("kandji.py", ["--token", Self.token, "--events", "\(first)", "--span", "7200"])
        defer { vendor.stop() }
        let peers = try SinkPeers()
        let work = EndToEndTests.temporaryPath("-netfaults")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let relay = try RelayRun(work: work, vendor: vendor, peers: peers, readinessMaxAge: "10s")
        defer { relay.process.kill() }
        try await waitUntil(seconds: 60, "the first \(first) events at every sink") {
            try relay.process.expectRunning()
            return peers.receivedEventIDs().values.allSatisfy { Set($0).count >= first }
        }
        try await waitUntil(seconds: 30, "/readyz 200 before the partition") { (try? await relay.readiness().status) == 200 }

        let countsBefore = peers.receivedEventIDs(includingKafka: false).mapValues { Set($0).count }
        let partition = try NetworkLab.Partition(ports: peers.ports)
        defer { partition.heal() }
        try await vendor.addEvents(during)
        var detected: [String: Double] = [:]
        var notReadyAfter: Double?
        var readinessBody = ""
        var logOffset = 0
        let deadline = partition.started + .milliseconds(Int(partitionSeconds * 1000))
        while ContinuousClock.now < deadline {
            try relay.process.expectRunning()
            let elapsed = Self.seconds(since: partition.started)
            if let metrics = try? await relay.metrics() {
                for sink in SinkPeers.syslogSinks where detected[sink] == nil && Self.failedRecords(sink, in: metrics) > 0 {
                    detected[sink] = elapsed
                }
            }
            // librdkafka does not fail a delivery (no local message timeout): it times the request
            // out after socket.timeout.ms, drops the connection and reconnects, and says so.
            let log = relay.log(from: &logOffset)
            if detected["kafka"] == nil, log.contains("REQTMOUT") || log.contains("Timed out") { detected["kafka"] = elapsed }
            if notReadyAfter == nil, let readiness = try? await relay.readiness(), readiness.status == 503 {
                notReadyAfter = elapsed
                readinessBody = String(decoding: readiness.body, as: UTF8.self)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let polled = try await relay.metrics()
        let countsDuring = peers.receivedEventIDs(includingKafka: false).mapValues { Set($0).count }
        partition.heal()
        let healed = ContinuousClock.now

        print("netfaults: partition of \(partitionSeconds) s: detected after \(detected.mapValues { ($0 * 10).rounded() / 10 }) s; /readyz 503 after \(notReadyAfter.map { "\(($0 * 10).rounded() / 10)" } ?? "never") s: \(readinessBody.split(separator: "\n").joined(separator: " | "))")
        #expect(countsDuring == countsBefore, "nothing crosses a partition")
        #expect(Self.metric("auditrelay_source_events_total", in: polled) >= Double(first + during), "the source kept polling into the spool")
        #expect(Self.metric("auditrelay_spool_records", in: polled) >= Double(during), "the spool holds the backlog")
        #expect(notReadyAfter != nil && readinessBody.contains("oldest unacknowledged"), "\(readinessBody)")
        // ioTimeout (30 s) bounds a write's acknowledgement and a RELP response; socket.timeout.ms (60 s) bounds a Kafka request.
        if partitionSeconds >= 45 {
            for sink in SinkPeers.syslogSinks { #expect((detected[sink] ?? .infinity) <= 45, "\(sink) did not notice the partition") }
        }
        if partitionSeconds >= 75 { #expect((detected["kafka"] ?? .infinity) <= 75, "kafka did not notice the partition") }

        // Healed: everything arrives, the spool drains, the relay is ready again.
        let served = Set(try await vendor.stats().ids)
        #expect(served.count == first + during)
        var recovered: [String: Double] = [:]
        var received: [String: [String]] = [:]
        try await waitUntil(seconds: 180, "every sink holds all \(first + during) events after the partition") {
            try relay.process.expectRunning()
            received = peers.receivedEventIDs()
            for (sink, ids) in received where recovered[sink] == nil && Set(ids).isSuperset(of: served) {
                recovered[sink] = Self.seconds(since: healed)
            }
            return recovered.count == received.count
        }
        try await waitUntil(seconds: 60, "/readyz 200 after the partition") { (try? await relay.readiness().status) == 200 }
        let ready = Self.seconds(since: healed)
        print("netfaults: healed: every event at each sink after \(recovered.mapValues { ($0 * 10).rounded() / 10 }) s, /readyz 200 after \((ready * 10).rounded() / 10) s; duplicates \(received.mapValues { $0.count - Set($0).count })")
        for (sink, ids) in received { #expect(Set(ids) == served, "\(sink)") }
        // The relay was idle when the partition began, so nothing sent before it can be resent:
        // a syslog duplicate here would be a failed connection's unsent bytes arriving late.
        for sink in SinkPeers.syslogSinks { #expect(received[sink].map { $0.count - Set($0).count } == 0, "\(sink) got duplicates") }
        relay.process.terminate()
        #expect(relay.process.exitStatus == 0)
    }

    // MARK: the vendor partitioned in the middle of a response

    @Test func aVendorPartitionedMidResponseIsRetriedWithoutMovingTheCursor() async throws {
        let events = 500, pageSize = 100
        let vendor = try Lookalike("kandji.py", ["--token", Self.token, "--events", "\(events)", "--span", "7200", "--page-delay", "0.3"],
                                   environment: ["LOOKALIKE_STALL_SECONDS": "2"])
        defer { vendor.stop() }
        let work = EndToEndTests.temporaryPath("-netfaults")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Two pages are served whole, the third is cut off half way.
        try await vendor.inject(["ok", "ok", "stall"])
        let relay = try RelayRun(work: work, vendor: vendor, peers: nil, pageSize: pageSize)
        defer { relay.process.kill() }
        let output = "\(work)/out.jsonl"
        try await waitUntil(seconds: 60, "the third page's answer half sent") {
            try relay.process.expectRunning()
            return (try? await Self.stalled(vendor)) == 1
        }
        let partition = try NetworkLab.Partition(ports: [vendor.port])
        defer { partition.heal() }
        try await waitUntil(seconds: 10, "the first two pages delivered") { PolledVendorCrashTests.lines(output).count >= 2 * pageSize }
        let delivered = PolledVendorCrashTests.lines(output).count
        let cursor = try EndToEndTests.run(["cursor", "show", "--config", relay.config], environment: relay.environment)
        #expect(cursor.status == 0, "\(cursor.stderr)")
        #expect(delivered == 2 * pageSize)

        // The request times out (source timeout 5 s) and is retried into the partition.
        try await waitUntil(seconds: 30, "the cut-off page retried") {
            try relay.process.expectRunning()
            return (try? await relay.metrics()).map { Self.metric("auditrelay_source_errors_total", label: #"kind="retried""#, in: $0) } ?? 0 > 0
        }
        let detectedAfter = Self.seconds(since: partition.started)
        while Self.seconds(since: partition.started) < 20 { try await Task.sleep(for: .milliseconds(250)) }
        let cursorDuring = try EndToEndTests.run(["cursor", "show", "--config", relay.config], environment: relay.environment)
        #expect(PolledVendorCrashTests.lines(output).count == delivered, "nothing delivered past the cut-off page")
        #expect(cursorDuring.stdout == cursor.stdout, "the cursor moved during the partition:\n\(cursor.stdout)\n---\n\(cursorDuring.stdout)")
        partition.heal()
        let healed = ContinuousClock.now

        try await waitUntil(seconds: 120, "every event after the partition") {
            try relay.process.expectRunning()
            return PolledVendorCrashTests.lines(output).count >= events
        }
        let recovered = Self.seconds(since: healed)
        relay.process.terminate()
        #expect(relay.process.exitStatus == 0)
        let ids = PolledVendorCrashTests.lines(output).compactMap { PolledVendorCrashTests.vendorID($0, path: ["id"]) }
        #expect(ids.count == events, "every event exactly once")
        #expect(Set(ids) == Set(try await vendor.stats().ids))
        let cursorAfter = try EndToEndTests.run(["cursor", "show", "--config", relay.config], environment: relay.environment)
        #expect(cursorAfter.stdout != cursor.stdout, "the cursor moves once the page is delivered")
        print("netfaults: vendor cut off mid-response (page \(delivered / pageSize + 1) of \(events / pageSize)): timeout noticed after \((detectedAfter * 10).rounded() / 10) s, cursor unchanged for the 20 s partition, all \(events) events \(recovered.rounded()) s after healing, none twice")
    }

    // MARK: helpers

    static func stalled(_ vendor: Lookalike) async throws -> Int { try await vendor.statistic("stalled_responses") }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    static func number(after marker: String, in text: String) -> Int? { PolledVendorCrashTests.number(after: marker, in: text) }

    /// The sum of a Prometheus metric's samples whose labels contain `label` (all when nil).
    static func metric(_ name: String, label: String? = nil, in text: String) -> Double {
        text.split(separator: "\n").filter { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && (label.map { line.contains($0) } ?? true)
        }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    static func failedRecords(_ sink: String, in metrics: String) -> Double {
        metric("auditrelay_sink_records_failed_total", label: #"sink="\#(sink)""#, in: metrics)
    }
}

/// The sink-side peers: a one-broker mock Kafka cluster and rsyslogd over RELP, TCP and TLS.
final class SinkPeers: @unchecked Sendable {
    static let syslogSinks = ["relp", "tcp", "tls"]
    static let topic = "audit.kandji"
    let kafka: MockCluster
    let pki: TestPKI
    let syslog: [String: RsyslogServer]

    init() throws {
        kafka = try MockCluster(brokers: 1, topics: [Self.topic: 1])
        pki = try TestPKI()
        syslog = ["relp": try RsyslogServer(.relp), "tcp": try RsyslogServer(.tcp),
                  "tls": try RsyslogServer(.tls(driver: "ossl", requireClientCertificate: false), pki: pki)]
    }

    var kafkaPorts: [Int] {
        kafka.bootstrap.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { Int($0) } }
    }

    var ports: [Int] { kafkaPorts + Self.syslogSinks.compactMap { syslog[$0]?.port } }

    var sinksYAML: String {
        """
          - {type: kafka, name: kafka, brokers: "\(kafka.bootstrap)", topic: \(Self.topic)}
          - {type: syslog, name: relp, url: "relp://127.0.0.1:\(syslog["relp"]!.port)"}
          - {type: syslog, name: tcp, url: "tcp://127.0.0.1:\(syslog["tcp"]!.port)"}
          - {type: syslog, name: tls, url: "tls://127.0.0.1:\(syslog["tls"]!.port)", tls: {ca: "\(pki.caFile)"}}
        """
    }

    /// Each sink's received vendor event ids, in arrival order, repeats included. Kafka is read
    /// over the network, so not while it is cut off (`includingKafka: false`).
    func receivedEventIDs(includingKafka: Bool = true) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (name, server) in syslog {
            result[name] = server.receivedLines().compactMap { Self.eventID(String(decoding: $0, as: UTF8.self)) }
        }
        if includingKafka { result["kafka"] = readKafka().compactMap(Self.eventID) }
        return result
    }

    /// The topic's messages from the beginning, read with kcat (given 60 s: the path may be slow).
    private func readKafka() -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = ["-C", "-b", kafka.bootstrap, "-t", Self.topic, "-o", "beginning", "-e", "-q", "-f", "%s\n"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The vendor event id: the syslog structured data's `eventID="…"` or the record's `"eventID":"…"`.
    static func eventID(_ text: String) -> String? {
        for marker in [#"eventID=""#, #""eventID":""#] {
            if let start = text.range(of: marker) {
                return String(text[start.upperBound...].prefix { $0 != "\"" })
            }
        }
        return nil
    }
}

/// `auditrelay run` polling the Kandji look-alike into the peers' sinks (or a file sink).
final class RelayRun: @unchecked Sendable {
    let process: RelayProcess
    let config: String
    let environment: [String: String]
    let httpPort: Int
    let logPath: String

    init(work: String, vendor: Lookalike, peers: SinkPeers?, pageSize: Int = 100, readinessMaxAge: String = "5m") throws {
        guard let port = Loopback.freePort() else { throw TestFailure("no free port for http.listen") }
        httpPort = port
        config = "\(work)/config.yaml"
        logPath = "\(work)/relay.log"
        environment = ["NETFAULT_KANDJI_TOKEN": NetworkFaultTests.token]
        try """
            workspaceID: netfaults
            sources:
              - {id: kandji, type: kandji, baseURL: "\(vendor.baseURL)", token: "${env:NETFAULT_KANDJI_TOKEN}", backfill: 3h, lag: 5s, interval: 1s, timeout: 5s, pageSize: \(pageSize), requestsPerSecond: 100}
            sinks:
            \(peers?.sinksYAML ?? "  - {type: file, path: \(work)/out.jsonl}")
            spool: {dir: \(work)/spool, maxBytes: 64MiB}
            http: {listen: "127.0.0.1:\(port)", readinessMaxAge: \(readinessMaxAge)}
            log: {format: json, level: info}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        process = try RelayProcess(["run", "--config", config], environment: environment, stderr: logPath)
    }

    func readiness() async throws -> HTTPResponse {
        try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(httpPort)/readyz"))
    }

    func metrics() async throws -> String {
        String(decoding: try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(httpPort)/metrics")).body, as: UTF8.self)
    }

    /// The log written since `offset` (which moves on).
    func log(from offset: inout Int) -> String {
        guard let data = FileManager.default.contents(atPath: logPath), data.count > offset else { return "" }
        defer { offset = data.count }
        return String(decoding: data[offset...], as: UTF8.self)
    }
}
