import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct GitHubTests {
    static let token = "ghp_audit0000000000000000000000000A1"

    static let vendorCase = VendorCase.of(
        GitHubSource.self, name: "github", script: "github.py", lookalikeArguments: ["--token", token, "--denied-token", "ghp_denied000000000000000000000000B2"],
        keys: [("organization", "acme"), ("token", token)], deniedKeys: [("organization", "acme"), ("token", "ghp_denied000000000000000000000000B2")],
        secrets: [token], idPath: ["_document_id"], pageSize: 100,
        permissionText: "the token cannot read the audit log", vendorRateLimitFault: "403limit", rejectedCursorFault: "badcursor", tokenExpires: false)

    @Test func gitEventsPastSevenDaysAreAGapOfTheirOwnWhileWebEventsAreRead() async throws {
        let vendor = try Lookalike("github.py", ["--token", Self.token, "--events", "200", "--git-events", "50", "--span", "7200"])
        defer { vendor.stop() }
        var all = Self.vendorCase
        all.keys.append(("include", "all"))
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try all.source(vendor) { $0.backfill = .duration(.seconds(10 * 86_400)) }.makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: ["_document_id"])
        let gaps = records.filter { $0.eventName == "auditrelay.gap" }
        #expect(gaps.count == 1)
        #expect(gaps.first?.json.contains(#""gap.stream":"audit_log_git""#) == true)
        let ids = Set(records.compactMap(\.vendorID))
        #expect(ids.isSuperset(of: Set(try await vendor.stats().ids)))
        #expect(ids.isSuperset(of: Set(try await vendor.statisticStrings("git_ids"))))
        #expect(try await vendor.stats().badRequests == 0)
    }

    @Test func configNamesOneOrganizationOrEnterprise() {
        for keys: [(String, ConfigValue)] in [[], [("organization", .scalar("a")), ("enterprise", .scalar("b"))]] {
            let diagnostics = ConfigDiagnostics()
            _ = GitHubSource(ConfigSection(path: "sources[0]", value: .map([("id", .scalar("gh")), ("token", .scalar("t"))] + keys),
                                           diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
            #expect(diagnostics.problems.map(\.description).contains { $0.contains("sources[0].organization:") }, "\(diagnostics.problems)")
        }
    }
}
