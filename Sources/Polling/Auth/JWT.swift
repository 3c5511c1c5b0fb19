import Crypto
import _CryptoExtras
import Foundation
import RelayCore

/// A private key that signs JWTs: EdDSA (Ed25519), ES256 (P-256) or RS256 (RSA PKCS#1 v1.5).
public enum JWTSigningKey: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case es256(P256.Signing.PrivateKey)
    case rs256(_RSA.Signing.PrivateKey)

    /// The JOSE `alg` value.
    public var algorithm: String {
        switch self {
        case .ed25519: return "EdDSA"
        case .es256: return "ES256"
        case .rs256: return "RS256"
        }
    }

    /// A PEM private key: `PRIVATE KEY` (PKCS#8: Ed25519, P-256 or RSA), `EC PRIVATE KEY` or
    /// `RSA PRIVATE KEY`. Errors never include the key.
    public static func pem(_ text: String) throws(PollError) -> JWTSigningKey {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: text) { return .es256(key) }
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: text) { return .rs256(key) }
        if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: text) { return .ed25519(key) }
        throw PollError(.credential(reason: "the private key is not a PEM Ed25519, P-256 or RSA key"), endpoint: "")
    }

    func sign(_ input: [UInt8]) throws -> [UInt8] {
        switch self {
        case .ed25519(let key):
            return Array(try key.signature(for: input))
        case .es256(let key):
            // JWS wants the raw 64-byte r||s form, not DER.
            return Array(try key.signature(for: input).rawRepresentation)
        case .rs256(let key):
            return Array(try key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }
}

/// A JWT claim or header value.
public enum JWTValue: Sendable, Equatable, ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    case string(String)
    case integer(Int64)
}

/// Compact JWS (RFC 7515) signing: `base64url(header).base64url(claims).base64url(signature)`.
public enum JWT {
    public static func sign(header extra: [(String, JWTValue)] = [], claims: [(String, JWTValue)], key: JWTSigningKey) throws(PollError) -> String {
        let header = [("alg", JWTValue.string(key.algorithm)), ("typ", .string("JWT"))] + extra
        let signingInput = Base64URL.encode(object(header)) + "." + Base64URL.encode(object(claims))
        let signature: [UInt8]
        do {
            signature = try key.sign(Array(signingInput.utf8))
        } catch {
            throw PollError(.credential(reason: "signing the JWT with \(key.algorithm) failed"), endpoint: "")
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Signs an exact, caller-provided header and payload (for the RFCs' test vectors).
    public static func sign(headerJSON: String, payload: [UInt8], key: JWTSigningKey) throws -> String {
        let input = Base64URL.encode(Array(headerJSON.utf8)) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }

    static func object(_ members: [(String, JWTValue)]) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.string(member.0)
            writer.raw(UInt8(ascii: ":"))
            switch member.1 {
            case .string(let text): writer.string(text)
            case .integer(let number): writer.integer(number)
            }
        }
        writer.raw(UInt8(ascii: "}"))
        return writer.bytes
    }
}

/// An RFC 7523 client assertion: iss = sub = client id, aud, iat, nbf, exp, jti, signed per use.
public struct JWTClientAssertion: Sendable {
    public var clientID: String
    public var audience: String
    public var key: JWTSigningKey
    public var keyID: String?
    /// Validity around now: nbf = now − skew, exp = now + lifetime.
    public var lifetime: Duration = .seconds(120)
    public var skew: Duration = .seconds(120)
    /// Extra JOSE header fields; ConductorOne wants a random `nonce` there.
    public var headerNonce = false
    /// Further JOSE header fields (Microsoft Entra wants the certificate's `x5t` thumbprint).
    public var headerFields: [(String, JWTValue)] = []

    public init(clientID: String, audience: String, key: JWTSigningKey, keyID: String? = nil) {
        self.clientID = clientID
        self.audience = audience
        self.key = key
        self.keyID = keyID
    }

    public func make(now: Timestamp) throws(PollError) -> String {
        let seconds = now.microseconds / 1_000_000
        var header: [(String, JWTValue)] = []
        if let keyID { header.append(("kid", .string(keyID))) }
        if headerNonce { header.append(("nonce", .string(Base64URL.encode(randomBytes(16))))) }
        header += headerFields
        let claims: [(String, JWTValue)] = [
            ("iss", .string(clientID)), ("sub", .string(clientID)), ("aud", .string(audience)),
            ("iat", .integer(seconds)), ("nbf", .integer(seconds - Int64(skew.seconds))),
            ("exp", .integer(seconds + Int64(lifetime.seconds))), ("jti", .string(Base64URL.encode(randomBytes(16)))),
        ]
        return try JWT.sign(header: header, claims: claims, key: key)
    }

    private func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

/// Base64url without padding (RFC 4648 §5), as JOSE uses it.
public enum Base64URL {
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}

/// A private JSON Web Key (RFC 7517/8037): `OKP`/`Ed25519` or `EC`/`P-256`, from its `d` member.
public enum JWK {
    public static func signingKey(json: [UInt8]) throws(PollError) -> JWTSigningKey {
        let document = JSONDocument()
        guard let root = try? document.parse(json), root.kind == .object else {
            throw PollError(.credential(reason: "the key is not a JSON Web Key object"), endpoint: "")
        }
        let keyType = root["kty"]?.string ?? ""
        let curve = root["crv"]?.string ?? ""
        guard let privatePart = root["d"]?.string, let d = Base64URL.decode(privatePart) else {
            throw PollError(.credential(reason: "the JSON Web Key has no private part (d)"), endpoint: "")
        }
        switch (keyType, curve) {
        case ("OKP", "Ed25519"):
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: d) else {
                throw PollError(.credential(reason: "the Ed25519 JSON Web Key is not 32 bytes"), endpoint: "")
            }
            return .ed25519(key)
        case ("EC", "P-256"):
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: d) else {
                throw PollError(.credential(reason: "the P-256 JSON Web Key is invalid"), endpoint: "")
            }
            return .es256(key)
        default:
            throw PollError(.credential(reason: "JSON Web Key type \(keyType)/\(curve) is not supported (use OKP/Ed25519 or EC/P-256)"), endpoint: "")
        }
    }
}
