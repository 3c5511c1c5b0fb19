import GeoIP
import Testing

/// Expectations taken from MaxMind's reader test suites (the Python reader's reader_test.py).
@Suite struct MMDBReaderTests {
    static let recordSizes = [24, 28, 32]

    @Test(arguments: recordSizes)
    func ipv4Databases(recordSize: Int) throws {
        let reader = try TestData.open("MaxMind-DB-test-ipv4-\(recordSize).mmdb")
        try checkTestMetadata(reader, ipVersion: 4, recordSize: recordSize)
        try checkIPv4Records(reader)
        #expect(throws: MMDBError.self) { try reader.lookup("2001::") }
    }

    @Test(arguments: recordSizes)
    func ipv6Databases(recordSize: Int) throws {
        let reader = try TestData.open("MaxMind-DB-test-ipv6-\(recordSize).mmdb")
        try checkTestMetadata(reader, ipVersion: 6, recordSize: recordSize)
        try checkIPv6Records(reader)
    }

    @Test(arguments: recordSizes)
    func mixedDatabases(recordSize: Int) throws {
        let reader = try TestData.open("MaxMind-DB-test-mixed-\(recordSize).mmdb")
        try checkTestMetadata(reader, ipVersion: 6, recordSize: recordSize)
        // The mixed databases store IPv4 networks under ::/96 and name them that way.
        try checkIPv4Records(reader, namePrefix: "::")
        try checkIPv6Records(reader)
        // The same IPv4 data through the ::/96 and the aliased ::ffff:0:0/96 forms.
        #expect(try ipRecord(reader, "::ffff:1.1.1.1") == "::1.1.1.1")
        #expect(try ipRecord(reader, "::1.1.1.3") == "::1.1.1.2")
        #expect(try reader.lookup("::ffff:1.1.1.3").prefixLength == 127)
    }

    struct PrefixCase: Sendable, CustomStringConvertible {
        let ip: String
        let file: String
        let prefix: Int
        let found: Bool
        var description: String { "\(ip) in \(file)" }
    }

    static let prefixCases: [PrefixCase] = [
        PrefixCase(ip: "1.1.1.1", file: "MaxMind-DB-test-ipv6-32.mmdb", prefix: 8, found: false),
        PrefixCase(ip: "::1:ffff:ffff", file: "MaxMind-DB-test-ipv6-24.mmdb", prefix: 128, found: true),
        PrefixCase(ip: "::2:0:1", file: "MaxMind-DB-test-ipv6-24.mmdb", prefix: 122, found: true),
        PrefixCase(ip: "1.1.1.1", file: "MaxMind-DB-test-ipv4-24.mmdb", prefix: 32, found: true),
        PrefixCase(ip: "1.1.1.3", file: "MaxMind-DB-test-ipv4-24.mmdb", prefix: 31, found: true),
        PrefixCase(ip: "1.1.1.3", file: "MaxMind-DB-test-decoder.mmdb", prefix: 24, found: true),
        PrefixCase(ip: "::ffff:1.1.1.128", file: "MaxMind-DB-test-decoder.mmdb", prefix: 120, found: true),
        PrefixCase(ip: "::1.1.1.128", file: "MaxMind-DB-test-decoder.mmdb", prefix: 120, found: true),
        PrefixCase(ip: "200.0.2.1", file: "MaxMind-DB-no-ipv4-search-tree.mmdb", prefix: 0, found: true),
        PrefixCase(ip: "::200.0.2.1", file: "MaxMind-DB-no-ipv4-search-tree.mmdb", prefix: 64, found: true),
        PrefixCase(ip: "0:0:0:0:ffff:ffff:ffff:ffff", file: "MaxMind-DB-no-ipv4-search-tree.mmdb", prefix: 64, found: true),
        PrefixCase(ip: "ef00::", file: "MaxMind-DB-no-ipv4-search-tree.mmdb", prefix: 1, found: false),
    ]

    @Test(arguments: prefixCases)
    func prefixLengths(_ testCase: PrefixCase) throws {
        let reader = try TestData.open(testCase.file)
        let result = try reader.lookup(testCase.ip)
        #expect(result.prefixLength == testCase.prefix)
        #expect(result.found == testCase.found)
    }

    @Test func noIPv4SearchTreeAnswersEveryIPv4AddressWithTheCoveringRecord() throws {
        let reader = try TestData.open("MaxMind-DB-no-ipv4-search-tree.mmdb")
        for ip in ["1.1.1.1", "192.1.1.1", "255.255.255.255"] {
            #expect(try reader.decode(in: reader.lookup(ip)) == .string("::/64"))
        }
    }

