import COpenSSL
import FlyingSocks
import Foundation
import Logging
import RelayCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// TLS for `webhooks.listen` (`webhooks.tls: {cert, key}`), so the webhook port can face the
/// internet without an ingress terminating TLS. The HTTP side stays the hardened
/// `WebhookListener`, bound to loopback; this front accepts TLS connections (OpenSSL, TLS 1.2 or
/// later), and relays each decrypted connection to it. Blocking I/O on dedicated threads (one
/// accept thread, one per connection, at most `maxConcurrent`; more wait in the kernel's backlog),
/// never on the cooperative pool. A handshake or a silence longer than `readTimeout` closes the
/// connection, so slow clients cannot hold threads.
///
/// The certificate and key files are checked every `reloadInterval` (and on `reloadNow()`, which
/// SIGHUP calls): when either changed (cert-manager renewing a mounted Secret), a new context is
/// loaded for the connections that follow. A pair that does not load (a renewal caught half
/// written, a key that does not match) is logged and the previous certificate keeps serving.
public final class WebhookTLSFront: Service, @unchecked Sendable {
    // @unchecked: each `TLSContext` is an immutable OpenSSL context (thread-safe for SSL_new); the
    // rest is immutable or behind `Locked`.
    private let listen: String
    private let files: (certificate: String, key: String)
    private let reloadInterval: Duration
    private let upstream: @Sendable () -> Int?
    private let settings: WebhookSettings
    private let logger: Logger
    /// The context new connections use, and the files' signatures it was loaded from (the last
    /// signatures tried, when loading them failed, so a broken pair is reported once).
    private let current: Locked<(context: TLSContext, signatures: [FileSignature?])>
    private let boundPort = Locked<Int?>(nil)

    /// - Parameters:
    ///   - upstream: the plaintext `WebhookListener`'s loopback port, once it listens.
    ///   - reloadInterval: how often the certificate and key files are checked for a change.
    public init(listen: String, certificate: String, key: String, settings: WebhookSettings, upstream: @escaping @Sendable () -> Int?,
                reloadInterval: Duration = .seconds(30), logger: Logger) throws {
        let signatures = [FileSignature.current(path: certificate), FileSignature.current(path: key)]
        current = Locked((try TLSContext(certificate: certificate, key: key), signatures))
        files = (certificate, key)
        self.reloadInterval = reloadInterval
        self.listen = listen
        self.settings = settings
        self.upstream = upstream
        self.logger = logger
    }

    /// Loads the certificate and key again if either file changed since the last load.
    /// - Returns: whether a new certificate now serves.
    @discardableResult
    public func reloadNow() -> Bool {
        let signatures = [FileSignature.current(path: files.certificate), FileSignature.current(path: files.key)]
        guard current.withLock({ $0.signatures != signatures }) else { return false }
        do {
            let context = try TLSContext(certificate: files.certificate, key: files.key)
            current.withLock { $0 = (context, signatures) }
            logger.notice("webhooks.tls: certificate reloaded", metadata: ["cert": "\(files.certificate)", "notAfter": "\(context.notAfter ?? "?")"])
            return true
        } catch {
            current.withLock { $0.signatures = signatures }
            logger.error("webhooks.tls: the changed certificate or key does not load; still serving the previous certificate",
                         metadata: ["error": "\(error)"])
            return false
        }
    }

    public var port: Int? { boundPort.withLock { $0 } }

