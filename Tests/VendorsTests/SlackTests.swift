import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct SlackTests {
    static let token = "xoxp-audit-7c1e5d3a"

    static let vendorCase = VendorCase.of(
        SlackSource.self, name: "slack", script: "slack.py",
        lookalikeArguments: ["--token", token, "--bot-token", "xoxb-bot-9f", "--missing-scope-token", "xoxp-noscope-4a"],
        keys: [("token", token)], deniedKeys: [("token", "xoxp-noscope-4a")], secrets: [token], idPath: ["id"], pageSize: 200,
        permissionText: "the token lacks the auditlogs:read scope", vendorRateLimitFault: "429slack", rejectedCursorFault: "badcursor",
        tokenExpires: false)

    @Test func aBotTokenIsRefusedWithTheFixNamed() async throws {
        let vendor = try Self.vendorCase.start(events: 10)
        defer { vendor.stop() }
        var bot = Self.vendorCase
        bot.keys = [("token", "xoxb-bot-9f")]
        let logs = LogCapture()
        let failure = "\(try #require(await PipelineRun.once(try bot.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger()), log: TestRecordLog(), logger: logs.logger())))"
        #expect(failure.contains("slack: Slack refused the token type (not_allowed_token_type): use the user token (xoxp-) of an org-level app"), "\(failure)")
        #expect(!failure.contains("xoxb-bot-9f") && !logs.text.contains("xoxb-bot-9f"))
    }
}
