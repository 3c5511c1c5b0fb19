import Foundation
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
    var next: Paging.Next
}

/// Sends a source's requests politely and robustly: the token bucket first, then credentials,
/// then the response classified — 401 renews the credential once, 401/403 after that is reported
/// once and retried slowly, 429/503 wait as the server asks, 5xx, network errors and unusable
/// bodies back off exponentially with jitter, each up to `maxAttempts`.
final class PollRequester: Sendable {
    let settings: PollSettings
    let authenticator: any Authenticator
    let http: any HTTPSending
    let clock: any PollClock
    let metrics: PollMetrics
    let logger: Logger
    private let limiter: RequestLimiter
    private let origin: URLParts?

    init(settings: PollSettings, authenticator: any Authenticator, http: any HTTPSending, clock: any PollClock, metrics: PollMetrics, logger: Logger) {
        self.settings = settings
        self.authenticator = authenticator
        self.http = http
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.limiter = RequestLimiter(bucket: TokenBucket(ratePerSecond: settings.requestsPerSecond, burst: settings.burst), share: RateShare(share: settings.rateShare))
        self.origin = URLParts(settings.baseURL)
    }

    private enum Attempt<Result> {
        case page(Result)
        case renewCredential
        case retry(PollError, serverWait: Duration?)
    }

    /// - Parameter currentToken: the stored page token, next URL or position the request carries
    ///   (nil for a window's first page): a repeat of it is an error, and the vendor rejecting it
    ///   is `PollError.isRejectedCursor`.
    func fetchPage(_ request: HTTPRequest, api: any VendorAPI, currentToken: String?) async throws -> FetchedPage {
        if let exchange = api.pageExchange {
            let response = try await exchange.run(request) { part in
                // Every answer of an exchange is JSON: one that is not (cut short, malformed) is
                // retried like a 5xx here, where the retry is counted, not failed by the exchange.
                try await self.send(part, api: api, currentToken: currentToken) { response, endpoint throws(PollError) in
                    _ = try self.parseJSON(response, document: JSONDocument(), endpoint: endpoint)
                    return response
                }
            }
            return try parse(response, api: api, request: request, currentToken: currentToken, endpoint: Redaction.url(request.url))
        }
        return try await send(request, api: api, currentToken: currentToken) { response, endpoint throws(PollError) in
            try parse(response, api: api, request: request, currentToken: currentToken, endpoint: endpoint)
        }
    }

    /// A JSON document that is not a page of events (reference data such as OneLogin's event
    /// types), with the same credentials, budget, retries and error classification.
    func fetchDocument(_ request: HTTPRequest, api: any VendorAPI) async throws -> [UInt8] {
        try await send(request, api: api, currentToken: nil) { response, endpoint throws(PollError) in response.body }
    }

    /// A listing page of a list-then-fetch stream: its documents and the next page.
    func fetchListing(_ request: HTTPRequest, api: any VendorAPI, listing: ContentListing, currentToken: String?) async throws -> ContentListing.Page {
        try await send(request, api: api, currentToken: currentToken) { response, endpoint throws(PollError) in
            guard let origin else { throw PollError(.invalidRequest(reason: "baseURL is not an http(s) URL"), endpoint: endpoint) }
            let document = JSONDocument()
            let root = try parseJSON(response, document: document, endpoint: endpoint)
            guard let list = root.value(at: api.eventsPath), list.kind == .array else {
                throw PollError(.malformedBody(reason: "no content list at \(api.eventsPath.joined(separator: "."))"), endpoint: endpoint)
            }
            var entries: [ContentListing.Entry] = []
            var keyset: Keyset?
            for item in list.elements {
                guard let id = item.value(at: listing.idPath)?.text, !id.isEmpty, let listed = item.value(at: listing.urlPath)?.string,
                      let createdText = item.value(at: listing.createdPath)?.text, let created = Timestamp(json: item.value(at: listing.createdPath)) else {
                    throw PollError(.malformedBody(reason: "a listed document lacks its id, URL or creation time"), endpoint: endpoint)
                }
                // Salesforce lists a path (`/services/data/v62.0/sobjects/EventLogFile/…/LogFile`).
                let url = try Paging.checkedSameOrigin(listed.hasPrefix("/") && !listed.hasPrefix("//") ? origin.prefix + listed : listed, origin: origin)
                let expiration = listing.expirationPath.flatMap { Timestamp(json: item.value(at: $0)) }
                entries.append(ContentListing.Entry(id: id, url: url, created: created, expiration: expiration))
                keyset = Keyset(time: createdText, id: id)
            }
            // Token-paged listings repeat-check against their token; URL-paged ones against the URL.
            let current = currentToken ?? (api.paging.followsURLs ? request.url : nil)
            let next = try api.paging.next(root: root, response: response, eventCount: entries.count, pageSize: settings.pageSize,
                                           current: current, lastEventTime: entries.last?.created, lastKeyset: keyset, origin: origin,
                                           endpoint: endpoint, stream: "\(api.sourceType)/\(api.stream)")
            return ContentListing.Page(entries: entries, next: next)
        }
    }

