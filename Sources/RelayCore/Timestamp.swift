/// A point in time in UTC with microsecond resolution, remembering how many fraction digits the
/// vendor gave so that output keeps the vendor's precision (`.473Z` stays `.473Z`).
///
/// All vendor time formats are parsed here, once: RFC 3339 with or without zone, `+0000` offsets,
/// `YYYY-MM-DD HH:MM:SS`, compact `20230321171017.871`, and epoch seconds, milliseconds or
/// microseconds as numbers or strings (`"1717764280.813000"`). A time without zone is UTC.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64
    /// Fraction digits to print: 0, 3 or 6.
    public var fractionDigits: UInt8

    public static let zero = Timestamp(microseconds: 0, fractionDigits: 0)

    public init(microseconds: Int64, fractionDigits: UInt8 = 6) {
        self.microseconds = microseconds
        self.fractionDigits = fractionDigits
    }

    public init(seconds: Int64) {
        self.init(microseconds: seconds * 1_000_000, fractionDigits: 0)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }
    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds == rhs.microseconds }
    public func hash(into hasher: inout Hasher) { hasher.combine(microseconds) }

    /// The current time, with microseconds.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000, fractionDigits: 6)
    }

    public var secondsSinceEpoch: Double { Double(microseconds) / 1_000_000 }

    // MARK: Formatting

    /// RFC 3339 in UTC with `Z`, e.g. `2023-09-14T20:23:26.473Z`.
    public var description: String {
        var writer = JSONWriter(capacity: 32)
        write(to: &writer.bytes)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Appends the RFC 3339 form to `output` (no allocation on the hot path).
    public func write(to output: inout [UInt8]) {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let micros = Int(microseconds - seconds * 1_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ value: Int) {
            output.append(UInt8(ascii: "0") + UInt8(value / 10))
            output.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        let clampedYear = max(0, min(9999, Int(year)))
        two(clampedYear / 100)
        two(clampedYear % 100)
        output.append(UInt8(ascii: "-"))
        two(month)
        output.append(UInt8(ascii: "-"))
        two(day)
        output.append(UInt8(ascii: "T"))
        two(secondOfDay / 3600)
        output.append(UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60)
        output.append(UInt8(ascii: ":"))
        two(secondOfDay % 60)
        if fractionDigits > 0 {
            output.append(UInt8(ascii: "."))
            var divisor = 100_000
            for _ in 0..<min(Int(fractionDigits), 6) {
                output.append(UInt8(ascii: "0") + UInt8(micros / divisor % 10))
                divisor /= 10
            }
        }
        output.append(UInt8(ascii: "Z"))
    }

    // MARK: Calendar arithmetic (Howard Hinnant's days-from-civil algorithms)

    static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
