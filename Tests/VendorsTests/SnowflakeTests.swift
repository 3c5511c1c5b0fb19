import _CryptoExtras
import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct SnowflakeTests {
    static let account = "xy12345.eu-central-1"
    static let user = "audit_reader"
    /// One key pair for the suite: the private key in the source's config, the public one for the look-alike.
    static let keyPair: (privateKey: String, publicKeyFile: String) = (try? OktaTests.serviceApp()) ?? ("", "")
    static let baseKeys: [(key: String, value: String)] = [("account", account), ("user", user), ("privateKey", keyPair.privateKey),
                                                           ("role", "AUDIT_READER"), ("warehouse", "AUDIT_WH")]
    static let lookalikeArguments = ["--account", "XY12345", "--user", "AUDIT_READER", "--public-key-pem", keyPair.publicKeyFile,
                                     "--denied-role", "NO_ACCESS", "--views", "QUERY_HISTORY,ACCESS_HISTORY"]

    /// Query and access history share QUERY_ID as their id column, so the contract's one id path covers both views.
    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            SnowflakeSource.self, name: "snowflake", script: "snowflake.py", lookalikeArguments: lookalikeArguments,
            keys: baseKeys + [("streams", "[query_history, access_history]")],
            deniedKeys: baseKeys.map { $0.key == "role" ? ($0.key, "NO_ACCESS") : $0 } + [("streams", "[query_history, access_history]")],
            secrets: [keyPair.privateKey, String(keyPair.privateKey.split(separator: "\n").dropFirst(3).first ?? "-")],
            idPath: ["QUERY_ID"], pageSize: 50, permissionText: "the role cannot read SNOWFLAKE.ACCOUNT_USAGE",
            vendorRateLimitFault: "429sf", rejectedCursorFault: "badkeyset", tokenExpires: true)
        vendorCase.crashEvents = 400
        return vendorCase
    }()

    static func runOnce(_ poller: Poller, log: TestRecordLog, logs: LogCapture, sourceLocation: SourceLocation = #_sourceLocation) async {
        let failure = await PipelineRun.once(poller, log: log, logger: logs.logger())
        #expect(failure == nil, "\(String(describing: failure))", sourceLocation: sourceLocation)
    }

    /// A case reading all five views from a look-alike that serves all five.
    static func allViews(_ extra: [String] = []) throws -> (VendorCase, Lookalike) {
        var all = vendorCase
        all.keys = baseKeys + [("streams", "[login_history, query_history, sessions, access_history, grants_to_users]")]
        let arguments: [String] = Array(lookalikeArguments.prefix(lookalikeArguments.count - 2)) + ["--events", "500", "--span", "7200", "--newest-age", "120"] + extra
        return (all, try Lookalike("snowflake.py", arguments, environment: ["LOOKALIKE_TIMEOUT_SLEEP": "3"]))
    }

    @Test func asyncStatementsArePolledOnTheirHandleAndEveryPartitionIsFetched() async throws {
        let (all, vendor) = try Self.allViews(["--async-every", "2", "--partition-rows", "7"])
        defer { vendor.stop() }
        try await vendor.inject(["async"])
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try all.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        await Self.runOnce(poller, log: log, logs: logs)
        let records = await log.records(idPath: [])
        #expect(records.count == 500)
        // Every view's rows came, each once: the ids the look-alike stored, per view.
        let rows = records.compactMap { try? JSONDocument().parse(Array(($0.json.rawLogText ?? "").utf8)) }
        var ids: [String] = []
        for row in rows {
            if let id = row["QUERY_ID"]?.string { ids.append(id) }
            else if let number = row["EVENT_ID"]?.text ?? row["SESSION_ID"]?.text { ids.append(Self.uuid(number)) }
            else if let role = row["ROLE"]?.string { ids.append(String(role.dropFirst(2))) }
        }
        #expect(ids.count == 500)
        #expect(Set(ids) == Set(try await vendor.stats().ids))
        #expect(try await vendor.statistic("async_statements") >= 3)
        #expect(try await vendor.statistic("status_polls") == (try await vendor.statistic("async_statements")))
        #expect(try await vendor.statistic("partition_fetches") > 10)
        #expect(try await vendor.stats().badRequests == 0)
        #expect(try await vendor.stats().faultsServed.contains("async"))
    }

    @Test func theJWTCarriesTheDocumentedClaimsWithAFingerprintOpenSSLComputes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snowflake-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Microsoft365Tests.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "\(directory)/rsa_key.p8"])
        try Microsoft365Tests.openssl(["pkey", "-in", "\(directory)/rsa_key.p8", "-pubout", "-out", "\(directory)/rsa_key.pub"])
        try Microsoft365Tests.openssl(["pkey", "-in", "\(directory)/rsa_key.p8", "-pubout", "-outform", "DER", "-out", "\(directory)/rsa_key.der"])
        // The fingerprint as Snowflake documents it: base64 of the SHA-256 of the public key's DER.
        try Microsoft365Tests.openssl(["dgst", "-sha256", "-binary", "-out", "\(directory)/fp.bin", "\(directory)/rsa_key.der"])
        let fingerprint = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/fp.bin")).base64EncodedString()
        #expect(fingerprint.count == 44)

        let vendor = try Lookalike("snowflake.py", ["--account", "XY12345", "--user", "AUDIT_READER", "--public-key-pem", "\(directory)/rsa_key.pub",
                                                    "--fingerprint", fingerprint, "--views", "LOGIN_HISTORY", "--events", "120", "--span", "7200",
                                                    "--page-delay", "0.6"])
        defer { vendor.stop() }
        var login = Self.vendorCase
        login.keys = [("account", "xy12345.eu-central-1.aws"), ("user", "audit_reader"),
                      ("privateKey", try String(contentsOfFile: "\(directory)/rsa_key.p8", encoding: .utf8)),
                      ("role", "AUDIT_READER"), ("warehouse", "AUDIT_WH"), ("streams", "[login_history]")]
        // Statements take 0.6 s: the JWT signed after the expiry is a later second's, not the refused one again.
        try await vendor.inject(["ok", "ok", "ok", "ok", "expire"])
        let logs = LogCapture()
        let poller = try login.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let log = TestRecordLog()
        await Self.runOnce(poller, log: log, logs: logs)
        #expect(await log.records(idPath: ["EVENT_ID"]).count == 120)
        #expect(try await vendor.stats().badRequests == 0, "the look-alike refused a JWT's claims or a statement")
        // The claims as the look-alike decoded and verified them: account without its region, upper case.
        let response = try await HTTPClient().send(HTTPRequest(url: "\(vendor.baseURL)/_stats"))
        let claims = try #require(try JSONDocument().parse(response.body)["jwt_claims"]?.array.first)
        #expect(claims["iss"]?.string == "XY12345.AUDIT_READER.SHA256:\(fingerprint)")
        #expect(claims["sub"]?.string == "XY12345.AUDIT_READER")
        let lifetime = (claims["exp"]?.int64 ?? 0) - (claims["iat"]?.int64 ?? 0)
        #expect(lifetime > 0 && lifetime <= 3600)
        // The expired JWT was replaced by a newly signed one, once.
        #expect(try await vendor.statistic("jwts") == 2)
        #expect(poller.metrics.snapshot().tokenRefreshes == 1)
        #expect(!logs.text.contains("PRIVATE KEY"))
    }

    @Test func lateRowsInsideTheLookbackComeOnceAndTiesAtOneSecondSpanPages() async throws {
        // Every row's time rounded down to 30 s: dozens of rows share each timestamp across pages of 50.
        let vendor = try Self.vendorCase.start(events: 400, extra: ["--tie-seconds", "30"])
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let first = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        await Self.runOnce(first, log: log, logs: logs)
        #expect(try await vendor.statistic("keyset_statements") > 4)
        // Rows committed late with times 20 minutes back: inside the default lookback of both views.
        try await vendor.addLateEvents(25, age: 1200)
        let second = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(offset: .seconds(60)), logger: logs.logger())
        await Self.runOnce(second, log: log, logs: logs)
        let delivered = await log.records(idPath: ["QUERY_ID"]).compactMap(\.vendorID)
        #expect(delivered.count == 425)
        #expect(delivered.duplicates.isEmpty)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        #expect(try await vendor.stats().badRequests == 0)
    }

    @Test func rowsBecomeObjectsTypedByRowType() throws {
        let body = #"""
        {"resultSetMetaData":{"numRows":2,"format":"jsonv2","rowType":[{"name":"EVENT_ID","type":"fixed"},{"name":"EVENT_TIMESTAMP","type":"timestamp_ltz"},
         {"name":"CREATED","type":"timestamp_tz"},{"name":"OK","type":"boolean"},{"name":"OBJ","type":"variant"},{"name":"ARR","type":"array"},
         {"name":"NOTE","type":"text"},{"name":"CREDITS","type":"fixed"},{"name":"DAY","type":"date"}],"partitionInfo":[{"rowCount":2}]},
         "data":[["12042414114134585","1700000000.123456789","1700000000.000000000 1500","true","{\n  \"a\": [1, 2]\n}","[\"x\"]","42","0.000123","19723"],
                 ["7",null,"1700000000.5 1380","false","not json","[]",null,"1e3","0"]],
         "statementHandle":"h1"}
        """#
        let columns = try SnowflakeRows.columns(try #require(try JSONDocument().parse(Array(body.utf8))["resultSetMetaData"]?["rowType"]), endpoint: "t")
        var writer = JSONWriter()
        var first = true
        try SnowflakeRows.write(try JSONDocument().parse(Array(body.utf8))["data"], columns: columns, into: &writer, first: &first, endpoint: "t")
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"EVENT_ID":12042414114134585,"EVENT_TIMESTAMP":"2023-11-14T22:13:20.123456789Z","CREATED":"2023-11-14T23:13:20.000000000+01:00","OK":true,"OBJ":{"#
            + "\n  \"a\": [1, 2]\n}" + #","ARR":["x"],"NOTE":"42","CREDITS":0.000123,"DAY":"2024-01-01"},"#
            + #"{"EVENT_ID":7,"EVENT_TIMESTAMP":null,"CREATED":"2023-11-14T21:13:20.5-01:00","OK":false,"OBJ":"not json","ARR":[],"NOTE":null,"CREDITS":1e3,"DAY":"1970-01-01"}"#)
        // The kit reads the converted time, nanoseconds kept in the text for the keyset.
        let row = try JSONDocument().parse(Array(("[" + text + "]").utf8))
        #expect(Timestamp(json: row[0]?["EVENT_TIMESTAMP"])?.description == "2023-11-14T22:13:20.123456Z")
        #expect(SnowflakeRows.rfc3339(epochText: "-1.25") == "1969-12-31T23:59:58.75Z")
        #expect(SnowflakeRows.rfc3339(epochText: "12:00") == nil)
    }

    @Test func theJWTNamesTheAccountWithoutItsRegionAndTheKeyByItsFingerprint() throws {
        #expect(SnowflakeSource.jwtAccount("xy12345.us-east-2.aws") == "XY12345")
        #expect(SnowflakeSource.jwtAccount("myorg-analytics") == "MYORG-ANALYTICS")
        #expect(SnowflakeSource.defaultBaseURL(account: "myorg-my_account") == "https://myorg-my-account.snowflakecomputing.com")
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let issuer = try SnowflakeSource.issuer(account: "myorg-analytics", user: "svc", publicKeyDER: Array(key.publicKey.derRepresentation))
        #expect(issuer.hasPrefix("MYORG-ANALYTICS.SVC.SHA256:"))
        #expect(issuer.count == "MYORG-ANALYTICS.SVC.SHA256:".count + 44)
    }

    @Test func anEncryptedKeyWithItsPassphraseSignsTheJWT() async throws {
        // The suite's key, encrypted as Snowflake's key-pair guide has it made (PKCS#8, PBES2, AES-256).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snowflake-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.keyPair.privateKey.write(toFile: "\(directory)/plain.pem", atomically: true, encoding: .utf8)
        try Microsoft365Tests.openssl(["pkcs8", "-topk8", "-v2", "aes256", "-in", "\(directory)/plain.pem", "-out", "\(directory)/encrypted.p8",
                                       "-passout", "pass:c0rrect-h0rse"])
        let encrypted = try String(contentsOfFile: "\(directory)/encrypted.p8", encoding: .utf8)
        #expect(encrypted.contains("BEGIN ENCRYPTED PRIVATE KEY"))
        // A wrong passphrase is a config problem naming the key, quoting neither.
        let diagnostics = ConfigDiagnostics()
        _ = SnowflakeSource(ConfigSection(path: "sources[0]", value: .map([("id", .scalar("s")), ("account", .scalar("xy12345")), ("user", .scalar("u")),
            ("role", .scalar("r")), ("warehouse", .scalar("w")), ("privateKey", .scalar(encrypted)), ("privateKeyPassphrase", .scalar("wr0ng-h0rse"))]),
            diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
        #expect(diagnostics.problems.map(\.description).joined().contains("privateKeyPassphrase: cannot be decrypted"))
        #expect(!diagnostics.problems.map(\.description).joined().contains("h0rse"))

        let vendor = try Self.vendorCase.start(events: 60)
        defer { vendor.stop() }
        var withPassphrase = Self.vendorCase
        withPassphrase.keys = withPassphrase.keys.map { $0.key == "privateKey" ? ($0.key, encrypted) : $0 } + [("privateKeyPassphrase", "c0rrect-h0rse")]
        let logs = LogCapture()
        let poller = try withPassphrase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["QUERY_ID"], count: 60, logs: logs)
        #expect(!logs.text.contains("c0rrect-h0rse"))
    }

    @Test func configNamesAnEncryptedKeyAndUnknownViewsWithoutTheKey() {
        let base: [(String, ConfigValue)] = [("id", .scalar("s")), ("account", .scalar("xy12345")), ("user", .scalar("u")),
                                             ("role", .scalar("r")), ("warehouse", .scalar("w"))]
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq5ecr3t\n-----END ENCRYPTED PRIVATE KEY-----\n"
        let cases: [([(String, ConfigValue)], String)] = [
            ([("privateKey", .scalar(encrypted))], "privateKey: is encrypted: set privateKeyPassphrase"),
            ([("privateKey", .scalar(encrypted)), ("privateKeyPassphrase", .scalar("pass-5ecr3t"))], "privateKeyPassphrase: cannot be decrypted"),
            ([("privateKey", .scalar("nope-5ecr3t"))], "privateKey: is not a PEM RSA private key"),
            ([("privateKey", .scalar(Self.keyPair.privateKey)), ("streams", .list([.scalar("users")]))], "\"users\" is not a view this source reads"),
        ]
        for (keys, expected) in cases {
            let diagnostics = ConfigDiagnostics()
            _ = SnowflakeSource(ConfigSection(path: "sources[0]", value: .map(base + keys), diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
            let problems = diagnostics.problems.map(\.description).joined(separator: "\n")
            #expect(problems.contains(expected), "\(problems)")
            #expect(!problems.contains("5ecr3t") && !problems.contains("BEGIN"))
        }
        // Defaults: the account's host, each view's documented latency as its lag and lookback.
        let diagnostics = ConfigDiagnostics()
        let source = SnowflakeSource(ConfigSection(path: "sources[0]", value: .map(base + [("privateKey", .scalar(Self.keyPair.privateKey))]),
                                                   diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
        #expect(diagnostics.problems.isEmpty, "\(diagnostics.problems)")
        #expect(source.settings.baseURL == "https://xy12345.snowflakecomputing.com")
        #expect(source.settings.lag(for: "login_history") == .seconds(7200) && source.settings.lookback(for: "login_history") == .seconds(7200))
        #expect(source.settings.streamTimings["sessions"] == nil)  // a view not read has no settings to report as unknown
        #expect(source.settings.lag(for: "query_history") == .seconds(2700))
        #expect((try? source.streams().map(\.stream)) == ["login_history", "query_history"])
    }

    /// The store's id (a UUID) from the number a numeric id column carries.
    static func uuid(_ number: String) -> String {
        guard let value = UInt64(number) else { return number }
        let hex = String(value, radix: 16)
        let padded = String(repeating: "0", count: 32 - hex.count) + hex
        var result = ""
        for (index, character) in padded.enumerated() {
            if [8, 12, 16, 20].contains(index) { result.append("-") }
            result.append(character)
        }
        return result
    }
}

extension String {
    /// The `rawLog` string of a record's JSON.
    var rawLogText: String? { (try? JSONDocument().parse(Array(utf8)))?["rawLog"]?.string }
}