    /// One listed document's events, or nil when the vendor answers that it expired.
    func fetchContent(_ entry: ContentListing.Entry, api: any VendorAPI, listing: ContentListing) async throws -> FetchedPage? {
        let request = HTTPRequest(url: entry.url, headers: [("Accept", "application/json")])
        return try await send(request, api: api, currentToken: nil, acceptError: listing.expired) { response, endpoint throws(PollError) in
            guard (200..<300).contains(response.status) else { return nil }
            guard case .json(let eventsPath) = listing.format else {
                throw PollError(.invalidRequest(reason: "a CSV document is downloaded, not fetched"), endpoint: endpoint)
            }
            let document = JSONDocument()
            let root = try parseJSON(response, document: document, endpoint: endpoint)
            let events = try events(in: root, at: eventsPath, api: api, endpoint: endpoint)
            return FetchedPage(body: document.bytes, events: events, next: .end)
        }
    }

    /// Downloads one listed document to the file at `path` (memory stays flat whatever its size);
    /// false when the vendor answers that it expired.
    func download(_ entry: ContentListing.Entry, to path: String, api: any VendorAPI, listing: ContentListing) async throws -> Bool {
        let request = HTTPRequest(url: entry.url, headers: [("Accept", "text/csv, */*")], downloadPath: path)
        return try await send(request, api: api, currentToken: nil, acceptError: listing.expired) { response, endpoint throws(PollError) in
            guard (200..<300).contains(response.status) else { return false }
            // An `HTTPSending` that keeps bodies in memory (a test double) hands the body back instead.
            if !response.body.isEmpty {
                guard FileManager.default.createFile(atPath: path, contents: Data(response.body)) else {
                    throw PollError.transport(23, "cannot write the download file \(path)", endpoint: endpoint)
                }
            }
            return true
        }
    }

    /// Sends a stream's `StreamSetup` request until the vendor confirms it (or says it already was).
    func perform(_ setup: StreamSetup, api: any VendorAPI) async throws {
        try await send(setup.request, api: api, currentToken: nil, acceptError: setup.alreadyDone, watchSetup: false) { _, _ throws(PollError) in }
    }

    /// Sends `request` until it succeeds, `parse` turning a 2xx answer into the result (a
    /// retryable parse error, such as a truncated body, is retried like a 5xx).
    /// - Parameters:
    ///   - acceptError: error answers that `parse` takes like a success (an expired document, a
    ///     subscription that is already enabled).
    ///   - watchSetup: whether an answer the stream's `StreamSetup` calls lost is thrown as such.
    private func send<Result: Sendable>(_ request: HTTPRequest, api: any VendorAPI, currentToken: String?,
                                        acceptError: (@Sendable (HTTPResponse) -> Bool)? = nil, watchSetup: Bool = true,
                                        parse: (HTTPResponse, String) throws(PollError) -> Result) async throws -> Result {
        let endpoint = Redaction.url(request.url)
        var failures = 0
        var renewedCredential = false
        while true {
            try Task.checkCancellation()
            let (throttle, shareWait) = await limiter.reserve(at: clock.now())
            if shareWait > .zero {
                metrics.update {
                    $0.rateShareWaits += 1
                    $0.rateShareWaitSeconds += shareWait.seconds
                }
                logger.info("waiting for the vendor's rate-limit period to reset (our share of it is used)",
                            metadata: ["rateShare": "\(settings.rateShare)", "wait": "\(shareWait)"])
            }
            if throttle > .zero { metrics.update { $0.throttleWaitSeconds += throttle.seconds } }
            if max(throttle, shareWait) > .zero { try await clock.sleep(for: max(throttle, shareWait)) }
            let outcome = try await attempt(request, api: api, currentToken: currentToken, endpoint: endpoint, mayRenew: !renewedCredential,
                                            acceptError: acceptError, watchSetup: watchSetup, parse: parse)
            let failure: PollError
            let serverWait: Duration?
            switch outcome {
            case .page(let page):
                await limiter.clearPermissionReport()
                return page
            case .renewCredential:
                renewedCredential = true
                metrics.update { $0.tokenRefreshes += 1 }
                logger.info("credential rejected; renewing it and retrying once", metadata: ["endpoint": "\(endpoint)"])
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
                if failure.isRateLimit {
                    $0.rateLimitWaits += 1
                    $0.rateLimitWaitSeconds += wait.seconds
                }
            }
            logger.warning("request failed; retrying", metadata: ["error": "\(failure)", "reason": "\(failure.reason)", "attempt": "\(failures)", "retryIn": "\(wait)"])
            try await clock.sleep(for: wait)
        }
    }