    @Test func decoderDatabaseCoversEveryType() throws {
        let reader = try TestData.open("MaxMind-DB-test-decoder.mmdb")
        let result = try reader.lookup("::1.1.1.0")
        let record = try #require(try reader.decode(in: result))
        let expected: MMDBValue = .map([
            "array": .array([.uint32(1), .uint32(2), .uint32(3)]),
            "boolean": .boolean(true),
            "bytes": .bytes([0, 0, 0, 42]),
            "double": .double(42.123456),
            "float": .float(1.1),
            "int32": .int32(-268_435_456),
            "map": .map(["mapX": .map([
                "arrayX": .array([.uint32(7), .uint32(8), .uint32(9)]),
                "utf8_stringX": .string("hello"),
            ])]),
            "uint128": .uint128(high: 0x0100_0000_0000_0000, low: 0),
            "uint16": .uint16(100),
            "uint32": .uint32(268_435_456),
            "uint64": .uint64(1_152_921_504_606_846_976),
            "utf8_string": .string("unicode! ☯ - ♫"),
        ])
        #expect(record == expected)

        // The field accessors read the same values without decoding the record.
        #expect(try reader.string(at: ["utf8_string"], in: result) == "unicode! ☯ - ♫")
        #expect(try reader.string(at: ["map", "mapX", "utf8_stringX"], in: result) == "hello")
        #expect(try reader.uint(at: ["map", "mapX", "arrayX", 1], in: result) == 8)
        #expect(try reader.uint(at: ["map", "mapX", "arrayX", -1], in: result) == 9)
        #expect(try reader.uint(at: ["array", 3], in: result) == nil)
        #expect(try reader.uint(at: ["uint16"], in: result) == 100)
        #expect(try reader.uint(at: ["uint64"], in: result) == 1_152_921_504_606_846_976)
        #expect(try reader.uint(at: ["uint128"], in: result) == nil) // above 2^64
        #expect(try reader.uint(at: ["int32"], in: result) == nil) // negative
        #expect(try reader.double(at: ["double"], in: result) == 42.123456)
        #expect(try reader.double(at: ["float"], in: result) == Double(Float(1.1)))
        #expect(try reader.bool(at: ["boolean"], in: result) == true)
        #expect(try reader.string(at: ["double"], in: result) == nil)
        #expect(try reader.string(at: ["missing", "key"], in: result) == nil)
        #expect(try reader.decode(at: ["bytes"], in: result) == .bytes([0, 0, 0, 42]))
        let length = try reader.withUTF8(at: ["utf8_string"], in: result) { $0.count }
        #expect(length == "unicode! ☯ - ♫".utf8.count)
        #expect(record.jsonText.hasPrefix("{\"array\":[1,2,3],\"boolean\":true,\"bytes\":\"0000002a\""))
    }

    @Test func decoderDatabaseZeroAndMaximumValues() throws {
        let reader = try TestData.open("MaxMind-DB-test-decoder.mmdb")
        let zeros = try #require(try reader.decode(in: reader.lookup("::0.0.0.0")))
        #expect(zeros["uint128"] == .uint128(high: 0, low: 0))
        #expect(zeros["utf8_string"] == .string(""))
        #expect(zeros["boolean"] == .boolean(false))
        #expect(zeros["map"] == .map([:]))
        let maxima = try #require(try reader.decode(in: reader.lookup("::255.255.255.255")))
        #expect(maxima["uint128"] == .uint128(high: .max, low: .max))
        #expect(maxima["uint64"] == .uint64(.max))
        #expect(maxima["uint32"] == .uint32(.max))
        #expect(maxima["int32"] == .int32(.max))
    }

    @Test func metadataWithPointersAndNestedData() throws {
        let pointers = try TestData.open("MaxMind-DB-test-metadata-pointers.mmdb")
        #expect(pointers.metadata.databaseType == "Lots of pointers in metadata")
        let nested = try TestData.open("MaxMind-DB-test-nested.mmdb")
        let result = try nested.lookup("1.1.1.1")
        #expect(try nested.uint(at: ["map1", "map2", "array", 0, "map3", "c"], in: result) == 3)
    }

    @Test func cityFieldsThroughPathsMatchTheFullRecord() throws {
        let reader = try TestData.open("GeoIP2-City-Test.mmdb")
        let result = try reader.lookup("81.2.69.160")
        #expect(result.found)
        let record = try #require(try reader.decode(in: result))
        #expect(try reader.string(at: ["city", "names", "en"], in: result) == record["city"]?["names"]?["en"]?.stringValue)
        #expect(try reader.string(at: ["city", "names", "en"], in: result) == "London")
        #expect(try reader.string(at: ["country", "iso_code"], in: result) == "GB")
        #expect(try reader.double(at: ["location", "latitude"], in: result) == record["location"]?["latitude"]?.doubleValue)
        #expect(try reader.string(at: ["subdivisions", 0, "iso_code"], in: result) == "ENG")
        #expect(reader.metadata.languages == ["en", "zh"])
    }

