import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct BoxTests {
    static let clientID = "box-client-1d9c"
    static let clientSecret = "box-secret-72e0b4"

    static let vendorCase = VendorCase.of(
        BoxSource.self, name: "box", script: "box.py",
        lookalikeArguments: ["--client-id", clientID, "--client-secret", clientSecret, "--enterprise-id", "424242", "--denied-client", "box-denied-5"],
        keys: [("clientID", clientID), ("clientSecret", clientSecret), ("enterpriseID", "424242"), ("tokenURL", "baseURL/oauth2/token")],
        deniedKeys: [("clientID", "box-denied-5"), ("clientSecret", clientSecret), ("enterpriseID", "424242"), ("tokenURL", "baseURL/oauth2/token")],
        secrets: [clientSecret], idPath: ["event_id"], pageSize: 200,
        permissionText: "the app cannot read enterprise events", vendorRateLimitFault: "429box", rejectedCursorFault: "badcursor", tokenExpires: true)

    @Test func theStreamingFeedKeepsPositionsBeyondTwoToThe53ExactAndDropsItsRepeats() async throws {
        let vendor = try Self.vendorCase.start(events: 1200)
        defer { vendor.stop() }
        var streaming = Self.vendorCase
        streaming.keys.append(("streamType", "admin_logs_streaming"))
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try streaming.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let delivered = await log.records(idPath: ["event_id"]).compactMap(\.vendorID)
        #expect(delivered.count == 1200)
        #expect(delivered.duplicates.isEmpty)
        #expect(try await vendor.statistic("duplicates_sent") > 0)  // Box repeated some; the dedupe window dropped them
        #expect(try await vendor.stats().badRequests == 0)  // no position was ever mangled
        let committed = try #require(await log.committedCursor(source: "box-test"))
        let position = try #require(SourceCursor(decoding: committed, defaultStream: "admin_logs_streaming")?.streams["admin_logs_streaming"]?.position)
        #expect(UInt64(position).map { $0 > 1 << 53 } == true, "\(position)")
    }
}
