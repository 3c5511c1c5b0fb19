import Testing
import RelayCore
@testable import Sinks

@Suite struct SyslogFormatterTests {
    static func record(sourceID: String = "okta-prod", eventID: String = "ev-1", name: String = "user.session.start") -> AuditRecord {
        var record = AuditRecord()
        record.workspaceID = "ws"
        record.sourceID = sourceID
        record.sourceType = "okta"
        record.id = "rec-1"
        record.eventID = eventID
        record.eventName = name
        record.eventTime = Timestamp(microseconds: 1_700_000_000_123_000, fractionDigits: 3)
        record.receivedAt = Timestamp(microseconds: 1_700_000_100_000_000)
        record.src = NetworkEndpoint(ip: "203.0.113.9")
        record.actor = ["email": "ana@example.com", "id": "u1"]
        record.behavior = .none
        return record
    }

    static func format(_ record: AuditRecord, _ formatter: SyslogFormatter) -> (text: String, truncated: Bool) {
        let envelope = RecordEnvelope.make(record)
        guard let view = EnvelopeView(envelope) else { return ("", false) }
        var output: [UInt8] = []
        let truncated = formatter.append(envelope: envelope, view: view, to: &output)
        return (String(decoding: output, as: UTF8.self), truncated)
    }

    @Test func rfc5424HeaderStructuredDataAndJSONBody() throws {
        let record = Self.record()
        let formatter = SyslogFormatter(facility: 16, severity: 6, hostname: "relay-1")
        let (text, truncated) = Self.format(record, formatter)
        #expect(!truncated)
        let json = String(decoding: RecordEncoder.encode(record), as: UTF8.self)
        #expect(text == #"<134>1 2023-11-14T22:13:20.123Z relay-1 auditrelay - okta [auditrelay@32473 sourceID="okta-prod" eventID="ev-1" id="rec-1"] "# + json)
    }

    @Test func priorityIsFacilityTimesEightPlusSeverity() {
        for (facility, severity, expected) in [(0, 0, "<0>"), (4, 2, "<34>"), (23, 7, "<191>"), (13, 5, "<109>")] {
            let formatter = SyslogFormatter(facility: facility, severity: severity, hostname: "h")
            #expect(Self.format(Self.record(), formatter).text.hasPrefix(expected + "1 "))
        }
    }

