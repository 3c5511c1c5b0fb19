import Testing
@testable import RelayCore

/// The schema contract: these columns, in this order, with these JSON kinds, always.
let recordColumns: [(String, JSONKind)] = {
    var columns: [(String, JSONKind)] = [
        ("workspaceID", .string), ("sourceID", .string), ("sourceType", .string), ("sourceTTL", .number),
        ("receivedAt", .string), ("id", .string), ("eventTime", .string), ("eventName", .string), ("eventID", .string),
    ]
    for side in ["src", "dst"] {
        columns += [
            ("\(side)IP", .string), ("\(side)ASCountryCode", .string), ("\(side)ASNumber", .number),
            ("\(side)ASOrganization", .string), ("\(side)City", .string), ("\(side)ConnectionType", .string),
            ("\(side)ISP", .string), ("\(side)Latitude", .number), ("\(side)Longitude", .number), ("\(side)UserType", .string),
        ]
    }
    columns += [
        ("actor", .object), ("tags", .object), ("resources", .array), ("serviceName", .string), ("enrichments", .array),
        ("readOnly", .bool), ("rawLog", .string), ("behavior", .string),
    ]
    return columns
}()

@Suite struct RecordEncoderTests {
    let document = JSONDocument()

    @Test func emptyRecordHasEveryColumnWithZeroValues() throws {
        let root = try document.parse(RecordEncoder.encode(AuditRecord()))
        #expect(root.members.map(\.key) == recordColumns.map(\.0))
        for (name, kind) in recordColumns {
            let value = try #require(root[name], "\(name)")
            #expect(value.kind == kind, "\(name)")
        }
        #expect(root["eventTime"]?.string == "1970-01-01T00:00:00Z")
        #expect(root["srcASNumber"]?.int64 == 0)
        #expect(String(decoding: try #require(root["srcLatitude"]).rawBytes, as: UTF8.self) == "0.0")
        #expect(root["actor"]?.count == 0)
        #expect(root["readOnly"]?.bool == false)
        #expect(root["behavior"]?.string == "")
    }

    @Test func fullRecordRoundTrips() throws {
        var record = AuditRecord()
        record.workspaceID = "ws"
        record.sourceID = "okta-prod"
        record.sourceType = "okta"
        record.sourceTTL = 365
        record.receivedAt = Timestamp(parsing: "2024-01-02T03:04:05.123456Z")!
        record.eventTime = Timestamp(parsing: "2024-01-02T03:04:00.5Z")!
        record.eventName = "user.session.start"
        record.eventID = "e1"
        record.id = RecordID.derive(sourceID: "okta-prod", eventID: "e1")
        record.src = NetworkEndpoint(ip: "81.2.69.160")
        record.src.asNumber = 4_294_967_295
        record.src.latitude = 51.5142
        record.src.longitude = -0.0931
        record.actor = ["email": "a@example.com", "id": "u1"]
        record.tags = ["outcome": "SUCCESS"]
        record.resources = ["app \"x\""]
        record.enrichments = [Enrichment(name: "geo", provider: "maxmind", type: "city", value: "81.2.69.160", data: ["city": "London"])]
        record.readOnly = true
        record.rawLog = ArraySlice(#"{"uuid":"e1","x":"é\n"}"#.utf8)
        record.behavior = .authenticationLogin
        record.extras = [ExtraColumn("classUID", .int(6003)), ExtraColumn("status", .string("Success"))]

        let root = try document.parse(RecordEncoder.encode(record))
        #expect(root.members.map(\.key) == recordColumns.map(\.0) + ["classUID", "status"])
        #expect(root["sourceTTL"]?.int64 == 365)
        #expect(root["receivedAt"]?.string == "2024-01-02T03:04:05.123456Z")
        #expect(root["eventTime"]?.string == "2024-01-02T03:04:00.500Z")
        #expect(root["srcASNumber"]?.int64 == 4_294_967_295)
        #expect(root["srcLatitude"]?.double == 51.5142)
        #expect(root["srcLongitude"]?.double == -0.0931)
        #expect(root["actor", "email"]?.string == "a@example.com")
        #expect(root["actor"]?.members.map(\.key) == ["email", "id"])
        #expect(root["resources"]?[0]?.string == "app \"x\"")
        #expect(root["enrichments"]?[0]?["data", "city"]?.string == "London")
        #expect(root["enrichments"]?[0]?["provider"]?.string == "maxmind")
        #expect(root["readOnly"]?.bool == true)
        #expect(root["rawLog"]?.string.map { Array($0.utf8) } == Array(record.rawLog))
        #expect(root["behavior"]?.string == "authentication.login")
        #expect(root["classUID"]?.int64 == 6003)
    }

    @Test func idIsDeterministicAndDistinct() {
        let a = RecordID.derive(sourceID: "s", eventID: "1")
        #expect(a == RecordID.derive(sourceID: "s", eventID: "1"))
        #expect(a != RecordID.derive(sourceID: "s", eventID: "2"))
        #expect(a != RecordID.derive(sourceID: "s1", eventID: ""))
        #expect(a.count == 32 && a.allSatisfy(\.isHexDigit))
        #expect(RecordID.contentHash(Array("x".utf8)) == RecordID.contentHash(Array("x".utf8)))
    }

    @Test func envelopeCarriesRoutingFields() throws {
        var record = AuditRecord()
        record.sourceType = "github"
        record.sourceID = "gh"
        record.workspaceID = "w"
        record.id = "abc"
        record.eventID = "evt"
        record.eventTime = Timestamp(parsing: "2024-05-06T07:08:09.010Z")!
        let envelope = RecordEnvelope.make(record)
        let view = try #require(EnvelopeView(envelope))
        #expect(view.sourceType == "github" && view.sourceID == "gh" && view.workspaceID == "w" && view.id == "abc" && view.eventID == "evt")
        #expect(view.eventTime.description == "2024-05-06T07:08:09.010Z")
        #expect(Array(envelope[view.jsonRange]) == RecordEncoder.encode(record))
        #expect(EnvelopeView(envelope.dropLast()) == nil)
        #expect(EnvelopeView([UInt8]()) == nil)
        #expect(EnvelopeView([9] + envelope.dropFirst()) == nil)
    }
}
