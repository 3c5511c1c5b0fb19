import Glibc

/// An IPv4 or IPv6 address as plain bits, the only address form the reader needs. Built from 4 or 16
/// network-order bytes, from integers, or parsed from text with `inet_pton`.
public struct IPAddressBytes: Sendable, Hashable, CustomStringConvertible {
    /// Bits 0...63 of an IPv6 address (0 for IPv4).
    public let high: UInt64
    /// Bits 64...127 of an IPv6 address, or the IPv4 address in the low 32 bits.
    public let low: UInt64
    public let isIPv4: Bool

    public init(ipv4: UInt32) {
        high = 0
        low = UInt64(ipv4)
        isIPv4 = true
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv4 = false
    }

    /// 4 bytes (IPv4) or 16 bytes (IPv6) in network order; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self.init(ipv4: UInt32(truncatingIfNeeded: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self.init(ipv6High: high, low: low)
        default:
            return nil
        }
    }

    /// Parses dotted IPv4 or any textual IPv6 form (including `::ffff:1.2.3.4`) with `inet_pton`.
    public init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            self.init(bytes: bytes)
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
            self.init(ipv4: UInt32(bigEndian: address.s_addr))
        }
    }

    /// The address in network byte order (4 or 16 bytes).
    public var bytes: [UInt8] {
        if isIPv4 {
            return (0 ..< 4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
        }
        return (0 ..< 8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0 ..< 8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// For `::ffff:a.b.c.d`, the embedded IPv4 address.
    public var embeddedIPv4: IPAddressBytes? {
        guard !isIPv4, high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPAddressBytes(ipv4: UInt32(truncatingIfNeeded: low))
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }
}
