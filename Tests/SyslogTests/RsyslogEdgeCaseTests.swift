import Foundation
import TestHelpers
import Testing
import RelayCore
@testable import Sinks

/// Long records, embedded newlines, invalid UTF-8 and TLS verification against a real rsyslogd.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RsyslogEdgeCaseTests {
    static let longRecordSize = 100 << 10

    @Test(arguments: [SyslogSink.Transport.tcp, .relp]) func longRecordsArriveWholeOrVisiblyTruncated(_ transport: SyslogSink.Transport) async throws {
        let server = try RsyslogServer(transport == .relp ? .relp : .tcp)
        defer { server.stop() }
        let entries = FixtureRecords.synthetic(4, size: Self.longRecordSize)
        // A limit above the record size: octet counting / RELP carry 100 KiB intact.
        var whole = Delivery.configuration(transport, port: server.port)
        whole.maxMessageBytes = 200_000
        let wholeSink = try SyslogSink(configuration: whole)
        try await Delivery.deliverAll(entries, to: wholeSink)
        try await wholeSink.close()
        #expect(wholeSink.statistics.truncated == 0)
        // The default limit (8192): cut, marked and counted.
        let cutSink = try SyslogSink(configuration: Delivery.configuration(transport, port: server.port))
        try await Delivery.deliverAll(entries, to: cutSink)
        try await cutSink.close()
        #expect(cutSink.statistics.truncated == 4)

        let lines = try await server.waitForLines(8)
        try #require(lines.count == 8)
        for (index, entry) in entries.enumerated() {
            let view = try #require(EnvelopeView(entry.envelope))
            let json = Array(entry.envelope[view.jsonRange])
            #expect(json.count >= Self.longRecordSize - 100)
            #expect(ReceivedMessage.parse(lines[index])?.message == json)
            let cut = lines[4 + index]
            #expect(cut.count <= 8192)
            let text = String(decoding: cut, as: UTF8.self)
            #expect(text.hasSuffix("…[truncated from \(cut.count - (ReceivedMessage.parse(cut)?.message.count ?? 0) + json.count) bytes]"))
        }
    }

    @Test func embeddedNewlinesAreEscapedForNewlineFramingAndCarriedByOctetCounting() async throws {
        let server = try RsyslogServer(.tcp)
        defer { server.stop() }
        var record = AuditRecord()
        record.sourceType = "test"
        record.sourceID = "line one\nline two"  // structured data values are not escaped for newlines
        record.id = "nl-1"
        record.eventTime = Timestamp(seconds: 1_700_000_000)
        let entry = LogEntry(sequence: 1, envelope: RecordEnvelope.make(record))
        for framing in [Framing.newline, .octetCounting] {
            var configuration = Delivery.configuration(.tcp, port: server.port)
            configuration.framing = framing
            let sink = try SyslogSink(configuration: configuration)
            try await Delivery.deliverAll([entry], to: sink)
            try await sink.close()
        }
        _ = try await server.waitForLines(3)
        let content = try String(contentsOfFile: server.outputPath, encoding: .utf8)
        // Two messages, not three: newline framing sent `\n` as two characters, octet counting
        // carried the real newline inside its frame.
        #expect(content.components(separatedBy: "<134>1 ").count - 1 == 2)
        #expect(content.contains(#"sourceID="line one\nline two""#))
        #expect(content.contains("sourceID=\"line one\nline two\""))
    }

    @Test func invalidUTF8InVendorDataArrivesAsValidUTF8() async throws {
        let server = try RsyslogServer(.relp)
        defer { server.stop() }
        let entries = FixtureRecords.synthetic(3, rawLog: [0x7B, 0x22, 0xFF, 0xC3, 0x28, 0xE2, 0x82, 0x22, 0x7D, 0xED, 0xA0, 0x80])
        let sink = try SyslogSink(configuration: Delivery.configuration(.relp, port: server.port))
        try await Delivery.deliverAll(entries, to: sink)
        try await sink.close()
        let lines = try await server.waitForLines(3)
        try #require(lines.count == 3)
        for line in lines {
            #expect(String(validating: line, as: UTF8.self) != nil)
            let message = try #require(ReceivedMessage.parse(line))
            let record = try JSONDocument().parse(message.message)
            #expect(record["rawLog"]?.string?.contains("\u{FFFD}") == true)
        }
    }

    @Test func tlsRefusesAnUntrustedOrMisnamedServer() async throws {
        let pki = try TestPKI()
        let server = try RsyslogServer(.tls(driver: "gtls", requireClientCertificate: false), pki: pki)
        defer { server.stop() }
        let entries = FixtureRecords.synthetic(2)
        func attempt(_ adjust: (inout SyslogSink.Configuration) -> Void) async throws -> Result<[UInt64], any Error> {
            var configuration = Delivery.configuration(.tls, port: server.port, host: "localhost")
            adjust(&configuration)
            let sink = try SyslogSink(configuration: configuration)
            let result: Result<[UInt64], any Error>
            do { result = .success(try await sink.deliver(entries)) } catch { result = .failure(error) }
            try await sink.close()
            return result
        }
        let untrusted = try await attempt { $0.tls.caFile = pki.path("other-ca.pem") }
        guard case .failure(let error) = untrusted else { Issue.record("an untrusted server was accepted"); return }
        #expect("\(error)".contains("certificate verification failed"))
        let misnamed = try await attempt { $0.tls.caFile = pki.caFile; $0.tls.serverName = "siem.example.org" }
        guard case .failure(let nameError) = misnamed else { Issue.record("a misnamed server was accepted"); return }
        #expect("\(nameError)".contains("certificate verification failed"))
        // Without verification (tests only) the same server is accepted.
        let unverified = try await attempt { $0.tls.verify = false }
        #expect((try? unverified.get())?.count == 2)
        // And with the right CA and name.
        let verified = try await attempt { $0.tls.caFile = pki.caFile }
        #expect((try? verified.get())?.count == 2)
        #expect(try await server.waitForLines(4).count == 4)
    }
}