    @Test func structuredDataEscapesQuoteBackslashAndBracket() {
        let record = Self.record(sourceID: #"a"b\c]d"#, eventID: "ünï")
        let text = Self.format(record, SyslogFormatter(hostname: "h")).text
        #expect(text.contains(#"sourceID="a\"b\\c\]d" eventID="ünï""#))
    }

    @Test func receivedAtStandsInForAMissingEventTime() {
        var record = Self.record()
        record.eventTime = .zero
        #expect(Self.format(record, SyslogFormatter(hostname: "h")).text.hasPrefix("<134>1 2023-11-14T22:15:00.000000Z h "))
    }

    @Test func headerTokensArePrintableASCIIAndNilWhenEmpty() {
        var record = Self.record()
        record.sourceType = ""
        let text = Self.format(record, SyslogFormatter(hostname: "bad host\u{7F}é")).text
        #expect(text.contains(" bad_host___ auditrelay - - [auditrelay@32473 "))
    }

    @Test func rfc3164HasBSDTimestampAndTag() {
        var record = Self.record()
        record.eventTime = Timestamp(microseconds: 1_699_000_000_000_000)  // 2023-11-03T08:26:40Z
        let formatter = SyslogFormatter(format: .rfc3164, facility: 4, severity: 5, hostname: "relay-1")
        let text = Self.format(record, formatter).text
        let json = String(decoding: RecordEncoder.encode(record), as: UTF8.self)
        #expect(text == "<37>Nov  3 08:26:40 relay-1 auditrelay: " + json)
    }

    @Test func bomOnlyWhenConfigured() {
        let with = Self.format(Self.record(), SyslogFormatter(hostname: "h", utf8BOM: true)).text
        #expect(with.contains("\"] \u{FEFF}{"))
        #expect(!Self.format(Self.record(), SyslogFormatter(hostname: "h")).text.contains("\u{FEFF}"))
    }

    @Test func longMessagesAreCutVisiblyAtACharacterBoundary() throws {
        var record = Self.record()
        record.rawLog = ArraySlice(String(repeating: "é", count: 60_000).utf8)  // 120 000 bytes of 2-byte characters
        let formatter = SyslogFormatter(hostname: "h", maxMessageBytes: 8192)
        let envelope = RecordEnvelope.make(record)
        let view = try #require(EnvelopeView(envelope))
        var output: [UInt8] = []
        #expect(formatter.append(envelope: envelope, view: view, to: &output))
        #expect(output.count <= 8192 && output.count > 8150)
        let text = try #require(String(validating: output, as: UTF8.self))
        let fullLength = RecordEncoder.encode(record).count + (try #require(text.firstIndex(of: "{")).utf16Offset(in: text))
        #expect(text.hasSuffix("…[truncated from \(fullLength) bytes]"))
        // A message that fits is untouched.
        var short: [UInt8] = []
        let small = RecordEnvelope.make(Self.record())
        #expect(!formatter.append(envelope: small, view: try #require(EnvelopeView(small)), to: &short))
    }

    @Test func invalidUTF8FromTheVendorArrivesAsReplacementCharacters() throws {
        var record = Self.record()
        record.rawLog = [0x7B, 0xFF, 0xFE, 0x41, 0xC3, 0x7D]  // {, invalid, A, truncated sequence, }
        let text = Self.format(record, SyslogFormatter(hostname: "h"))
        let bytes = Array(text.text.utf8)
        #expect(String(validating: bytes, as: UTF8.self) != nil)
        #expect(text.text.contains(#""rawLog":"{\#u{FFFD}\#u{FFFD}A\#u{FFFD}}""#))
    }

    @Test func cefHeaderAndExtensionEscaping() throws {
        var record = Self.record(name: "pipe|back\\slash\nline")
        record.actor = ["email": "a=b\\c\r\nd", "id": "u1"]
        record.src = NetworkEndpoint(ip: "2001:db8::1")
        let formatter = SyslogFormatter(body: .cef, severity: 4, hostname: "h")
        let text = Self.format(record, formatter).text
        let cef = String(text[try #require(text.range(of: "CEF:")).lowerBound...])
        #expect(cef.hasPrefix(#"CEF:0|auditrelay|okta|1|pipe\|back\\slash line|pipe\|back\\slash line|5|rt=1700000000123 externalId=ev-1 c6a2=2001:db8::1 "#))
        #expect(cef.contains(#"suser=a\=b\\c\r\nd suid=u1 act=pipe|back\\slash\nline "#))
        #expect(cef.hasSuffix("cs1Label=sourceID cs1=okta-prod cs2Label=recordID cs2=rec-1 cs4Label=workspaceID cs4=ws"))
    }

    @Test func framingOctetCountingNewlineAndNone() {
        let message = Array("a\nb\rc".utf8)[...]
        var output: [UInt8] = []
        Framing.octetCounting.append(message, to: &output)
        #expect(output == Array("5 a\nb\rc".utf8))
        output.removeAll()
        Framing.newline.append(message, to: &output)
        #expect(output == Array("a\\nb\\rc\n".utf8))
        output.removeAll()
        Framing.none.append(message, to: &output)
        #expect(output == Array(message))
        // Multi-byte characters count as bytes.
        output.removeAll()
        Framing.octetCounting.append(Array("é".utf8)[...], to: &output)
        #expect(output == Array("2 é".utf8))
    }

    @Test func relpFramesParseIncrementally() throws {
        var buffer = Array("1 rsp 6 200 OK\n2 rsp 6 500 no".utf8)
        let first = try #require(try RELPTransport.parseFrame(&buffer))
        #expect(first.transaction == 1 && first.command == "rsp" && first.data == Array("200 OK".utf8))
        #expect(try RELPTransport.parseFrame(&buffer) == nil)  // incomplete
        buffer.append(contentsOf: Array("\n0 serverclose 0\n".utf8))
        let second = try #require(try RELPTransport.parseFrame(&buffer))
        #expect(second.transaction == 2 && second.data == Array("500 no".utf8))
        let third = try #require(try RELPTransport.parseFrame(&buffer))
        #expect(third.command == "serverclose" && third.data.isEmpty && buffer.isEmpty)
        var broken = Array("1 rsp 2 okX".utf8)
        #expect(throws: SinkError.self) { try RELPTransport.parseFrame(&broken) }
    }
}
