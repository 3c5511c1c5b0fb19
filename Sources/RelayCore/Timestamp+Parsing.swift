extension Timestamp {
    /// Parses any of the vendor time formats listed on `Timestamp`. Returns nil for anything else.
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse(ArraySlice($0)) }) else { return nil }
        self = parsed
    }

    /// Reads a time from a JSON value: a string in any supported format, or an epoch number
    /// (seconds, milliseconds or microseconds, told apart by magnitude).
    public init?(json value: JSONValue?) {
        guard let value else { return nil }
        switch value.kind {
        case .string:
            guard let text = value.string else { return nil }
            self.init(parsing: text)
        case .number:
            guard let text = value.text, let parsed = Self.parseEpoch(Array(text.utf8)[...]) else { return nil }
            self = parsed
        default:
            return nil
        }
    }

    /// Epoch seconds/millis/micros: the unit is chosen by magnitude (a seconds value above
    /// 100,000,000,000 would be after the year 5000, so it must be milliseconds).
    public init?(epoch value: Double) {
        guard value.isFinite else { return nil }
        let magnitude = abs(value)
        let micros: Double
        let digits: UInt8
        if magnitude >= 1e14 {
            micros = value
            digits = 6
        } else if magnitude >= 1e11 {
            micros = value * 1000
            digits = value == value.rounded() ? 3 : 6
        } else {
            micros = value * 1_000_000
            digits = value == value.rounded() ? 0 : 6
        }
        guard abs(micros) < 9e18 else { return nil }
        self.init(microseconds: Int64(micros.rounded()), fractionDigits: digits)
    }

    static func parseEpoch(_ bytes: ArraySlice<UInt8>) -> Timestamp? {
        // Integer part and fraction parsed exactly, so "1717764280.813000" keeps its microseconds.
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var integer: Int64 = 0
        var integerDigits = 0
        while index < bytes.endIndex, let digit = digitValue(bytes[index]) {
            guard integerDigits < 18 else { return nil }
            integer = integer * 10 + Int64(digit)
            integerDigits += 1
            index += 1
        }
        guard integerDigits > 0 else { return nil }
        var fractionMicros: Int64 = 0
        var fractionDigits = 0
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.endIndex, let digit = digitValue(bytes[index]) {
                if fractionDigits < 6 { fractionMicros = fractionMicros * 10 + Int64(digit) }
                fractionDigits += 1
                index += 1
            }
            for _ in min(fractionDigits, 6)..<6 { fractionMicros *= 10 }
        }
        if index < bytes.endIndex, bytes[index] | 0x20 == UInt8(ascii: "e") {
            // Scientific notation: rare, precision matters less.
            guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { return nil }
            return Timestamp(epoch: value)
        }
        guard index == bytes.endIndex else { return nil }
        let sign: Int64 = negative ? -1 : 1
        let digits: UInt8 = fractionDigits == 0 ? 0 : (fractionDigits <= 3 ? 3 : 6)
        if integer >= 100_000_000_000_000 {  // microseconds
            return Timestamp(microseconds: sign * integer, fractionDigits: 6)
        } else if integer >= 100_000_000_000 {  // milliseconds
            return Timestamp(microseconds: sign * (integer * 1000 + fractionMicros / 1000), fractionDigits: fractionDigits == 0 ? 3 : 6)
        }
        return Timestamp(microseconds: sign * (integer * 1_000_000 + fractionMicros), fractionDigits: digits)
    }

    @inline(__always) static func digitValue(_ byte: UInt8) -> Int? {
        let value = Int(byte) - 48
        return value >= 0 && value <= 9 ? value : nil
    }

    static func parse(_ raw: ArraySlice<UInt8>) -> Timestamp? {
        var bytes = raw
        while let first = bytes.first, first == 0x20 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 { bytes = bytes.dropLast() }
        guard bytes.count >= 4 else { return parseEpoch(bytes) }
        let start = bytes.startIndex
        func number(_ offset: Int, _ length: Int) -> Int? {
            guard start + offset + length <= bytes.endIndex else { return nil }
            var value = 0
            for index in (start + offset)..<(start + offset + length) {
                guard let digit = digitValue(bytes[index]) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        func byte(_ offset: Int) -> UInt8? { start + offset < bytes.endIndex ? bytes[start + offset] : nil }

        // Compact 20230321171017[.871]
        if bytes.count >= 14, byte(14) == nil || byte(14) == UInt8(ascii: "."),
           byte(4).flatMap(digitValue) != nil, byte(8).flatMap(digitValue) != nil,
           let year = number(0, 4), let month = number(4, 2), let day = number(6, 2),
           let hour = number(8, 2), let minute = number(10, 2), let second = number(12, 2) {
            var fraction: (Int64, Int) = (0, 0)
            var position = 14
            if byte(14) == UInt8(ascii: ".") {
                position = 15
                fraction = readFraction(bytes, from: start + 15, position: &position, base: start)
            }
            guard start + position == bytes.endIndex else { return nil }
            return make(year, month, day, hour, minute, second, fraction, offsetSeconds: 0)
        }
        // A plain epoch number.
        if byte(4) != UInt8(ascii: "-") { return parseEpoch(bytes) }

        // YYYY-MM-DD[(T| )HH:MM[:SS][.fff][Z|±HH:MM|±HHMM|±HH| UTC]]
        guard let year = number(0, 4), byte(4) == UInt8(ascii: "-"), let month = number(5, 2),
              byte(7) == UInt8(ascii: "-"), let day = number(8, 2) else { return nil }
        if bytes.count == 10 { return make(year, month, day, 0, 0, 0, (0, 0), offsetSeconds: 0) }
        guard let separator = byte(10), separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == 0x20,
              let hour = number(11, 2), byte(13) == UInt8(ascii: ":"), let minute = number(14, 2) else { return nil }
        var position = 16
        var second = 0
        if byte(16) == UInt8(ascii: ":") {
            guard let value = number(17, 2) else { return nil }
            second = value
            position = 19
        }
        var fraction: (Int64, Int) = (0, 0)
        if byte(position) == UInt8(ascii: ".") || byte(position) == UInt8(ascii: ",") {
            position += 1
            fraction = readFraction(bytes, from: start + position, position: &position, base: start)
        }
        var offsetSeconds = 0
        if position < bytes.count {
            while byte(position) == 0x20 { position += 1 }
            guard let zone = byte(position) else { return nil }
            switch zone {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                position += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let zoneHours = number(position + 1, 2) else { return nil }
                var zoneMinutes = 0
                if byte(position + 3) == UInt8(ascii: ":") {
                    guard let value = number(position + 4, 2) else { return nil }
                    zoneMinutes = value
                    position += 6
                } else if let value = number(position + 3, 2) {
                    zoneMinutes = value
                    position += 5
                } else {
                    position += 3
                }
                guard zoneHours <= 23, zoneMinutes <= 59 else { return nil }
                offsetSeconds = (zoneHours * 3600 + zoneMinutes * 60) * (zone == UInt8(ascii: "-") ? -1 : 1)
            case UInt8(ascii: "U"):
                guard bytes.count - position == 3,
                      byte(position + 1) == UInt8(ascii: "T"), byte(position + 2) == UInt8(ascii: "C") else { return nil }
                position += 3
            default:
                return nil
            }
        }
        guard position == bytes.count else { return nil }
        return make(year, month, day, hour, minute, second, fraction, offsetSeconds: offsetSeconds)
    }

    private static func readFraction(_ bytes: ArraySlice<UInt8>, from index: Int, position: inout Int, base: Int) -> (Int64, Int) {
        var micros: Int64 = 0
        var digits = 0
        var cursor = index
        while cursor < bytes.endIndex, let digit = digitValue(bytes[cursor]) {
            if digits < 6 { micros = micros * 10 + Int64(digit) }
            digits += 1
            cursor += 1
        }
        for _ in min(digits, 6)..<6 { micros *= 10 }
        position = cursor - base
        return (micros, digits)
    }

    private static func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
                             _ fraction: (Int64, Int), offsetSeconds: Int) -> Timestamp? {
        guard (1...12).contains(month), (1...31).contains(day), hour <= 24, minute <= 59, second <= 60 else { return nil }
        let days = Self.days(year: Int64(year), month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let digits: UInt8 = fraction.1 == 0 ? 0 : (fraction.1 <= 3 ? 3 : 6)
        return Timestamp(microseconds: seconds * 1_000_000 + fraction.0, fractionDigits: digits)
    }
}
