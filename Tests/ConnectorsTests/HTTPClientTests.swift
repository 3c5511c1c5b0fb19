import Connectors
import Foundation
import Polling
import RelayCore
import Testing

/// The curl-based client against a real local server: proxying, compression, connection reuse,
/// size limits and cancellation.
@Suite(.timeLimit(.minutes(1))) struct HTTPClientTests {
    @Test func aPerSourceProxyCarriesEveryRequestAndCompressedPagesOverReusedConnections() async throws {
        let vendor = try KandjiTests.start(events: 900)
        defer { vendor.stop() }
        // The tenant host does not resolve: only the proxy (the look-alike itself) can reach it.
        var configuration = KandjiTests.configuration(vendor, pageSize: 100)
        configuration.settings.baseURL = "http://acme.api.kandji.invalid"
        configuration.settings.http.proxy = vendor.baseURL
        let log = TestRecordLog()
        let logs = LogCapture()
        #expect(await PipelineRun.once(configuration.makePoller(clock: InstantSleepClock(), logger: logs.logger()), log: log, logger: logs.logger()) == nil)
        let stats = try await vendor.stats()
        #expect(await log.records(idPath: ["id"]).count == 900)
        #expect(stats.proxiedRequests == stats.dataRequests)
        #expect(stats.dataRequests == 9)
        #expect(stats.gzippedResponses == 9)
        // Kept alive and reused (the count includes this test's own control and stats requests).
        #expect(stats.connections <= 3, "\(stats.connections) connections for \(stats.dataRequests) requests")
    }

    @Test func aResponseOverTheLimitFailsInsteadOfGrowingMemory() async throws {
        let vendor = try KandjiTests.start(events: 50)
        defer { vendor.stop() }
        var options = HTTPOptions()
        options.maxResponseBytes = 100
        do {
            _ = try await HTTPClient(options: options).send(HTTPRequest(url: "\(vendor.baseURL)/_stats", headers: [("Accept-Encoding", "identity")]))
            Issue.record("expected responseTooLarge")
        } catch let error as PollError {
            #expect(error.reason == "too_large")
            #expect(!error.isRetryable)
        }
    }

    @Test func cancellingTheTaskAbortsTheTransferPromptly() async throws {
        let vendor = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "1"], environment: ["LOOKALIKE_TIMEOUT_SLEEP": "20"])
        defer { vendor.stop() }
        try await vendor.inject(["timeout"])
        let url = "\(vendor.baseURL)/api/v1/audit/events?limit=1&sort_by=occurred_at&start_date=2026-01-01T00:00:00Z&end_date=2026-01-02T00:00:00Z"
        let request = HTTPRequest(url: url, headers: [("Authorization", "Bearer \(KandjiTests.token)")])
        let task = Task { try await HTTPClient().send(request) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(ContinuousClock.now - started < .seconds(2))
        // The loop thread is still serving other requests.
        let stats = try await vendor.stats()
        #expect(stats.dataRequests == 1)
    }

    @Test func connectionErrorsAreRetryableTransportErrorsWithARedactedURL() async throws {
        // Port 9 (discard) on loopback is closed: connection refused, at once.
        do {
            _ = try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:9/x?access_token=abc123"))
            Issue.record("expected a transport error")
        } catch let error as PollError {
            #expect(error.isRetryable)
            #expect(error.reason == "network")
            #expect("\(error)".contains("access_token=<redacted>"))
            #expect(!"\(error)".contains("abc123"))
        }
    }
}
