/// Appends JSON text to a reusable byte buffer, without intermediate strings.
///
/// Strings are escaped per RFC 8259 and always produce valid UTF-8: a byte sequence that is not
/// valid UTF-8 (vendors do send them) is written as U+FFFD rather than producing invalid JSON.
public struct JSONWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) public mutating func raw(_ byte: UInt8) { bytes.append(byte) }
    @inline(__always) public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Writes `"key":`.
    @inline(__always) public mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ value: String) {
        if value.isEmpty { return raw("\"\"") }  // most optional columns are empty
        var value = value
        value.withUTF8 { string(utf8: $0) }
    }

    public mutating func string<Bytes: Collection>(bytes value: Bytes) where Bytes.Element == UInt8 {
        if let done = value.withContiguousStorageIfAvailable({ string(utf8: $0) }) { return done }
        string(utf8: Array(value).withUnsafeBufferPointer { UnsafeBufferPointer(start: $0.baseAddress, count: $0.count) })
    }

    public mutating func string(utf8 input: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Escape into a stack buffer and append it in large pieces: appending every short run to
        // the array costs more than the escaping itself (rawLog is JSON, full of quotes).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.scratchSize) { scratch in
            guard let out = scratch.baseAddress, let source = input.baseAddress else { return }
            var used = 0
            var index = 0
            let count = input.count
            let escapeTable = Self.escapeTable, hexDigits = Self.hexDigits
            while index < count {
                if used > Self.scratchSize - 16 {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: used))
                    used = 0
                }
                // Plain runs move eight bytes per step (the whole word is stored; only the plain
                // prefix counts, and the scratch always has room for the rest).
                if index + 8 <= count {
                    let plain = JSONByteScan.firstSpecial(source + index, includingNonASCII: true)
                    UnsafeMutableRawPointer(out + used).copyMemory(from: source + index, byteCount: 8)
                    used += plain
                    index += plain
                    if plain == 8 { continue }
                }
                let byte = source[index]
                let escape = escapeTable[Int(byte)]
                if escape == 0 {
                    out[used] = byte
                    used += 1
                    index += 1
                    continue
                }
                if byte >= 0x80 {
                    let length = Self.validUTF8Length(input, at: index)
                    if length > 0 {
                        for offset in 0..<length { out[used + offset] = source[index + offset] }
                        used += length
                        index += length
                    } else {
                        out[used] = 0xEF; out[used + 1] = 0xBF; out[used + 2] = 0xBD
                        used += 3
                        index += 1
                    }
                    continue
                }
                out[used] = UInt8(ascii: "\\")
                if escape == UInt8(ascii: "u") {
                    out[used + 1] = UInt8(ascii: "u"); out[used + 2] = UInt8(ascii: "0"); out[used + 3] = UInt8(ascii: "0")
                    out[used + 4] = hexDigits[Int(byte >> 4)]
                    out[used + 5] = hexDigits[Int(byte & 0xF)]
                    used += 6
                } else {
                    out[used + 1] = escape
                    used += 2
                }
                index += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: used))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    // 1 KiB is the most `withUnsafeTemporaryAllocation` always puts on the stack; beyond it the
    // standard library may fall back to a heap allocation per call.
    private static let scratchSize = 1024

    /// Per byte: 0 = copy as is; 0xFF = start of a multi-byte UTF-8 sequence (validate);
    /// otherwise the character after the backslash (`u` for `\u00XX`).
    private static let escapeTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in 0..<0x20 { table[byte] = UInt8(ascii: "u") }
        table[0x08] = UInt8(ascii: "b"); table[0x09] = UInt8(ascii: "t"); table[0x0A] = UInt8(ascii: "n")
        table[0x0C] = UInt8(ascii: "f"); table[0x0D] = UInt8(ascii: "r")
        table[Int(UInt8(ascii: "\""))] = UInt8(ascii: "\"")
        table[Int(UInt8(ascii: "\\"))] = UInt8(ascii: "\\")
        for byte in 0x80..<0x100 { table[byte] = 0xFF }
        return table
    }()

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Length of the valid UTF-8 sequence starting at `index`, or 0 if it is not valid.
    @inline(__always)
    static func validUTF8Length(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let first = input[index]
        let count = input.count
        @inline(__always) func continuation(_ offset: Int) -> Bool {
            index + offset < count && input[index + offset] & 0xC0 == 0x80
        }
        switch first {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return 0 }
            let second = input[index + 1]
            if first == 0xE0 && second < 0xA0 { return 0 }  // overlong
            if first == 0xED && second >= 0xA0 { return 0 }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = input[index + 1]
            if first == 0xF0 && second < 0x90 { return 0 }
            if first == 0xF4 && second >= 0x90 { return 0 }
            return 4
        default:
            return 0
        }
    }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    public mutating func integer<I: BinaryInteger>(_ value: I) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for position in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[position]) }
        }
    }

    /// Writes a double, always with a fraction or exponent so readers see a float column
    /// (`0.0`, `37.0`); non-finite values, which JSON cannot express, are written as `0.0`.
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            raw("0.0")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
            raw(".0")
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }
}
