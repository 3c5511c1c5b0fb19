import RelayCore

/// Writes a record as an ArcSight CEF line:
/// `CEF:0|auditrelay|<sourceType>|1|<eventName>|<eventName>|<severity>|<extension>`.
///
/// Escaping follows the CEF spec: in header fields `\` and `|` are escaped and line breaks become
/// spaces; in extension values `\` and `=` are escaped and CR/LF become `\r`/`\n`. Extension keys
/// are CEF dictionary names (rt, externalId, src/dst or c6a2/c6a3 for IPv6, suser, suid, act, cat,
/// cs1…cs5 with labels); empty values are left out. Parses the record JSON with one reused
/// `JSONDocument`, so an instance is not shared between threads.
final class CEFFormatter {
    private let document = JSONDocument()
    /// CEF severity 0-10 derived from the syslog severity (0 emerg -> 10, 7 debug -> 1).
    let severity: Int

    init(severity: Int) {
        self.severity = [10, 9, 8, 7, 5, 4, 3, 1][max(0, min(7, severity))]
    }

    func append(envelope: ArraySlice<UInt8>, view: EnvelopeView, to output: inout [UInt8]) {
        let record = try? document.parse(envelope[view.jsonRange])
        func field(_ name: String) -> String { record?[name]?.string ?? "" }
        let eventName = field("eventName")
        output.append(contentsOf: Array("CEF:0|auditrelay|".utf8))
        Self.appendHeaderField(view.sourceType, to: &output)
        output.append(contentsOf: Array("|1|".utf8))
        Self.appendHeaderField(eventName.isEmpty ? "unknown" : eventName, to: &output)
        output.append(UInt8(ascii: "|"))
        Self.appendHeaderField(eventName.isEmpty ? "unknown" : eventName, to: &output)
        output.append(UInt8(ascii: "|"))
        appendDecimal(severity, to: &output)
        output.append(UInt8(ascii: "|"))

        var first = true
        func pair(_ key: String, _ value: String) {
            guard !value.isEmpty else { return }
            if !first { output.append(UInt8(ascii: " ")) }
            first = false
            output.append(contentsOf: Array(key.utf8))
            output.append(UInt8(ascii: "="))
            Self.appendExtensionValue(value, to: &output)
        }
        let time = view.eventTime.microseconds != 0 ? view.eventTime : view.receivedAt
        pair("rt", String(time.microseconds / 1000))
        pair("externalId", view.eventID)
        let srcIP = field("srcIP"), dstIP = field("dstIP")
        pair(srcIP.contains(":") ? "c6a2" : "src", srcIP)
        pair(dstIP.contains(":") ? "c6a3" : "dst", dstIP)
        let actor = record?["actor"]
        let user = actor?["email"]?.string ?? actor?["username"]?.string ?? actor?["name"]?.string ?? ""
        pair("suser", user)
        pair("suid", actor?["id"]?.string ?? "")
        pair("act", eventName)
        pair("cat", field("behavior"))
        if !view.sourceID.isEmpty { pair("cs1Label", "sourceID"); pair("cs1", view.sourceID) }
        if !view.id.isEmpty { pair("cs2Label", "recordID"); pair("cs2", view.id) }
        let service = field("serviceName")
        if !service.isEmpty { pair("cs3Label", "serviceName"); pair("cs3", service) }
        if !view.workspaceID.isEmpty { pair("cs4Label", "workspaceID"); pair("cs4", view.workspaceID) }
        let country = field("srcASCountryCode")
        if !country.isEmpty { pair("cs5Label", "srcCountry"); pair("cs5", country) }
    }

    static func appendHeaderField(_ value: String, to output: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "|"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0x0A, 0x0D: output.append(UInt8(ascii: " "))
            default: output.append(byte)
            }
        }
    }

    static func appendExtensionValue(_ value: String, to output: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "="):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: output.append(byte)
            }
        }
    }
}
