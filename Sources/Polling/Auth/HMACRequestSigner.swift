import Crypto
import Foundation
import RelayCore

/// Duo's request signing (Admin API "Authentication"): for every request, an HMAC-SHA1 (hex) over
///
///     date \n METHOD \n host (lowercase) \n path \n sorted, percent-encoded params
///
/// keyed by the secret key, sent as `Authorization: Basic base64(ikey:hex)` with the same `Date`
/// header. The date is taken per request: a reused date fails with error 40103.
public struct HMACRequestSigner: Authenticator {
    public var integrationKey: String
    public var secretKey: Secret

    public init(integrationKey: String, secretKey: Secret) {
        self.integrationKey = integrationKey
        self.secretKey = secretKey
    }

    /// The canonical string Duo signs. Parameters are sorted by name, then value; names and values
    /// are percent-encoded with `%20` for spaces.
    public static func canonical(date: String, method: String, host: String, path: String, parameters: [(name: String, value: String)]) -> String {
        let sorted = parameters.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        return [date, method.uppercased(), host.lowercased(), path, PercentEncoding.query(sorted)].joined(separator: "\n")
    }

    public static func signature(canonical: String, secretKey: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(canonical.utf8), using: SymmetricKey(data: Array(secretKey.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// RFC 2822 date as Duo wants it: `Tue, 21 Aug 2012 17:29:18 -0000`.
    public static func date(_ time: Timestamp) -> String {
        let seconds = time.microseconds / 1_000_000
        let days = seconds / 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let rfc3339 = Timestamp(seconds: seconds).description  // 2012-08-21T17:29:18Z
        let characters = Array(rfc3339)
        let year = String(characters[0..<4]), month = Int(String(characters[5..<7])) ?? 1, day = String(characters[8..<10])
        let clock = String(characters[11..<19])
        return "\(weekday), \(day) \(months[max(0, min(11, month - 1))]) \(year) \(clock) -0000"
    }

    public func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        guard let parts = URLParts(request.url) else {
            throw PollError(.invalidRequest(reason: "not an absolute http(s) URL"), endpoint: Redaction.url(request.url))
        }
        // GET signs the query; POST signs the form body.
        var parameters = parts.queryItems
        if request.method == .post, let body = request.body {
            parameters = URLParts("http://x/?" + String(decoding: body, as: UTF8.self))?.queryItems ?? []
        }
        let date = Self.date(context.clock.now())
        let host = parts.port.map { "\(parts.host):\($0)" } ?? parts.host
        let canonical = Self.canonical(date: date, method: request.method.rawValue, host: host, path: parts.path, parameters: parameters)
        let signature = Self.signature(canonical: canonical, secretKey: secretKey.reveal())
        request.setHeader("Date", date)
        request.setHeader("Authorization", BasicAuth.headerValue(username: integrationKey, password: signature))
    }

    public func invalidate() async -> Bool { false }
    public var redactions: [String] { [secretKey.reveal()] }
}
