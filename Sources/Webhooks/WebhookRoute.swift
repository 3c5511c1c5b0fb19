import FlyingFox
import Foundation

/// `POST /webhooks/{sourceID}` on the ops server (FlyingFox, `http.listen`). The body streams in
/// through FlyingFox's `HTTPBodySequence`: a Content-Length above `maxBodyBytes` is refused before
/// it is read, a chunked body is counted chunk by chunk, and the read has a deadline. The header
/// phase is FlyingFox's (no deadline, no header size bound), so this route is meant for a private
/// network; an internet-facing port should be `webhooks.listen` (see `WebhookListener`).
/// FlyingFox accepts every connection, so the `maxConcurrent` bound is enforced here: requests
/// beyond it are answered 503 before their body is read.
public struct WebhookRoute: HTTPHandler {
    public static let pattern = "/webhooks/*"
    private let receiver: WebhookReceiver
    private let readTimeout: Duration
    private let maxConcurrent: Int
    private let active = Locked(0)

    public init(receiver: WebhookReceiver, settings: WebhookSettings) {
        self.receiver = receiver
        readTimeout = settings.readTimeout
        maxConcurrent = settings.maxConcurrent
    }

    public func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let admitted = active.withLock { count in
            guard count < maxConcurrent else { return false }
            count += 1
            return true
        }
        let response: WebhookResponse
        if admitted {
            response = await answer(request)
            active.withLock { $0 -= 1 }
        } else {
            response = .unavailable("too many webhook requests at once; redeliver later", retryAfter: 1)
        }
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers[HTTPHeader(name)] = value }
        headers[.contentType] = "text/plain; charset=utf-8"
        if response.status == 413 || response.status == 408 { headers[.connection] = "close" }
        return HTTPResponse(statusCode: HTTPStatusCode(response.status, phrase: response.reason), headers: headers,
                            body: Data(response.body.utf8))
    }

    private func answer(_ request: HTTPRequest) async -> WebhookResponse {
        let sourceID = String(request.path.dropFirst("/webhooks/".count))
        guard !sourceID.contains("/"), let endpoint = receiver.endpoint(sourceID) else { return .notFound }
        guard request.method == .POST else {
            receiver.count(.methodNotAllowed, sourceID: sourceID)
            return .methodNotAllowed
        }
        let limit = endpoint.maxBodyBytes
        if let length = request.bodySequence.count, length > limit {
            receiver.count(.tooLarge(limit: limit), sourceID: sourceID)
            return .tooLarge(limit: limit)
        }
        let sequence = request.bodySequence
        let read = await WebhookListener.withDeadline(readTimeout) { () async throws -> [UInt8]? in
            var body: [UInt8] = []
            body.reserveCapacity(min(sequence.count ?? 0, limit))
            for try await chunk in sequence {
                guard body.count + chunk.count <= limit else { return nil }
                body += chunk
            }
            return body
        }
        let body: [UInt8]
        switch read {
        case .finished(let value?):
            body = value
        case .finished(nil):
            receiver.count(.tooLarge(limit: limit), sourceID: sourceID)
            return .tooLarge(limit: limit)
        case .timedOut:
            receiver.count(.timeout, sourceID: sourceID)
            return .timeout
        case .failed:
            return .badRequest("body could not be read")
        }
        var headers = WebhookHeaders()
        for (name, value) in request.headers { headers[name.rawValue] = value }
        return await receiver.handle(WebhookRequest(sourceID: sourceID, headers: headers, body: body))
    }
}
