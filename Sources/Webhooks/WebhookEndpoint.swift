import RelayCore

/// One HTTP request to `POST /webhooks/{sourceID}`, with its body read in full (within the
/// endpoint's `maxBodyBytes`). Nothing in it has been parsed or trusted yet.
public struct WebhookRequest: Sendable {
    public var sourceID: String
    public var headers: WebhookHeaders
    public var body: [UInt8]

    public init(sourceID: String, headers: WebhookHeaders, body: [UInt8]) {
        self.sourceID = sourceID
        self.headers = headers
        self.body = body
    }
}

/// Request headers with case-insensitive names (HTTP/1.1 field names are case-insensitive, and
/// proxies in front of the listener may change their case). A repeated header keeps its last value.
public struct WebhookHeaders: Sendable {
    private var fields: [String: String] = [:]

    public init() {}
    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { self[name] = value }
    }

    public subscript(name: String) -> String? {
        get { fields[name.lowercased()] }
        set { fields[name.lowercased()] = newValue }
    }
}

/// What a vendor's signature check found. The reason is a bounded string, used as a metric label.
public enum WebhookAuthentication: Sendable, Equatable {
    case valid
    case missing
    case invalid
}

/// What to do with an authenticated request.
public enum WebhookDisposition: Sendable {
    /// Store it durably, then answer 202.
    case store(WebhookDelivery)
    /// Answer `status` (2xx) without storing, e.g. GitHub's `ping` when a hook is created.
    case acknowledge(status: Int, message: String)
    /// Refuse it (4xx) naming why; the body is not logged.
    case reject(status: Int, message: String)
}

/// An authenticated event ready for the pipeline.
public struct WebhookDelivery: Sendable {
    /// The vendor's id of this delivery (a redelivery repeats it): what the dedupe window keeps.
    /// nil when the vendor sends none (then nothing is deduplicated).
    public var deliveryID: String?
    /// The normalizer to use (`github`) and its stream (`webhook`).
    public var sourceType: String
    public var stream: String
    /// The bytes to normalize and keep as `rawLog`: the body, or the body with the vendor's
    /// delivery headers added where its normalizer expects them.
    public var event: [UInt8]
    /// Tags every record of this delivery gets (the delivery headers).
    public var tags: [(key: String, value: String)]

    public init(deliveryID: String?, sourceType: String, stream: String, event: [UInt8], tags: [(key: String, value: String)]) {
        self.deliveryID = deliveryID
        self.sourceType = sourceType
        self.stream = stream
        self.event = event
        self.tags = tags
    }
}

/// One vendor's webhook: how it signs deliveries and what a delivery is. Implemented per vendor in
/// `Sources/Vendors/<Vendor>/` (GitHub: `GitHubWebhook`); the kit does the HTTP, limits and storage.
public protocol WebhookEndpoint: Sendable {
    /// The configured source id: the `{sourceID}` of `POST /webhooks/{sourceID}`.
    var sourceID: String { get }
    /// Larger bodies are answered 413 before (Content-Length) or while (chunked) they are read.
    var maxBodyBytes: Int { get }
    /// Checks the signature over the raw body. Runs before anything in the request is parsed;
    /// must compare in constant time and never log the body or the secrets.
    func authenticate(_ request: WebhookRequest) -> WebhookAuthentication
    /// Decides what an authenticated request is (called only after `authenticate` said `.valid`).
    func disposition(of request: WebhookRequest) -> WebhookDisposition
}

/// A configured pushed source (`github-webhook`): parsed from its config section like a polled one,
/// but it is served by the webhook receiver instead of being polled by the pipeline.
public protocol WebhookSourceDefinition: SourceDefinition {
    /// The largest body accepted (the spool's record limit is raised to fit it).
    var maxBodyBytes: Int { get }
    /// The records' `sourceType` (`github`), as the endpoint stores deliveries.
    var sourceType: String { get }
    /// How many signing secrets are configured (2 during a rotation); never the secrets themselves.
    var signingSecretCount: Int { get }
    func makeEndpoint() throws -> any WebhookEndpoint
}

extension WebhookSourceDefinition {
    /// Pushed sources have nothing to poll; the runtime builds their endpoint instead.
    public func makeSource() throws -> any AuditSource {
        throw WebhookConfigurationError("source \(id) is pushed (a webhook): it is served on POST /webhooks/\(id), not polled")
    }
}

public struct WebhookConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where authenticated deliveries go: the pipeline (normalize, enrich, spool). Implemented by the
/// runtime; the kit only needs these two calls.
public protocol WebhookStore: Sendable {
    /// Whether the source's persisted dedupe window already holds `deliveryID`.
    func isStored(source: String, deliveryID: String) async -> Bool
    /// Normalizes and appends the delivery, and adds its id to the dedupe window in the same
    /// commit. Returns only once it is durable.
    /// - Throws: `WebhookStoreError`.
    func store(source: String, delivery: WebhookDelivery) async throws(WebhookStoreError)
}

/// Why a delivery could not be stored; each maps to one answer the sender understands.
public enum WebhookStoreError: Error, Sendable, Equatable {
    /// The spool stayed full for the whole wait: 503 with Retry-After, the sender redelivers.
    case full
    /// Shutting down, or the spool refuses appends (I/O error): 503, redelivered later.
    case unavailable(String)
    /// The delivery can never fit the spool's record limit: 413.
    case tooLarge(String)
}
