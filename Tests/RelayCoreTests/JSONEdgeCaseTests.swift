import Testing
@testable import RelayCore

/// The hostile inputs issue #19 names, each pinned to the behaviour the README's "JSON parsing"
/// paragraph documents.
@Suite struct JSONEdgeCaseTests {
    let document = JSONDocument()

    private func reason(_ bytes: [UInt8]) -> JSONError? {
        do {
            try document.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Nesting

    @Test(arguments: [("[", "]"), (#"{"a":"#, "}")])
    func aMillionLevelsIsAnErrorAtTheFirstLevelTooDeep(open: String, close: String) throws {
        let unclosed = Array(String(repeating: open, count: 1_000_000).utf8)
        let error = try #require(reason(unclosed))
        #expect(error.reason == "nesting deeper than 512 levels")
        #expect(error.offset == 512 * open.utf8.count)
        let closed = Array((String(repeating: open, count: 1_000_000) + "0" + String(repeating: close, count: 1_000_000)).utf8)
        #expect(reason(closed)?.reason == "nesting deeper than 512 levels")
        // The document is still usable after the error.
        #expect(try document.parse(Array("[1]".utf8))[0]?.int64 == 1)
    }

    @Test(arguments: [("[", "]"), (#"{"a":"#, "}")])
    func exactly512LevelsParse(open: String, close: String) throws {
        func nested(_ depth: Int) -> [UInt8] {
            Array((String(repeating: open, count: depth) + "7" + String(repeating: close, count: depth)).utf8)
        }
        var value = try document.parse(nested(JSONDocument.maximumDepth))
        for _ in 0..<JSONDocument.maximumDepth {
            value = try #require(open == "[" ? value[0] : value["a"])
        }
        #expect(value.int64 == 7)
        #expect(reason(nested(JSONDocument.maximumDepth + 1))?.reason == "nesting deeper than 512 levels")
    }

    // MARK: Numbers

    @Test func tenThousandDigitIntegerIsAcceptedAndReadAsInfinity() throws {
        let digits = String(repeating: "9", count: 10_000)
        let root = try document.parse(Array("[\(digits),-\(digits)]".utf8))
        #expect(root[0]?.text == digits)  // the exact digits stay readable
        #expect(root[0]?.int64 == nil)
        #expect(root[0]?.double == .infinity)
        #expect(root[1]?.double == -.infinity)
    }

    @Test func tenThousandDigitFractionRoundsToTheNearestDouble() throws {
        let root = try document.parse(Array(("0." + String(repeating: "3", count: 10_000) + "e1").utf8))
        #expect(root.double == 3.3333333333333335)
        #expect(root.int64 == nil)
        #expect(try document.parse(Array("1e-99999".utf8)).double == 0)
    }

    // MARK: Surrogates

    @Test func loneSurrogatesAreAcceptedAsReplacementCharacters() throws {
        let root = try document.parse(Array(#"["\ud800","\uDC00","\ud800\ud83d\ude00","\ud800\u0041",{"\ud800":1}]"#.utf8))
        #expect(root[0]?.string == "\u{FFFD}")
        #expect(root[0]?.rawBytes == Array(#""\ud800""#.utf8))  // the text as sent is kept
        #expect(root[1]?.string == "\u{FFFD}")
        #expect(root[2]?.string == "\u{FFFD}😀")
        #expect(root[3]?.string == "\u{FFFD}A")
        #expect(root[4]?["\u{FFFD}"]?.int64 == 1)
        // Keys that differ only in a lone surrogate decode alike: both kept, the first found.
        let keys = try document.parse(Array(#"{"\ud800":1,"\udc00":2}"#.utf8))
        #expect(keys.members.map(\.key) == ["\u{FFFD}", "\u{FFFD}"])
        #expect(keys["\u{FFFD}"]?.int64 == 1)
    }

    // MARK: Invalid UTF-8

    @Test func overlongUTF8InAStringIsAcceptedAndDecodedAsReplacementCharacters() throws {
        let text: [UInt8] = [0x5B, 0x22, 0x61, 0xC0, 0xAF, 0x62, 0x22, 0x2C, 0x22, 0xE0, 0x80, 0xAF, 0x22, 0x2C, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D]
        let root = try document.parse(text)
        #expect(root[0]?.string == "a\u{FFFD}\u{FFFD}b")
        #expect(root[0]?.rawBytes == [0x22, 0x61, 0xC0, 0xAF, 0x62, 0x22])
        #expect(root[1]?.string == "\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(root[2]?.string == "\u{FFFD}\u{FFFD}\u{FFFD}")  // an encoded surrogate
        // Written back, it is valid UTF-8.
        var writer = JSONWriter()
        writer.string(bytes: root[0]?.rawBytes.dropFirst().dropLast() ?? [])
        #expect(writer.bytes == Array("\"a\u{FFFD}\u{FFFD}b\"".utf8))
    }

    @Test func aKeyWithInvalidUTF8IsFoundThroughMembersNotByItsDecodedForm() throws {
        // Found by the fuzzer (its harness assumed every member's key finds it): lookups compare
        // the key's raw bytes, which the decoded form (with U+FFFD) does not match.
        let root = try document.parse([0x7B, 0x22, 0xC0, 0x22, 0x3A, 0x31, 0x7D])
        let member = try #require(root.members.first { _ in true })
        #expect(member.key == "\u{FFFD}")
        #expect(member.value.int64 == 1)
        #expect(root["\u{FFFD}"] == nil)
    }

    @Test func overlongUTF8OutsideAStringIsRejected() {
        #expect(reason([0xC0, 0xAF])?.reason == "unexpected character '\u{C0}'")
        #expect(reason([0x5B, 0xC0, 0xAF, 0x5D])?.offset == 1)
        #expect(reason([0xEF, 0xBB, 0xBF, 0x5B, 0x5D])?.offset == 0)  // a byte order mark, too
    }

    // MARK: NUL

    @Test func rawNULIsRejectedEverywhere() {
        #expect(reason([0x22, 0x61, 0x00, 0x22]) == JSONError(offset: 2, reason: "control character in string"))
        #expect(reason([0x00, 0x5B, 0x5D])?.reason == "unexpected character '\u{00}'")
        #expect(reason([0x5B, 0x00, 0x5D])?.offset == 1)
        #expect(reason([0x5B, 0x5D, 0x00]) == JSONError(offset: 2, reason: "unexpected data after the JSON value"))
    }

    @Test func escapedNULIsAcceptedAndKept() throws {
        let root = try document.parse(Array(#"{"a\u0000b":"\u0000"}"#.utf8))
        #expect(root["a\u{0}b"]?.string == "\u{0}")
        #expect(root.members.map(\.key) == ["a\u{0}b"])
        var writer = JSONWriter()
        writer.string(root["a\u{0}b"]?.string ?? "")
        #expect(writer.bytes == Array(#""\u0000""#.utf8))
    }
}
