import Testing
@testable import RelayCore

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2023-09-14T20:23:26.473Z", "2023-09-14T20:23:26.473Z"),
        ("2023-09-14T20:23:26Z", "2023-09-14T20:23:26Z"),
        ("2023-09-14T20:23:26.123456789Z", "2023-09-14T20:23:26.123456Z"),
        ("2023-09-14T22:23:26.5+02:00", "2023-09-14T20:23:26.500Z"),
        ("2023-09-14T20:23:26+0000", "2023-09-14T20:23:26Z"),
        ("2023-09-14T15:23:26-0500", "2023-09-14T20:23:26Z"),
        ("2023-09-14 20:23:26", "2023-09-14T20:23:26Z"),
        ("2023-09-14T20:23:26", "2023-09-14T20:23:26Z"),
        ("2023-09-14", "2023-09-14T00:00:00Z"),
        ("2023-09-14 20:23:26 UTC", "2023-09-14T20:23:26Z"),
        ("20230321171017.871", "2023-03-21T17:10:17.871Z"),
        ("20230321171017", "2023-03-21T17:10:17Z"),
        ("1717764280", "2024-06-07T12:44:40Z"),
        ("1717764280.813000", "2024-06-07T12:44:40.813000Z"),
        ("1717764280813", "2024-06-07T12:44:40.813Z"),
        ("1717764280813123", "2024-06-07T12:44:40.813123Z"),
        ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
    ])
    func parsesVendorFormats(input: String, expected: String) throws {
        let time = try #require(Timestamp(parsing: input))
        #expect(time.description == expected)
    }

    @Test(arguments: ["", "yesterday", "2023-13-01T00:00:00Z", "2023-09-14T20:23:26Q", "12:00", "2023-09-14T20", "1.2.3"])
    func rejectsNonTimes(input: String) {
        #expect(Timestamp(parsing: input) == nil)
    }

    @Test func epochNumbersFromJSON() throws {
        let document = JSONDocument()
        let root = try document.parse(Array(#"[1694722006473, 1694722006, 1694722006.25]"#.utf8))
        #expect(Timestamp(json: root[0])?.description == "2023-09-14T20:06:46.473Z")
        #expect(Timestamp(json: root[1])?.description == "2023-09-14T20:06:46Z")
        #expect(Timestamp(json: root[2])?.description == "2023-09-14T20:06:46.250Z")
    }

    @Test func zeroIsTheEpoch() {
        #expect(Timestamp.zero.description == "1970-01-01T00:00:00Z")
    }
}
