import Foundation
import RelayCore

/// What an authenticator may use: the source's HTTP client (token endpoints) and clock (expiry, the
/// signed Date header).
public struct AuthContext: Sendable {
    public var http: any HTTPSending
    public var clock: any PollClock

    public init(http: any HTTPSending, clock: any PollClock) {
        self.http = http
        self.clock = clock
    }
}

/// Puts credentials on a request. One instance per source; implementations are safe to share
/// between tasks.
public protocol Authenticator: Sendable {
    /// Adds the credential to `request` (fetching or refreshing a token first if needed).
    /// - Throws: `PollError` (`credential` when the credential is rejected at the token endpoint,
    ///   retryable errors when the token endpoint is unavailable).
    func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws
    /// The API answered 401: forget any cached token. Returns true when a retry may get a new
    /// credential (a token grant), false when the credential is what it is (a static token).
    func invalidate() async -> Bool
    /// Credential strings to scrub from any text that may be logged (e.g. an error body).
    var redactions: [String] { get }
    /// A refresh token the vendor rotates, which the poller persists with the cursor (nil: none).
    var rotatingRefreshToken: RotatingRefreshToken? { get }
}

extension Authenticator {
    public var rotatingRefreshToken: RotatingRefreshToken? { nil }
}

/// A fixed token in a header: `Authorization: Bearer <token>` (Kandji), `SSWS <token>` (Okta), or
/// a bare value in a custom header (`X-API-Key`).
public struct StaticTokenAuth: Authenticator {
    public var token: Secret
    public var scheme: String?
    public var header: String

    public init(token: Secret, scheme: String? = "Bearer", header: String = "Authorization") {
        self.token = token
        self.scheme = scheme
        self.header = header
    }

    public func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        request.setHeader(header, scheme.map { "\($0) \(token.reveal())" } ?? token.reveal())
    }

    public func invalidate() async -> Bool { false }
    public var redactions: [String] { [token.reveal()] }
}

/// HTTP Basic authentication.
public struct BasicAuth: Authenticator {
    public var username: String
    public var password: Secret

    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    public static func headerValue(username: String, password: String) -> String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    public func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        request.setHeader("Authorization", Self.headerValue(username: username, password: password.reveal()))
    }

    public func invalidate() async -> Bool { false }
    public var redactions: [String] {
        [password.reveal(), Data("\(username):\(password.reveal())".utf8).base64EncodedString()]
    }
}

/// `Authorization: Bearer <token>` with the token from a `TokenCache` (OAuth2 grants, Endor's key
/// exchange), refreshed before it expires and after a 401.
public struct CachedBearerAuth: Authenticator {
    public let cache: TokenCache
    public let staticRedactions: [String]
    public let rotatingRefreshToken: RotatingRefreshToken?
    /// The token in use, so an error body that echoes it can be scrubbed too.
    private let current = CurrentToken()

    /// What precedes the token in the header: `Bearer ` (RFC 6750), OneLogin's `bearer:`.
    public let prefix: String

    public init(cache: TokenCache, redactions: [String], rotatingRefreshToken: RotatingRefreshToken? = nil, prefix: String = "Bearer ") {
        self.cache = cache
        self.staticRedactions = redactions
        self.rotatingRefreshToken = rotatingRefreshToken
        self.prefix = prefix
    }

    public func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        let token = try await cache.token(context: context)
        current.set(token.reveal())
        request.setHeader("Authorization", prefix + token.reveal())
    }

    public func invalidate() async -> Bool {
        await cache.invalidate()
        return true
    }

    public var redactions: [String] {
        staticRedactions + [current.get()].filter { !$0.isEmpty } + (rotatingRefreshToken?.redactions ?? [])
    }
}

final class CurrentToken: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func set(_ token: String) { lock.withLock { value = token } }
    func get() -> String { lock.withLock { value } }
}
