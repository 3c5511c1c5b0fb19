import Foundation

/// Removes credentials from anything that may reach a log line or an error: URLs (userinfo and the
/// values of sensitive query parameters), headers, and free text such as a server's error body,
/// which may echo a token back.
public enum Redaction {
    public static let placeholder = "<redacted>"

    /// Query parameters whose values are credentials or signatures (matched case-insensitively, by
    /// substring, so `X-Amz-Signature`, `client_secret` and `apiKey` are all covered).
    static let sensitiveNameParts = ["token", "secret", "password", "passwd", "signature", "sig", "key", "auth", "code", "assertion", "session", "credential"]

    static func isSensitiveName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return sensitiveNameParts.contains { lowered.contains($0) }
    }

    /// `url` with `user:password@` removed and sensitive query values replaced.
    public static func url(_ url: String) -> String {
        var text = Substring(url)
        var prefix = ""
        if let schemeEnd = text.range(of: "://") {
            prefix = String(text[..<schemeEnd.upperBound])
            text = text[schemeEnd.upperBound...]
            let authorityEnd = text.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            if let at = text[..<authorityEnd].lastIndex(of: "@") {
                prefix += placeholder + "@"
                text = text[text.index(after: at)...]
            }
        }
        guard let question = text.firstIndex(of: "?") else { return prefix + text }
        let fragmentStart = text[question...].firstIndex(of: "#") ?? text.endIndex
        let query = text[text.index(after: question)..<fragmentStart]
        let redacted = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = String(pair[..<equals])
            return isSensitiveName(PercentEncoding.decode(name)) ? name + "=" + placeholder : String(pair)
        }.joined(separator: "&")
        return prefix + text[..<question] + "?" + redacted
    }

    static let sensitiveHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]

    /// A header value fit for a log line.
    public static func header(name: String, value: String) -> String {
        let lowered = name.lowercased()
        if sensitiveHeaders.contains(lowered) || isSensitiveName(lowered) { return placeholder }
        return value
    }

    /// `text` with every occurrence of each secret (and of its base64 forms, as Basic auth sends
    /// them) replaced, plus anything shaped like a bearer token or a JWT.
    public static func text(_ text: String, secrets: [String] = []) -> String {
        var output = text
        for secret in secrets where secret.count >= 4 {
            output = output.replacingAll(secret, with: placeholder)
        }
        output = redactAfter("bearer ", in: output)
        output = redactAfter("basic ", in: output)
        return redactJWTs(in: output)
    }

    /// Replaces the word that follows `marker` (case-insensitive), as in `Bearer abc.def`.
    private static func redactAfter(_ marker: String, in text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: marker, options: .caseInsensitive) {
            output += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let word = rest.prefix { !$0.isWhitespace && $0 != "\"" && $0 != "," && $0 != "}" }
            if !word.isEmpty && word != placeholder {
                output += placeholder
                rest = rest.dropFirst(word.count)
            }
        }
        return output + rest
    }

    /// Three base64url segments joined by dots, the first starting `eyJ` (`{"` encoded): a JWT.
    private static func redactJWTs(in text: String) -> String {
        guard text.contains("eyJ") else { return text }
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "eyJ") {
            output += rest[..<start.lowerBound]
            let candidate = rest[start.lowerBound...].prefix { $0.isBase64URL || $0 == "." }
            if candidate.filter({ $0 == "." }).count >= 2 {
                output += placeholder
            } else {
                output += candidate
            }
            rest = rest.dropFirst(rest.distance(from: rest.startIndex, to: start.lowerBound) + candidate.count)
        }
        return output + rest
    }
}

extension Character {
    var isBase64URL: Bool { isASCII && (isLetter || isNumber || self == "-" || self == "_" || self == "=") }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        return output + rest
    }
}
