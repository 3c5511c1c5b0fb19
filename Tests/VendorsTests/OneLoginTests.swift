import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct OneLoginTests {
    static let clientID = "ol-client-7f2a9c"
    static let clientSecret = "ol-secret-9d1c4e8b77"
    static let deniedClient = "ol-denied-3b51"

    static let vendorCase = VendorCase.of(
        OneLoginSource.self, name: "onelogin", script: "onelogin.py",
        lookalikeArguments: ["--client-id", clientID, "--client-secret", clientSecret, "--denied-client", deniedClient],
        keys: [("clientID", clientID), ("clientSecret", clientSecret)], deniedKeys: [("clientID", deniedClient), ("clientSecret", clientSecret)],
        secrets: [clientSecret], idPath: ["id"], pageSize: 50,
        permissionText: "the API credential cannot read events", vendorRateLimitFault: "429v", rejectedCursorFault: "badcursor", tokenExpires: true)

    @Test func eventTypeNamesOurCatalogueLacksComeFromTheTypesEndpointOnce() async throws {
        let vendor = try Self.vendorCase.start(events: 400)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        #expect(try await vendor.statistic("types_requests") == 1)  // not once per page
        let names = Set(await log.records(idPath: ["id"]).map(\.eventName))
        #expect(!names.isEmpty)
        #expect(names.allSatisfy { Int($0) == nil }, "\(names)")  // every type has a name, none is a bare number
    }

    @Test func aTokenExpiringMidWindowIsRenewedAndTheWindowGoesOn() async throws {
        let vendor = try Lookalike("onelogin.py", ["--client-id", Self.clientID, "--client-secret", Self.clientSecret,
                                                   "--token-lifetime", "5", "--events", "800", "--span", "7200", "--page-delay", "0.8"])
        defer { vendor.stop() }
        let logs = LogCapture()
        // A real clock: OneLogin hands back the same token until it has expired, and the poller
        // waits that out after a 401.
        let poller = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: SystemPollClock(), logger: logs.logger())
        let stats = try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["id"], count: 800, logs: logs)
        #expect(stats.tokenRequests >= 2, "\(stats)")
        #expect(!logs.text.contains(Self.clientSecret))
    }
}
