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

    @Test func nextLinksToAnotherOriginAreRefused() throws {
        let document = JSONDocument()
        let root = try document.parse(Array(#"{"next":"https://evil.example.net/steal"}"#.utf8))
        #expect(throws: PollError.self) {
            _ = try Paging.bodyURL(["next"]).next(root: root, response: HTTPResponse(status: 200), eventCount: 1, current: nil, origin: origin)
        }
        let sameHostOtherPort = try document.parse(Array(#"{"next":"https://api.example.com:8443/x"}"#.utf8))
        #expect(throws: PollError.self) {
            _ = try Paging.bodyURL(["next"]).next(root: sameHostOtherPort, response: HTTPResponse(status: 200), eventCount: 1, current: nil, origin: origin)
        }
        let link = HTTPResponse(status: 200, headers: [("Link", #"<http://api.example.com/x>; rel="next""#)])  // downgraded scheme
        #expect(throws: PollError.self) {
            _ = try Paging.linkHeader.next(root: root, response: link, eventCount: 1, current: nil, origin: origin)
        }
        let good = HTTPResponse(status: 200, headers: [("Link", #"<https://api.example.com/logs?after=9>; rel="next""#)])
        #expect(try Paging.linkHeader.next(root: root, response: good, eventCount: 1, current: nil, origin: origin) == "https://api.example.com/logs?after=9")
    }

    @Test func bodyTokensStayExactStringsEvenBeyondTwoToThe53() throws {
        let document = JSONDocument()
        // Box's next_stream_position is a number larger than a double can hold exactly.
        let root = try document.parse(Array(#"{"next_stream_position":1152922976252290886,"list":{"response":{"next_page_id":"","next_page_token":7}}}"#.utf8))
        #expect(try Paging.bodyToken([["next_stream_position"]]).next(root: root, response: HTTPResponse(status: 200), eventCount: 0, current: nil, origin: origin) == "1152922976252290886")
        // The first non-empty of several paths wins.
        #expect(try Paging.bodyToken([["list", "response", "next_page_id"], ["list", "response", "next_page_token"]])
            .next(root: root, response: HTTPResponse(status: 200), eventCount: 0, current: nil, origin: origin) == "7")
        #expect(try Paging.bodyToken([["missing"]]).next(root: root, response: HTTPResponse(status: 200), eventCount: 0, current: nil, origin: origin) == nil)
    }

    @Test func offsetsAdvanceWhilePagesAreFull() throws {
        let document = JSONDocument()
        let root = try document.parse(Array("{}".utf8))
        let paging = Paging.offset(pageSize: 100)
        #expect(try paging.next(root: root, response: HTTPResponse(status: 200), eventCount: 100, current: nil, origin: origin) == "100")
        #expect(try paging.next(root: root, response: HTTPResponse(status: 200), eventCount: 100, current: "100", origin: origin) == "200")
        #expect(try paging.next(root: root, response: HTTPResponse(status: 200), eventCount: 42, current: "200", origin: origin) == nil)
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
