import Crypto
import Foundation
import Polling
import RelayCore

/// Duo's request signing (Admin API "Authentication"), on every request; there is no token.
///
///     v2:  date \n METHOD \n host \n path \n params                      HMAC-SHA1
///     v5:  the same five lines \n sha512(body) \n sha512(X-Duo-* headers)  HMAC-SHA512
///
/// `params` is every name and value percent-encoded (RFC 3986: only `A–Z a–z 0–9 - . _ ~` stay)
/// and sorted by encoded name, then encoded value, joined as `k=v` with `&`; the query string sent
/// is that same string, byte for byte. `host` is the lower-cased host name without a port, as
/// duo_client_python signs it; for a URL with an explicit port (never Duo's own API hosts, only
/// a proxy or test server in front of it) a rejected signature is retried once with `host:port`,
/// the form a server reading its `Host` header computes, and whichever works is kept. The signature goes out as `Authorization: Basic base64(ikey:hex)`
/// with the `Date` it covers (RFC 2822, taken per request: a reused date fails with 40103 or 40105).
/// Checked against the canonical strings and signatures of Duo's own client test suites
/// (duo_client_python `tests/test_client.py`, duo_api_golang `duo_test.go`): see DuoTests.
public struct DuoRequestSigner: Authenticator {
    public enum Version: Int, Sendable { case v2 = 2, v5 = 5 }

    public var integrationKey: String
    public var secretKey: Secret
    public var version: Version
    private let hostForm = HostForm()

    public init(integrationKey: String, secretKey: Secret, version: Version = .v2) {
        self.integrationKey = integrationKey
        self.secretKey = secretKey
        self.version = version
    }

    /// Whether the signed host carries the URL's explicit port, and whether the last request had one.
    final class HostForm: @unchecked Sendable {
        private let lock = NSLock()
        private var withPort = false
        private var lastHadPort = false
        func host(_ parts: URLParts) -> String {
            lock.withLock {
                lastHadPort = parts.port != nil
                return withPort ? parts.port.map { "\(parts.host):\($0)" } ?? parts.host : parts.host
            }
        }
        /// Switches to the other form after a rejected signature; false when there is none.
        func flip() -> Bool {
            lock.withLock {
                guard lastHadPort else { return false }
                withPort.toggle()
                return true
            }
        }
    }

    /// The canonical parameter string (also the query string sent).
    public static func canonicalParameters(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { (name: PercentEncoding.encode($0.name), value: PercentEncoding.encode($0.value)) }
            .sorted { $0.name == $1.name ? $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The string Duo signs.
    /// - Parameters:
    ///   - body: the request body (v5 only; empty for GET).
    ///   - duoHeaders: `X-Duo-*` headers sent with the request (v5 only).
    public static func canonical(version: Version, date: String, method: String, host: String, path: String,
                                 parameters: [(name: String, value: String)], body: [UInt8] = [],
                                 duoHeaders: [(name: String, value: String)] = []) -> String {
        let lines = [date, method.uppercased(), host.lowercased(), path, canonicalParameters(parameters)]
        switch version {
        case .v2:
            return lines.joined(separator: "\n")
        case .v5:
            let headers = duoHeaders.map { (name: $0.name.lowercased(), value: $0.value) }
                .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
                .flatMap { [$0.name, $0.value] }.joined(separator: "\0")
            return (lines + [hex(SHA512.hash(data: body)), hex(SHA512.hash(data: Array(headers.utf8)))]).joined(separator: "\n")
        }
    }

    /// The hex HMAC of `canonical`: SHA-1 for v2, SHA-512 for v5.
    public static func signature(version: Version, canonical: String, secretKey: String) -> String {
        let key = SymmetricKey(data: Array(secretKey.utf8))
        switch version {
        case .v2: return hex(HMAC<Insecure.SHA1>.authenticationCode(for: Array(canonical.utf8), using: key))
        case .v5: return hex(HMAC<SHA512>.authenticationCode(for: Array(canonical.utf8), using: key))
        }
    }

    /// RFC 2822 date as Duo wants it: `Tue, 21 Aug 2012 17:29:18 -0000`.
    public static func date(_ time: Timestamp) -> String {
        let seconds = time.microseconds / 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let characters = Array(Timestamp(seconds: seconds).description)  // 2012-08-21T17:29:18Z
        let month = Int(String(characters[5..<7])) ?? 1
        return "\(weekday), \(String(characters[8..<10])) \(months[max(0, min(11, month - 1))]) \(String(characters[0..<4])) \(String(characters[11..<19])) -0000"
    }

    /// Signs `request`, rewriting its query to the canonical parameter string it signs.
    public func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        guard let parts = URLParts(request.url) else {
            throw PollError.invalidRequest("not an absolute http(s) URL", endpoint: Redaction.url(request.url))
        }
        let parameters = parts.queryItems
        let query = Self.canonicalParameters(parameters)
        let base = request.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.url
        request.url = query.isEmpty ? base : "\(base)?\(query)"
        let date = Self.date(context.clock.now())
        let duoHeaders = request.headers.filter { $0.name.lowercased().hasPrefix("x-duo-") }
        let canonical = Self.canonical(version: version, date: date, method: request.method.rawValue, host: hostForm.host(parts), path: parts.path,
                                       parameters: parameters, body: request.body ?? [], duoHeaders: duoHeaders)
        request.setHeader("Date", date)
        request.setHeader("Authorization", BasicAuth.headerValue(username: integrationKey,
                                                                 password: Self.signature(version: version, canonical: canonical, secretKey: secretKey.reveal())))
    }

    /// A 401: retry once with the other host form where the URL has a port (see above).
    public func invalidate() async -> Bool { hostForm.flip() }
    public var redactions: [String] { [secretKey.reveal()] }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
