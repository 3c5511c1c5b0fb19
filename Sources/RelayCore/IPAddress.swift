#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address parsed from the text vendors put in their IP fields.
///
/// Vendors write `ip:port`, `[v6]:port`, IPv4-mapped IPv6, and things that are not addresses at
/// all (`"Salesforce.com IP"`, `"211.150.189.540"`). Parsing accepts the first kinds and rejects
/// the last, so `srcIP` is always a valid address or "".
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses an address, tolerating surrounding spaces, a port, brackets and an IPv6 zone.
    /// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address.
    public init?(parsing raw: String) {
        var raw = raw
        // Works on the UTF-8 bytes: Foundation's String search is far too slow for the hot path.
        guard let parsed = raw.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    private static func parse(_ input: UnsafeRawBufferPointer) -> IPAddress? {
        var start = 0, end = input.count
        while start < end, input[start] == 0x20 || input[start] == 0x09 { start += 1 }
        while end > start, input[end - 1] == 0x20 || input[end - 1] == 0x09 { end -= 1 }
        guard end > start, end - start <= 64 else { return nil }
        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
        if input[start] == UInt8(ascii: "[") {
            // [v6] or [v6]:port
            guard let close = (start..<end).first(where: { input[$0] == UInt8(ascii: "]") }) else { return nil }
            let rest = (close + 1)..<end
            if !rest.isEmpty {
                guard input[rest.lowerBound] == UInt8(ascii: ":"), rest.count > 1,
                      rest.dropFirst().allSatisfy({ isDigit(input[$0]) }) else { return nil }
            }
            start += 1
            end = close
        } else {
            var colons = 0, lastColon = 0
            for index in start..<end where input[index] == UInt8(ascii: ":") {
                colons += 1
                lastColon = index
            }
            if colons == 1 {
                // a.b.c.d:port (a single colon cannot be IPv6)
                guard lastColon + 1 < end, (lastColon + 1..<end).allSatisfy({ isDigit(input[$0]) }) else { return nil }
                end = lastColon
            }
        }
        if let percent = (start..<end).first(where: { input[$0] == UInt8(ascii: "%") }) { end = percent }
        guard end > start else { return nil }
        // inet_pton wants a NUL-terminated C string.
        var text = [CChar](repeating: 0, count: end - start + 1)
        for index in start..<end { text[index - start] = CChar(bitPattern: input[index]) }
        let isV6 = (start..<end).contains { input[$0] == UInt8(ascii: ":") }
        if !isV6 {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
            return IPAddress(checkedBytes: withUnsafeBytes(of: &address) { Array($0) })
        }
        var address6 = in6_addr()
        guard inet_pton(AF_INET6, text, &address6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &address6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return IPAddress(checkedBytes: Array(bytes[12..<16]))
        }
        return IPAddress(checkedBytes: bytes)
    }

    private init(checkedBytes: [UInt8]) { self.bytes = checkedBytes }

    /// The canonical text form (RFC 5952 for IPv6).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { source in
            inet_ntop(family, source.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True for addresses that no public GeoIP database describes: private, loopback, link-local,
    /// documentation, shared (CGNAT), multicast, reserved, unspecified and similar ranges (RFC 6890).
    public var isSpecialPurpose: Bool {
        if isIPv4 {
            let (a, b, c) = (bytes[0], bytes[1], bytes[2])
            switch a {
            case 0, 10, 127: return true
            case 100 where (64...127).contains(b): return true  // 100.64/10 shared
            case 169 where b == 254: return true
            case 172 where (16...31).contains(b): return true
            case 192 where b == 168: return true
            case 192 where b == 0 && (c == 0 || c == 2): return true  // 192.0.0/24, 192.0.2/24
            case 198 where b == 18 || b == 19: return true  // benchmarking
            case 198 where b == 51 && c == 100: return true
            case 203 where b == 0 && c == 113: return true
            case 224...255: return true  // multicast, reserved, broadcast
            default: return false
            }
        }
        if bytes.allSatisfy({ $0 == 0 }) { return true }  // ::
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
        if bytes[0] == 0xFF { return true }  // multicast
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return true }  // 2001:db8::/32
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }  // ::/96 IPv4-compatible (deprecated)
        if bytes[0] == 0x01 && bytes[1..<8].allSatisfy({ $0 == 0 }) { return true }  // 100::/64 discard
        return false
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension IPAddress {
    /// The canonical address in a JSON value, or "" when it holds no valid address.
    public static func normalized(_ value: JSONValue?) -> String {
        guard let text = value?.text, let address = IPAddress(parsing: text) else { return "" }
        return address.description
    }
}
