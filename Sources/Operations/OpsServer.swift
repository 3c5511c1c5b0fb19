import FlyingFox
import Foundation
import FlyingSocks
import Logging
import Prometheus
import RelayCore
import ServiceLifecycle

/// The operator endpoint: `/healthz` (the process is alive), `/readyz` (see `Readiness`) and
/// `/metrics` (Prometheus text), `/status` (each source's and sink's last error, JSON), plus `/webhooks/*` when pushed sources are configured. Runs until
/// graceful shutdown.
public final class OpsServer: Service, @unchecked Sendable {
    // @unchecked: all stored properties are immutable references to Sendable or actor-isolated state.
    private let server: HTTPServer
    private let logger: Logger
    private let address: String

    /// - Parameters:
    ///   - listen: `host:port` (`127.0.0.1:8686`, `0.0.0.0:8686`, `[::1]:8686`; port 0 = any free port).
    ///   - status: the record log's current status, for readiness.
    ///   - started: whether the pipeline is running.
    ///   - lastErrors: served as `GET /status` (what `auditrelay status` adds to the metrics).
    public init(listen: String, registry: PrometheusCollectorRegistry, readiness: Readiness,
                status: @escaping @Sendable () async -> RecordLogStatus?, started: @escaping @Sendable () async -> Bool,
                lastErrors: LastErrors? = nil, webhooks: (any HTTPHandler)? = nil, logger: Logger) throws {
        self.logger = logger
        self.address = listen
        let quiet: DisabledLogger = .disabled
        server = HTTPServer(address: try Self.socketAddress(listen), timeout: 15, logger: quiet)
        Task { [server] in
            await server.appendRoute("GET /healthz") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain"], body: Data("ok\n".utf8))
            }
            await server.appendRoute("GET /readyz") { _ in
                let (ready, problems) = readiness.verdict(started: await started(), status: await status())
                guard ready else {
                    return HTTPResponse(statusCode: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                        body: Data((problems.joined(separator: "\n") + "\n").utf8))
                }
                // In process mode a backlog does not fail the probe, but whoever reads the body
                // (an operator with curl) still learns about it.
                let body = problems.isEmpty ? "ready\n" : "ready (http.readiness: process)\n" + problems.map { "pipeline: \($0)\n" }.joined()
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain"], body: Data(body.utf8))
            }
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: Data(registry.emitToBuffer()))
            }
            if let lastErrors {
                await server.appendRoute("GET /status") { _ in
                    HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: Data(lastErrors.json()))
                }
            }
            // Every method: the handler answers 405 itself, naming POST.
            if let webhooks { await server.appendRoute("/webhooks/*", to: webhooks) }
        }
    }

    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: { [server] in
                Task { await server.stop(timeout: 1) }
            }
        } catch where Task.isShuttingDownGracefully || Task.isCancelled {
            // Stopping the server makes `run` throw "disconnected": that is the shutdown we asked for.
        }
    }

    /// Waits until the socket is bound and returns the port (useful with port 0).
    public func waitUntilListening() async throws -> Int {
        try await server.waitUntilListening()
        switch await server.listeningAddress {
        case .ip4(_, let port), .ip6(_, let port): return Int(port)
        default: return 0
        }
    }

    static func socketAddress(_ listen: String) throws -> any FlyingSocks.SocketAddress {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw OpsError("http.listen \"\(listen)\" is not host:port")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            return try sockaddr_in6.inet6(ip6: host, port: port)
        }
        if host.isEmpty || host == "*" { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        return try sockaddr_in.inet(ip4: host, port: port)
    }
}

public struct OpsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
import Glibc
#endif
