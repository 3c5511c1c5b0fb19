import GeoIP
import Testing

@Suite struct MMDBFieldSetTests {
    static let paths: [MMDBPath] = [
        ["country", "iso_code"], ["city", "names", "en"], ["location", "latitude"], ["location", "longitude"],
        ["subdivisions", 0, "iso_code"], ["subdivisions", -1, "names", "en"], ["traits", "user_type"],
        ["location", "accuracy_radius"], ["no", "such", "path"], ["country", "iso_code"], ["continent"],
        ["autonomous_system_number"], ["autonomous_system_organization"], ["traits", "is_anycast"],
        ["map", "mapX", "arrayX", 1], ["utf8_string"], ["uint64"], ["uint128"], ["int32"], ["array", -1], ["float"],
    ]

    /// One set read gives exactly what the single-path accessors give, for every network.
    @Test(arguments: ["GeoIP2-City-Test.mmdb", "GeoIP2-Enterprise-Test.mmdb", "GeoLite2-ASN-Test.mmdb",
                      "MaxMind-DB-test-decoder.mmdb"])
    func setReadsMatchSinglePathReads(database: String) throws {
        let reader = try TestData.open(database)
        let set = MMDBFieldSet(Self.paths)
        let values = MMDBFieldValues(for: set)
        var compared = 0
        var present = 0
        var generator = SeededGenerator(seed: 7)
        var addresses = ["81.2.69.160", "2001:218::1", "216.160.83.56", "1.0.0.1", "::1.1.1.1", "89.160.20.112"]
            .compactMap(IPAddressBytes.init)
        for _ in 0 ..< 2_000 {
            addresses.append(IPAddressBytes(ipv4: UInt32(truncatingIfNeeded: generator.next())))
        }
        for address in addresses {
            let result = try reader.lookup(address)
            try reader.read(set, in: result, into: values)
            for (index, path) in Self.paths.enumerated() {
                #expect(values.string(index) == (try reader.string(at: path, in: result)), "\(path)")
                #expect(values.double(index) == (try reader.double(at: path, in: result)), "\(path)")
                #expect(values.uint(index) == (try reader.uint(at: path, in: result)), "\(path)")
                #expect(values.isPresent(index) == (try reader.decode(at: path, in: result) != nil), "\(path)")
                if values.isPresent(index) { present += 1 }
                compared += 1
            }
        }
        #expect(compared > 2_000)
        #expect(present > 0)
    }

    @Test func emptySlotsForMissingRecordsAndTheSameStringTwice() throws {
        let reader = try TestData.open("GeoIP2-City-Test.mmdb")
        let set = MMDBFieldSet([["country", "iso_code"], ["country", "iso_code"]])
        let values = MMDBFieldValues(for: set)
        try reader.read(set, in: reader.lookup("81.2.69.160"), into: values)
        #expect(values.string(0) == "GB")
        #expect(values.string(1) == "GB")
        #expect(values.withUTF8(0) { $0.count } == 2)
        try reader.read(set, in: reader.lookup("10.0.0.1"), into: values)
        #expect(values.string(0) == nil)
        #expect(!values.isPresent(1))
        #expect(values.string(7) == nil) // out of range is nil, not a trap
    }
}
