import RelayCore

/// Turns one record envelope into one syslog message (RFC 5424 or RFC 3164), without framing.
/// Pure: no I/O, no clock, no locale; the header comes from `EnvelopeView`, so only a CEF body
/// parses the record JSON.
///
/// RFC 5424 layout: `<PRI>1 TIMESTAMP HOSTNAME auditrelay - MSGID [auditrelay@32473 sourceID="…"
/// eventID="…" id="…"] MSG`. The timestamp is the event time (the receive time when the vendor
/// gave none), in UTC. MSG is always valid UTF-8 (the record encoder replaces invalid vendor
/// bytes with U+FFFD) and starts with a BOM only when `utf8BOM` is set: RFC 5424 §6.4 asks for
/// it, but JSON parsers and most SIEM field extractors treat it as garbage, and rsyslog, syslog-ng
/// and Splunk all read UTF-8 without it.
///
/// RFC 3164 layout: `<PRI>Mmm dd hh:mm:ss HOSTNAME auditrelay: MSG`, the time in UTC (3164 has no
/// zone or year); the record's ids are in the JSON body only (3164 has no structured data).
///
/// A message longer than `maxMessageBytes` is cut at a UTF-8 character boundary and ends with
/// the visible marker `…[truncated from N bytes]`; the caller counts truncations.
public struct SyslogFormatter {
    public enum Format: String, Sendable, CaseIterable { case rfc5424, rfc3164 }
    public enum Body: String, Sendable, CaseIterable { case json, cef }

    /// RFC 5424 private enterprise number used in the SD-ID (`auditrelay@32473`; 32473 is the
    /// IANA number reserved for documentation examples, RFC 5612).
    public static let structuredDataID = "auditrelay@32473"
    public static let appName = "auditrelay"

    public let format: Format
    public let body: Body
    public let priority: Int
    public let maxMessageBytes: Int
    public let utf8BOM: Bool
    private let hostname: [UInt8]
    private let cef: CEFFormatter?

    public init(format: Format = .rfc5424, body: Body = .json, facility: Int = 16, severity: Int = 6,
                hostname: String, maxMessageBytes: Int = 8192, utf8BOM: Bool = false) {
        self.format = format
        self.body = body
        priority = facility * 8 + severity
        self.maxMessageBytes = maxMessageBytes
        self.utf8BOM = utf8BOM
        self.hostname = Self.headerToken(hostname, maxLength: 255)
        cef = body == .cef ? CEFFormatter(severity: severity) : nil
    }

    /// Appends the message for `envelope` to `output`; returns true when it had to be truncated.
    @discardableResult
    public func append(envelope: [UInt8], view: EnvelopeView, to output: inout [UInt8]) -> Bool {
        append(envelope: envelope[...], view: view, to: &output)
    }

    @discardableResult
    public func append(envelope: ArraySlice<UInt8>, view: EnvelopeView, to output: inout [UInt8]) -> Bool {
        let start = output.count
        appendHeader(view, to: &output)
        let bodyStart = output.count
        switch body {
        case .json: output.append(contentsOf: envelope[view.jsonRange])
        case .cef: cef?.append(envelope: envelope, view: view, to: &output)
        }
        let length = output.count - start
        guard length > maxMessageBytes else { return false }
        let marker = Array("…[truncated from \(length) bytes]".utf8)
        var cut = max(bodyStart, start + maxMessageBytes - marker.count)
        // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
        while cut > bodyStart && output[cut] & 0xC0 == 0x80 { cut -= 1 }
        output.removeSubrange(cut...)
        output.append(contentsOf: marker)
        return true
    }

    private func appendHeader(_ view: EnvelopeView, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "<"))
        appendDecimal(priority, to: &output)
        output.append(UInt8(ascii: ">"))
        let time = view.eventTime.microseconds != 0 ? view.eventTime : view.receivedAt
        switch format {
        case .rfc5424:
            output.append(contentsOf: [UInt8(ascii: "1"), UInt8(ascii: " ")])
            time.write(to: &output)
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: hostname)
            output.append(contentsOf: Array(" \(Self.appName) - ".utf8))
            output.append(contentsOf: Self.headerToken(view.sourceType, maxLength: 32))
            output.append(contentsOf: Array(" [\(Self.structuredDataID)".utf8))
            appendParameter("sourceID", view.sourceID, to: &output)
            appendParameter("eventID", view.eventID, to: &output)
            appendParameter("id", view.id, to: &output)
            output.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: " ")])
            if utf8BOM { output.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        case .rfc3164:
            appendBSDTimestamp(time, to: &output)
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: hostname)
            output.append(contentsOf: Array(" \(Self.appName): ".utf8))
        }
    }

    /// ` name="value"` with `"`, `\` and `]` escaped (RFC 5424 §6.3.3).
    private func appendParameter(_ name: String, _ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: Array(name.utf8))
        output.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
        Self.appendEscapedParameterValue(value, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    static func appendEscapedParameterValue(_ value: String, to output: inout [UInt8]) {
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "]") {
                output.append(UInt8(ascii: "\\"))
            }
            output.append(byte)
        }
    }

    /// `Mmm dd hh:mm:ss` (day space-padded), UTC.
    private func appendBSDTimestamp(_ time: Timestamp, to output: inout [UInt8]) {
        var rfc3339: [UInt8] = []
        time.write(to: &rfc3339)  // YYYY-MM-DDThh:mm:ss…
        guard rfc3339.count >= 19 else { return }
        let month = Int(rfc3339[5] &- 48) * 10 + Int(rfc3339[6] &- 48)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        output.append(contentsOf: Array(months[max(1, min(12, month)) - 1].utf8))
        output.append(UInt8(ascii: " "))
        output.append(rfc3339[8] == UInt8(ascii: "0") ? UInt8(ascii: " ") : rfc3339[8])
        output.append(rfc3339[9])
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: rfc3339[11..<19])
    }

    /// A header field: printable US-ASCII only (RFC 5424 PRINTUSASCII), others become `_`;
    /// cut to `maxLength`; empty becomes the NILVALUE `-`.
    static func headerToken(_ text: String, maxLength: Int) -> [UInt8] {
        var token: [UInt8] = []
        for byte in text.utf8.prefix(maxLength) {
            token.append((33...126).contains(byte) ? byte : UInt8(ascii: "_"))
        }
        return token.isEmpty ? [UInt8(ascii: "-")] : token
    }
}

@inline(__always)
func appendDecimal(_ value: Int, to output: inout [UInt8]) {
    if value < 10 {
        output.append(UInt8(ascii: "0") + UInt8(max(0, value)))
        return
    }
    var digits: [UInt8] = []
    var rest = value
    while rest > 0 {
        digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
        rest /= 10
    }
    output.append(contentsOf: digits.reversed())
}
