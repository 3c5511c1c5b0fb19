/// How messages are delimited on a stream (TCP, TLS).
///
/// - `octetCounting` (RFC 6587 §3.4.1, mandatory in RFC 5425): `MSG-LEN SP MSG`; carries any
///   bytes, including newlines. rsyslog's imtcp detects it automatically; syslog-ng's `syslog()`
///   driver requires it.
/// - `newline` (RFC 6587 §3.4.2, non-transparent): `MSG LF`, for receivers that split on line
///   breaks (Splunk TCP inputs, syslog-ng `network()`). An LF or CR inside the message would split
///   it, so they are written as the two characters `\n` / `\r`.
/// - `none`: one message per datagram (UDP) or per RELP frame.
public enum Framing: String, Sendable, CaseIterable {
    case octetCounting = "octet-counting"
    case newline
    case none

    /// Appends `message` framed to `output`.
    public func append(_ message: ArraySlice<UInt8>, to output: inout [UInt8]) {
        switch self {
        case .octetCounting:
            appendDecimal(message.count, to: &output)
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: message)
        case .newline:
            var runStart = message.startIndex
            for index in message.indices where message[index] == 0x0A || message[index] == 0x0D {
                output.append(contentsOf: message[runStart..<index])
                output.append(UInt8(ascii: "\\"))
                output.append(message[index] == 0x0A ? UInt8(ascii: "n") : UInt8(ascii: "r"))
                runStart = index + 1
            }
            output.append(contentsOf: message[runStart...])
            output.append(0x0A)
        case .none:
            output.append(contentsOf: message)
        }
    }
}

/// Messages laid end to end in one buffer (framed for streams, bare for UDP and RELP), with the
/// offset where each ends, so a transport can tell which messages a partial write completed.
struct MessageBatch {
    var bytes: [UInt8] = []
    /// `ends[i]` is the offset just past message i.
    var ends: [Int] = []

    var count: Int { ends.count }

    func message(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}
