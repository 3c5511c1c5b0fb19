import Logging
import RelayCore
import Synchronization

/// What asking one stream for its smallest page showed (`auditrelay check --connect`): how far the
/// request got, and what the answer said about the vendor's clock, rate limit and newest events.
public struct StreamProbe: Sendable {
    /// The steps a request passes, in order; a failure names the first one that failed.
    public enum Stage: String, Sendable, CaseIterable {
        case reachable, tls, authenticated, permission
    }

    public struct Failure: Sendable {
        public var stage: Stage
        /// What went wrong, as the running sidecar logs it (redacted).
        public var message: String
        /// The one-line fix; for permissions, the vendor's own hint (`kandji: the token lacks …`).
        public var fix: String
    }

    public var stream: String
    public var usesTLS: Bool
    /// Nil: the page came back.
    public var failure: Failure?
    /// Whether any HTTP answer arrived (the host is reachable and its TLS, if any, was trusted).
    public var answered: Bool
    /// Events (or listed documents) on the page, and the newest time among them.
    public var events: Int
    public var newestEvent: Timestamp?
    /// The server's `Date` header minus our clock when the answer arrived (1 s resolution).
    public var clockSkew: Duration?
    public var rateLimit: RateLimitReport?
}

extension PolledVendor {
    /// Asks each stream once for its smallest page (one event) of the last day, through the same
    /// request code, credentials and error classification the poller uses, without retries:
    /// what the sidecar would log at its first poll, found before it is deployed. A stream that
    /// needs a setup request first (Microsoft's subscription) gets it, as the sidecar's first poll would.
    /// - Parameters:
    ///   - timeout: the whole request's limit (connecting within it as well).
    ///   - logger: silent by default: what the requests find is returned, not logged.
    public func probe(timeout: Duration, logger: Logger = Logger(label: "auditrelay.check", factory: { _ in SwiftLogNoOpLogHandler() })) async -> [StreamProbe] {
        var settings = settings
        settings.maxAttempts = 1
        settings.pageSize = 1
        settings.http.connectTimeout = min(settings.http.connectTimeout, timeout)
        settings.http.totalTimeout = timeout
        let apis: [any VendorAPI]
        let authenticator: any Authenticator
        do {
            apis = try streams()
            authenticator = try self.authenticator()
        } catch {
            let failure = StreamProbe.Failure(stage: .authenticated, message: "\(error)", fix: "fix the source's credential settings: \(error)")
            return [StreamProbe(stream: "-", usesTLS: settings.baseURL.lowercased().hasPrefix("https:"), failure: failure,
                                answered: false, events: 0)]
        }
        let clock = SystemPollClock()
        let limited = settings
        // The streams at once (a Google Workspace source has one per application), sharing the
        // credential as the poller's streams do; each keeps its own last answer.
        return await withTaskGroup(of: (Int, StreamProbe).self) { group in
            for (index, api) in apis.enumerated() {
                group.addTask {
                    let recorder = ResponseRecorder(HTTPClient(options: limited.http))
                    let requester = PollRequester(settings: limited, authenticator: authenticator, http: recorder, clock: clock,
                                                  metrics: PollMetrics(source: limited.id), logger: logger)
                    return (index, await probe(api, requester: requester, recorder: recorder, settings: limited, now: clock.now()))
                }
            }
            var results: [(Int, StreamProbe)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func probe(_ api: any VendorAPI, requester: PollRequester, recorder: ResponseRecorder, settings: PollSettings, now: Timestamp) async -> StreamProbe {
        let retention = api.retention ?? settings.retention
        let from = max(now.minus(.seconds(86_400)), now.minus(retention).plus(Gap.safetyMargin)).wholeSeconds
        let to = now.minus(max(settings.lag(for: api.stream), api.minimumLag)).wholeSeconds
        var result = StreamProbe(stream: api.stream, usesTLS: settings.baseURL.lowercased().hasPrefix("https:"),
                                 failure: nil, answered: false, events: 0)
        do {
            let request = try api.request(window: PollWindow(from: from, to: max(to, from.plus(.seconds(1)))), pageToken: nil, pageSize: 1)
            if let setup = api.setup { try await requester.perform(setup, api: api) }
            if let listing = api.contents {
                let page = try await requester.fetchListing(request, api: api, listing: listing, currentToken: nil)
                result.events = page.entries.count
                result.newestEvent = page.entries.map(\.created).max()
            } else {
                let page = try await requester.fetchPage(request, api: api, currentToken: nil)
                result.events = page.events.count
                result.newestEvent = page.events.compactMap(\.time).max()
            }
        } catch let error as PollError {
            result.failure = Self.failure(error, api: api, settings: settings)
        } catch {
            result.failure = StreamProbe.Failure(stage: .reachable, message: "\(error)", fix: "\(error)")
        }
        if let response = recorder.last {
            result.answered = true
            if let date = response.header("date").flatMap(HTTPDate.parse) {
                result.clockSkew = .microseconds(date.microseconds - response.receivedAt.microseconds)
            }
            result.rateLimit = api.rateLimitReport(response.response, now: response.receivedAt)
        }
        return result
    }

    /// The stage `error` stopped at and the fix to name. Permission and explained errors carry
    /// the vendor's own wording, the same line the sidecar logs.
    static func failure(_ error: PollError, api: any VendorAPI, settings: PollSettings) -> StreamProbe.Failure {
        // The host that failed: a token endpoint may be another one than baseURL's (Google, Microsoft).
        let host = URLParts(error.endpoint)?.authority ?? URLParts(settings.baseURL)?.authority ?? settings.baseURL
        switch error.code {
        case .transport(let curlCode, _):
            switch curlCode {
            case 5:
                return StreamProbe.Failure(stage: .reachable, message: error.description, fix: "cannot resolve the proxy: check the source's proxy (or HTTPS_PROXY)")
            case 6:
                return StreamProbe.Failure(stage: .reachable, message: error.description, fix: "cannot resolve \(host): check the source's baseURL (and DNS)")
            case 7:
                return StreamProbe.Failure(stage: .reachable, message: error.description,
                                           fix: "nothing accepts connections at \(host): check the source's baseURL, proxy and firewall")
            case 28:
                return StreamProbe.Failure(stage: .reachable, message: error.description,
                                           fix: "\(host) did not answer in time: check the source's baseURL, proxy and firewall (or raise --timeout)")
            case 60:
                return StreamProbe.Failure(stage: .tls, message: error.description,
                                           fix: "\(host)'s certificate is not trusted: set the source's caBundle to the CA that signed it (e.g. a TLS-inspecting proxy's CA)")
            case 77:
                return StreamProbe.Failure(stage: .tls, message: error.description, fix: "the CA bundle cannot be used: check the source's caBundle")
            case 35, 51, 53, 54, 58, 59, 64, 66, 80, 82, 83, 90, 91, 98:
                return StreamProbe.Failure(stage: .tls, message: error.description,
                                           fix: "the TLS handshake with \(host) failed: check that baseURL is the vendor's HTTPS API (and the source's proxy, caBundle)")
            default:
                return StreamProbe.Failure(stage: .reachable, message: error.description, fix: "check the source's baseURL and proxy: \(error.description)")
            }
        case .credential(let reason):
            return StreamProbe.Failure(stage: .authenticated, message: error.description, fix: "\(api.sourceType): \(reason): check the source's credentials")
        case .permission(let status, let hint), .explained(let status, let hint):
            return StreamProbe.Failure(stage: status == 401 ? .authenticated : .permission, message: error.description, fix: hint)
        case .rateLimited:
            return StreamProbe.Failure(stage: .permission, message: error.description,
                                       fix: "\(api.sourceType): the vendor's rate limit is used up now; try again later (other integrations share it: see rateShare)")
        case .streamUnavailable(_, let reason):
            return StreamProbe.Failure(stage: .permission, message: error.description, fix: reason)
        default:
            return StreamProbe.Failure(stage: .permission, message: error.description,
                                       fix: "\(api.sourceType)/\(api.stream): \(error.description): check the source's baseURL and settings")
        }
    }
}

/// Keeps the headers of the last answer (the data request's: a token request comes before it).
final class ResponseRecorder: HTTPSending {
    struct Answer: Sendable {
        /// The answer without its body.
        var response: HTTPResponse
        var receivedAt: Timestamp
        func header(_ name: String) -> String? { response.header(name) }
    }

    private let client: HTTPClient
    private let answer = Mutex<Answer?>(nil)

    init(_ client: HTTPClient) { self.client = client }

    var last: Answer? { answer.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await client.send(request)
        let kept = HTTPResponse(status: response.status, headers: response.headers, httpVersion: response.httpVersion)
        answer.withLock { $0 = Answer(response: kept, receivedAt: Timestamp.now()) }
        return response
    }
}
