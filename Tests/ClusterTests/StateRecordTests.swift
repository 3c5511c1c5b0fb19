import Cluster
import Polling
import RelayCore
import Testing

@Suite struct StateRecordTests {
    let t0 = Timestamp(parsing: "2026-03-01T12:00:00Z")!

    var twoStreams: SourceCursor {
        var login = PollState(since: t0, watermark: .init(time: t0.minus(.seconds(5)), id: "evt-9"),
                              window: .init(from: t0.minus(.seconds(600)), to: t0, next: "p=3&after=\"x\""))
        login.fetchedDocuments = ["d1": 1_767_225_600]
        let audit = PollState(since: t0.minus(.seconds(60)), position: "https://x/api/v1/logs?after=1152922976252290886")
        return SourceCursor(streams: ["login": login, "audit": audit])
    }

    func table(from records: [(key: [UInt8], value: [UInt8])]) -> MirroredStateTable {
        var table = MirroredStateTable()
        for record in records { #expect(table.apply(key: record.key, value: record.value) == nil) }
        return table
    }

    @Test func keysAreSourceSeparatorStream() {
        #expect(StateRecord.key(source: "okta", stream: "system_log") == Array("okta\u{1F}system_log".utf8))
        #expect(StateRecord.credentialKey(source: "wd") == Array("wd\u{1F}#credential".utf8))
    }

    @Test func aCursorRoundTripsOneRecordPerStream() throws {
        let records = try StateRecord.records(source: "okta", cursor: twoStreams.encoded)
        #expect(records.map(\.key) == [StateRecord.key(source: "okta", stream: "audit"), StateRecord.key(source: "okta", stream: "login")])
        #expect(records.allSatisfy { $0.value.first == StateRecord.formatVersion })
        let mirrored = table(from: records)
        let cursor = try #require(mirrored.cursor(source: "okta"))
        #expect(SourceCursor(decoding: cursor, defaultStream: "audit") == twoStreams)
        #expect(mirrored.cursor(source: "other") == nil)
        #expect(mirrored.sourceIDs == ["okta"])
    }

    @Test func theLatestValuePerKeyWinsAndStreamsAreAssembledAcrossCommits() throws {
        var table = table(from: try StateRecord.records(source: "s", cursor: twoStreams.encoded))
        let newer = SourceCursor(streams: ["login": PollState(since: t0.plus(.seconds(30)))])
        for record in try StateRecord.records(source: "s", cursor: newer.encoded) {
            #expect(table.apply(key: record.key, value: record.value) == nil)
        }
        let assembled = try #require(table.cursor(source: "s").flatMap { SourceCursor(decoding: $0, defaultStream: "x") })
        #expect(assembled.streams["login"] == PollState(since: t0.plus(.seconds(30))))
        #expect(assembled.streams["audit"] == twoStreams.streams["audit"])
    }

    @Test func tombstonesDeleteKeys() throws {
        var table = table(from: try StateRecord.records(source: "s", cursor: twoStreams.encoded))
        #expect(table.apply(key: StateRecord.key(source: "s", stream: "login"), value: nil) == nil)
        let remaining = try #require(table.cursor(source: "s").flatMap { SourceCursor(decoding: $0, defaultStream: "x") })
        #expect(remaining.streams.keys.sorted() == ["audit"])
        #expect(table.apply(key: StateRecord.key(source: "s", stream: "audit"), value: nil) == nil)
        #expect(table.cursor(source: "s") == nil)
        #expect(table.sourceIDs.isEmpty)
        // A tombstone for a key never written is harmless.
        #expect(table.apply(key: StateRecord.credentialKey(source: "never"), value: nil) == nil)
    }

    @Test func aRecordThatDoesNotDecodeIsSkippedWithAWarningNamingKeyAndReason() throws {
        var table = table(from: try StateRecord.records(source: "s", cursor: twoStreams.encoded))
        let key = StateRecord.key(source: "s", stream: "login")
        let before = table.cursor(source: "s")
        let cases: [(value: [UInt8], reason: String)] = [
            ([2] + Array(#"{"since":"2026-03-01T12:00:00Z"}"#.utf8), "unknown format version 2"),
            ([], "empty value"),
            ([1] + Array(#"{"pos":"p2"}"#.utf8), "not a stream's poll state"),  // no `since`
            ([1] + Array("{not json".utf8), "not a stream's poll state"),
            ([1, 0xFF, 0xFE], "not UTF-8"),
        ]
        for (value, reason) in cases {
            let result = table.apply(key: key, value: value)
            let warning = try #require(result)
            #expect(warning.contains("s\\u{1F}login"), "\(warning)")
            #expect(warning.contains(reason), "\(warning)")
        }
        #expect(table.cursor(source: "s") == before)  // the previous value stays in use
        #expect(table.apply(key: Array("no-separator".utf8), value: [1])?.contains("no-separator") == true)
        #expect(table.apply(key: StateRecord.credentialKey(source: "s"), value: [1]) != nil)  // empty credential
    }

    @Test func aSealedCredentialRoundTripsAndNoClearTextTokenReachesTheTopic() throws {
        let clearToken = "rt-rotated-7f3a9c-very-secret"
        let token = RotatingRefreshToken(configured: Secret("rt-0"), sealingSecret: Secret("client-secret"), sourceID: "wd")
        token.rotate(to: Secret(clearToken))
        let sealed = try #require(token.sealed())
        var cursor = twoStreams
        cursor.sealedCredential = sealed
        let records = try StateRecord.records(source: "wd", cursor: cursor.encoded)
        #expect(records.last.map(\.key) == StateRecord.credentialKey(source: "wd"))
        for record in records {
            let text = String(decoding: record.key + record.value, as: UTF8.self)
            #expect(!text.contains(clearToken))
            #expect(!text.contains("rt-0"))
        }
        let mirrored = table(from: records)
        let assembled = try #require(mirrored.cursor(source: "wd").flatMap { SourceCursor(decoding: $0, defaultStream: "x") })
        #expect(assembled == cursor)
        // The replica taking over opens it with the same configured client secret.
        let takeover = RotatingRefreshToken(configured: Secret("rt-0"), sealingSecret: Secret("client-secret"), sourceID: "wd")
        let carried = try #require(assembled.sealedCredential)
        #expect(takeover.restore(sealed: carried))
        #expect(takeover.token.reveal() == clearToken)
        // A credential alone (no stream committed yet) is still a cursor.
        var credentialOnly = MirroredStateTable()
        #expect(credentialOnly.apply(key: StateRecord.credentialKey(source: "wd"), value: [1] + Array(sealed.utf8)) == nil)
        #expect(credentialOnly.cursor(source: "wd").flatMap { SourceCursor(decoding: $0, defaultStream: "x") }?.sealedCredential == sealed)
    }

    @Test func whatCannotBeMirroredIsRefusedNamingTheCause() throws {
        #expect(throws: ClusterError.invalidSourceID("a\u{1F}b")) { try StateRecord.records(source: "a\u{1F}b", cursor: SourceCursor().encoded) }
        #expect(throws: ClusterError.invalidSourceID("")) { try StateRecord.records(source: "", cursor: SourceCursor().encoded) }
        #expect(ClusterError.invalidSourceID("a\u{1F}b").description.contains("a\\u{1F}b"))
        let replayCursor = "0:/var/log/x.jsonl:123"
        let error = #expect(throws: ClusterError.self) { try StateRecord.records(source: "files", cursor: replayCursor) }
        #expect(error?.description.contains("files") == true)
        #expect(error?.description.contains(replayCursor) == false)
        let v1 = #"{"v":1,"since":"2026-03-01T12:00:00Z"}"#
        #expect(throws: ClusterError.invalidCursor(source: "old", reason: "a version 1 cursor names no stream")) {
            try StateRecord.records(source: "old", cursor: v1)
        }
        #expect(try StateRecord.records(source: "fresh", cursor: SourceCursor().encoded).isEmpty)
    }

    @Test func takeoverPrefersTheMirroredCursor() {
        #expect(TakeoverRule.startingCursor(mirrored: "m", local: "l") == "m")
        #expect(TakeoverRule.startingCursor(mirrored: nil, local: "l") == "l")
        #expect(TakeoverRule.startingCursor(mirrored: nil, local: nil) == nil)
    }
}
