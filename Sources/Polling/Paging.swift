import RelayCore

/// How a vendor points at the next page. The value found is kept verbatim as a string in the
/// poll state; the connector turns a token into its request, the kit follows URLs itself.
///
/// Paging never ends silently on something it cannot read: a token of an unexpected shape, a
/// `hasMore` flag without a token, or the vendor repeating the token it was just given are
/// errors naming the vendor and stream, except where the vendor documents the repeat as the end
/// (Okta's polling `next` link equal to the request).
public enum Paging: Sendable {
    /// A token at one of these body paths (the first present wins), e.g. `nextPageToken`,
    /// `list.response.next_page_id`, Box's `next_stream_position` (read as text, never a double).
    /// An array of scalars is one token joined with commas (Duo's `next_offset` pair, which Duo
    /// takes back as `next_offset=a,b`). `hasMore` is a boolean that, where the vendor has one,
    /// decides whether there is a next page. `endsWhenRepeated`: the vendor documents handing back
    /// the position it was asked with as "nothing new yet" (Box's `next_stream_position`).
    case bodyToken([[String]], hasMore: [String]? = nil, endsWhenRepeated: Bool = false)
    /// A next-page URL in the body (`next`, `_links.next.href`), followed as is, same origin only;
    /// a path (`/api/v24.1/audittrail/…?offset=200`, as Veeva Vault gives it) is taken on the API's origin.
    case bodyURL([String])
    /// `Link: <…>; rel="next"`, same origin only. `endsWhenRepeated`: the vendor documents a next
    /// link equal to the request as "nothing more for now" (Okta polling) rather than a loop.
    case linkHeader(endsWhenRepeated: Bool = false)
    /// A next-page URL in a response header of its own (Microsoft's `NextPageUri`), same origin only.
    case headerURL(String)
    /// An offset: the next page starts after the events seen so far, while pages are full
    /// (`settings.pageSize`).
    case offset
    /// No token: the next request starts at the last event's time, while pages are full (Duo's
    /// administrator log). Events at that second come again and are dropped as duplicates.
    case lastEventTime
    /// Keyset paging for sources you query (ServiceNow's Table API, SOQL, SQL): rows ordered by
    /// (time, id), a full page continues after its last row's `Keyset`, a short page ends the
    /// window. Rows sharing one timestamp across a page boundary are neither skipped nor repeated,
    /// which a cursor on the time alone cannot promise.
    case keyset

    public static let linkHeader = Paging.linkHeader(endsWhenRepeated: false)

    /// Whether `next` is a URL the kit requests itself (rather than a token for the connector).
    public var followsURLs: Bool {
        switch self {
        case .bodyURL, .linkHeader, .headerURL: return true
        case .bodyToken, .offset, .lastEventTime, .keyset: return false
        }
    }

    /// What one page says about the next.
    public enum Next: Sendable, Equatable {
        /// Another page: its token or URL.
        case page(String)
        /// The last page of the window.
        case end
    }

