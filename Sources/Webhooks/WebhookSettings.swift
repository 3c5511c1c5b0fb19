import Foundation
import RelayCore

/// The top-level `webhooks:` section: where pushed sources are served and the limits that keep an
/// internet-facing listener from being tied up. Without it, `POST /webhooks/{sourceID}` is served
/// on `http.listen` only.
public struct WebhookSettings: Sendable {
    /// A dedicated listener (`host:port`) for webhooks, so it can face the internet (through an
    /// ingress) while `http.listen` with `/metrics` stays private. nil: only `http.listen`.
    public var listen: String?
    /// Requests handled at once on the dedicated listener; further connections wait in the
    /// kernel's accept backlog instead of in memory. Also the bound on buffered bodies
    /// (at most `maxConcurrent` × a source's `maxBodyBytes`).
    public var maxConcurrent = 64
    /// The whole request (headers and body) must arrive within this, or the client gets 408 and
    /// is disconnected (slowloris).
    public var readTimeout: Duration = .seconds(10)
    /// How long a delivery may wait for room in a full spool before it is answered 503.
    public var spoolWait: Duration = .seconds(2)
    /// The `Retry-After` of a 503.
    public var retryAfter: Duration = .seconds(10)
    /// Largest request line plus headers.
    public var maxHeaderBytes = 64 << 10
    /// `tls: {cert, key}`: PEM files (the chain, then its key) for TLS on `webhooks.listen`.
    public var tls: (certificate: String, key: String)?

    public init() {}

    public init(_ section: ConfigSection?) {
        guard let section else { return }
        listen = section.string("listen")
        maxConcurrent = section.integer("maxConcurrent", default: maxConcurrent, range: 1...10_000)
        readTimeout = section.duration("readTimeout", default: readTimeout)
        spoolWait = section.duration("spoolWait", default: spoolWait)
        retryAfter = section.duration("retryAfter", default: retryAfter)
        if readTimeout < .milliseconds(100) { section.report("readTimeout", "must be at least 100ms") }
        if retryAfter < .seconds(1) { section.report("retryAfter", "must be at least 1s") }
        if let listen, (try? ListenAddress.parse(listen)) == nil {
            section.report("listen", "\"\(listen)\" is not host:port (e.g. 0.0.0.0:8443, [::]:8443)")
        }
        if let tls = section.section("tls") {
            let certificate = tls.requiredString("cert"), key = tls.requiredString("key")
            for (name, path) in [("cert", certificate), ("key", key)] where !path.isEmpty && access(path, R_OK) != 0 {
                tls.report(name, "\(path) cannot be read: \(String(cString: strerror(errno)))")
            }
            tls.finish()
            self.tls = (certificate, key)
            if listen == nil { section.report("tls", "needs webhooks.listen (TLS is served on the dedicated webhook listener)") }
        }
        section.finish()
    }
}