    @Test func addressParsing() throws {
        #expect(IPAddressBytes("1.2.3.4") == IPAddressBytes(bytes: [1, 2, 3, 4]))
        #expect(IPAddressBytes("::ffff:1.2.3.4")?.embeddedIPv4 == IPAddressBytes("1.2.3.4"))
        #expect(IPAddressBytes("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddressBytes("1.2.3.4")?.description == "1.2.3.4")
        #expect(IPAddressBytes("not an ip") == nil)
        #expect(IPAddressBytes(bytes: [1, 2, 3]) == nil)
        let reader = try TestData.open("MaxMind-DB-test-decoder.mmdb")
        let error = try #require(throws: MMDBError.self) { try reader.lookup("not_ip") }
        #expect(error.kind == .invalidAddress)
        #expect(error.description.contains("'not_ip'"))
    }

    @Test func missingFileAndNonDatabaseGiveClearErrors() throws {
        let missing = try #require(throws: MMDBError.self) { try MMDBReader(path: "/nonexistent/x.mmdb") }
        #expect(missing.kind == .unreadable)
        #expect(missing.description == "GeoIP database /nonexistent/x.mmdb cannot be read: no such file or directory")
        let notDatabase = try #require(throws: MMDBError.self) {
            try MMDBReader(bytes: Array("just some text, no metadata".utf8), name: "text.mmdb")
        }
        #expect(notDatabase.kind == .invalidMetadata)
        #expect(notDatabase.description.hasPrefix("GeoIP database text.mmdb is not a valid MaxMind DB: no metadata marker"))
    }

    @Test func copiedModeReadsTheSameData() throws {
        let mapped = try TestData.open("GeoIP2-City-Test.mmdb")
        let copied = try MMDBReader(path: TestData.testDatabase("GeoIP2-City-Test.mmdb"), mode: .copied)
        for ip in ["81.2.69.160", "2001:218::1", "216.160.83.56"] {
            #expect(try mapped.decode(in: mapped.lookup(ip)) == copied.decode(in: copied.lookup(ip)))
        }
    }

    // MARK: - Helpers

    private func ipRecord(_ reader: MMDBReader, _ ip: String) throws -> String? {
        try reader.string(at: ["ip"], in: reader.lookup(ip))
    }

    private func checkTestMetadata(_ reader: MMDBReader, ipVersion: Int, recordSize: Int) throws {
        let metadata = reader.metadata
        #expect(metadata.binaryFormatMajorVersion == 2)
        #expect(metadata.binaryFormatMinorVersion == 0)
        #expect(metadata.buildEpoch > 1_373_571_901)
        #expect(metadata.databaseType == "Test")
        #expect(metadata.description == ["en": "Test Database", "zh": "Test Database Chinese"])
        #expect(metadata.ipVersion == ipVersion)
        #expect(metadata.languages == ["en", "zh"])
        #expect(metadata.nodeCount > 36)
        #expect(metadata.recordSize == recordSize)
    }

    private func checkIPv4Records(_ reader: MMDBReader, namePrefix: String = "") throws {
        for power in 0 ..< 6 {
            let address = "1.1.1.\(1 << power)"
            #expect(try reader.decode(in: reader.lookup(address)) == .map(["ip": .string(namePrefix + address)]))
        }
        let pairs = ["1.1.1.3": "1.1.1.2", "1.1.1.5": "1.1.1.4", "1.1.1.7": "1.1.1.4", "1.1.1.9": "1.1.1.8",
                     "1.1.1.15": "1.1.1.8", "1.1.1.17": "1.1.1.16", "1.1.1.31": "1.1.1.16"]
        for (key, value) in pairs {
            #expect(try ipRecord(reader, key) == namePrefix + value, "\(key)")
        }
        for ip in ["1.1.1.33", "255.254.253.123"] {
            #expect(try !reader.lookup(ip).found)
        }
    }

    private func checkIPv6Records(_ reader: MMDBReader) throws {
        for address in ["::1:ffff:ffff", "::2:0:0", "::2:0:40", "::2:0:50", "::2:0:58"] {
            #expect(try reader.decode(in: reader.lookup(address)) == .map(["ip": .string(address)]))
        }
        let pairs = ["::2:0:1": "::2:0:0", "::2:0:33": "::2:0:0", "::2:0:39": "::2:0:0", "::2:0:41": "::2:0:40",
                     "::2:0:49": "::2:0:40", "::2:0:52": "::2:0:50", "::2:0:57": "::2:0:50", "::2:0:59": "::2:0:58"]
        for (key, value) in pairs {
            #expect(try ipRecord(reader, key) == value, "\(key)")
        }
        for ip in ["1.1.1.33", "255.254.253.123", "89fa::"] {
            #expect(try !reader.lookup(ip).found, "\(ip)")
        }
    }
}
