import Testing
@testable import RelayCore

@Suite struct JSONDocumentTests {
    let document = JSONDocument()

    @Test func readsNestedValuesWithoutDecodingTheRest() throws {
        let root = try document.parse(Array(#"{"a":{"b":[1,2.5,"x"],"c":null},"d":true,"e":"caf\u00e9 \"q\"","f":-12}"#.utf8))
        #expect(root["a", "b"]?[0]?.int64 == 1)
        #expect(root["a", "b"]?[1]?.double == 2.5)
        #expect(root["a", "b"]?[2]?.string == "x")
        #expect(root["a", "c"]?.isNull == true)
        #expect(root["d"]?.bool == true)
        #expect(root["e"]?.string == "café \"q\"")
        #expect(root["f"]?.int64 == -12)
        #expect(root["missing"] == nil)
        #expect(root["a", "b", "c"] == nil)
        #expect(root["a"]?.count == 2)
        #expect(root.members.map(\.key) == ["a", "d", "e", "f"])
    }

    @Test func rawBytesAreTheExactSourceBytes() throws {
        let text = #"{"event": {"k" : [1, {"z":"\n"}]} , "n":1}"#
        let root = try document.parse(Array(text.utf8))
        let raw = try #require(root["event"]?.rawBytes)
        #expect(String(decoding: raw, as: UTF8.self) == #"{"k" : [1, {"z":"\n"}]}"#)
        #expect(String(decoding: try #require(root["n"]).rawBytes, as: UTF8.self) == "1")
    }

    @Test func forgivingScalarAccessors() throws {
        let root = try document.parse(Array(#"{"n":"42","d":" 1.5 ","t":"TRUE","x":{}}"#.utf8))
        #expect(root["n"]?.int64 == 42)
        #expect(root["d"]?.double == 1.5)
        #expect(root["t"]?.bool == true)
        #expect(root["x"]?.text == nil)
        #expect(root["x"]?.int64 == nil)
    }

    @Test func surrogatePairsAndLoneSurrogates() throws {
        let root = try document.parse(Array(#"["\ud83d\ude00","\ud800x"]"#.utf8))
        #expect(root[0]?.string == "😀")
        #expect(root[1]?.string == "\u{FFFD}x")
    }

    @Test(arguments: [
        ("", "unexpected end of input, expected a value"),
        ("{", "unexpected end of input inside object"),
        (#"{"a" 1}"#, "expected ':' after key"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1 2]", "expected ',' or ']'"),
        (#""abc"#, "unterminated string"),
        ("01", "unexpected data after the JSON value"),
        ("-", "invalid number"),
        ("tru", "invalid literal"),
        (#"["\x"]"#, "invalid escape sequence"),
        ("[\"a\u{01}\"]", "control character in string"),
        ("{} {}", "unexpected data after the JSON value"),
    ])
    func rejectsInvalidJSONWithAReason(text: String, reason: String) {
        #expect(throws: JSONError.self) { try document.parse(Array(text.utf8)) }
        do {
            try document.parse(Array(text.utf8))
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test func hostileNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            try document.parse(Array(deep.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.reason.contains("nesting deeper than"))
        }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try document.parse(Array(ok.utf8)) }
    }

    @Test func documentIsReusable() throws {
        _ = try document.parse(Array(#"{"a":1}"#.utf8))
        let second = try document.parse(Array(#"{"b":2}"#.utf8))
        #expect(second["b"]?.int64 == 2)
        #expect(second["a"] == nil)
    }

    @Test func writerEscapesAndRepairsInvalidUTF8() throws {
        var writer = JSONWriter()
        writer.string(bytes: [0x61, 0x22, 0x5C, 0x0A, 0x01, 0xC3, 0xA9, 0xFF, 0xE2, 0x82] as [UInt8])
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"a\\\"\\\\\\n\\u0001é\u{FFFD}\u{FFFD}\u{FFFD}\"")
        let back = try document.parse(writer.bytes)
        #expect(back.string == "a\"\\\n\u{01}é\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test func writerRoundTripsRandomStrings() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let scalars = (0..<Int.random(in: 0..<40, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0..<0x3000, using: &generator))
            }
            let text = String(String.UnicodeScalarView(scalars))
            var writer = JSONWriter()
            writer.string(text)
            #expect(try document.parse(writer.bytes).string == text)
        }
    }

    /// The writer and the parser skip plain bytes eight at a time: put every kind of special byte
    /// at every offset of runs of every length around the word size, and long mixed strings that
    /// cross the writer's scratch buffer, and compare with a scalar-by-scalar reference.
    @Test func wordAtATimeScanningFindsEverySpecialByte() throws {
        func reference(_ text: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += Array(#"\""#.utf8)
                case "\\": out += Array(#"\\"#.utf8)
                case "\n": out += Array(#"\n"#.utf8)
                case "\r": out += Array(#"\r"#.utf8)
                case "\t": out += Array(#"\t"#.utf8)
                case "\u{08}": out += Array(#"\b"#.utf8)
                case "\u{0C}": out += Array(#"\f"#.utf8)
                case _ where scalar.value < 0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out += Array("\\u00".utf8) + [hex[Int(scalar.value >> 4)], hex[Int(scalar.value & 0xF)]]
                default: out += Array(String(scalar).utf8)
                }
            }
            return out + [0x22]
        }
        let specials: [String] = ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "€", "😀", "\u{7F}"]
        for length in 0..<20 {
            for offset in 0..<max(length, 1) {
                for special in specials {
                    var characters = Array(repeating: Character("a"), count: length)
                    if length > 0 { characters[offset] = Character(special) }
                    let text = String(characters)
                    var writer = JSONWriter()
                    writer.string(text)
                    #expect(writer.bytes == reference(text), "\(length)/\(offset)/\(special.debugDescription)")
                    #expect(try document.parse(writer.bytes).string == text)
                }
            }
        }
        // A lone invalid byte at every offset becomes exactly one U+FFFD there.
        for offset in 0..<20 {
            var bytes = Array(repeating: UInt8(ascii: "b"), count: 20)
            bytes[offset] = 0xFF
            var writer = JSONWriter()
            writer.string(bytes: bytes)
            let expected = String(repeating: "b", count: offset) + "\u{FFFD}" + String(repeating: "b", count: 19 - offset)
            #expect(writer.bytes == reference(expected))
        }
        var generator = SystemRandomNumberGenerator()
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\u{00}", "\u{1B}", "é", "ß", "€", "\u{1F600}", "{", ":"]
        for _ in 0..<200 {
            let plainRun = Int.random(in: 0..<64, using: &generator)
            var scalars: [Unicode.Scalar] = []
            while scalars.count < Int.random(in: 0..<3000, using: &generator) {
                scalars += Array(repeating: "x", count: Int.random(in: 0...plainRun, using: &generator))
                scalars.append(pool.randomElement(using: &generator) ?? "a")
            }
            let text = String(String.UnicodeScalarView(scalars))
            var writer = JSONWriter()
            writer.string(text)
            #expect(writer.bytes == reference(text))
            #expect(try document.parse(writer.bytes).string == text)
        }
    }

    @Test func writerNumbers() {
        var writer = JSONWriter()
        writer.integer(Int64.min); writer.raw(","); writer.integer(UInt32.max); writer.raw(",")
        writer.double(0); writer.raw(","); writer.double(37.8199); writer.raw(","); writer.double(.nan); writer.raw(","); writer.double(-122)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "-9223372036854775808,4294967295,0.0,37.8199,0.0,-122.0")
    }
}

extension JSONDocumentTests {
    /// The document's buffers grow for a larger text; values of the new parse must read the new buffers.
    @Test func buffersGrowAcrossParses() throws {
        _ = try document.parse(Array(#"{"a":1}"#.utf8))
        var big = "{"
        for index in 0..<400 { big += "\"key\(index)\":\"va\\\"lue \(index) \(String(repeating: "x", count: index))\"," }
        big += "\"last\":[1,2,{\"deep\":true}]}"
        let root = try document.parse(Array(big.utf8))
        let keys = root.members.map(\.key)
        #expect(keys.count == 401)
        #expect(keys.first == "key0" && keys.last == "last")
        #expect(root["key399"]?.string == "va\"lue 399 " + String(repeating: "x", count: 399))
        #expect(root["last"]?[2]?["deep"]?.bool == true)
        let small = try document.parse(Array(#"{"b":2}"#.utf8))
        #expect(small["b"]?.int64 == 2 && small.members.map(\.key) == ["b"])
    }
}

extension JSONDocumentTests {
    /// Every kind of value between members, so a wrong skip pointer on any kind shows up.
    @Test(arguments: ["true", "false", "null", "0", "-1.5e3", "\"s\\\"q\"", "{}", "[]", "{\"k\":[null]}", "[true,false]"])
    func membersSkipEveryKindOfValue(value: String) throws {
        let root = try document.parse(Array("{\"a\":\(value),\"b\":\(value),\"c\":1}".utf8))
        #expect(root.members.map(\.key) == ["a", "b", "c"])
        #expect(root["c"]?.int64 == 1)
        let array = try document.parse(Array("[\(value),\(value),7]".utf8))
        #expect(array.elements.map { $0.kind }.count == 3 && array[2]?.int64 == 7)
    }
}