    /// One request: credentials, send, classify. Throws what retrying cannot fix.
    private func attempt<Result>(_ request: HTTPRequest, api: any VendorAPI, currentToken: String?, endpoint: String, mayRenew: Bool,
                                 acceptError: (@Sendable (HTTPResponse) -> Bool)?, watchSetup: Bool,
                                 parse: (HTTPResponse, String) throws(PollError) -> Result) async throws -> Attempt<Result> {
        var signed = request
        var response: HTTPResponse
        do {
            try await authenticator.authorize(&signed, context: AuthContext(http: http, clock: clock))
            metrics.update { $0.requests += 1 }
            response = try await http.send(signed)
        } catch {
            guard let pollError = error as? PollError, pollError.isRetryable else { throw error }
            return .retry(pollError, serverWait: nil)
        }
        let now = clock.now()
        let report = api.rateLimitReport(response, now: now)
        if let report { await limiter.observe(report, now: now) }
        // Vendors that answer failures with 200 and a status in the body (Veeva Vault), or with a
        // 4xx whose body says more (Snowflake's 422 for a role that cannot see a view is a 403),
        // are classified by the status that body stands for.
        if (200..<500).contains(response.status), let status = api.failureStatus(in: response) {
            response = HTTPResponse(status: status, headers: response.headers, body: response.body, httpVersion: response.httpVersion)
        }
        let failed = !(200..<300).contains(response.status)
        if failed, watchSetup, let setup = api.setup, setup.lost(response) {
            var error = PollError(.setupLost(status: response.status, what: setup.name), endpoint: endpoint)
            error.detail = detail(response)
            throw error
        }
        if failed, let reason = api.unavailableStream(response) {
            throw PollError(.streamUnavailable(status: response.status, reason: "\(api.sourceType)/\(api.stream): \(reason)"), endpoint: endpoint)
        }
        if !failed, let message = api.explainNonAPIAnswer(response) {
            throw PollError(.explained(status: response.status, message: "\(api.sourceType): \(message)"), endpoint: endpoint)
        }
        switch response.status {
        case _ where failed && acceptError?(response) == true, 200..<300:
            let page: Result
            do {
                page = try parse(response, endpoint)
            } catch {
                if error.isRetryable { return .retry(error, serverWait: nil) }
                throw error
            }
            return .page(page)
        case 401 where mayRenew:
            if await authenticator.invalidate() { return .renewCredential }
            throw await operatorError(response, api: api, endpoint: endpoint)
        case 403 where report?.remaining == 0, 429, 503:
            // GitHub answers an exhausted limit with 403 and `X-RateLimit-Remaining: 0`.
            let wait = settings.retry.serverRequestedWait(response, now: now)
            return .retry(PollError(.rateLimited(status: response.status), endpoint: endpoint, retryAfter: wait), serverWait: wait)
        case 401, 403:
            throw await operatorError(response, api: api, endpoint: endpoint)
        case 408, 500...:
            return .retry(PollError(.status(response.status), endpoint: endpoint), serverWait: nil)
        default:
            if currentToken != nil, api.rejectsCursor(response) {
                var error = PollError(.rejectedCursor(status: response.status), endpoint: endpoint)
                error.detail = detail(response)
                throw error
            }
            if let message = api.explainFailure(response, now: now) {
                throw PollError(.explained(status: response.status, message: "\(api.sourceType): \(message)"), endpoint: endpoint)
            }
            var error = PollError(.status(response.status), endpoint: endpoint)
            error.detail = detail(response)
            throw error
        }
    }

    /// A 401/403 the kit cannot fix, in the vendor's own words where it explains itself (Duo's
    /// signature and clock errors), else as a missing permission; reported once per source (until
    /// a request succeeds again), then retried no faster than `permissionRetry`.
    private func operatorError(_ response: HTTPResponse, api: any VendorAPI, endpoint: String) async -> PollError {
        let message = api.explainFailure(response, now: clock.now()).map { "\(api.sourceType): \($0)" } ?? "\(api.sourceType): \(api.permissionHint)"
        if await limiter.shouldReportPermission() {
            metrics.update { $0.permissionErrors += 1 }
            logger.error("\(message)", metadata: ["status": "\(response.status)", "endpoint": "\(endpoint)", "retryIn": "\(settings.permissionRetry)"])
        }
        return PollError(.permission(status: response.status, hint: message), endpoint: endpoint, retryAfter: settings.permissionRetry)
    }

