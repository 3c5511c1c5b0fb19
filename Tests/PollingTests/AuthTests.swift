import Crypto
import _CryptoExtras
import Foundation
import Polling
import RelayCore
import Testing

@Suite struct JWTTests {
    /// RFC 8037 Appendix A.4: the Ed25519 JWS of "Example of Ed25519 signing" (Ed25519 is deterministic).
    @Test func ed25519MatchesRFC8037() throws {
        let key = try JWK.signingKey(json: Array(#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#.utf8))
        let jws = try JWT.sign(headerJSON: #"{"alg":"EdDSA"}"#, payload: Array("Example of Ed25519 signing".utf8), key: key)
        #expect(jws == "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
    }

    @Test func es256SignaturesAreRawAndVerify() throws {
        let key = P256.Signing.PrivateKey()
        let jws = try JWT.sign(claims: [("iss", "a")], key: .es256(key))
        let parts = jws.split(separator: ".").map(String.init)
        let signature = try #require(Base64URL.decode(parts[2]))
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: Array("\(parts[0]).\(parts[1])".utf8)))
        #expect(String(decoding: Base64URL.decode(parts[0]) ?? [], as: UTF8.self) == #"{"alg":"ES256","typ":"JWT"}"#)
    }

    @Test func rs256FromPEMVerifies() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        guard case .rs256(let parsed) = try JWTSigningKey.pem(key.pemRepresentation) else {
            Issue.record("PEM RSA key not recognised")
            return
        }
        let jws = try JWT.sign(claims: [("sub", "x")], key: .rs256(parsed))
        let parts = jws.split(separator: ".").map(String.init)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
        #expect(key.publicKey.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5))
    }

