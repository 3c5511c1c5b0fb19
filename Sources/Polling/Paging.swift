import RelayCore

/// How a vendor points at the next page. The value found is kept verbatim as a string in the
/// poll state; the connector turns a token into its request, the kit follows URLs itself.
public enum Paging: Sendable {
    /// A token at one of these body paths (the first non-empty wins), e.g. `nextPageToken`,
    /// `list.response.next_page_id`, Box's `next_stream_position` (read as text, never a double).
    case bodyToken([[String]])
    /// A full next-page URL in the body (`next`), followed as is, same origin only.
    case bodyURL([String])
    /// `Link: <…>; rel="next"`, same origin only.
    case linkHeader
    /// An offset: the next page starts after the events seen so far, while pages are full.
    case offset(pageSize: Int)

    /// Whether `next` is a URL the kit requests itself (rather than a token for the connector).
    public var followsURLs: Bool {
        switch self {
        case .bodyURL, .linkHeader: return true
        case .bodyToken, .offset: return false
        }
    }

    /// The pointer to the page after this one, or nil on the last page.
    /// - Parameters:
    ///   - current: the token this page was requested with (offsets add to it).
    /// - Throws: `PollError.unsafeNextLink` when a next URL leaves the API's origin: it would carry
    ///   our credentials to another host.
    public func next(root: JSONValue, response: HTTPResponse, eventCount: Int, current: String?, origin: URLParts) throws(PollError) -> String? {
        switch self {
        case .bodyToken(let paths):
            for path in paths {
                if let value = root.value(at: path), let text = value.text, !text.isEmpty { return text }
            }
            return nil
        case .bodyURL(let path):
            guard let url = root.value(at: path)?.string, !url.isEmpty else { return nil }
            return try Self.checkedSameOrigin(url, origin: origin)
        case .linkHeader:
            for header in response.headerValues("link") {
                if let url = LinkHeader.next(header) { return try Self.checkedSameOrigin(url, origin: origin) }
            }
            return nil
        case .offset(let pageSize):
            guard eventCount >= pageSize else { return nil }
            return String((current.flatMap { Int($0) } ?? 0) + eventCount)
        }
    }

    static func checkedSameOrigin(_ url: String, origin: URLParts) throws(PollError) -> String {
        guard let parts = URLParts(url), parts.sameOrigin(as: origin) else {
            throw PollError(.unsafeNextLink(host: URLParts(url)?.host ?? "an unparsable URL"), endpoint: "\(origin.scheme)://\(origin.host)")
        }
        return url
    }
}

/// RFC 8288 `Link` header parsing, just enough for `rel="next"`.
public enum LinkHeader {
    /// The target of the `rel="next"` link in one header value, if any. Several links may share a
    /// value, separated by commas; `rel` may list several relation types.
    public static func next(_ value: String) -> String? {
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let target = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let paramsEnd = rest.firstIndex(of: "<") ?? rest.endIndex
            let params = rest[..<paramsEnd]
            for param in params.split(separator: ";") {
                let pair = param.split(separator: "=", maxSplits: 1).map { $0.trimming(" \t,\"") }
                if pair.count == 2, pair[0].lowercased() == "rel", pair[1].lowercased().split(separator: " ").contains("next") {
                    return String(target)
                }
            }
        }
        return nil
    }
}

extension JSONValue {
    /// The value at a path of object keys; the empty path is the value itself.
    public func value(at path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }
}

extension Substring {
    func trimming(_ set: String) -> String {
        let characters = Set(set)
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