    /// The pointer to the page after this one.
    /// - Parameters:
    ///   - current: the token or URL this page was requested with (offsets add to it; a repeat is detected against it).
    ///   - lastEventTime: the time of the page's last event (for `.lastEventTime`).
    ///   - lastKeyset: the page's last event's time as the vendor wrote it, and its id (for `.keyset`).
    ///   - stream: `<sourceType>/<stream>`, named in the error when the vendor repeats a token.
    /// - Throws: `PollError` when a next URL leaves the API's origin (it would carry our
    ///   credentials to another host), when the token cannot be read, or when it repeats.
    public func next(root: JSONValue, response: HTTPResponse, eventCount: Int, pageSize: Int, current: String?,
                     lastEventTime: Timestamp?, lastKeyset: Keyset? = nil, origin: URLParts, endpoint: String, stream: String) throws(PollError) -> Next {
        let found: String?
        switch self {
        case .bodyToken(let paths, let hasMore, let endsWhenRepeated):
            var token: String?
            for path in paths {
                guard let value = root.value(at: path), value.kind != .null else { continue }
                guard let text = Self.tokenText(value) else {
                    throw PollError(.malformedBody(reason: "the next-page token at \(path.joined(separator: ".")) is not a string, number or list of them"), endpoint: endpoint)
                }
                if !text.isEmpty {
                    token = text
                    break
                }
            }
            if let hasMore {
                let flag = root.value(at: hasMore)
                switch flag?.kind == .bool ? flag?.bool : nil {
                case true?:
                    guard token != nil else {
                        throw PollError(.malformedBody(reason: "\(hasMore.joined(separator: ".")) is true but there is no next-page token"), endpoint: endpoint)
                    }
                case false?:
                    return .end
                case nil:
                    throw PollError(.malformedBody(reason: "\(hasMore.joined(separator: ".")) is missing or not a boolean"), endpoint: endpoint)
                }
            }
            if endsWhenRepeated, let token, token == current { return .end }
            found = token
        case .bodyURL(let path):
            let value = root.value(at: path)
            if let value, value.kind != .null, value.kind != .string {
                throw PollError(.malformedBody(reason: "the next-page link at \(path.joined(separator: ".")) is not a string"), endpoint: endpoint)
            }
            // AppOmni's reference shows the string "null" for "no next page".
            if let url = value?.string, !url.isEmpty, url != "null" {
                found = try Self.checkedSameOrigin(url.hasPrefix("/") ? origin.prefix + url : url, origin: origin)
            } else {
                found = nil
            }
        case .linkHeader(let endsWhenRepeated):
            var link: String?
            for header in response.headerValues("link") {
                if let url = LinkHeader.next(header) {
                    link = try Self.checkedSameOrigin(url, origin: origin)
                    break
                }
            }
            if endsWhenRepeated, let link, link == current { return .end }
            found = link
        case .headerURL(let name):
            if let url = response.header(name), !url.isEmpty {
                found = try Self.checkedSameOrigin(url, origin: origin)
            } else {
                found = nil
            }
        case .offset:
            guard eventCount >= pageSize else { return .end }
            return .page(String((current.flatMap { Int($0) } ?? 0) + eventCount))
        case .lastEventTime:
            guard eventCount >= pageSize else { return .end }
            guard let lastEventTime else {
                throw PollError(.malformedBody(reason: "a full page whose last event has no readable time cannot be continued"), endpoint: endpoint)
            }
            found = String(lastEventTime.microseconds / 1_000_000)
        case .keyset:
            guard eventCount >= pageSize else { return .end }
            guard let lastKeyset else {
                throw PollError(.malformedBody(reason: "a full page whose last row has no time or id cannot be continued"), endpoint: endpoint)
            }
            found = lastKeyset.token
        }
        guard let found else { return .end }
        if let current, found == current {
            throw PollError(.repeatedPageToken(stream: stream), endpoint: endpoint)
        }
        return .page(found)
    }

    /// A scalar as text; a list of scalars joined with commas; nil for anything else.
    static func tokenText(_ value: JSONValue) -> String? {
        switch value.kind {
        case .string, .number: return value.text
        case .array:
            var parts: [String] = []
            for element in value.elements {
                guard element.kind == .string || element.kind == .number, let text = element.text else { return nil }
                parts.append(text)
            }
            return parts.joined(separator: ",")
        default: return nil
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

/// Where keyset paging continues: after the row with this time (verbatim, as the vendor wrote it,
/// so no precision is lost in a round trip) and id. The page token is `["<time>","<id>"]`.
public struct Keyset: Sendable, Equatable {
    public var time: String
    public var id: String

    public init(time: String, id: String) {
        self.time = time
        self.id = id
    }

    /// Reads a page token; nil for anything that is not one.
    public init?(token: String) {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(token.utf8)), root.kind == .array, root.count == 2 else { return nil }
        let pair = Array(root.elements)
        guard let time = pair[0].string, let id = pair[1].string else { return nil }
        self.init(time: time, id: id)
    }

    public var token: String {
        var writer = JSONWriter(capacity: time.utf8.count + id.utf8.count + 8)
        writer.raw(UInt8(ascii: "["))
        writer.string(time)
        writer.raw(UInt8(ascii: ","))
        writer.string(id)
        writer.raw(UInt8(ascii: "]"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
