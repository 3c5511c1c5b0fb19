import Crypto
import RelayCore

/// The signature scheme most vendor webhooks use: the hex HMAC-SHA256 of the raw body, keyed with a
/// shared secret. Vendors differ in the header and its prefix (GitHub: `X-Hub-Signature-256:
/// sha256=<hex>`), so they strip those and call this.
public struct HMACSHA256Verifier: Sendable {
    /// The current secret first, then the one being rotated out: during a rotation the vendor may
    /// still sign with either, and no delivery should be lost.
    private let keys: [SymmetricKey]

    /// - Parameter secrets: up to two non-empty secrets (empty ones are ignored).
    public init(secrets: [Secret]) {
        keys = secrets.filter { !$0.isEmpty }.prefix(2).map { SymmetricKey(data: Array($0.reveal().utf8)) }
    }

    /// Whether `hexSignature` is the HMAC of `body` under one of the secrets. The comparison is
    /// swift-crypto's constant-time one; every key is tried, so the time does not tell which matched.
    public func verify(hexSignature: some StringProtocol, body: [UInt8]) -> Bool {
        guard let signature = Self.decodeHex(hexSignature), signature.count == SHA256.byteCount else { return false }
        var matched = false
        for key in keys {
            // Not short-circuited: both keys are always checked.
            matched = HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: body, using: key) || matched
        }
        return matched
    }

    /// The lower-case hex HMAC of `body` with `secret` (for tests and the look-alike senders).
    public static func sign(_ body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    /// Hex (either case) to bytes; nil for odd lengths or non-hex characters.
    static func decodeHex(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0, utf8.count <= 256 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
