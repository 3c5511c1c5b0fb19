import Logging
import RelayCore

/// One page as the kit hands it to the poller: the body and, per event, its byte range, vendor id
/// (a content hash when the vendor gives none) and time.
struct FetchedPage: Sendable {
    struct Event: Sendable {
        var range: Range<Int>
        var id: String
        var time: Timestamp?
    }
    var body: [UInt8]
    var events: [Event]
    var next: String?
}

/// Sends a source's requests politely and robustly: the token bucket first, then credentials,
/// then the response classified — 401 renews the credential once, 401/403 after that is reported
/// once and retried slowly, 429/503 wait as the server asks, 5xx, network errors and unusable
/// bodies back off exponentially with jitter, each up to `maxAttempts`.
final class PollRequester: Sendable {
    let settings: PollSettings
    let sourceType: String
    let permissionHint: String
    let authenticator: any Authenticator
    let http: any HTTPSending
    let clock: any PollClock
    let metrics: PollMetrics
    let logger: Logger
    private let limiter: RequestLimiter
    private let origin: URLParts?

    init(settings: PollSettings, sourceType: String, permissionHint: String, authenticator: any Authenticator,
         http: any HTTPSending, clock: any PollClock, metrics: PollMetrics, logger: Logger) {
        self.settings = settings
        self.sourceType = sourceType
        self.permissionHint = permissionHint
        self.authenticator = authenticator
        self.http = http
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.limiter = RequestLimiter(bucket: TokenBucket(ratePerSecond: settings.requestsPerSecond, burst: settings.burst))
        self.origin = URLParts(settings.baseURL)
    }

    private enum Attempt {
        case page(FetchedPage)
        case renewCredential
        case retry(PollError, serverWait: Duration?)
    }

    func fetchPage<API: VendorAPI>(_ request: HTTPRequest, api: API, currentToken: String?) async throws -> FetchedPage {
        let endpoint = Redaction.url(request.url)
        var failures = 0
        var renewedCredential = false
        while true {
            try Task.checkCancellation()
            let throttle = await limiter.reserve(at: clock.now())
            if throttle > .zero {
                metrics.update { $0.throttleWaitSeconds += throttle.seconds }
                try await clock.sleep(for: throttle)
            }
            let outcome = try await attempt(request, api: api, currentToken: currentToken, endpoint: endpoint, mayRenew: !renewedCredential)
            let failure: PollError
            let serverWait: Duration?
            switch outcome {
            case .page(let page):
                await limiter.clearPermissionReport()
                return page
            case .renewCredential:
                renewedCredential = true
                metrics.update { $0.tokenRefreshes += 1 }
                logger.info("credential rejected; fetching a new one", metadata: ["endpoint": "\(endpoint)"])
                continue
            case .retry(let error, let wait):
                failure = error
                serverWait = wait
            }
            failures += 1
            let wait = serverWait ?? settings.retry.backoff(failure: failures, unit: Double.random(in: 0...1))
            if failures >= settings.maxAttempts {
                var final = failure
                final.retryAfter = max(final.retryAfter ?? .zero, wait)
                throw final
            }
            metrics.update {
                $0.retries += 1
                if serverWait != nil {
                    $0.rateLimitWaits += 1
                    $0.rateLimitWaitSeconds += wait.seconds
                }
            }
            logger.warning("request failed; retrying", metadata: ["error": "\(failure)", "reason": "\(failure.reason)", "attempt": "\(failures)", "retryIn": "\(wait)"])
            try await clock.sleep(for: wait)
        }
    }

