import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Syslog over plain TCP (RFC 6587), octet-counted or newline-framed.
///
/// A batch is confirmed once all its bytes are written and the receiver's TCP stack has
/// acknowledged them (our send queue is empty). That is the most TCP can tell: what sits in the
/// receiver's socket buffer when the receiver process dies is lost although confirmed (the loss
/// window, measured in the README). Before each batch the transport checks whether the receiver
/// has already closed the connection and reconnects instead of writing into it.
final class TCPTransport: SyslogTransport {
    let framing: Framing
    private let host: String
    private let port: Int
    private let connectTimeout: Duration
    private let ioTimeout: Duration
    private var descriptor: Int32 = -1

    init(host: String, port: Int, framing: Framing, connectTimeout: Duration, ioTimeout: Duration) {
        self.host = host
        self.port = port
        self.framing = framing
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
    }

    var isConnected: Bool {
        if descriptor >= 0 && SocketIO.peerHasClosed(descriptor) { abort() }
        return descriptor >= 0
    }

    func connect() throws {
        descriptor = try SocketIO.connect(host: host, port: port, datagram: false, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
    }

    func send(_ batch: MessageBatch, confirmed: inout [Int]) throws {
        var written = 0
        do {
            try SocketIO.writeAll(descriptor, batch.bytes, from: 0, written: &written)
            try SocketIO.waitUntilPeerAcknowledged(descriptor, timeout: ioTimeout)
        } catch {
            // Nothing of a failed batch is confirmed: whatever was written may be redelivered
            // (a duplicate at worst), never dropped.
            abort()
            throw error
        }
        confirmed.append(contentsOf: 0..<batch.count)
    }

    func close() {
        guard descriptor >= 0 else { return }
        SocketIO.closeGracefully(descriptor, timeout: .seconds(2))
        descriptor = -1
    }

    private func abort() {
        if descriptor >= 0 { SocketIO.closeAbortively(descriptor) }
        descriptor = -1
    }
}