    /// A short, redacted excerpt of an error body (vendors explain a 400 there).
    private func detail(_ response: HTTPResponse) -> String {
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
        return Redaction.text(text, secrets: authenticator.redactions).replacingAll("\n", with: " ")
    }

    private func parseJSON(_ response: HTTPResponse, document: JSONDocument, endpoint: String) throws(PollError) -> JSONValue {
        document.maximumValues = settings.maxPageValues
        do {
            return try document.parse(response.body)
        } catch where error.isTooManyValues {
            throw PollError(.tooManyEvents(what: "\(settings.maxPageValues) JSON values (\(PollSettings.valuesPerEvent) per event of maxPageEvents)"), endpoint: endpoint)
        } catch {
            throw PollError(.malformedBody(reason: "\(error.description) (\(response.body.count) bytes)"), endpoint: endpoint)
        }
    }

    /// The events of the array at `path`: byte range, vendor id (a content hash when there is none) and time.
    private func events(in root: JSONValue, at path: [String], api: any VendorAPI, endpoint: String) throws(PollError) -> [FetchedPage.Event] {
        guard let list = root.value(at: path), list.kind == .array else {
            throw PollError(.malformedBody(reason: "no event array at \(path.joined(separator: "."))"), endpoint: endpoint)
        }
        var events: [FetchedPage.Event] = []
        for (index, event) in list.elements.enumerated() {
            guard index < settings.maxPageEvents else {
                throw PollError(.tooManyEvents(what: "\(settings.maxPageEvents) events (maxPageEvents)"), endpoint: endpoint)
            }
            let range = event.rawRange  // where the event's exact bytes sit in the page body
            let id = event.value(at: api.idPath)?.text.flatMap { $0.isEmpty ? nil : $0 } ?? RecordID.contentHash(event.rawBytes)
            events.append(FetchedPage.Event(range: range, id: id, time: Timestamp(json: event.value(at: api.timePath))))
        }
        return events
    }

    private func parse(_ response: HTTPResponse, api: any VendorAPI, request: HTTPRequest, currentToken: String?, endpoint: String) throws(PollError) -> FetchedPage {
        let document = JSONDocument()
        let root = try parseJSON(response, document: document, endpoint: endpoint)
        let events = try events(in: root, at: api.eventsPath, api: api, endpoint: endpoint)
        guard let origin else {
            throw PollError(.invalidRequest(reason: "baseURL is not an http(s) URL"), endpoint: endpoint)
        }
        // A URL-paged stream's first request is compared too: Okta's polling `next` equal to it means "nothing more".
        let current = currentToken ?? (api.paging.followsURLs ? request.url : nil)
        var keyset: Keyset?
        if case .keyset = api.paging, let last = root.value(at: api.eventsPath)?.elements.reduce(nil, { _, element in element }), let time = last.value(at: api.timePath)?.text,
           let id = last.value(at: api.idPath)?.text, !time.isEmpty, !id.isEmpty {
            keyset = Keyset(time: time, id: id)
        }
        let next = try api.paging.next(root: root, response: response, eventCount: events.count, pageSize: settings.pageSize, current: current,
                                       lastEventTime: events.last?.time, lastKeyset: keyset, origin: origin, endpoint: endpoint,
                                       stream: "\(api.sourceType)/\(api.stream)")
        return FetchedPage(body: document.bytes, events: events, next: next)
    }
}

/// The source's request budget, shared by all its streams (vendors limit per tenant): the token
/// bucket, our share of the vendor's reported limit, and the once-per-episode permission report flag.
actor RequestLimiter {
    private var bucket: TokenBucket
    private var share: RateShare
    private var permissionReported = false

    init(bucket: TokenBucket, share: RateShare) {
        self.bucket = bucket
        self.share = share
    }

    /// The bucket's wait and the rate share's wait before the next request at `now`.
    func reserve(at now: Timestamp) -> (throttle: Duration, share: Duration) {
        let shareWait = share.reserve(at: now)
        return (bucket.reserve(at: now.plus(shareWait)), shareWait)
    }

    func observe(_ report: RateLimitReport, now: Timestamp) { share.observe(report, now: now) }

    func shouldReportPermission() -> Bool {
        defer { permissionReported = true }
        return !permissionReported
    }

    func clearPermissionReport() { permissionReported = false }
}
