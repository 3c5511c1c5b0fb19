import FlyingFox
import FlyingSocks
import Foundation
import Logging
import ServiceLifecycle

/// The dedicated webhook listener (`webhooks.listen`): a deliberately small HTTP/1.1 server on
/// FlyingSocks, written for a port that faces the internet. FlyingFox's server (the ops listener)
/// reads header lines without a length bound and has no deadline before the handler runs; here:
/// - the request line and headers are capped (`maxHeaderBytes`, else 431);
/// - the whole request must arrive within `readTimeout` (else 408 and the connection is closed);
/// - Content-Length above the endpoint's `maxBodyBytes` is answered 413 before any body byte is
///   read, and a chunked body is counted while it streams and cut off the moment it passes it;
/// - at most `maxConcurrent` requests are handled at once; more connections wait in the kernel's
///   accept backlog;
/// - one request per connection (`Connection: close`): nothing is left half-read between requests.
public final class WebhookListener: Service, Sendable {
    private let receiver: WebhookReceiver
    private let settings: WebhookSettings
    private let listen: String
    private let logger: Logger
    private let boundPort = Locked<Int?>(nil)

    public init(listen: String, settings: WebhookSettings, receiver: WebhookReceiver, logger: Logger) {
        self.listen = listen
        self.settings = settings
        self.receiver = receiver
        self.logger = logger
    }

    /// The bound port once listening (useful with port 0).
    public var port: Int? { boundPort.withLock { $0 } }

    public func run() async throws {
        let (socket, port) = try ListenAddress.listeningSocket(listen)
        boundPort.withLock { $0 = port }
        logger.info("webhook listener listening", metadata: ["address": "\(listen)", "port": "\(port)"])
        let pool = HTTPServer.defaultPool()
        try await pool.prepare()
        let listener = try AsyncSocket(socket: socket, pool: pool)
        let gate = Gate(limit: settings.maxConcurrent)
        defer { try? socket.close() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { try? await pool.run() }
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    await gate.enter()
                    let client: AsyncSocket
                    do {
                        // Shutdown cancels the wait for the next connection; requests already
                        // accepted run to completion (each is bounded by its deadlines).
                        client = try await cancelWhenGracefulShutdown { try await listener.accept() }
                    } catch {
                        await gate.leave()
                        if !Task.isShuttingDownGracefully && !Task.isCancelled {
                            logger.error("webhook listener cannot accept connections", metadata: ["error": "\(error)"])
                        }
                        break
                    }
                    group.addTask {
                        await self.serve(client, pool: pool)
                        await gate.leave()
                    }
                }
                await gate.waitUntilIdle()
                group.cancelAll()  // the socket pool's loop
            }
        } onGracefulShutdown: { [receiver] in
            receiver.stop()
        }
        logger.info("webhook listener stopped")
    }

    // MARK: One connection

    private func serve(_ client: AsyncSocket, pool: some AsyncSocketPool) async {
        defer { try? client.close() }
        let reader = RequestReader(client: client, pool: pool, receiver: receiver, maxHeaderBytes: settings.maxHeaderBytes)
        let response: WebhookResponse
        switch await Self.withDeadline(settings.readTimeout, { try await reader.read() }) {
        case .finished(.request(let request)):
            response = await receiver.handle(request)
        case .finished(.answer(let answer, let sourceID)):
            receiver.count(answer, sourceID: sourceID)
            response = answer
        case .failed(let error):
            // The peer went away mid-request: nobody to answer.
            if case SocketError.disconnected = error { return }
            response = .badRequest("malformed request")
        case .timedOut:
            response = .timeout
            if let sourceID = reader.sourceID { receiver.count(response, sourceID: sourceID) }
        }
        let bytes = Self.encode(response)
        _ = await Self.withDeadline(settings.readTimeout) { try await client.write(bytes) }
    }

    static func encode(_ response: WebhookResponse) -> Data {
        var head = "HTTP/1.1 \(response.status) \(response.reason)\r\n"
        let body = Data(response.body.utf8)
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Data(head.utf8) + body
    }

    enum Deadline<Value: Sendable>: Sendable {
        case finished(Value)
        case failed(any Error)
        case timedOut
    }

    /// Runs `body` and cancels it when `limit` passes first (a cancelled socket wait ends at once).
    static func withDeadline<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Value) async -> Deadline<Value> {
        await withTaskGroup(of: Deadline<Value>?.self) { group in
            group.addTask {
                do { return .finished(try await body()) } catch { return .failed(error) }
            }
            group.addTask {
                do { try await Task.sleep(for: limit) } catch { return nil }
                return .timedOut
            }
            var outcome: Deadline<Value> = .timedOut
            for await result in group {
                guard let result else { continue }
                outcome = result
                break
            }
            group.cancelAll()
            return outcome
        }
    }
}

