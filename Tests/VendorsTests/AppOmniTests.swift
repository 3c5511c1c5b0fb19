import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct AppOmniTests {
    static let token = "ao-token-6d1f0c9b"

    static let vendorCase = VendorCase.of(
        AppOmniSource.self, name: "appomni", script: "appomni.py", lookalikeArguments: ["--token", token, "--denied-token", "ao-denied-2e"],
        keys: [("token", token)], deniedKeys: [("token", "ao-denied-2e")], secrets: [token], idPath: ["identifier"], pageSize: 200,
        permissionText: "the API token cannot read audit logs", vendorRateLimitFault: "throttle", rejectedCursorFault: "badcursor", tokenExpires: false)

    @Test func theFilterNamesAreTheDocumentedOnesAndCanBeChanged() async throws {
        let vendor = try Self.vendorCase.start(events: 120)
        defer { vendor.stop() }
        let logs = LogCapture()
        let stats = try await PipelineRun.expectEveryEventOnce(try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger()),
                                                               from: vendor, idPath: ["identifier"], count: 120, logs: logs)
        #expect(try await vendor.statistic("ignored_params") == 0, "\(stats)")
        var renamed = Self.vendorCase
        renamed.keys.append(("sinceParam", "action_at__gte"))
        renamed.keys.append(("beforeParam", "action_at__lt"))
        let api = try #require(try renamed.source(vendor).streams().first)
        let request = try api.request(window: PollWindow(from: Timestamp(parsing: "2026-03-01T11:00:00Z")!, to: Timestamp(parsing: "2026-03-01T12:00:00Z")!),
                                      pageToken: nil, pageSize: 500)
        #expect(request.url.hasSuffix("/api/v1/core/auditlogs/?action_at__gte=2026-03-01T11%3A00%3A00.000Z&action_at__lt=2026-03-01T12%3A00%3A00.000Z&limit=500"))
    }
}
