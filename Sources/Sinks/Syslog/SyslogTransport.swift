/// One connection to a syslog receiver. Used only on the sink's `IOThread`.
protocol SyslogTransport: AnyObject {
    var isConnected: Bool { get }
    /// How messages must be framed in the batch given to `send` (bare for UDP and RELP).
    var framing: Framing { get }
    func connect() throws
    /// Sends `batch`; `confirmed` receives the index of each message the transport confirms
    /// (written to the kernel for UDP/TCP/TLS, acknowledged by the server for RELP), also when it
    /// throws part-way. After a throw the connection is closed.
    func send(_ batch: MessageBatch, confirmed: inout [Int]) throws
    /// Ends the session cleanly (TLS close_notify, RELP close, TCP half-close) and closes.
    func close()
}
