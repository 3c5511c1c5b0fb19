import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(4))) struct SalesforceTests {
    static let clientID = "3MVG9lKcPoNINVBJSoQsNCD.HHDdbugPsNXwwyFbgb47KWa_PTv"
    static let clientSecret = "8C0D3E5A7F19B2C4-sf-Secr3t"
    static let lookalikeArguments = ["--client-id", clientID, "--client-secret", clientSecret, "--denied-client", "3MVG9-no-access"]
    /// SetupAuditTrail rows carry `Id`; storage objects' `Id` is empty, their id is `EventIdentifier`.
    static let idPath = ["EventIdentifier|Id"]

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            SalesforceSource.self, name: "salesforce", script: "salesforce.py", lookalikeArguments: lookalikeArguments,
            keys: [("clientID", clientID), ("clientSecret", clientSecret)],
            deniedKeys: [("clientID", "3MVG9-no-access"), ("clientSecret", clientSecret)],
            secrets: [clientSecret], idPath: idPath, pageSize: 100,
            permissionText: "the user cannot read", vendorRateLimitFault: "limit", rejectedCursorFault: "badcursor", tokenExpires: true)
        vendorCase.crashEvents = 1200  // the storage object's batches are at least 200 rows
        return vendorCase
    }()

    @Test func theJWTBearerFlowSignsForTheUserAndFlatLoginEventsNormalizeFully() async throws {
        let (privateKey, publicKeyFile) = try OktaTests.serviceApp()
        defer { try? FileManager.default.removeItem(atPath: publicKeyFile) }
        let vendor = try Lookalike("salesforce.py", Self.lookalikeArguments + ["--public-key-pem", publicKeyFile, "--events", "600", "--span", "7200"])
        defer { vendor.stop() }
        try await vendor.inject(["ok", "ok", "expire"])
        var jwt = Self.vendorCase
        jwt.keys = [("clientID", Self.clientID), ("username", "integration@acme.com"), ("privateKey", privateKey), ("loginURL", "baseURL")]
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try jwt.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: Self.idPath)
        #expect(Set(records.compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        #expect(records.count == 600)
        #expect(try await vendor.stats().tokenRequests == 2)  // the first session and one after it expired
        #expect(try await vendor.stats().badRequests == 0, "the look-alike refused the assertion or a query")
        #expect(try await vendor.statistic("locator_requests") > 0)  // LoginEvent batches followed nextRecordsUrl
        #expect(!logs.text.contains("PRIVATE KEY"))
        // A LoginEvent as SOQL returns it (flat, typed by `attributes`) is a whole record, never an
        // empty one dated 1970.
        let login = try #require(records.first { $0.eventName == "LoginEvent" })
        let document = JSONDocument()
        let record = try document.parse(Array(login.json.utf8))
        #expect(record["eventTime"]?.string?.hasPrefix("20") == true && record["eventTime"]?.string?.hasPrefix("1970") == false, "\(login.json)")
        #expect(record["eventID"]?.string == login.vendorID)
        #expect(record["behavior"]?.string == "authentication.login", "\(login.json)")
        #expect(record["srcIP"]?.string?.isEmpty == false, "\(login.json)")
    }

    @Test func anObjectTheOrgIsNotLicensedForIsReportedOnceAndTheOthersGoOn() async throws {
        let vendor = try Lookalike("salesforce.py", Self.lookalikeArguments + ["--unlicensed", "ApiAnomalyEventStore", "--events", "200", "--span", "7200"])
        defer { vendor.stop() }
        var licensed = Self.vendorCase
        licensed.keys.append(("streams", "[setupaudittrail, loginevent, apianomalyeventstore]"))
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try licensed.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let cursor = try #require(await log.committedCursor(source: "salesforce-test"))
        // Later cycles of the same process do not ask again.
        for _ in 0..<3 { _ = try await poller.nextPage(after: cursor) }
        #expect(Set(await log.records(idPath: Self.idPath).compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        #expect(try await vendor.statistic("invalid_type_answers") == 1)
        let reports = logs.lines.filter { $0.hasPrefix("error") && $0.contains("ApiAnomalyEventStore") }
        #expect(reports.count == 1, "\(logs.lines)")
        #expect(reports.first?.contains("licence") == true)
    }

    @Test func theOrgsDailyAllocationIsSharedAndRequestLimitExceededIsARateLimit() async throws {
        // 1,000 requests a day of which 990 are used: the org is out after ten more, so auditrelay
        // (10% share) must wait for the next day rather than take the rest, and a 403
        // REQUEST_LIMIT_EXCEEDED is a rate limit, not a permission problem.
        let vendor = try Lookalike("salesforce.py", Self.lookalikeArguments + ["--allocation", "1000", "--used", "990", "--events", "300", "--span", "7200"])
        defer { vendor.stop() }
        try await vendor.inject(["ok", "limit"])
        let logs = LogCapture()
        let clock = InstantSleepClock()
        let poller = try Self.vendorCase.source(vendor) { $0.rateShare = 0.1 }.makePoller(clock: clock, logger: logs.logger())
        try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: Self.idPath, count: 300, logs: logs)
        let metrics = poller.metrics.snapshot()
        #expect(metrics.rateLimitWaits >= 1, "\(metrics)")
        #expect(metrics.permissionErrors == 0)
        #expect(metrics.rateShareWaits >= 1, "\(metrics)")
    }

    @Test func eventLogFilesAreReadRowByRowQuotedFieldsIntactEachRowOnceAcrossARestart() async throws {
        let vendor = try Lookalike("salesforce.py", Self.lookalikeArguments + ["--events", "0", "--log-files", "4", "--rows-per-file", "230", "--span", "7200"])
        defer { vendor.stop() }
        var files = Self.vendorCase
        files.keys.append(("streams", "[eventlogfile]"))
        let logs = LogCapture()
        let log = TestRecordLog()
        // Stop after a few pages: the cursor is in the middle of a file (230 rows, pages of 100).
        await log.setCrashAtAppend(3)
        let first = try files.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(first, log: log, logger: logs.logger()) != nil)
        let committed = try #require(await log.committedCursor(source: "salesforce-test"))
        #expect(committed.contains(#""doc":"#), "the cursor holds the file being read and its rows: \(committed)")
        await log.setCrashAtAppend(nil)
        let second = try files.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(second, log: log, logger: logs.logger()) == nil)

        let records = await log.records(idPath: ["auditrelay.row"])
        let ids = records.compactMap(\.vendorID)
        #expect(ids.count == 920)
        #expect(ids.duplicates.isEmpty)
        #expect(Set(ids) == Set(try await vendor.statisticStrings("elf_ids")))
        #expect(try await vendor.stats().badRequests == 0)
        // Quoted commas, doubled quotes and line breaks inside a field come through as they were.
        let document = JSONDocument()
        let raws = try records.map { try document.parse(Array($0.json.utf8))["rawLog"]?.string ?? "" }
        #expect(raws.contains { $0.contains(#"Name = \"O'Brien, Pat\""#) }, "\(raws.prefix(3))")
        #expect(raws.contains { $0.contains(#"SELECT Id\nFROM Opportunity\r\nWHERE Amount > 100"#) })
        let login = try #require(records.first { $0.eventName == "Login" })
        let record = try document.parse(Array(login.json.utf8))
        #expect(record["behavior"]?.string == "authentication.login", "\(login.json)")
        #expect(record["eventID"]?.string == login.vendorID)
        #expect(record["eventTime"]?.string?.hasPrefix("1970") == false)
    }

    @Test func configNamesOneFlowAndKnownStreams() {
        let base: [(String, ConfigValue)] = [("id", .scalar("sf")), ("instanceURL", .scalar("https://acme.my.salesforce.com")), ("clientID", .scalar("c"))]
        let cases: [([(String, ConfigValue)], String)] = [
            ([], "clientSecret: set either clientSecret (client credentials flow) or username and privateKey (JWT bearer flow)"),
            ([("username", .scalar("u@acme.com"))], "username and privateKey go together"),
            ([("username", .scalar("u@acme.com")), ("privateKey", .scalar("not-a-key-5ecr3t"))], "privateKey: is not a PEM RSA private key"),
            ([("clientSecret", .scalar("s")), ("streams", .list([.scalar("loginevents")]))], "\"loginevents\" is not a stream"),
            ([("clientSecret", .scalar("s")), ("apiVersion", .scalar("62"))], "apiVersion: \"62\" is not an API version"),
        ]
        for (keys, expected) in cases {
            let diagnostics = ConfigDiagnostics()
            _ = SalesforceSource(ConfigSection(path: "sources[0]", value: .map(base + keys), diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
            let problems = diagnostics.problems.map(\.description).joined(separator: "\n")
            #expect(problems.contains(expected), "\(problems)")
            #expect(!problems.contains("5ecr3t"))
        }
    }
}
