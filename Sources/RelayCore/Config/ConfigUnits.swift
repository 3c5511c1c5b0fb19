/// Parsing of the human units used in configs: durations (`500ms`, `60s`, `5m`, `2h`, `7d`,
/// combinations like `1h30m`) and sizes (`4096`, `64KiB`, `512MiB`, `2GiB`, `1GB`).
public enum ConfigUnits {
    public static func duration(_ text: String) -> Duration? {
        let text = text.trimmingASCIIWhitespace()
        guard !text.isEmpty else { return nil }
        var total: Duration = .zero
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCIIDigit || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits), value.isFinite else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let seconds: Double
            switch unit {
            case "ms": seconds = value / 1000
            case "s": seconds = value
            case "m": seconds = value * 60
            case "h": seconds = value * 3600
            case "d": seconds = value * 86_400
            default: return nil
            }
            guard seconds < 1e9 else { return nil }
            total += .milliseconds(Int64((seconds * 1000).rounded()))
        }
        return total
    }

    public static func byteSize(_ text: String) -> UInt64? {
        let text = text.trimmingASCIIWhitespace().replacingUnderscores()
        let digits = text.prefix { $0.isASCIIDigit }
        guard !digits.isEmpty, let value = UInt64(digits) else { return nil }
        let unit = String(text.dropFirst(digits.count)).trimmingASCIIWhitespace()
        let multiplier: UInt64
        switch unit {
        case "", "B": multiplier = 1
        case "KiB", "Ki", "K": multiplier = 1 << 10
        case "MiB", "Mi", "M": multiplier = 1 << 20
        case "GiB", "Gi", "G": multiplier = 1 << 30
        case "TiB", "Ti", "T": multiplier = 1 << 40
        case "KB", "kB": multiplier = 1_000
        case "MB": multiplier = 1_000_000
        case "GB": multiplier = 1_000_000_000
        case "TB": multiplier = 1_000_000_000_000
        default: return nil
        }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