    public func run() async throws {
        let (socket, port) = try ListenAddress.listeningSocket(listen)
        // Blocking accepts on the dedicated thread below.
        let descriptor = socket.file.rawValue
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        boundPort.withLock { $0 = port }
        logger.info("webhook TLS listener listening", metadata: ["address": "\(listen)", "port": "\(port)"])
        let slots = DispatchSemaphore(value: settings.maxConcurrent)
        let acceptor = Thread { [self] in acceptLoop(descriptor, slots: slots) }
        acceptor.name = "auditrelay-webhook-tls"
        acceptor.start()
        let stopped = DispatchSemaphore(value: 0)
        // Reading the files is blocking I/O: on its own thread, not the cooperative pool. It sleeps
        // a whole interval at a time; shutdown wakes it.
        let reloader = Thread { [self] in
            while stopped.wait(timeout: .now() + reloadInterval.seconds) == .timedOut { reloadNow() }
        }
        reloader.name = "auditrelay-webhook-tls-reload"
        reloader.start()
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
            }
        } onGracefulShutdown: {}
        stopped.signal()
        // Unblocks accept(); connections already accepted finish within their timeouts.
        shutdown(descriptor, Int32(SHUT_RDWR))
        try? socket.close()
        logger.info("webhook TLS listener stopped")
    }

    private func acceptLoop(_ listener: Int32, slots: DispatchSemaphore) {
        while true {
            slots.wait()
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                slots.signal()
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // the listening socket was closed: shutting down
            }
            let worker = Thread { [self] in
                // A client that resets the connection while OpenSSL writes to it must not kill the process.
                blockSIGPIPEOnThisThread()
                relay(client)
                slots.signal()
            }
            worker.name = "auditrelay-webhook-tls-connection"
            worker.start()
        }
    }

    /// One connection: handshake, then bytes both ways until either side closes or goes quiet.
    private func relay(_ client: Int32) {
        defer { close(client) }
        let seconds = max(1, Int(settings.readTimeout.components.seconds))
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The connection keeps the context it started with alive through a reload.
        let context = current.withLock { $0.context }
        guard let ssl = SSL_new(context.pointer) else { return }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, client)
        guard SSL_accept(ssl) == 1 else {
            ERR_clear_error()  // a client that does not speak TLS, or too slowly: nothing to report per connection
            return
        }
        guard let port = upstream(), let backend = Self.connectLoopback(port: port) else {
            _ = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".withCString { SSL_write(ssl, $0, Int32(strlen($0))) }
            return
        }
        defer { close(backend) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: backend, events: Int16(POLLIN), revents: 0)]
        pumping: while true {
            // Decrypted bytes OpenSSL already holds do not show up as readable on the socket.
            let ready = SSL_pending(ssl) > 0 ? 1 : poll(&fds, 2, Int32(seconds * 1000))
            if ready <= 0 { break }  // quiet for readTimeout, or an error
            if SSL_pending(ssl) > 0 || fds[0].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
                guard count > 0, Self.sendAll(backend, buffer, count: Int(count)) else { break pumping }
            }
            if fds[1].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(backend, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break pumping }  // the listener answered and closed
                var offset = 0
                while offset < count {
                    let written = buffer.withUnsafeBytes { bytes in
                        bytes.baseAddress.map { SSL_write(ssl, $0 + offset, Int32(count - offset)) } ?? -1
                    }
                    guard written > 0 else { break pumping }
                    offset += Int(written)
                }
            }
            fds[0].revents = 0
            fds[1].revents = 0
        }
        SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private static func connectLoopback(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    private static func sendAll(_ descriptor: Int32, _ buffer: [UInt8], count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = buffer.withUnsafeBytes { bytes in
                bytes.baseAddress.map { send(descriptor, $0 + offset, count - offset, Int32(MSG_NOSIGNAL)) } ?? -1
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// One loaded certificate and key; freed when the last connection using it ends.
final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(certificate: String, key: String) throws {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw WebhookTLSError("cannot create a TLS context") }
        guard auditrelay_require_tls12(context) == 1,
              SSL_CTX_use_certificate_chain_file(context, certificate) == 1,
              SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
              SSL_CTX_check_private_key(context) == 1 else {
            ERR_clear_error()
            SSL_CTX_free(context)
            throw WebhookTLSError("webhooks.tls: cannot load the certificate chain \(certificate) with the key \(key) (PEM files that belong together)")
        }
        pointer = context
    }

    deinit { SSL_CTX_free(pointer) }

    /// The leaf certificate's notAfter, as OpenSSL prints it.
    var notAfter: String? {
        guard let certificate = SSL_CTX_get0_certificate(pointer), let time = X509_get0_notAfter(certificate),
              let memory = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(memory) }
        guard ASN1_TIME_print(memory, time) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = BIO_read(memory, &buffer, Int32(buffer.count))
        return count > 0 ? String(decoding: buffer.prefix(Int(count)), as: UTF8.self) : nil
    }
}

public struct WebhookTLSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
