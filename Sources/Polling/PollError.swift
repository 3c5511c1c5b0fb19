import RelayCore

/// Everything that can go wrong while polling a vendor. Messages are lowercase, name the cause and
/// the (redacted) endpoint, and never contain tokens, secrets, signed query strings or event bodies.
public struct PollError: Error, Sendable, CustomStringConvertible, RetryAdvice {
    enum Code: Sendable, Equatable {
        /// curl failed before a complete response arrived (DNS, connect, TLS, timeout, truncated body).
        case transport(curlCode: Int, message: String)
        /// `setting`: the config key that raises the limit, if there is one.
        case responseTooLarge(limit: Int, setting: String?)
        /// A page holding more events (or JSON values) than `maxPageEvents` allows, however few bytes they take.
        case tooManyEvents(what: String)
        /// A status the kit does not retry (400, 404, …) or retried until the attempts ran out.
        case status(Int)
        case rateLimited(status: Int)
        /// 401 after a fresh credential, or 403: a person must fix the credential or its permissions.
        case permission(status: Int, hint: String)
        case malformedBody(reason: String)
        case unsafeNextLink(host: String)
        case credential(reason: String)
        case invalidRequest(reason: String)
        /// The vendor handed back the page token it was just given, where it does not document that
        /// as the end: following it would loop, ending the window would skip what comes after.
        case repeatedPageToken(stream: String)
        /// The vendor no longer accepts a stored page token or position (expired, unknown); the
        /// poller falls back to the stream's time watermark.
        case rejectedCursor(status: Int)
        /// A 4xx the vendor explained (Duo's signature and clock errors), in plain words.
        case explained(status: Int, message: String)
        /// The vendor dropped what `StreamSetup` set up (Microsoft's subscription was disabled);
        /// the poller sets it up again.
        case setupLost(status: Int, what: String)
        /// The stream does not exist for this tenant (an unlicensed object); the poller sets it aside.
        case streamUnavailable(status: Int, reason: String)
    }

    let code: Code
    /// The endpoint, redacted (`https://host/path?token=<redacted>`).
    public let endpoint: String
    /// How long retrying is pointless (a rate limit's reset, a permission problem's slow retry).
    public var retryAfter: Duration?
    /// A short, redacted excerpt of the server's explanation (for 4xx answers).
    public var detail: String?

    init(_ code: Code, endpoint: String, retryAfter: Duration? = nil) {
        self.code = code
        self.endpoint = endpoint
        self.retryAfter = retryAfter
    }

    /// Whether the same request may succeed later without anyone changing anything.
    public var isRetryable: Bool {
        switch code {
        case .transport, .rateLimited, .malformedBody: return true
        case .status(let status): return status >= 500 || status == 408
        case .responseTooLarge, .tooManyEvents, .permission, .unsafeNextLink, .credential, .invalidRequest, .repeatedPageToken, .rejectedCursor, .explained, .setupLost, .streamUnavailable: return false
        }
    }

    /// The vendor rejected a stored page token or position (the poller falls back to its watermark).
    public var isRejectedCursor: Bool {
        if case .rejectedCursor = code { return true }
        return false
    }

    /// A 429/503 (or GitHub's 403 with nothing remaining): the vendor asked us to slow down.
    public var isStreamUnavailable: Bool {
        if case .streamUnavailable = code { return true }
        return false
    }

    public var isSetupLost: Bool {
        if case .setupLost = code { return true }
        return false
    }

    public var isRateLimit: Bool {
        if case .rateLimited = code { return true }
        return false
    }

    /// A person must act (credentials, permissions, configuration) before a retry can succeed.
    public var needsOperator: Bool {
        switch code {
        case .permission, .credential, .invalidRequest, .unsafeNextLink, .explained: return true
        default: return false
        }
    }

    /// A short, bounded label for metrics and log metadata.
    public var reason: String {
        switch code {
        case .transport(let curlCode, _): return curlCode == 28 ? "timeout" : "network"
        case .responseTooLarge, .tooManyEvents: return "too_large"
        case .status(let status): return "http_\(status)"
        case .rateLimited: return "rate_limited"
        case .permission: return "permission"
        case .malformedBody: return "malformed"
        case .unsafeNextLink: return "unsafe_next_link"
        case .credential: return "credential"
        case .invalidRequest: return "invalid_request"
        case .repeatedPageToken: return "repeated_page_token"
        case .rejectedCursor: return "rejected_cursor"
        case .explained: return "rejected"
        case .setupLost: return "setup_lost"
        case .streamUnavailable: return "stream_unavailable"
        }
    }

    public var httpStatus: Int? {
        switch code {
        case .status(let status), .rateLimited(let status), .permission(let status, _), .rejectedCursor(let status), .explained(let status, _), .setupLost(let status, _),
             .streamUnavailable(let status, _): return status
        default: return nil
        }
    }

    public var description: String {
        switch code {
        case .transport(let curlCode, let message):
            return "request to \(endpoint) failed: \(message) (curl error \(curlCode))"
        case .responseTooLarge(let limit, let setting):
            return "response from \(endpoint) is larger than \(limit) bytes\(setting.map { " (\($0))" } ?? ""); refused without reading further, the cursor stays where it was"
        case .tooManyEvents(let what):
            return "response from \(endpoint) holds more than \(what); refused, the cursor stays where it was"
        case .status(let status):
            return "\(endpoint) answered HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
        case .rateLimited(let status):
            return "\(endpoint) is rate limiting (HTTP \(status))" + (retryAfter.map { "; retry in \($0)" } ?? "")
        case .permission(let status, let hint):
            return "\(hint) (HTTP \(status) from \(endpoint))"
        case .malformedBody(let reason):
            return "response from \(endpoint) is not usable: \(reason)"
        case .unsafeNextLink(let host):
            return "next-page link from \(endpoint) points to another host (\(host)); refusing to send credentials there"
        case .credential(let reason):
            return "credential problem: \(reason)"
        case .invalidRequest(let reason):
            return "cannot build the request for \(endpoint): \(reason)"
        case .repeatedPageToken(let stream):
            return "\(stream): \(endpoint) handed back the page token it was asked with; stopping instead of looping (the window stays open and is retried)"
        case .rejectedCursor(let status):
            return "\(endpoint) rejected the stored page token or position (HTTP \(status))" + (detail.map { ": \($0)" } ?? "")
        case .explained(let status, let message):
            return "\(message) (HTTP \(status) from \(endpoint))"
        case .streamUnavailable(let status, let reason):
            return "\(reason) (HTTP \(status) from \(endpoint)); the stream is skipped until the next start"
        case .setupLost(let status, let what):
            return "\(endpoint) says the \(what) is gone (HTTP \(status))" + (detail.map { ": \($0)" } ?? "")
        }
    }

    /// A credential that cannot work as configured (a person must fix it).
    public static func credential(_ reason: String, endpoint: String = "") -> PollError {
        PollError(.credential(reason: reason), endpoint: endpoint)
    }

    /// A vendor answer that is not what the connector expects.
    public static func malformedBody(_ reason: String, endpoint: String) -> PollError {
        PollError(.malformedBody(reason: reason), endpoint: endpoint)
    }

    public static func invalidRequest(_ reason: String, endpoint: String) -> PollError {
        PollError(.invalidRequest(reason: reason), endpoint: endpoint)
    }

    static func transport(_ curlCode: Int, _ message: String, endpoint: String) -> PollError {
        PollError(.transport(curlCode: curlCode, message: message), endpoint: endpoint)
    }
}
