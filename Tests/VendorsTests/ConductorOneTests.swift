import Replay
@testable import Vendors
import Crypto
import Foundation
import Polling
import RelayCore
import Testing

@Suite(.timeLimit(.minutes(3))) struct ConductorOneTests {
    static let clientID = "quiet-otter-4711@127.0.0.1/auditrelay"

    /// A client secret as ConductorOne issues them: the last part is the base64url JWK of an
    /// Ed25519 private key. The look-alike gets the public half to verify the assertions.
    static func credentials() -> (secret: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        let jwk = #"{"kty":"OKP","crv":"Ed25519","x":"\#(Base64URL.encode(key.publicKey.rawRepresentation))","d":"\#(Base64URL.encode(key.rawRepresentation))"}"#
        return ("secret-token:conductorone.com:v1:" + Base64URL.encode(Array(jwk.utf8)), Base64URL.encode(key.publicKey.rawRepresentation))
    }

    static func configuration(_ lookalike: Lookalike, secret: String) -> ConductorOneSource {
        var settings = PollSettings(id: "c1-test", baseURL: lookalike.baseURL, defaults: ConductorOneSource.defaults)
        settings.backfill = .duration(.seconds(3 * 3600))
        settings.lag = .seconds(5)
        settings.requestsPerSecond = 1000
        settings.http.totalTimeout = .seconds(2)  // the look-alike's "timeout" fault sleeps 3 s
        return .configured(["clientID": clientID, "clientSecret": secret], settings: settings)
    }

    @Test func derivesTheHostFromTheClientIDAndReadsTheKeyFromTheSecret() throws {
        #expect(ConductorOneSource.host(fromClientID: "name@acme.conductor.one/pcc") == "acme.conductor.one")
        #expect(ConductorOneSource.host(fromClientID: "no-at-sign") == nil)
        let (secret, _) = Self.credentials()
        guard case .ed25519 = try ConductorOneSource.signingKey(Secret(secret)) else {
            Issue.record("not an Ed25519 key")
            return
        }
        #expect(throws: PollError.self) { try ConductorOneSource.signingKey(Secret("secret-token:x:y")) }
    }

    @Test func signsTheAssertionRenewsAnExpiredTokenAndDeliversEveryEventOnce() async throws {
        let (secret, publicKey) = Self.credentials()
        let vendor = try Lookalike("conductor_one.py", ["--client-id", Self.clientID, "--public-key=\(publicKey)", "--events", "730", "--span", "7200"],
                                   environment: ["LOOKALIKE_TIMEOUT_SLEEP": "3"])
        defer { vendor.stop() }
        try await vendor.inject(["ok", "expire", "ok", "429", "500", "ok", "truncated", "ok", "malformed", "timeout", "ok", "expire"])
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try Self.configuration(vendor, secret: secret).makePoller(clock: clock, logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["metadata", "uid"], count: 730, logs: logs)
        #expect(stats.tokenRequests == 3)  // the first token, and one after each expiry
        #expect(stats.authFailures == 2)
        #expect(clock.sleeps.contains(.seconds(7)))
        let secretKeyPart = String(secret.split(separator: ":").last ?? "")
        #expect(!logs.text.contains(secretKeyPart))
        #expect(!logs.text.contains("c1-at-"))  // the access tokens the look-alike issues
    }

    @Test func aRejectedAssertionIsACredentialErrorWithoutTheSecret() async throws {
        let (secret, _) = Self.credentials()
        let (_, otherPublicKey) = Self.credentials()  // the look-alike expects a different key
        let vendor = try Lookalike("conductor_one.py", ["--client-id", Self.clientID, "--public-key=\(otherPublicKey)", "--events", "5"])
        defer { vendor.stop() }
        let logs = LogCapture()
        let poller = try Self.configuration(vendor, secret: secret).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let failure = await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger())
        let message = failure.map { "\($0)" } ?? ""
        #expect(message.contains("rejected the credentials (HTTP 401: invalid_client)"), "\(message)")
        #expect(!message.contains(String(secret.split(separator: ":").last ?? "")))
        #expect(try await vendor.stats().tokenRequests == 1)  // no retry storm: a person must act
    }
}
