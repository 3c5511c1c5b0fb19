import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(4))) struct ServiceNowTests {
    static let clientSecret = "sn-0auth-Secr3t-7d1e5a"
    static let password = "sn-Passw0rd!reader"
    static let lookalikeArguments = ["--client-id", "auditrelay-oauth", "--client-secret", clientSecret, "--denied-client", "no-acl-oauth",
                                     "--username", "audit.reader", "--password", password, "--denied-user", "no.acl"]

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            ServiceNowSource.self, name: "servicenow", script: "servicenow.py", lookalikeArguments: lookalikeArguments,
            keys: [("clientID", "auditrelay-oauth"), ("clientSecret", clientSecret)],
            deniedKeys: [("clientID", "no-acl-oauth"), ("clientSecret", clientSecret)],
            secrets: [clientSecret], idPath: ["sys_id"], pageSize: 50,
            permissionText: "the user cannot read", vendorRateLimitFault: "429sn", rejectedCursorFault: "badcursor", tokenExpires: true)
        vendorCase.crashEvents = 400
        return vendorCase
    }()

    @Test func rowsSharingASecondAcrossPagesComeOnceWithBasicAuth() async throws {
        // 600 rows in 40 seconds: fifteen share each second, pages of 20 end in the middle of seconds.
        let vendor = try Lookalike("servicenow.py", Self.lookalikeArguments + ["--events", "600", "--span", "160", "--newest-age", "120"])
        defer { vendor.stop() }
        var basic = Self.vendorCase
        basic.keys = [("username", "audit.reader"), ("password", Self.password)]
        let logs = LogCapture()
        let poller = try basic.source(vendor, pageSize: 20).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["sys_id"], count: 600, logs: logs)
        #expect(stats.dataRequests >= 600 / 20)
        #expect(stats.tokenRequests == 0)
        #expect(!logs.text.contains(Self.password))
    }

    @Test func aHibernatingInstanceIsAClearErrorNotAParseFailure() async throws {
        let vendor = try Self.vendorCase.start(events: 30)
        defer { vendor.stop() }
        try await vendor.inject(["hibernate"])
        let logs = LogCapture()
        let poller = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let failure = try #require(await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger()))
        #expect("\(failure)".contains("servicenow: the instance is hibernating or the URL is not a ServiceNow instance"), "\(failure)")
        #expect(!"\(failure)".contains("html"))
    }

    @Test func aRateLimitWaitsUntilTheRulesReset() async throws {
        let vendor = try Self.vendorCase.start(events: 120)
        defer { vendor.stop() }
        try await vendor.inject(["429sn"])
        let logs = LogCapture()
        let clock = InstantSleepClock()
        let poller = try Self.vendorCase.source(vendor).makePoller(clock: clock, logger: logs.logger())
        try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["sys_id"], count: 120, logs: logs)
        #expect(poller.metrics.snapshot().rateLimitWaits == 1)
        #expect(clock.sleeps.contains { $0 >= .seconds(5) && $0 <= .seconds(10) }, "\(clock.sleeps)")  // X-RateLimit-Reset ≈ 9 s ahead
    }

    @Test func configNamesOneCredentialAndKnownTables() {
        let cases: [([(String, ConfigValue)], String)] = [
            ([], "instanceURL: is required"),
            ([("instanceURL", .scalar("https://acme.service-now.com"))], "username: set either username and password (Basic) or clientID and clientSecret (OAuth)"),
            ([("instanceURL", .scalar("https://acme.service-now.com")), ("username", .scalar("u"))], "username and password go together"),
            ([("instanceURL", .scalar("https://acme.service-now.com")), ("username", .scalar("u")), ("password", .scalar("p")),
              ("clientID", .scalar("c"))], "not both"),
            ([("instanceURL", .scalar("https://acme.service-now.com")), ("username", .scalar("u")), ("password", .scalar("p")),
              ("tables", .list([.scalar("incident")]))], "\"incident\" is not a table this source reads"),
        ]
        for (keys, expected) in cases {
            let diagnostics = ConfigDiagnostics()
            _ = ServiceNowSource(ConfigSection(path: "sources[0]", value: .map([("id", .scalar("sn"))] + keys), diagnostics: diagnostics,
                                               secrets: SecretResolver(environment: [:])))
            let problems = diagnostics.problems.map(\.description).joined(separator: "\n")
            #expect(problems.contains(expected), "\(problems)")
        }
    }
}
