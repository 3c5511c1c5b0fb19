import RelayCore

/// A token as a grant returned it.
public struct IssuedToken: Sendable {
    public var accessToken: Secret
    /// Lifetime from issue; nil when the grant does not say.
    public var expiresIn: Duration?

    public init(accessToken: Secret, expiresIn: Duration?) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
    }
}

/// Caches one access token and fetches a new one before the old one expires: at the later of
/// 90% of its lifetime or one minute before expiry (so a 1-hour token is renewed after 59 minutes
/// and a 60-second token after 54 s), or after `invalidate()` (a 401). Concurrent callers share one
/// fetch.
public actor TokenCache {
    public typealias Fetch = @Sendable (AuthContext) async throws -> IssuedToken

    private let fetch: Fetch
    private let defaultLifetime: Duration
    private var current: (token: Secret, renewAt: Timestamp)?
    /// The token the API last answered 401 to: a grant that hands it back (OneLogin returns the
    /// same token until it expires) is asked again once it has run out.
    private var rejected: Secret?
    private var inFlight: Task<IssuedToken, any Error>?
    public private(set) var fetchCount = 0

    /// - Parameters:
    ///   - defaultLifetime: how long to use a token whose grant names no lifetime.
    public init(defaultLifetime: Duration = .seconds(3600), fetch: @escaping Fetch) {
        self.fetch = fetch
        self.defaultLifetime = defaultLifetime
    }

    /// When a token issued at `issued` with `lifetime` should be replaced.
    public static func renewalTime(issued: Timestamp, lifetime: Duration) -> Timestamp {
        let seconds = max(lifetime.seconds, 0)
        let margin = min(60, seconds / 10)
        return Timestamp(microseconds: issued.microseconds + Int64((seconds - margin) * 1_000_000))
    }

    public func token(context: AuthContext) async throws -> Secret {
        let now = context.clock.now()
        if let current, now < current.renewAt { return current.token }
        let task: Task<IssuedToken, any Error>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = self.fetch
            let rejected = self.rejected
            task = Task {
                let issued = try await fetch(context)
                // The token just refused, about to run out: wait for it to, then ask again.
                if issued.accessToken == rejected, let lifetime = issued.expiresIn, lifetime <= .seconds(60) {
                    try await context.clock.sleep(for: lifetime + .seconds(1))
                    return try await fetch(context)
                }
                return issued
            }
            inFlight = task
            fetchCount += 1
        }
        defer { inFlight = nil }
        let issued = try await task.value
        rejected = nil
        current = (issued.accessToken, Self.renewalTime(issued: now, lifetime: issued.expiresIn ?? defaultLifetime))
        return issued.accessToken
    }

    public func invalidate() {
        rejected = current?.token
        current = nil
    }
}
