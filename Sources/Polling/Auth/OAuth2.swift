import RelayCore

/// OAuth2 token grants (RFC 6749) for `TokenCache`: client credentials with the client
/// authenticating by secret (Basic or in the body) or by a signed JWT assertion (RFC 7523), and
/// the refresh-token grant. Every request sends `application/x-www-form-urlencoded` credentials in
/// the body or the Authorization header, never in the URL.
public enum OAuth2 {
    public enum ClientAuthentication: Sendable {
        /// `Authorization: Basic base64(id:secret)` (client_secret_basic).
        case secretBasic(Secret)
        /// `client_id` and `client_secret` form fields (client_secret_post).
        case secretPost(Secret)
        /// `client_assertion_type=…jwt-bearer` and a fresh signed `client_assertion` (private_key_jwt).
        case assertion(JWTClientAssertion)
    }

    /// A `TokenCache` fetch for the client-credentials grant.
    /// - Parameter extraForm: vendor fields of the grant (Box's `box_subject_type`, `box_subject_id`).
    public static func clientCredentials(tokenURL: String, clientID: String, authentication: ClientAuthentication, scope: String? = nil,
                                         extraForm: [(String, String)] = []) -> TokenCache.Fetch {
        { context in
            var form = [("grant_type", "client_credentials")]
            if let scope { form.append(("scope", scope)) }
            form.append(contentsOf: extraForm)
            return try await requestToken(tokenURL: tokenURL, clientID: clientID, authentication: authentication, form: form, context: context).token
        }
    }

    /// A `TokenCache` fetch for the JWT-bearer authorization grant (RFC 7523 §2.1): the signed
    /// `assertion`, made fresh for each request, is the whole credential (Google's service accounts).
    public static func jwtBearer(tokenURL: String, assertion: @escaping @Sendable (Timestamp) throws -> String) -> TokenCache.Fetch {
        { context in
            let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", try assertion(context.clock.now()))]
            return try await requestToken(tokenURL: tokenURL, clientID: nil, authentication: nil, form: form, context: context).token
        }
    }

    /// The refresh-token grant. A rotated refresh token in the response replaces the old one in
    /// `refreshToken`, which the poller persists (sealed) in the source's cursor.
    public struct RefreshGrant: Sendable {
        public let refreshToken: RotatingRefreshToken
        let tokenURL: String
        let clientID: String
        let authentication: ClientAuthentication

        public init(tokenURL: String, clientID: String, authentication: ClientAuthentication, refreshToken: RotatingRefreshToken) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.authentication = authentication
            self.refreshToken = refreshToken
        }

        public func fetch(context: AuthContext) async throws -> IssuedToken {
            let used = refreshToken.token
            let form = [("grant_type", "refresh_token"), ("refresh_token", used.reveal())]
            let result = try await OAuth2.requestToken(tokenURL: tokenURL, clientID: clientID, authentication: authentication, form: form, context: context)
            if let rotated = result.refreshToken, rotated != used { refreshToken.rotate(to: rotated) }
            return result.token
        }

        public var cacheFetch: TokenCache.Fetch { { context in try await fetch(context: context) } }
    }

    /// Posts the grant's `form`, authenticating the client as `authentication` says (nil when the
    /// grant itself is the credential). Refresh tokens and assertions in `form` are redacted from errors.
    static func requestToken(tokenURL: String, clientID: String?, authentication: ClientAuthentication?, form: [(String, String)], context: AuthContext)
        async throws -> (token: IssuedToken, refreshToken: Secret?) {
        var form = form.map { (name: $0.0, value: $0.1) }
        var request = HTTPRequest(method: .post, url: tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")])
        var secrets: [String] = form.filter { $0.name == "refresh_token" || $0.name == "assertion" }.map(\.value)
        let clientID = clientID ?? ""
        switch authentication {
        case nil:
            break
        case .secretBasic(let secret):
            request.setHeader("Authorization", BasicAuth.headerValue(username: PercentEncoding.encode(clientID), password: PercentEncoding.encode(secret.reveal())))
            secrets.append(secret.reveal())
        case .secretPost(let secret):
            form.append(("client_id", clientID))
            form.append(("client_secret", secret.reveal()))
            secrets.append(secret.reveal())
        case .assertion(let assertion):
            form.append(("client_id", clientID))
            form.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
            form.append(("client_assertion", try assertion.make(now: context.clock.now())))
        }
        request.body = Array(PercentEncoding.query(form).utf8)
        let response = try await context.http.send(request)
        return try TokenResponse.parse(response, endpoint: Redaction.url(tokenURL), tokenPath: ["access_token"], secrets: secrets)
    }
}

/// Reading a token endpoint's answer.
public enum TokenResponse {
    /// Reads the token at `tokenPath`, `expires_in` and `refresh_token`. A 4xx is a credential
    /// problem a person must fix (its OAuth `error` code is quoted; nothing else of the body is).
    public static func parse(_ response: HTTPResponse, endpoint: String, tokenPath: [String], secrets: [String]) throws(PollError) -> (token: IssuedToken, refreshToken: Secret?) {
        let endpoint = Redaction.url(endpoint)
        let document = JSONDocument()
        let root = try? document.parse(response.body)
        guard (200..<300).contains(response.status) else {
            if response.status >= 500 || response.status == 429 || response.status == 408 { throw PollError(.status(response.status), endpoint: endpoint) }
            let code = root?["error"]?.string.map { Redaction.text($0, secrets: secrets) } ?? "no error code"
            throw PollError(.credential(reason: "the token endpoint \(endpoint) rejected the credentials (HTTP \(response.status): \(code))"), endpoint: endpoint)
        }
        guard let root, let access = root.value(at: tokenPath)?.string, !access.isEmpty else {
            throw PollError(.malformedBody(reason: "the token response has no \(tokenPath.joined(separator: "."))"), endpoint: endpoint)
        }
        let lifetime = root["expires_in"]?.int64.flatMap { $0 > 0 ? Duration.seconds($0) : nil }
        return (IssuedToken(accessToken: Secret(access), expiresIn: lifetime), root["refresh_token"]?.string.map(Secret.init))
    }

    /// Just the token (for exchanges without refresh tokens, such as Endor Labs' API key).
    public static func bearer(_ response: HTTPResponse, endpoint: String, tokenPath: [String], secrets: [String]) throws(PollError) -> IssuedToken {
        try parse(response, endpoint: endpoint, tokenPath: tokenPath, secrets: secrets).token
    }
}

/// Small JSON request bodies (token exchanges, RPC-style list calls).
public enum JSONBody {
    public static func object(_ members: [(String, JWTValue)]) -> [UInt8] { JWT.object(members) }
}
