import Crypto
import Foundation
import RelayCore

/// An OAuth refresh token that the vendor replaces on every use (Workday, Box): the old one is
/// revoked, so a restart must use the newest, not the one in the config. It is persisted in the
/// source's committed cursor (`SourceCursor.sealedCredential`), atomically with the events. The
/// cursor lives in the spool and no secret may reach a spool file, so the token is sealed
/// (AES-256-GCM) with a key derived (HKDF-SHA256) from the configured client secret and the
/// source id: the spool alone does not reveal it.
public final class RotatingRefreshToken: @unchecked Sendable {
    private let lock = NSLock()
    private let configured: Secret
    private var current: Secret
    private let key: SymmetricKey
    private var sealedCache: (token: String, sealed: String)?

    /// - Parameters:
    ///   - configured: the refresh token from the config (used until a newer one is known).
    ///   - sealingSecret: the client secret the key is derived from.
    public init(configured: Secret, sealingSecret: Secret, sourceID: String) {
        self.configured = configured
        current = configured
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(sealingSecret.reveal().utf8)),
                                     salt: Array("auditrelay refresh token".utf8), info: Array(sourceID.utf8), outputByteCount: 32)
    }

    /// The token to send.
    public var token: Secret { lock.withLock { current } }

    /// The vendor issued a new token (the old one is now revoked).
    public func rotate(to token: Secret) { lock.withLock { current = token } }

    /// The current token sealed for the cursor; nil while it is still the configured one.
    public func sealed() -> String? {
        lock.withLock {
            guard current != configured else { return nil }
            if let cache = sealedCache, cache.token == current.reveal() { return cache.sealed }
            guard let box = try? AES.GCM.seal(Array(current.reveal().utf8), using: key), let combined = box.combined else { return nil }
            let sealed = Base64URL.encode(combined)
            sealedCache = (current.reveal(), sealed)
            return sealed
        }
    }

    /// Takes the token a committed cursor carries. False when it cannot be opened (the client
    /// secret changed, or the cursor was tampered with): the configured token stays in use.
    @discardableResult
    public func restore(sealed: String) -> Bool {
        guard let bytes = Base64URL.decode(sealed), let box = try? AES.GCM.SealedBox(combined: bytes),
              let plain = try? AES.GCM.open(box, using: key) else { return false }
        let token = String(decoding: plain, as: UTF8.self)
        lock.withLock {
            current = Secret(token)
            sealedCache = (token, sealed)
        }
        return true
    }

    var redactions: [String] { lock.withLock { [configured.reveal(), current.reveal()] } }
}
