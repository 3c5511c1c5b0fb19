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
        var value = value
        value.withUTF8 { string(utf8: $0) }
    }

    public mutating func string<Bytes: Collection>(bytes value: Bytes) where Bytes.Element == UInt8 {
        if let done = value.withContiguousStorageIfAvailable({ string(utf8: $0) }) { return done }
        string(utf8: Array(value).withUnsafeBufferPointer { UnsafeBufferPointer(start: $0.baseAddress, count: $0.count) })
    }

    public mutating func string(utf8 input: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var index = 0
        var runStart = 0
        let count = input.count
        while index < count {
            let byte = input[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte < 0x80 {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = Self.validUTF8Length(input, at: index)
                if length > 0 {
                    index += length
                    continue
                }
            }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index])) }
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x80...: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            }
            index += 1
            runStart = index
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<count])) }
        bytes.append(UInt8(ascii: "\""))
    }

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
