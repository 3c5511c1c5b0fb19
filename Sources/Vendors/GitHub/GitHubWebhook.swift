import RelayCore
import Webhooks

/// `github-webhook`: GitHub organization, enterprise, repository or GitHub App webhooks pushed to
/// `POST /webhooks/{id}` (content type `application/json`).
///
/// - Signature: `X-Hub-Signature-256: sha256=<lower-case hex HMAC-SHA256 of the raw body>` keyed
///   with the webhook secret, checked in constant time against `secret` and, during a rotation,
///   `previousSecret`. Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
/// - Headers: `X-GitHub-Event` (the event, `ping` when a hook is created), `X-GitHub-Delivery`
///   (a GUID of the event, repeated by a redelivery and shared by every hook subscribed to the
///   event: the dedupe key), `X-GitHub-Hook-ID` (the hook).
///   Docs: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
///   (github/docs `content/webhooks/webhook-events-and-payloads.md` confirms the `X-GitHub-Delivery`
///   name marked UNCONFIRMED in vendor-apis.md; github/docs#32822 that it identifies the event).
/// - The headers are not signed (GitHub signs the body only): a captured delivery can be replayed
///   with another delivery id. The dedupe window stops honest redeliveries, not that.
public struct GitHubWebhookSource: WebhookSourceDefinition {
    /// GitHub caps payloads at 25 MB; larger ones it never sends.
    public static let defaultMaxBodyBytes = 25 << 20
    public var id: String
    var secret: Secret
    var previousSecret: Secret?
    public var maxBodyBytes: Int

    public init(_ section: ConfigSection) {
        id = section.requiredString("id")
        secret = section.requiredSecret("secret")
        previousSecret = section.secret("previousSecret")
        let size = section.byteSize("maxBodyBytes", default: UInt64(Self.defaultMaxBodyBytes))
        maxBodyBytes = Int(clamping: size)
        if !id.isEmpty && !id.utf8.allSatisfy(GitHubWebhook.isTokenByte) {
            section.report("id", "\"\(id)\" is part of the webhook URL (/webhooks/\(id)): use letters, digits, '.', '_', '-' only")
        }
        if section.has("secret") && secret.isEmpty {
            section.report("secret", "is empty: GitHub signs deliveries only when the webhook has a secret")
        }
        if let previousSecret, previousSecret.isEmpty {
            section.report("previousSecret", "is empty: remove the key once the rotation is done")
        }
        if size < 1024 || size > 1 << 30 { section.report("maxBodyBytes", "must be between 1KiB and 1GiB") }
    }

    public var sourceType: String { GitHubWebhook.sourceType }
    public var signingSecretCount: Int { [secret, previousSecret].compactMap { $0 }.filter { !$0.isEmpty }.count }

    public func makeEndpoint() throws -> any WebhookEndpoint {
        GitHubWebhook(sourceID: id, secrets: [secret] + (previousSecret.map { [$0] } ?? []), maxBodyBytes: maxBodyBytes)
    }
}

/// The GitHub-specific half of a `github-webhook` source: its headers, its signature, `ping`.
public struct GitHubWebhook: WebhookEndpoint {
    /// Deliveries are GitHub audit events: the `github` normalizer reads them.
    public static let sourceType = "github"
    public static let signatureHeader = "X-Hub-Signature-256"
    public static let eventHeader = "X-GitHub-Event"
    public static let deliveryHeader = "X-GitHub-Delivery"
    public static let hookIDHeader = "X-GitHub-Hook-ID"

    public let sourceID: String
    public let maxBodyBytes: Int
    private let verifier: HMACSHA256Verifier

    public init(sourceID: String, secrets: [Secret], maxBodyBytes: Int = GitHubWebhookSource.defaultMaxBodyBytes) {
        self.sourceID = sourceID
        self.maxBodyBytes = maxBodyBytes
        verifier = HMACSHA256Verifier(secrets: secrets)
    }

    public func authenticate(_ request: WebhookRequest) -> WebhookAuthentication {
        guard let header = request.headers[Self.signatureHeader], !header.isEmpty else { return .missing }
        guard header.hasPrefix("sha256=") else { return .invalid }
        return verifier.verify(hexSignature: header.dropFirst("sha256=".count), body: request.body) ? .valid : .invalid
    }

    public func disposition(of request: WebhookRequest) -> WebhookDisposition {
        // A hook set to application/x-www-form-urlencoded wraps the JSON in `payload=`; say how to fix it.
        if let type = request.headers["Content-Type"]?.lowercased(), !type.hasPrefix("application/json") {
            return .reject(status: 415, message: "set the webhook's content type to application/json")
        }
        guard let event = request.headers[Self.eventHeader], !event.isEmpty else {
            return .reject(status: 400, message: "\(Self.eventHeader) header missing")
        }
        let delivery = request.headers[Self.deliveryHeader].flatMap { $0.isEmpty ? nil : $0 }
        let hookID = request.headers[Self.hookIDHeader].flatMap { $0.isEmpty ? nil : $0 }
        // The header values go into the stored JSON and the dedupe window: only GitHub's shapes
        // (event names, GUIDs, numbers), bounded, so they need no escaping.
        for value in [event, delivery, hookID].compactMap({ $0 }) where value.utf8.count > 128 || !value.utf8.allSatisfy(Self.isTokenByte) {
            return .reject(status: 400, message: "malformed GitHub delivery header")
        }
        // Sent once when a hook is created or its "Redeliver"/"Test" is pressed: nothing to forward.
        if event == "ping" { return .acknowledge(status: 200, message: "pong") }
        guard let event = Self.withDeliveryHeaders(request.body, event: event, delivery: delivery, hookID: hookID) else {
            return .reject(status: 400, message: "the payload is not a JSON object")
        }
        var tags: [(key: String, value: String)] = [(Self.eventHeader, event.name)]
        if let delivery { tags.append((Self.deliveryHeader, delivery)) }
        if let hookID { tags.append((Self.hookIDHeader, hookID)) }
        return .store(WebhookDelivery(deliveryID: delivery, sourceType: Self.sourceType, stream: "webhook", event: event.bytes, tags: tags))
    }

    /// The payload object with the delivery headers as its first members, which is where
    /// `GitHubNormalizer` reads them (`X-GitHub-Event` for the event name, `X-GitHub-Delivery` for
    /// the event id) and how `rawLog` keeps them. nil when the body is not a `{…}` object.
    static func withDeliveryHeaders(_ body: [UInt8], event: String, delivery: String?, hookID: String?) -> (name: String, bytes: [UInt8])? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }
        guard let open = body.firstIndex(where: { !isSpace($0) }), body[open] == UInt8(ascii: "{"),
              let close = body.lastIndex(where: { !isSpace($0) }), close > open, body[close] == UInt8(ascii: "}") else { return nil }
        var members = [(eventHeader, event)]
        if let delivery { members.append((deliveryHeader, delivery)) }
        if let hookID { members.append((hookIDHeader, hookID)) }
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 160)
        output.append(UInt8(ascii: "{"))
        output += Array(members.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",").utf8)
        let rest = body[(open + 1)...close]
        // `{}` or `{ }`: no comma before the closing brace.
        if rest.first(where: { !isSpace($0) }) != UInt8(ascii: "}") { output.append(UInt8(ascii: ",")) }
        output += rest
        return (event, output)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }
}
