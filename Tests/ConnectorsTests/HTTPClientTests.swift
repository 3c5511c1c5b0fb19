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

/// TLS against a look-alike serving a throwaway self-signed certificate (made with the openssl CLI).
@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    static func makeCertificate() throws -> (directory: String, cert: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditrelay-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                             "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LookalikeError(message: "openssl could not make a certificate") }
        return (directory, "\(directory)/cert.pem", "\(directory)/key.pem")
    }

    @Test func verificationIsOnAndACABundleMakesAPrivateCATrusted() async throws {
        let tls = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let vendor = try Lookalike("kandji.py", ["--token", KandjiTests.token, "--events", "450", "--span", "7200", "--tls", tls.cert, tls.key])
        defer { vendor.stop() }
        let httpsURL = "https://127.0.0.1:\(vendor.port)"

        // The system bundle does not trust the self-signed certificate: refused, not ignored.
        do {
            _ = try await HTTPClient().send(HTTPRequest(url: "\(httpsURL)/_stats"))
            Issue.record("an untrusted certificate was accepted")
        } catch let error as PollError {
            #expect("\(error)".contains("curl error 60"), "\(error)")
        }

        var configuration = KandjiTests.configuration(vendor)
        configuration.settings.baseURL = httpsURL
        configuration.settings.http.caBundle = tls.cert
        let log = TestRecordLog()
        let logs = LogCapture()
        #expect(await PipelineRun.once(configuration.makePoller(clock: InstantSleepClock(), logger: logs.logger()), log: log, logger: logs.logger()) == nil)
        #expect(await log.records(idPath: ["id"]).count == 450)
    }
}
