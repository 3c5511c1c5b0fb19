import Foundation
import GeoIP
import Testing

@Suite struct MMDBVerifierTests {
    @Test func everyGoodTestDatabaseVerifies() throws {
        let names = try TestData.goodDatabaseNames()
        #expect(names.count >= 30)
        for name in names {
            let reader = try TestData.open(name)
            #expect(throws: Never.self, "\(name)") { try reader.verify() }
        }
    }

    @Test func aSearchTreeCycleIsFound() throws {
        // Point the root's left record back at the root: lookups stop after 128 bits, verify names it.
        var bytes = try Array(contentsOf: TestData.testDatabase("MaxMind-DB-test-ipv6-24.mmdb"))
        bytes[0] = 0
        bytes[1] = 0
        bytes[2] = 0
        let reader = try MMDBReader(bytes: bytes, name: "cycle.mmdb")
        let lookupError = try #require(throws: MMDBError.self) { try reader.lookup("::1") }
        #expect(lookupError.description.contains("no data record after 128 bits"))
        let verifyError = try #require(throws: MMDBError.self) { try reader.verify() }
        #expect(verifyError.description.contains("cycle through node 0"))
    }

    @Test func aNonZeroSeparatorIsFound() throws {
        var bytes = try Array(contentsOf: TestData.testDatabase("MaxMind-DB-test-ipv4-24.mmdb"))
        let reader = try MMDBReader(bytes: bytes)
        bytes[reader.metadata.searchTreeSize + 3] = 1
        let broken = try MMDBReader(bytes: bytes, name: "separator.mmdb")
        let error = try #require(throws: MMDBError.self) { try broken.verify() }
        #expect(error.description == "GeoIP database separator.mmdb is corrupt: the 16-byte separator after the search tree is not zero at offset \(reader.metadata.searchTreeSize + 3)")
    }
}

extension Array where Element == UInt8 {
    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TestData.Missing(directory: path) }
        self = Array(data)
    }
}