    @Test func clientAssertionCarriesTheRFC7523Claims() throws {
        let key = Curve25519.Signing.PrivateKey()
        var assertion = JWTClientAssertion(clientID: "id@acme.conductor.one/pcc", audience: "acme.conductor.one", key: .ed25519(key))
        assertion.headerNonce = true
        let now = try #require(Timestamp(parsing: "2026-03-01T12:00:00Z"))
        let jws = try assertion.make(now: now)
        let parts = jws.split(separator: ".").map(String.init)
        #expect(key.publicKey.isValidSignature(try #require(Base64URL.decode(parts[2])), for: Array("\(parts[0]).\(parts[1])".utf8)))
        let document = JSONDocument()
        let claims = try document.parse(try #require(Base64URL.decode(parts[1])))
        #expect(claims["iss"]?.string == "id@acme.conductor.one/pcc")
        #expect(claims["sub"]?.string == "id@acme.conductor.one/pcc")
        #expect(claims["aud"]?.string == "acme.conductor.one")
        #expect(claims["iat"]?.int64 == now.microseconds / 1_000_000)
        #expect(claims["nbf"]?.int64 == now.microseconds / 1_000_000 - 120)
        #expect(claims["exp"]?.int64 == now.microseconds / 1_000_000 + 120)
        let header = try document.parse(try #require(Base64URL.decode(parts[0])))
        #expect(header["alg"]?.string == "EdDSA")
        #expect((header["nonce"]?.string?.count ?? 0) >= 16)
        #expect(try assertion.make(now: now) != jws)  // a fresh jti and nonce each time
    }
}

@Suite struct TokenTests {
    @Test func renewsAtNinetyPercentOrAMinuteBeforeExpiry() throws {
        let issued = try #require(Timestamp(parsing: "2026-03-01T12:00:00Z"))
        #expect(TokenCache.renewalTime(issued: issued, lifetime: .seconds(3600)) == issued.plus(.seconds(3540)))
        #expect(TokenCache.renewalTime(issued: issued, lifetime: .seconds(60)) == issued.plus(.seconds(54)))
    }

    @Test func clientCredentialsCachesRefreshesBeforeExpiryAndAfterInvalidation() async throws {
        let clock = ManualClock()
        let http = ScriptedHTTP { request, index in
            #expect(request.url == "https://idp.example.com/oauth2/token")
            return json(#"{"access_token":"at-\#(index)","token_type":"Bearer","expires_in":600}"#)
        }
        let fetch = OAuth2.clientCredentials(tokenURL: "https://idp.example.com/oauth2/token", clientID: "client-1",
                                             authentication: .secretBasic(Secret("s3cret")), scope: "logs.read")
        let auth = CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: ["s3cret"])
        let context = AuthContext(http: http, clock: clock)
        var request = HTTPRequest(url: "https://api.example.com/logs")
        try await auth.authorize(&request, context: context)
        #expect(request.header("Authorization") == "Bearer at-0")
        clock.advance(.seconds(530))
        try await auth.authorize(&request, context: context)
        #expect(request.header("Authorization") == "Bearer at-0")  // still fresh
        clock.advance(.seconds(10))  // 540 s = 600 − 60: renew
        try await auth.authorize(&request, context: context)
        #expect(request.header("Authorization") == "Bearer at-1")
        #expect(await auth.invalidate())
        try await auth.authorize(&request, context: context)
        #expect(request.header("Authorization") == "Bearer at-2")

        let form = formFields(http.requests[0])
        #expect(form["grant_type"] == "client_credentials")
        #expect(form["scope"] == "logs.read")
        #expect(form["client_secret"] == nil)  // secretBasic: in the header, never the body or URL
        #expect(http.requests[0].header("Authorization") == BasicAuth.headerValue(username: "client-1", password: "s3cret"))
    }

    @Test func assertionGrantSendsTheJWTInTheBody() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let http = ScriptedHTTP { _, _ in json(#"{"access_token":"at","expires_in":3600}"#) }
        let assertion = JWTClientAssertion(clientID: "c@h/u", audience: "h", key: .ed25519(key))
        let fetch = OAuth2.clientCredentials(tokenURL: "https://h/auth/v1/token", clientID: "c@h/u", authentication: .assertion(assertion))
        let token = try await fetch(AuthContext(http: http, clock: ManualClock()))
        #expect(token.accessToken.reveal() == "at")
        #expect(token.expiresIn == .seconds(3600))
        let form = formFields(http.requests[0])
        #expect(form["client_id"] == "c@h/u")
        #expect(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        #expect(form["client_assertion"]?.split(separator: ".").count == 3)
        #expect(http.requests[0].header("Authorization") == nil)
    }

    @Test func aGrantHandingBackTheRejectedTokenIsAskedAgainOnceItRunsOut() async throws {
        let clock = ManualClock()
        let issued = LockedBox<[String]>([])
        let cache = TokenCache { context in
            // Like OneLogin: the same token until it expires (at 12:00:30 here), then a new one.
            let fresh = context.clock.now() >= Timestamp(parsing: "2026-03-01T12:00:30Z")!
            issued.append(fresh ? "t2" : "t1")
            return IssuedToken(accessToken: Secret(fresh ? "t2" : "t1"),
                               expiresIn: fresh ? .seconds(3600) : Timestamp(parsing: "2026-03-01T12:00:30Z")!.duration(since: context.clock.now()))
        }
        let context = AuthContext(http: ScriptedHTTP { _, _ in json("{}") }, clock: clock)
        #expect(try await cache.token(context: context).reveal() == "t1")
        clock.advance(.seconds(25))
        await cache.invalidate()  // the API said 401 a few seconds before the token's own expiry
        #expect(try await cache.token(context: context).reveal() == "t2")
        #expect(issued.value == ["t1", "t1", "t2"])
        #expect(clock.sleeps == [.seconds(6)])
    }

    @Test func refreshGrantRotatesTheRefreshToken() async throws {
        let http = ScriptedHTTP { request, index in
            json(#"{"access_token":"at-\#(index)","expires_in":60,"refresh_token":"rt-\#(index + 1)"}"#)
        }
        let refreshToken = RotatingRefreshToken(configured: Secret("rt-0"), sealingSecret: Secret("cs"), sourceID: "wd")
        let grant = OAuth2.RefreshGrant(tokenURL: "https://wd.example.com/token", clientID: "c", authentication: .secretPost(Secret("cs")),
                                        refreshToken: refreshToken)
        let context = AuthContext(http: http, clock: ManualClock())
        #expect(refreshToken.sealed() == nil)  // nothing to persist while the configured token is current
        _ = try await grant.fetch(context: context)
        #expect(refreshToken.token.reveal() == "rt-1")
        _ = try await grant.fetch(context: context)
        #expect(formFields(http.requests[0])["refresh_token"] == "rt-0")
        #expect(formFields(http.requests[1])["refresh_token"] == "rt-1")
        #expect(formFields(http.requests[1])["client_secret"] == "cs")
        #expect(refreshToken.token.reveal() == "rt-2")
        // Sealed for the cursor: opens only with the same client secret and source id, never shows the token.
        let sealed = try #require(refreshToken.sealed())
        #expect(!sealed.contains("rt-2"))
        let restarted = RotatingRefreshToken(configured: Secret("rt-0"), sealingSecret: Secret("cs"), sourceID: "wd")
        #expect(restarted.restore(sealed: sealed))
        #expect(restarted.token.reveal() == "rt-2")
        let otherSecret = RotatingRefreshToken(configured: Secret("rt-0"), sealingSecret: Secret("changed"), sourceID: "wd")
        #expect(!otherSecret.restore(sealed: sealed))
        #expect(otherSecret.token.reveal() == "rt-0")
    }

    @Test func aRejectedClientIsACredentialErrorThatNamesTheOAuthCodeButNoSecret() async throws {
        let http = ScriptedHTTP { _, _ in json(400, #"{"error":"invalid_client","error_description":"secret s3cret is wrong"}"#) }
        let fetch = OAuth2.clientCredentials(tokenURL: "https://idp/token?sig=abc", clientID: "c", authentication: .secretPost(Secret("s3cret")))
        do {
            _ = try await fetch(AuthContext(http: http, clock: ManualClock()))
            Issue.record("expected an error")
        } catch let error as PollError {
            #expect(error.needsOperator)
            #expect("\(error)".contains("HTTP 400: invalid_client"))
            #expect(!"\(error)".contains("s3cret"))
            #expect(!"\(error)".contains("sig=abc"))
        }
    }
}

final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
}
