import COpenSSL
import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Syslog over TLS (RFC 5425: octet counting) with OpenSSL, TLS 1.2 or newer.
///
/// The server's certificate is verified by default against `tls.ca` or the system store, and must
/// name the host (`SSL_set1_host`, or the IP address for an IP literal). A client certificate is
/// presented when configured. Like TCP, a batch is confirmed once `SSL_write` has handed its bytes
/// to the kernel and the receiver's TCP stack has acknowledged them. `close` sends close_notify and waits for the server to close its side
/// before closing the socket: closing a TLS 1.3 socket with unread data (session tickets) resets
/// the connection, and the receiver then drops the tail it had not yet read.
final class TLSTransport: SyslogTransport {
    let framing: Framing
    private let host: String
    private let port: Int
    private let settings: SyslogSink.TLSSettings
    private let connectTimeout: Duration
    private let ioTimeout: Duration
    private let context: OpaquePointer
    private var session: OpaquePointer?
    private var descriptor: Int32 = -1

    init(host: String, port: Int, framing: Framing, settings: SyslogSink.TLSSettings, connectTimeout: Duration, ioTimeout: Duration) throws {
        self.host = host
        self.port = port
        self.framing = framing
        self.settings = settings
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Self.failure("cannot create a TLS context") }
        self.context = context
        _ = auditrelay_require_tls12(context)
        if settings.verify {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let ca = settings.caFile {
                guard SSL_CTX_load_verify_locations(context, ca, nil) == 1 else {
                    SSL_CTX_free(context)
                    throw Self.failure("cannot load CA file \(ca)")
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                SSL_CTX_free(context)
                throw Self.failure("cannot load the system CA store")
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if let certificate = settings.certificateFile, let key = settings.keyFile {
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                SSL_CTX_free(context)
                throw Self.failure("cannot load client certificate \(certificate)")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
                SSL_CTX_free(context)
                throw Self.failure("cannot load client key \(key) (or it does not match the certificate)")
            }
        }
    }

    deinit {
        abort()
        SSL_CTX_free(context)
    }

    var isConnected: Bool {
        if descriptor >= 0 && peerHasClosed() { abort() }
        return descriptor >= 0
    }

    func connect() throws {
        let descriptor = try SocketIO.connect(host: host, port: port, datagram: false, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        guard let session = SSL_new(context) else {
            Glibc.close(descriptor)
            throw Self.failure("cannot create a TLS session")
        }
        self.descriptor = descriptor
        self.session = session
        _ = SSL_set_fd(session, descriptor)
        let name = settings.serverName ?? host
        let isAddress = Self.isIPAddress(name)
        if !isAddress { _ = auditrelay_set_server_name(session, name) }
        if settings.verify {
            let pinned = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(session), name) : SSL_set1_host(session, name)
            guard pinned == 1 else {
                abort()
                throw Self.failure("cannot check the certificate against \(name)")
            }
        }
        ERR_clear_error()
        guard SSL_connect(session) == 1 else {
            let verify = SSL_get_verify_result(session)
            let reason = verify != Int(X509_V_OK) ? "certificate verification failed: \(String(cString: X509_verify_cert_error_string(verify)))" : Self.lastError()
            abort()
            throw SinkError("TLS handshake with \(host):\(port) failed: \(reason)")
        }
    }

    func send(_ batch: MessageBatch, confirmed: inout [Int]) throws {
        guard let session else { throw SinkError("not connected") }
        var written = 0
        try batch.bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while written < buffer.count {
                let chunk = Int32(min(65536, buffer.count - written))
                ERR_clear_error()
                let count = SSL_write(session, base + written, chunk)
                guard count > 0 else {
                    let reason = errno == EAGAIN ? "send timed out" : Self.lastError()
                    abort()
                    throw SinkError("TLS write failed: \(reason)")
                }
                written += Int(count)
            }
        }
        do {
            try SocketIO.waitUntilPeerAcknowledged(descriptor, timeout: ioTimeout)
        } catch {
            abort()
            throw error
        }
        confirmed.append(contentsOf: 0..<batch.count)
    }

    func close() {
        guard let session, descriptor >= 0 else { return }
        _ = SSL_shutdown(session)  // close_notify
        SocketIO.closeGracefully(descriptor, timeout: .seconds(2))
        SSL_free(session)
        self.session = nil
        descriptor = -1
    }

    /// Reads whatever the server sent (session tickets, close_notify, alerts) without blocking;
    /// true when it has closed the connection.
    private func peerHasClosed() -> Bool {
        guard let session else { return true }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(descriptor, F_SETFL, flags) }
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            ERR_clear_error()
            let count = scratch.withUnsafeMutableBytes { SSL_read(session, $0.baseAddress, Int32($0.count)) }
            if count > 0 { continue }  // a syslog server sends no data; discard
            return SSL_get_error(session, count) != SSL_ERROR_WANT_READ
        }
    }

    private func abort() {
        if let session { SSL_free(session) }
        if descriptor >= 0 { SocketIO.closeAbortively(descriptor) }
        session = nil
        descriptor = -1
    }

    static func isIPAddress(_ name: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, name, &buffer) == 1 || inet_pton(AF_INET6, name, &buffer) == 1
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return errno != 0 ? "\(SystemError(errno: errno))" : "connection closed" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func failure(_ what: String) -> SinkError {
        SinkError("\(what): \(lastError())")
    }
}