/// Reads one request from a connection with the listener's limits.
final class RequestReader: Sendable {
    enum Outcome: Sendable {
        case request(WebhookRequest)
        /// Answered without reading (the rest of) the body: 404, 405, 400, 413, 431.
        case answer(WebhookResponse, sourceID: String)
    }

    private let client: AsyncSocket
    private let pool: any AsyncSocketPool
    private let receiver: WebhookReceiver
    private let maxHeaderBytes: Int
    private let routed = Locked<String?>(nil)

    init(client: AsyncSocket, pool: any AsyncSocketPool, receiver: WebhookReceiver, maxHeaderBytes: Int) {
        self.client = client
        self.pool = pool
        self.receiver = receiver
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The configured source the request was routed to, once known (for metrics on a timeout).
    var sourceID: String? { routed.withLock { $0 } }

    /// Up to `limit` bytes as soon as some are available (64 KiB reads; AsyncSocket's own read
    /// takes 4 KiB at a time).
    private func receive(atMost limit: Int) async throws -> [UInt8] {
        while true {
            try Task.checkCancellation()
            do {
                return try client.socket.read(atMost: min(limit, 64 << 10))
            } catch SocketError.blocked {
                try await pool.suspendSocket(client.socket, untilReadyFor: .read)
            }
        }
    }

    func read() async throws -> Outcome {
        // Request line and headers, up to the blank line.
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let searchFrom = max(0, buffer.count - 3)
            buffer += try await receive(atMost: maxHeaderBytes + 4 - buffer.count)
            headEnd = Self.find([13, 10, 13, 10], in: buffer, from: searchFrom)
            if headEnd == nil && buffer.count >= maxHeaderBytes + 4 {
                return .answer(WebhookResponse(status: 431, body: "request headers too large"), sourceID: "")
            }
        }
        guard let headEnd, let head = String(validating: buffer[..<headEnd], as: UTF8.self) else {
            return .answer(.badRequest("request head is not UTF-8"), sourceID: "")
        }
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } ?? []
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            return .answer(.badRequest("malformed request line"), sourceID: "")
        }
        let method = requestLine[0]
        let path = requestLine[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let prefix = "/webhooks/"
        guard path.hasPrefix(prefix) else { return .answer(.notFound, sourceID: "") }
        let sourceID = String(path.dropFirst(prefix.count))
        guard !sourceID.isEmpty, !sourceID.contains("/"), let endpoint = receiver.endpoint(sourceID) else {
            return .answer(.notFound, sourceID: "")
        }
        routed.withLock { $0 = sourceID }
        guard method == "POST" else { return .answer(.methodNotAllowed, sourceID: sourceID) }

        var headers = WebhookHeaders()
        var lengths: Set<String> = []
        for line in lines.dropFirst() where !line.isEmpty {
            // Obsolete line folding (RFC 9112 §5.2) is refused rather than guessed at.
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" else {
                return .answer(.badRequest("malformed header line"), sourceID: sourceID)
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "content-length" { lengths.insert(value) }
            headers[name] = value
        }
        let limit = endpoint.maxBodyBytes
        let leftover = buffer[(headEnd + 4)...]
        let body: [UInt8]
        if let encoding = headers["Transfer-Encoding"] {
            // RFC 9112 §6.1: both framings at once is a smuggling vector, refuse it.
            guard lengths.isEmpty else { return .answer(.badRequest("Content-Length and Transfer-Encoding together"), sourceID: sourceID) }
            guard encoding.lowercased() == "chunked" else { return .answer(.badRequest("only chunked transfer encoding is supported"), sourceID: sourceID) }
            try await continueIfExpected(headers)
            guard let chunked = try await readChunked(Array(leftover), limit: limit) else {
                return .answer(.tooLarge(limit: limit), sourceID: sourceID)
            }
            body = chunked
        } else if let text = lengths.first {
            guard lengths.count == 1, let length = Int(text), length >= 0 else {
                return .answer(.badRequest("invalid Content-Length"), sourceID: sourceID)
            }
            // Refused before a byte of the body is read: an oversized body is never buffered.
            guard length <= limit else { return .answer(.tooLarge(limit: limit), sourceID: sourceID) }
            try await continueIfExpected(headers)
            var bytes = [UInt8]()
            bytes.reserveCapacity(length)
            bytes += leftover.prefix(length)
            while bytes.count < length {
                bytes += try await receive(atMost: length - bytes.count)
            }
            body = bytes
        } else {
            body = []
        }
        return .request(WebhookRequest(sourceID: sourceID, headers: headers, body: body))
    }

    /// Clients that send `Expect: 100-continue` (curl does above 1 MiB) wait for this before the body.
    private func continueIfExpected(_ headers: WebhookHeaders) async throws {
        guard headers["Expect"]?.lowercased() == "100-continue" else { return }
        try await client.write(Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    /// Decodes a chunked body, counting as it goes; nil as soon as it passes `limit`.
    private func readChunked(_ initial: [UInt8], limit: Int) async throws -> [UInt8]? {
        var pending = initial  // received, not yet decoded
        var position = 0
        var body: [UInt8] = []
        /// Makes at least `count` undecoded bytes available.
        func need(_ count: Int) async throws {
            while pending.count - position < count {
                if position > 0 {
                    pending.removeFirst(position)
                    position = 0
                }
                pending += try await receive(atMost: 64 << 10)
            }
        }
        /// The next CRLF-terminated line (chunk sizes, trailers), at most 4 KiB.
        func line() async throws -> [UInt8]? {
            while true {
                if let end = Self.find([13, 10], in: pending, from: position) {
                    defer { position = end + 2 }
                    return Array(pending[position..<end])
                }
                if pending.count - position > 4096 { return nil }
                try await need(pending.count - position + 1)
            }
        }
        while true {
            guard let sizeLine = try await line() else { throw SocketError.disconnected }
            let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") }
            guard !digits.isEmpty, digits.count <= 16, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw SocketError.disconnected
            }
            if size == 0 {
                // Trailers, then the blank line.
                while let trailer = try await line(), !trailer.isEmpty {}
                return body
            }
            guard body.count + size <= limit else { return nil }
            try await need(size + 2)
            body += pending[position..<(position + size)]
            position += size + 2
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = max(0, start)
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// Admits at most `limit` requests at once; the accept loop waits here (the only waiter).
actor Gate {
    private let limit: Int
    private var active = 0
    private var waiting: CheckedContinuation<Void, Never>?
    private var idle: CheckedContinuation<Void, Never>?

    init(limit: Int) { self.limit = max(1, limit) }

    func enter() async {
        if active >= limit {
            await withCheckedContinuation { waiting = $0 }
        }
        active += 1
    }

    func leave() {
        active -= 1
        if let waiter = waiting, active < limit {
            waiting = nil
            waiter.resume()
        }
        if active == 0, let idle {
            self.idle = nil
            idle.resume()
        }
    }

    func waitUntilIdle() async {
        guard active > 0 else { return }
        await withCheckedContinuation { idle = $0 }
    }
}

/// `host:port` as a socket address: `0.0.0.0:8443`, `[::]:8443`, `localhost:0`.
public enum ListenAddress {
    /// A socket bound to `listen` and listening, and its port (the one chosen for port 0).
    static func listeningSocket(_ listen: String) throws -> (Socket, Int) {
        let address = try parse(listen)
        let socket = try Socket(domain: Int32(type(of: address).family))
        try socket.setValue(true, for: .localAddressReuse)
        try socket.bind(to: address)
        try socket.listen()
        switch try socket.sockname() {
        case .ip4(_, let port), .ip6(_, let port): return (socket, Int(port))
        case .unix: return (socket, 0)
        }
    }

    /// Whether a listener could bind `listen` now (`auditrelay check --connect`): binds and closes.
    public static func checkBindable(_ listen: String) throws {
        let (socket, _) = try listeningSocket(listen)
        try socket.close()
    }

    static func parse(_ listen: String) throws -> any SocketAddress {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw WebhookConfigurationError("webhooks.listen \"\(listen)\" is not host:port")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            return try sockaddr_in6.inet6(ip6: String(host.dropFirst().dropLast()), port: port)
        }
        if host.isEmpty || host == "*" { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        return try sockaddr_in.inet(ip4: host, port: port)
    }
}
