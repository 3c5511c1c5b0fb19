import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// One message per datagram (RFC 5426) on a connected UDP socket. Best effort: a message counts
/// as delivered once `send` accepts it; the network or a busy receiver may still drop it, and
/// nothing tells us. A refused port (ICMP) surfaces as an error on a later send, which fails that
/// batch so it is retried.
final class UDPTransport: SyslogTransport {
    private let host: String
    private let port: Int
    private let connectTimeout: Duration
    private let ioTimeout: Duration
    private var descriptor: Int32 = -1

    init(host: String, port: Int, connectTimeout: Duration, ioTimeout: Duration) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
    }

    var isConnected: Bool { descriptor >= 0 }
    var framing: Framing { .none }

    func connect() throws {
        descriptor = try SocketIO.connect(host: host, port: port, datagram: true, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
    }

    func send(_ batch: MessageBatch, confirmed: inout [Int]) throws {
        for index in 0..<batch.count {
            let message = batch.message(index)
            let result = message.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = SystemError(errno: errno)
                close()
                throw SinkError("send failed: \(error)")
            }
            confirmed.append(index)
        }
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
