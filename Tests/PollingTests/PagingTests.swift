import Polling
import RelayCore
import Testing

@Suite struct PagingTests {
    let origin = URLParts("https://api.example.com")!

    @Test func linkHeaderFindsNextAmongSeveralLinks() {
        let github = #"<https://api.github.com/enterprises/x/audit-log?after=MS42&before=>; rel="next", <https://api.github.com/enterprises/x/audit-log?before=MS40>; rel="prev""#
        #expect(LinkHeader.next(github) == "https://api.github.com/enterprises/x/audit-log?after=MS42&before=")
        #expect(LinkHeader.next(#"<https://a/self>; rel="self", <https://a/n?after=1>; rel="next""#) == "https://a/n?after=1")
        #expect(LinkHeader.next(#"<https://a/x>; rel="prev next""#) == "https://a/x")
        #expect(LinkHeader.next(#"<https://a/self>; rel="self""#) == nil)
    }

    /// `paging.next` for one page, with the fixed parts of the call filled in.
    func next(_ paging: Paging, _ body: String = "{}", headers: [(name: String, value: String)] = [], events: Int = 1,
              pageSize: Int = 100, current: String? = nil, lastEventTime: Timestamp? = nil) throws(PollError) -> Paging.Next {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(body.utf8)) else { throw PollError.malformedBody("test body", endpoint: "") }
        return try paging.next(root: root, response: HTTPResponse(status: 200, headers: headers), eventCount: events, pageSize: pageSize,
                               current: current, lastEventTime: lastEventTime, origin: origin, endpoint: "https://api.example.com/x", stream: "duo/authentication")
    }

    @Test func nextLinksToAnotherOriginAreRefused() throws {
        #expect(throws: PollError.self) { _ = try next(.bodyURL(["next"]), #"{"next":"https://evil.example.net/steal"}"#) }
        #expect(throws: PollError.self) { _ = try next(.bodyURL(["next"]), #"{"next":"https://api.example.com:8443/x"}"#) }
        // A downgraded scheme in a Link header.
        #expect(throws: PollError.self) { _ = try next(.linkHeader, headers: [("Link", #"<http://api.example.com/x>; rel="next""#)]) }
        let good = try next(.linkHeader, headers: [("Link", #"<https://api.example.com/logs?after=9>; rel="next""#)])
        #expect(good == .page("https://api.example.com/logs?after=9"))
    }

    @Test func bodyTokensStayExactStringsEvenBeyondTwoToThe53() throws {
        // Box's next_stream_position is a number larger than a double can hold exactly.
        let body = #"{"next_stream_position":1152922976252290886,"list":{"response":{"next_page_id":"","next_page_token":7}}}"#
        #expect(try next(.bodyToken([["next_stream_position"]]), body) == .page("1152922976252290886"))
        // The first non-empty of several paths wins.
        #expect(try next(.bodyToken([["list", "response", "next_page_id"], ["list", "response", "next_page_token"]]), body) == .page("7"))
        #expect(try next(.bodyToken([["missing"]]), body) == .end)
        #expect(try next(.bodyToken([["next"]]), #"{"next":null}"#) == .end)
    }

    @Test func aListTokenIsSentBackJoinedAndAnUnreadableTokenIsAnErrorNotTheEnd() throws {
        // Duo's next_offset is [timestamp ms, txid], sent back as next_offset=a,b.
        let duo = #"{"response":{"metadata":{"next_offset":["1767225600000","af0c-11"]}}}"#
        #expect(try next(.bodyToken([["response", "metadata", "next_offset"]]), duo) == .page("1767225600000,af0c-11"))
        for unreadable in [#"{"next":{"cursor":"a"}}"#, #"{"next":[["a"]]}"#, #"{"next":true}"#] {
            #expect(throws: PollError.self, "\(unreadable)") { _ = try next(.bodyToken([["next"]]), unreadable) }
        }
        #expect(throws: PollError.self) { _ = try next(.bodyURL(["next"]), #"{"next":42}"#) }
    }

    @Test func aHasMoreFlagDecidesAndMustAgreeWithTheToken() throws {
        let paging = Paging.bodyToken([["cursor"]], hasMore: ["has_more"])
        #expect(try next(paging, #"{"has_more":true,"cursor":"c2"}"#) == .page("c2"))
        #expect(try next(paging, #"{"has_more":false,"cursor":"c2"}"#) == .end)
        #expect(throws: PollError.self) { _ = try next(paging, #"{"has_more":true,"cursor":""}"#) }
        #expect(throws: PollError.self) { _ = try next(paging, #"{"cursor":"c2"}"#) }
    }

    @Test func aRepeatedTokenIsAnErrorNamingTheStreamUnlessTheVendorDocumentsItAsTheEnd() throws {
        do {
            _ = try next(.bodyToken([["next"]]), #"{"next":"t7"}"#, current: "t7")
            Issue.record("a repeated token must not be followed or taken as the end")
        } catch {
            #expect("\(error)".contains("duo/authentication"))
            #expect(error.reason == "repeated_page_token")
        }
        #expect(throws: PollError.self) {
            _ = try next(.linkHeader, headers: [("Link", #"<https://api.example.com/logs?after=9>; rel="next""#)], current: "https://api.example.com/logs?after=9")
        }
        // Okta's polling: a next link equal to the request means "nothing more for now".
        let okta = Paging.linkHeader(endsWhenRepeated: true)
        let link = [(name: "Link", value: #"<https://api.example.com/logs?after=9>; rel="self""#), (name: "Link", value: #"<https://api.example.com/logs?after=9>; rel="next""#)]
        #expect(try next(okta, headers: link, current: "https://api.example.com/logs?after=9") == .end)
        #expect(try next(okta, headers: link, current: "https://api.example.com/logs?after=8") == .page("https://api.example.com/logs?after=9"))
    }

    @Test func offsetsAdvanceWhilePagesOfTheConfiguredSizeAreFull() throws {
        #expect(try next(.offset, events: 250, pageSize: 250) == .page("250"))
        #expect(try next(.offset, events: 250, pageSize: 250, current: "250") == .page("500"))
        #expect(try next(.offset, events: 100, pageSize: 250, current: "500") == .end)
    }

    @Test func lastEventTimePagingStartsTheNextPageAtTheLastSecond() throws {
        let t = Timestamp(parsing: "2026-03-01T12:00:07.250Z")!
        #expect(try next(.lastEventTime, events: 1000, pageSize: 1000, lastEventTime: t) == .page("\(t.microseconds / 1_000_000)"))
        #expect(try next(.lastEventTime, events: 999, pageSize: 1000, lastEventTime: t) == .end)
        #expect(throws: PollError.self) { _ = try next(.lastEventTime, events: 1000, pageSize: 1000, lastEventTime: nil) }
        // A full page of events that all share the second it started at would loop: an error.
        #expect(throws: PollError.self) {
            _ = try next(.lastEventTime, events: 1000, pageSize: 1000, current: "\(t.microseconds / 1_000_000)", lastEventTime: t)
        }
    }

    @Test func urlPartsAndPercentEncoding() throws {
        let parts = try #require(URLParts("https://User:pw@API.Example.com:8443/v1/x?a=b%20c&d=e+f#frag"))
        #expect(parts.host == "api.example.com")
        #expect(parts.port == 8443)
        #expect(parts.path == "/v1/x")
        #expect(parts.queryItems.map(\.value) == ["b c", "e f"])
        #expect(URLParts("ftp://x/") == nil)
        #expect(URLParts("http://[::1]:9000/p")?.host == "::1")
        #expect(PercentEncoding.encode("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~")
    }
}