    /// One request: credentials, send, classify. Throws what retrying cannot fix.
    private func attempt<API: VendorAPI>(_ request: HTTPRequest, api: API, currentToken: String?, endpoint: String, mayRenew: Bool) async throws -> Attempt {
        var signed = request
        let response: HTTPResponse
        do {
            try await authenticator.authorize(&signed, context: AuthContext(http: http, clock: clock))
            metrics.update { $0.requests += 1 }
            response = try await http.send(signed)
        } catch {
            guard let pollError = error as? PollError, pollError.isRetryable else { throw error }
            return .retry(pollError, serverWait: nil)
        }
        switch response.status {
        case 200..<300:
            let page: FetchedPage
            do {
                page = try parse(response, api: api, currentToken: currentToken, endpoint: endpoint)
            } catch {
                if error.isRetryable { return .retry(error, serverWait: nil) }
                throw error
            }
            return .page(page)
        case 401 where mayRenew:
            if await authenticator.invalidate() { return .renewCredential }
            throw await permissionError(status: 401, endpoint: endpoint)
        case 401, 403:
            throw await permissionError(status: response.status, endpoint: endpoint)
        case 429, 503:
            let wait = settings.retry.serverRequestedWait(response, now: clock.now())
            return .retry(PollError(.rateLimited(status: response.status), endpoint: endpoint, retryAfter: wait), serverWait: wait)
        case 408, 500...:
            return .retry(PollError(.status(response.status), endpoint: endpoint), serverWait: nil)
        default:
            var error = PollError(.status(response.status), endpoint: endpoint)
            error.detail = detail(response)
            throw error
        }
    }

    /// A 401/403 the kit cannot fix: reported once per source (until a request succeeds again),
    /// then retried no faster than `permissionRetry`.
    private func permissionError(status: Int, endpoint: String) async -> PollError {
        let message = "\(sourceType): \(permissionHint)"
        if await limiter.shouldReportPermission() {
            metrics.update { $0.permissionErrors += 1 }
            logger.error("\(message)", metadata: ["status": "\(status)", "endpoint": "\(endpoint)", "retryIn": "\(settings.permissionRetry)"])
        }
        return PollError(.permission(status: status, hint: message), endpoint: endpoint, retryAfter: settings.permissionRetry)
    }

    /// A short, redacted excerpt of an error body (vendors explain a 400 there).
    private func detail(_ response: HTTPResponse) -> String {
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
        return Redaction.text(text, secrets: authenticator.redactions).replacingAll("\n", with: " ")
    }

    private func parse<API: VendorAPI>(_ response: HTTPResponse, api: API, currentToken: String?, endpoint: String) throws(PollError) -> FetchedPage {
        let document = JSONDocument()
        let root: JSONValue
        do {
            root = try document.parse(response.body)
        } catch {
            throw PollError(.malformedBody(reason: "\(error.description) (\(response.body.count) bytes)"), endpoint: endpoint)
        }
        guard let list = root.value(at: api.eventsPath), list.kind == .array else {
            throw PollError(.malformedBody(reason: "no event array at \(api.eventsPath.joined(separator: "."))"), endpoint: endpoint)
        }
        var events: [FetchedPage.Event] = []
        for event in list.elements {
            let range = event.rawRange  // where the event's exact bytes sit in the page body
            let id = event.value(at: api.idPath)?.text.flatMap { $0.isEmpty ? nil : $0 } ?? RecordID.contentHash(event.rawBytes)
            events.append(FetchedPage.Event(range: range, id: id, time: Timestamp(json: event.value(at: api.timePath))))
        }
        let next: String?
        if let origin {
            next = try api.paging.next(root: root, response: response, eventCount: events.count, current: currentToken, origin: origin)
        } else {
            next = nil
        }
        return FetchedPage(body: document.bytes, events: events, next: next)
    }
}

/// The source's token bucket and its once-per-episode permission report flag.
actor RequestLimiter {
    private var bucket: TokenBucket
    private var permissionReported = false

    init(bucket: TokenBucket) { self.bucket = bucket }

    func reserve(at now: Timestamp) -> Duration { bucket.reserve(at: now) }

    func shouldReportPermission() -> Bool {
        defer { permissionReported = true }
        return !permissionReported
    }

    func clearPermissionReport() { permissionReported = false }
}
