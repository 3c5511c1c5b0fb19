import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct VeevaVaultTests {
    static let password = "vault-pass-Q7r2x9"

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            VeevaVaultSource.self, name: "veeva-vault", script: "veeva_vault.py",
            lookalikeArguments: ["--username", "auditrelay@acme.com", "--password", password, "--denied-user", "nobody@acme.com"],
            keys: [("username", "auditrelay@acme.com"), ("password", password)], deniedKeys: [("username", "nobody@acme.com"), ("password", password)],
            secrets: [password], idPath: ["id"], pageSize: 200,
            permissionText: "the Vault user lacks the \"View Audit Trail\" permission", vendorRateLimitFault: "429vault",
            rejectedCursorFault: "badcursor", tokenExpires: true)
        return vendorCase
    }()

    @Test func aResumePointOlderThanThirtyDaysIsAGapRecordThenEveryTrailIsRead() async throws {
        let vendor = try Self.vendorCase.start(events: 100)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try Self.vendorCase.source(vendor) { $0.backfill = .duration(.seconds(45 * 86_400)) }
            .makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: ["id"])
        // One gap per audit trail (each its own stream), then the events; nothing older than 30 days asked for.
        #expect(records.filter { $0.eventName == "auditrelay.gap" }.count == 5)
        #expect(records.filter { $0.eventName == "auditrelay.gap" }.allSatisfy { $0.json.contains(#""gap.reason":"backfill_beyond_retention""#) })
        #expect(Set(records.compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        #expect(try await vendor.stats().badRequests == 0)
        #expect(poller.metrics.snapshot().gaps == 5)
    }

    @Test func theReportedBurstLimitSlowsPollingDownBeforeA429() async throws {
        // 40 requests per 5 minutes for the whole Vault, shared by the five trails; we take half.
        let vendor = try Self.vendorCase.start(events: 1500, extra: ["--burst-limit", "40"])
        defer { vendor.stop() }
        let clock = InstantSleepClock()
        let logs = LogCapture()
        let poller = try Self.vendorCase.source(vendor, pageSize: 50).makePoller(clock: clock, logger: logs.logger())
        _ = await PipelineRun.once(poller, log: TestRecordLog(), logger: logs.logger())
        #expect(poller.metrics.snapshot().rateShareWaits >= 1, "\(poller.metrics.snapshot())")
        #expect(try await vendor.statistic("rate_limited") == 0)  // never pushed Vault to API_LIMIT_EXCEEDED
    }

    @Test func aFailureAnsweredWithStatus200IsReadAsTheStatusItStandsFor() {
        let api = VeevaVaultSource.AuditTrail(baseURL: "https://acme.veevavault.com", apiVersion: "v24.1", type: "login_audit_trail")
        func failure(_ type: String) -> HTTPResponse {
            HTTPResponse(status: 200, body: Array(#"{"responseStatus":"FAILURE","errors":[{"type":"\#(type)","message":"m"}]}"#.utf8))
        }
        #expect(api.failureStatus(in: failure("INVALID_SESSION_ID")) == 401)
        #expect(api.failureStatus(in: failure("INSUFFICIENT_ACCESS")) == 403)
        #expect(api.failureStatus(in: failure("API_LIMIT_EXCEEDED")) == 429)
        #expect(api.failureStatus(in: failure("INVALID_DATA")) == 400)
        #expect(api.failureStatus(in: HTTPResponse(status: 200, body: Array(#"{"responseStatus":"SUCCESS","data":[]}"#.utf8))) == nil)
    }
}
