import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Syslog over plain TCP (RFC 6587), octet-counted or newline-framed.
///
/// A message is confirmed once all its bytes are written to the kernel. That is the most TCP can
/// tell: bytes in our send buffer or the receiver's socket buffer when the receiver dies are lost
/// although confirmed (the loss window, measured in the README). Before each batch the sink
/// checks whether the receiver has already closed the connection and reconnects instead of
/// writing into it, which keeps that window to what was in flight when the receiver died.
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
        defer {
            // Confirm every message whose last byte was written.
            var index = confirmed.last.map { $0 + 1 } ?? 0
            while index < batch.count && batch.ends[index] <= written {
                confirmed.append(index)
                index += 1
            }
        }
        do {
            try SocketIO.writeAll(descriptor, batch.bytes, from: 0, written: &written)
        } catch {
            abort()
            throw error
        }
    }

    func close() {
        guard descriptor >= 0 else { return }
        SocketIO.closeGracefully(descriptor, timeout: .seconds(2))
        descriptor = -1
    }

    private func abort() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
