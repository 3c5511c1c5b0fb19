import Foundation
import RelayCore

/// Forwards records as syslog messages (RFC 5424 or 3164, JSON or CEF body) over UDP, TCP, TLS
/// or RELP.
///
/// What an acknowledgement means per transport (a record the sink does not acknowledge is
/// redelivered by the pipeline, after a reconnect):
/// - RELP: the server answered the message's transaction with 200. Nothing acknowledged is lost
///   by the transport.
/// - TCP, TLS: all of the batch's bytes were written and the receiver's TCP stack acknowledged
///   them. If the receiver process dies, what sat unread in its socket buffer is lost although
///   acknowledged (syslog over TCP has no application acknowledgement; RFC 5424 §8.5). The
///   README gives the measured window.
/// - UDP: the datagram was sent. Best effort: loss is silent.
///
/// Blocking I/O runs on one dedicated thread per sink (`IOThread`); a failed connection is
/// reopened on the next delivery, which the pipeline retries with capped exponential backoff.
public actor SyslogSink: RecordSink {
    public struct Statistics: Sendable, Equatable {
        /// Messages the transport confirmed.
        public var delivered: UInt64 = 0
        /// Confirmed messages that were cut to `maxMessageBytes` (each ends with the marker).
        public var truncated: UInt64 = 0
        /// Connections opened (the first one included).
        public var connects: UInt64 = 0
    }

    public nonisolated let name: String
    private let connection: SyslogConnection
    private let thread: IOThread

    public init(configuration: Configuration) throws {
        name = configuration.name
        connection = try SyslogConnection(configuration)
        thread = IOThread(name: "syslog-\(configuration.name)")
    }

    deinit {
        thread.stop()  // a sink dropped without close(): let its thread end
    }

    public func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        try await thread.run { [connection] in try connection.deliver(entries) }
    }

    public func close() async throws {
        try await thread.run { [connection] in connection.close() }
        thread.stop()
    }

    public nonisolated var statistics: Statistics { connection.statistics }
}

/// The state behind one sink: formatter, transport and buffers. Used only on the sink's
/// `IOThread` (hence `@unchecked Sendable`), except `statistics`, which is lock-protected.
final class SyslogConnection: @unchecked Sendable {
    private let label: String
    private let formatter: SyslogFormatter
    private let transport: any SyslogTransport
    private var batch = MessageBatch()
    private var message: [UInt8] = []
    private var sequences: [UInt64] = []
    private var truncated: [Bool] = []
    private let lock = NSLock()
    private var counters = SyslogSink.Statistics()

    init(_ configuration: SyslogSink.Configuration) throws {
        label = "syslog sink \(configuration.name) (\(configuration.transport.rawValue)://\(configuration.host):\(configuration.port))"
        formatter = SyslogFormatter(format: configuration.format, body: configuration.body, facility: configuration.facility,
                                    severity: configuration.severity, hostname: configuration.hostname,
                                    maxMessageBytes: configuration.maxMessageBytes, utf8BOM: configuration.utf8BOM)
        do {
            transport = try Self.transport(for: configuration)
        } catch {
            throw SinkError("\(label): \(error)")
        }
    }

    /// The configured transport, not yet connected.
    static func transport(for configuration: SyslogSink.Configuration) throws -> any SyslogTransport {
        let (host, port) = (configuration.host, configuration.port)
        let (connectTimeout, ioTimeout) = (configuration.connectTimeout, configuration.ioTimeout)
        switch configuration.transport {
        case .udp: return UDPTransport(host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        case .tcp: return TCPTransport(host: host, port: port, framing: configuration.framing, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        case .relp: return RELPTransport(host: host, port: port, connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        case .tls:
            return try TLSTransport(host: host, port: port, framing: .octetCounting, settings: configuration.tls,
                                    connectTimeout: connectTimeout, ioTimeout: ioTimeout)
        }
    }

    var statistics: SyslogSink.Statistics {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    func deliver(_ entries: [LogEntry]) throws -> [UInt64] {
        batch.removeAll()
        sequences.removeAll(keepingCapacity: true)
        truncated.removeAll(keepingCapacity: true)
        let framing = transport.framing
        for entry in entries {
            // An envelope that cannot be read is a spool defect: never acknowledged, so it stays.
            guard let view = EnvelopeView(entry.envelope) else { continue }
            message.removeAll(keepingCapacity: true)
            truncated.append(formatter.append(envelope: entry.envelope, view: view, to: &message))
            framing.append(message[...], to: &batch.bytes)
            batch.ends.append(batch.bytes.count)
            sequences.append(entry.sequence)
        }
        guard batch.count > 0 else { return [] }
        if !transport.isConnected {
            do {
                try transport.connect()
            } catch {
                throw SinkError("\(label): \(error)")
            }
            count { $0.connects += 1 }
        }
        var confirmed: [Int] = []
        confirmed.reserveCapacity(batch.count)
        var failure: (any Error)?
        do {
            try transport.send(batch, confirmed: &confirmed)
        } catch {
            failure = error
        }
        let cut = confirmed.reduce(0) { $0 + (truncated[$1] ? 1 : 0) }
        count {
            $0.delivered += UInt64(confirmed.count)
            $0.truncated += UInt64(cut)
        }
        // A partial failure returns what was confirmed; the pipeline retries the rest.
        if let failure, confirmed.isEmpty { throw SinkError("\(label): \(failure)") }
        return confirmed.map { sequences[$0] }
    }

    func close() {
        transport.close()
    }

    private func count(_ update: (inout SyslogSink.Statistics) -> Void) {
        lock.lock()
        update(&counters)
        lock.unlock()
    }
}
