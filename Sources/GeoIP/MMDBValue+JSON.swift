extension MMDBValue {
    /// The value as compact JSON with sorted map keys (for `auditrelay lookup` and debugging).
    /// Bytes print as a lowercase hex string; uint128 above 2^64 prints as a "0x…" hex string.
    public var jsonText: String {
        var output = ""
        appendJSON(to: &output)
        return output
    }

    private func appendJSON(to output: inout String) {
        switch self {
        case let .string(value): Self.appendQuoted(value, to: &output)
        case let .double(value): output += value.isFinite ? "\(value)" : "null"
        case let .float(value): output += value.isFinite ? "\(value)" : "null"
        case let .bytes(value):
            output += "\""
            for byte in value {
                let hex = String(byte, radix: 16)
                output += byte < 16 ? "0" + hex : hex
            }
            output += "\""
        case let .uint16(value): output += "\(value)"
        case let .uint32(value): output += "\(value)"
        case let .uint64(value): output += "\(value)"
        case let .int32(value): output += "\(value)"
        case let .uint128(high, low):
            if high == 0 {
                output += "\(low)"
            } else {
                let lowHex = String(low, radix: 16)
                output += "\"0x" + String(high, radix: 16) + String(repeating: "0", count: 16 - lowHex.count) + lowHex + "\""
            }
        case let .boolean(value): output += value ? "true" : "false"
        case let .array(values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.appendJSON(to: &output)
            }
            output += "]"
        case let .map(map):
            output += "{"
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                Self.appendQuoted(key, to: &output)
                output += ":"
                map[key]?.appendJSON(to: &output)
            }
            output += "}"
        }
    }

    private static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
