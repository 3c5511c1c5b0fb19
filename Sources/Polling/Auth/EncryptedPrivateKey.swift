import COpenSSL
import RelayCore

/// Encrypted private keys (`ENCRYPTED PRIVATE KEY`, PKCS#8 with PBES2, or a legacy PEM with
/// `Proc-Type: 4,ENCRYPTED`), which swift-crypto cannot read: OpenSSL decrypts them with the
/// passphrase into an unencrypted PKCS#8 PEM, kept in memory only.
public enum EncryptedPrivateKey {
    /// Whether `pem` holds an encrypted key.
    public static func isEncrypted(_ pem: String) -> Bool {
        pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED")
    }

    /// The key of `pem` as an unencrypted PKCS#8 PEM. Errors name the cause, never the key or passphrase.
    public static func decrypt(_ pem: String, passphrase: Secret) throws(PollError) -> Secret {
        let key: OpaquePointer? = pem.withCString { text in
            guard let input = BIO_new_mem_buf(text, Int32(pem.utf8.count)) else { return nil }
            defer { BIO_free(input) }
            return passphrase.reveal().withCString { phrase in
                // With no callback, OpenSSL takes the last argument as the passphrase.
                PEM_read_bio_PrivateKey(input, nil, nil, UnsafeMutableRawPointer(mutating: phrase))
            }
        }
        ERR_clear_error()  // a wrong passphrase leaves OpenSSL errors queued for this thread
        guard let key else {
            throw PollError.credential("the private key cannot be decrypted with privateKeyPassphrase (a wrong passphrase, or not a PEM private key)")
        }
        defer { EVP_PKEY_free(key) }
        guard let output = BIO_new(BIO_s_mem()) else { throw PollError.credential("out of memory decrypting the private key") }
        defer { BIO_free(output) }
        guard PEM_write_bio_PKCS8PrivateKey(output, key, nil, nil, 0, nil, nil) == 1 else {
            ERR_clear_error()
            throw PollError.credential("the decrypted private key cannot be written as PKCS#8")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<Int(count)])
        }
        return Secret(String(decoding: bytes, as: UTF8.self))
    }
}
