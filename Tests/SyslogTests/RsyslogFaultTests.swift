import Foundation
import TestHelpers
import Testing
import RelayCore
@testable import Sinks

/// rsyslogd is SIGKILLed mid-stream and restarted on the same port while the sink keeps
/// delivering (with the pipeline's retry of whatever was not acknowledged).
///
/// - Every record is eventually acknowledged (nothing is dropped from the log: what was not
///   acknowledged is redelivered after the reconnect).
/// - RELP: every acknowledged record was received (duplicates allowed: at-least-once).
/// - TCP/TLS: records acknowledged (written to the kernel) but never received are the loss
///   window; the test measures and prints it (see the README).
@Suite(.serialized, .timeLimit(.minutes(4))) struct RsyslogFaultTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case relp, tcp, tls
        var testDescription: String { rawValue }
    }

    @Test(arguments: Case.allCases) func receiverKilledAndRestartedMidStream(_ testCase: Case) async throws {
        let pki = try TestPKI()
        let server: RsyslogServer
        var configuration: SyslogSink.Configuration
        switch testCase {
        case .relp:
            server = try RsyslogServer(.relp)
            configuration = Delivery.configuration(.relp, port: server.port)
        case .tcp:
            server = try RsyslogServer(.tcp)
            configuration = Delivery.configuration(.tcp, port: server.port)
        case .tls:
            server = try RsyslogServer(.tls(driver: "ossl", requireClientCertificate: false), pki: pki)
            configuration = Delivery.configuration(.tls, port: server.port, host: "localhost")
            configuration.tls.caFile = pki.caFile
        }
        defer { server.stop() }
        let count = 6000
        let entries = FixtureRecords.synthetic(count, size: 512)
        let sink = try SyslogSink(configuration: configuration)

        // SIGKILL while the sender is busy (a few batches in), restart 500 ms later; the sender
        // keeps going and retries what was not acknowledged. On a loaded machine the killer task
        // may start late: batch 15 waits for the kill, so it always lands mid-stream.
        let restarted = LockedFlag()
        let killed = LockedFlag()
        let result = try await Delivery.deliverAll(entries, to: sink, batchSize: 100) { batch in
            try await Task.sleep(for: .milliseconds(2))
            if batch == 15 {
                while !killed.value { try await Task.sleep(for: .milliseconds(5)) }
            }
            if batch == 5 {
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(30))
                    server.stop()
                    killed.set()
                    try? await Task.sleep(for: .milliseconds(500))
                    do { try server.start() } catch { Issue.record("restart failed: \(error)") }
                    restarted.set()
                }
            }
        }
        while !restarted.value { try await Task.sleep(for: .milliseconds(20)) }
        try await sink.close()

        #expect(Set(result.acknowledged) == Set(entries.map(\.sequence)), "every record is eventually acknowledged")
        let lines = try await server.settledLines()
        var received: [String: Int] = [:]
        for line in lines {
            if let id = ReceivedMessage.parse(line)?.structuredData["id"] { received[id, default: 0] += 1 }
        }
        let lost = (0..<count).filter { received["r-\($0)"] == nil }
        let duplicates = received.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("syslog fault test \(testCase.rawValue): \(count) records, \(result.failures) failed attempts, \(sink.statistics.connects) connections, lost \(lost.count) acknowledged records (\(lost.first.map { "r-\($0)…" } ?? "none")), \(duplicates) duplicates")
        #expect(result.failures > 0, "the receiver outage was noticed")
        #expect(sink.statistics.connects >= 2, "the sink reconnected")
        switch testCase {
        case .relp:
            #expect(lost.isEmpty, "RELP lost \(lost.count) acknowledged records")
        case .tcp, .tls:
            // The window is what sat in socket buffers when rsyslog died; it is measured, not zero.
            #expect(lost.count < count / 2, "\(lost.count) lost")
        }
    }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}
