import Foundation
import TestHelpers
import Testing
import RelayCore
@testable import Sinks

/// Each transport against a real rsyslogd: the replay fixtures go out, and what rsyslog wrote
/// parses back to the same records.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RsyslogDeliveryTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case udp, tcpOctetCounting, tcpNewline, tlsGnuTLS, tlsOpenSSLWithClientCertificate, relp
        var testDescription: String { rawValue }
    }

    @Test(arguments: Case.allCases) func fixturesArriveIntact(_ testCase: Case) async throws {
        let pki = try TestPKI()
        let server: RsyslogServer
        var configuration: SyslogSink.Configuration
        switch testCase {
        case .udp:
            server = try RsyslogServer(.udp)
            configuration = Delivery.configuration(.udp, port: server.port)
            configuration.maxMessageBytes = 65000  // loopback carries it; keeps every fixture whole
        case .tcpOctetCounting, .tcpNewline:
            server = try RsyslogServer(.tcp)
            configuration = Delivery.configuration(.tcp, port: server.port)
            configuration.framing = testCase == .tcpNewline ? .newline : .octetCounting
        case .tlsGnuTLS:
            server = try RsyslogServer(.tls(driver: "gtls", requireClientCertificate: false), pki: pki)
            configuration = Delivery.configuration(.tls, port: server.port, host: "localhost")
            configuration.tls.caFile = pki.caFile
        case .tlsOpenSSLWithClientCertificate:
            server = try RsyslogServer(.tls(driver: "ossl", requireClientCertificate: true), pki: pki)
            configuration = Delivery.configuration(.tls, port: server.port)  // 127.0.0.1: checked against the IP SAN
            configuration.tls.caFile = pki.caFile
            configuration.tls.certificateFile = pki.clientCertificate
            configuration.tls.keyFile = pki.clientKey
        case .relp:
            server = try RsyslogServer(.relp)
            configuration = Delivery.configuration(.relp, port: server.port)
        }
        defer { server.stop() }
        configuration.maxMessageBytes = max(configuration.maxMessageBytes, 65000)
        let entries = try await FixtureRecords.entries()
        #expect(entries.count > 300)
        let sink = try SyslogSink(configuration: configuration)
        // UDP has no flow control: pace it so rsyslog's socket buffer never overflows.
        let pause: Duration = testCase == .udp ? .milliseconds(20) : .zero
        let result = try await Delivery.deliverAll(entries, to: sink, batchSize: testCase == .udp ? 20 : 200) { _ in
            if pause > .zero { try await Task.sleep(for: pause) }
        }
        try await sink.close()
        #expect(result.acknowledged.count == entries.count)
        #expect(result.failures == 0)
        #expect(sink.statistics.truncated == 0)

        let lines = try await server.waitForLines(entries.count)
        #expect(lines.count == entries.count)
        // One connection (or socket) keeps the order, so line i is record i. (Record ids repeat
        // in the fixtures, which contain duplicate vendor events.)
        let formatter = SyslogFormatter(hostname: "relay-test", maxMessageBytes: configuration.maxMessageBytes)
        for (entry, line) in zip(entries, lines) {
            let view = try #require(EnvelopeView(entry.envelope))
            var expected: [UInt8] = []
            formatter.append(envelope: entry.envelope, view: view, to: &expected)
            let same = line == expected  // compared outside #expect: a failure would print every byte
            #expect(same, "\(view.sourceType) \(view.id): \(Self.difference(line, expected))")
            guard let message = ReceivedMessage.parse(line) else {
                Issue.record("unparseable message: \(String(decoding: line.prefix(300), as: UTF8.self))")
                continue
            }
            #expect(message.priority == 134)
            #expect(message.hostname == "relay-test" && message.appName == "auditrelay")
            #expect(message.messageID == String(decoding: SyslogFormatter.headerToken(view.sourceType, maxLength: 32), as: UTF8.self))
            #expect(message.structuredData == ["sourceID": view.sourceID, "eventID": view.eventID, "id": view.id])
            // The body is the record JSON byte for byte: every field, escape and non-ASCII character.
            let sameBody = message.message == Array(entry.envelope[view.jsonRange])
            #expect(sameBody, "body of \(view.id)")
        }
        // Non-ASCII text made it through unchanged (the fixtures contain some).
        #expect(entries.contains { entry in entry.envelope.contains { $0 >= 0x80 } })
    }

    /// Where two messages first differ, briefly (the full bytes would flood the test log).
    static func difference(_ received: [UInt8], _ expected: [UInt8]) -> String {
        let common = min(received.count, expected.count)
        let offset = (0..<common).first { received[$0] != expected[$0] } ?? common
        func around(_ bytes: [UInt8]) -> String { String(decoding: bytes[max(0, offset - 40)..<min(bytes.count, offset + 40)], as: UTF8.self) }
        return "lengths \(received.count)/\(expected.count), first difference at \(offset): received …\(around(received))… expected …\(around(expected))…"
    }

    @Test func cefAndRFC3164ArriveAsFormatted() async throws {
        let server = try RsyslogServer(.tcp)
        defer { server.stop() }
        let entries = Array(try await FixtureRecords.entries().prefix(120))
        var expected: [[UInt8]] = []
        for (format, body) in [(SyslogFormatter.Format.rfc5424, SyslogFormatter.Body.cef), (.rfc3164, .json), (.rfc3164, .cef)] {
            var configuration = Delivery.configuration(.tcp, port: server.port)
            configuration.format = format
            configuration.body = body
            configuration.facility = 10
            configuration.severity = 5
            configuration.maxMessageBytes = 65000
            let formatter = SyslogFormatter(format: format, body: body, facility: 10, severity: 5, hostname: "relay-test", maxMessageBytes: 65000)
            for entry in entries {
                var message: [UInt8] = []
                formatter.append(envelope: entry.envelope, view: try #require(EnvelopeView(entry.envelope)), to: &message)
                expected.append(message)
            }
            let sink = try SyslogSink(configuration: configuration)
            try await Delivery.deliverAll(entries, to: sink)
            try await sink.close()
        }
        let lines = try await server.waitForLines(expected.count)
        #expect(lines.count == expected.count)
        for (line, message) in zip(lines, expected) where line != message {
            Issue.record("received differs: \(Self.difference(line, message))")
        }
        let cef = try #require(lines.first.map { String(decoding: $0, as: UTF8.self) })
        #expect(cef.hasPrefix("<85>1 ") && cef.contains("] CEF:0|auditrelay|"))
    }
}
