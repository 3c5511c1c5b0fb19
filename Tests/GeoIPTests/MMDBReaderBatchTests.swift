import GeoIP
import Testing

@Suite struct MMDBReaderBatchTests {
    /// Batch lookups give exactly the single-lookup results, for every well-formed test database.
    @Test func batchResultsEqualSingleLookups() throws {
        var generator = SeededGenerator(seed: 99)
        var foundCount = 0
        for name in try TestData.goodDatabaseNames() {
            let reader = try TestData.open(name)
            var addresses = ["1.1.1.1", "81.2.69.160", "::1.1.1.0", "::ffff:1.1.1.3", "2001:218::1", "::2:0:41"]
                .compactMap(IPAddressBytes.init)
            for _ in 0 ..< 997 {
                let random = generator.next()
                addresses.append(random & 1 == 0 || reader.metadata.ipVersion == 4
                    ? IPAddressBytes(ipv4: UInt32(truncatingIfNeeded: random >> 32) & 0x01FF_FFFF | 0x0100_0000)
                    : IPAddressBytes(ipv6High: generator.next() & 0x0000_FFFF_0000_FFFF, low: generator.next()))
            }
            if reader.metadata.ipVersion == 4 {
                addresses = addresses.map { $0.embeddedIPv4 ?? $0 }.filter(\.isIPv4)
            }
            var results: [LookupResult] = []
            try reader.lookup(addresses, into: &results)
            #expect(results.count == addresses.count)
            var single: [LookupResult] = []
            for address in addresses { single.append(try reader.lookup(address)) }
            #expect(results == single, "\(name)")
            foundCount += results.filter(\.found).count
        }
    }

    @Test func batchRejectsIPv6InAnIPv4Database() throws {
        let reader = try TestData.open("MaxMind-DB-test-ipv4-24.mmdb")
        var results: [LookupResult] = []
        let addresses = ["1.1.1.1", "2001::1"].compactMap(IPAddressBytes.init)
        #expect(throws: MMDBError.self) { try reader.lookup(addresses, into: &results) }
        try reader.lookup([], into: &results)
        #expect(results.isEmpty)
    }
}
