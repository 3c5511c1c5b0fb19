import Foundation
import Logging
import Metrics
import RelayCore

/// An answer to a webhook request, independent of the listener that sends it.
public struct WebhookResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: String

    public init(status: Int, headers: [String: String] = [:], body: String) {
        self.status = status
        self.headers = headers
        self.body = body.hasSuffix("\n") || body.isEmpty ? body : body + "\n"
    }

    public static let notFound = WebhookResponse(status: 404, body: "no webhook source with this id")
    public static let methodNotAllowed = WebhookResponse(status: 405, headers: ["Allow": "POST"], body: "webhooks are POSTed")
    public static func tooLarge(limit: Int) -> WebhookResponse {
        WebhookResponse(status: 413, body: "body exceeds maxBodyBytes (\(limit) bytes)")
    }
    public static let timeout = WebhookResponse(status: 408, body: "request not received within the read timeout")
    public static func badRequest(_ why: String) -> WebhookResponse { WebhookResponse(status: 400, body: why) }
    public static func unavailable(_ why: String, retryAfter: Int) -> WebhookResponse {
        WebhookResponse(status: 503, headers: ["Retry-After": String(retryAfter)], body: why)
    }

    /// The standard reason phrase (HTTP/1.1 requires one; clients ignore it).
    public var reason: String {
        switch status {
        case 200: "OK"
        case 202: "Accepted"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// The transport-independent half of the push-source kit: authenticates a request with its
/// source's endpoint, drops redeliveries the dedupe window holds, and answers only once the event
/// is durable. Both listeners (the ops server's route and the dedicated `webhooks.listen`) call it.
public final class WebhookReceiver: Sendable {
    private let endpoints: [String: any WebhookEndpoint]
    private let store: any WebhookStore
    private let logger: Logger
    /// Seconds a 503 asks the sender to wait before redelivering.
    public let retryAfterSeconds: Int
    private let state = Locked(State())
    private let metrics: [String: Metrics]

    private struct State {
        var stopping = false
        /// Delivery ids being stored right now, per source: a redelivery racing its original must
        /// not be stored twice (the dedupe window only knows ids once they are committed). Bounded
        /// by the number of concurrent requests.
        var inFlight: [String: Set<String>] = [:]
        var signatureFailures = 0
    }

    public init(endpoints: [any WebhookEndpoint], store: any WebhookStore, retryAfterSeconds: Int = 10, logger: Logger) {
        self.endpoints = Dictionary(endpoints.map { ($0.sourceID, $0) }, uniquingKeysWith: { first, _ in first })
        self.store = store
        self.retryAfterSeconds = retryAfterSeconds
        self.logger = logger
        metrics = Dictionary(uniqueKeysWithValues: endpoints.map { ($0.sourceID, Metrics(source: $0.sourceID)) })
    }

    public var sourceIDs: [String] { endpoints.keys.sorted() }

    /// The endpoint for `sourceID`, or nil (answer 404 without reading the body).
    public func endpoint(_ sourceID: String) -> (any WebhookEndpoint)? { endpoints[sourceID] }

    /// New requests are answered 503 from now on (graceful shutdown: the spool is about to close).
    public func stop() { state.withLock { $0.stopping = true } }

    /// Counts an answer the listener gave without calling `handle` (404, 405, 408, 413).
    public func count(_ response: WebhookResponse, sourceID: String) {
        metrics[sourceID]?.requests(response.status).increment()
    }

    public func handle(_ request: WebhookRequest) async -> WebhookResponse {
        let response = await answer(request)
        count(response, sourceID: request.sourceID)
        return response
    }

    private func answer(_ request: WebhookRequest) async -> WebhookResponse {
        guard let endpoint = endpoints[request.sourceID], let metrics = metrics[request.sourceID] else { return .notFound }
        if state.withLock({ $0.stopping }) {
            return .unavailable("shutting down; redeliver later", retryAfter: retryAfterSeconds)
        }
        switch endpoint.authenticate(request) {
        case .valid:
            break
        case let failure:
            let reason = failure == .missing ? "missing" : "invalid"
            metrics.signatureFailures(reason).increment()
            // The body, its headers and the secrets stay out of the log; a flood of bad requests
            // logs its first and then every 100th.
            let count = state.withLock { state in
                state.signatureFailures += 1
                return state.signatureFailures
            }
            if count == 1 || count % 100 == 0 {
                logger.warning("webhook rejected: signature \(reason)", metadata: [
                    "source": "\(request.sourceID)", "bytes": "\(request.body.count)", "rejectedSoFar": "\(count)",
                ])
            }
            return WebhookResponse(status: 401, body: "signature \(reason)")
        }
        let delivery: WebhookDelivery
        switch endpoint.disposition(of: request) {
        case .acknowledge(let status, let message):
            return WebhookResponse(status: status, body: message)
        case .reject(let status, let message):
            return WebhookResponse(status: status, body: message)
        case .store(let value):
            delivery = value
        }
        let source = request.sourceID
        if let id = delivery.deliveryID {
            // Claimed before the window is asked: a twin that committed in between is then seen.
            let claimed = state.withLock { $0.inFlight[source, default: []].insert(id).inserted }
            guard claimed else {
                return .unavailable("the same delivery is being stored; redeliver later", retryAfter: 1)
            }
        }
        defer {
            if let id = delivery.deliveryID { state.withLock { _ = $0.inFlight[source]?.remove(id) } }
        }
        if let id = delivery.deliveryID, await store.isStored(source: source, deliveryID: id) {
            metrics.duplicates.increment()
            return WebhookResponse(status: 200, body: "delivery already stored")
        }
        do throws(WebhookStoreError) {
            try await store.store(source: source, delivery: delivery)
        } catch {
            switch error {
            case .full:
                metrics.spoolFull.increment()
                return .unavailable("spool full; redeliver later", retryAfter: retryAfterSeconds)
            case .unavailable(let why):
                logger.warning("webhook not stored", metadata: ["source": "\(source)", "error": "\(why)"])
                return .unavailable("cannot store now; redeliver later", retryAfter: retryAfterSeconds)
            case .tooLarge(let why):
                logger.error("webhook too large for the spool", metadata: ["source": "\(source)", "error": "\(why)", "bytes": "\(request.body.count)"])
                return WebhookResponse(status: 413, body: "delivery too large for the spool")
            }
        }
        return WebhookResponse(status: 202, body: "stored")
    }

    /// Per-source webhook metrics (names in `MetricName`); labels hold configured ids and fixed
    /// strings only, never request data.
    struct Metrics: Sendable {
        let source: String
        let duplicates: Counter
        let spoolFull: Counter
        private let failures: [String: Counter]
        private let statuses: Locked<[Int: Counter]>

        init(source: String) {
            self.source = source
            duplicates = Counter(label: MetricName.sourceDuplicates, dimensions: [("source", source)])
            spoolFull = Counter(label: MetricName.webhookSpoolFull, dimensions: [("source", source)])
            failures = Dictionary(uniqueKeysWithValues: ["missing", "invalid"].map {
                ($0, Counter(label: MetricName.webhookSignatureFailures, dimensions: [("source", source), ("reason", $0)]))
            })
            statuses = Locked([:])
        }

        func signatureFailures(_ reason: String) -> Counter {
            failures[reason] ?? Counter(label: MetricName.webhookSignatureFailures, dimensions: [("source", source), ("reason", "invalid")])
        }

        /// Status codes come from this code (a fixed set), so the label stays bounded.
        func requests(_ status: Int) -> Counter {
            statuses.withLock { counters in
                if let counter = counters[status] { return counter }
                let counter = Counter(label: MetricName.webhookRequests, dimensions: [("source", source), ("status", String(status))])
                counters[status] = counter
                return counter
            }
        }
    }
}

/// A value behind a lock, for the little shared state the kit keeps (never held across a suspension).
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
