import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(4))) struct Microsoft365Tests {
    static let tenant = "b7e1c0de-1111-4222-8333-444455556666"
    static let secret = "m365~Secr3t.Value_0123456789abcdefXYZ"
    static let lookalikeArguments = ["--tenant", tenant, "--client-id", "11111111-aaaa-4bbb-8ccc-000000000001", "--client-secret", secret,
                                     "--denied-client", "11111111-aaaa-4bbb-8ccc-000000000002"]
    static let keys: [(key: String, value: String)] = [("tenantID", tenant), ("clientID", "11111111-aaaa-4bbb-8ccc-000000000001"),
                                                        ("clientSecret", secret), ("tokenURL", "baseURL/\(tenant)/oauth2/v2.0/token")]

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            Microsoft365Source.self, name: "microsoft-365", script: "microsoft_365.py", lookalikeArguments: lookalikeArguments,
            keys: keys, deniedKeys: keys.map { $0.key == "clientID" ? ($0.key, "11111111-aaaa-4bbb-8ccc-000000000002") : $0 },
            secrets: [secret], idPath: ["Id"], pageSize: 50,
            permissionText: "the app cannot read the activity feed", vendorRateLimitFault: "429ms", rejectedCursorFault: "badcursor", tokenExpires: true)
        vendorCase.crashEvents = 700  // five content types, twenty blobs each
        return vendorCase
    }()

    /// Runs `poller` once into `log`, failing the test on an error.
    static func runOnce(_ poller: Poller, log: TestRecordLog, logs: LogCapture, sourceLocation: SourceLocation = #_sourceLocation) async {
        let failure = await PipelineRun.once(poller, log: log, logger: logs.logger())
        #expect(failure == nil, "\(String(describing: failure))", sourceLocation: sourceLocation)
    }

    @Test func everyContentTypeIsSubscribedAndEachBlobFetchedOnceWhileOverlappingWindowsListItAgain() async throws {
        let vendor = try Self.vendorCase.start(events: 500)
        defer { vendor.stop() }
        let logs = LogCapture()
        let log = TestRecordLog()
        for minutes in [0, 5, 10] {  // later polls re-list the last two hours (the lookback)
            let poller = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(offset: .seconds(Int64(minutes * 60))), logger: logs.logger())
            await Self.runOnce(poller, log: log, logs: logs)
        }
        let delivered = await log.records(idPath: ["Id"]).compactMap(\.vendorID)
        #expect(delivered.count == 500)
        #expect(Set(delivered) == Set(try await vendor.stats().ids))
        let fetches = try await vendor.statisticCounts("blob_fetches")
        #expect(fetches.count >= 500 / 7)
        #expect(fetches.values.allSatisfy { $0 == 1 }, "a relisted blob was fetched again: \(fetches.filter { $0.value > 1 })")
        #expect(try await vendor.statistic("listing_requests") > 3 * 5)
        // Each start-up starts every subscription; the second and third find it enabled (AF20024) and go on.
        #expect(try await vendor.statisticCounts("subscription_starts") == Dictionary(uniqueKeysWithValues: Microsoft365Source.contentTypeNames.map { ($0, 3) }))
        let cursor = try #require(await log.committedCursor(source: "microsoft-365-test").flatMap { SourceCursor(decoding: $0, defaultStream: "") })
        #expect(cursor.streams.keys.sorted() == Microsoft365Source.contentTypeNames.sorted())
        #expect(try await vendor.stats().badRequests == 0)
    }

    @Test func aSubscriptionDisabledMidRunIsStartedAgainReportedAndNothingIsMissed() async throws {
        let vendor = try Self.vendorCase.start(events: 400)
        defer { vendor.stop() }
        try await vendor.inject(["ok", "ok", "ok", "disable"])
        let logs = LogCapture()
        let poller = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["Id"], count: 400, logs: logs)
        #expect(try await vendor.stats().faultsServed.contains("disable"))
        #expect(poller.metrics.snapshot().setupRestarts == 1)
        #expect(logs.lines.contains { $0.hasPrefix("warning") && $0.contains("setting it up again") && $0.contains("AF20023") }, "\(logs.lines)")
        #expect(try await vendor.statisticCounts("subscription_starts").values.reduce(0, +) == 6)
    }

    @Test func blobsThatExpiredBeforeTheyWereFetchedAreGapRecords() async throws {
        let vendor = try Self.vendorCase.start(events: 350)
        defer { vendor.stop() }
        // Two blobs listed already expired, one that expires between listing and fetching (AF20051).
        let answer = try await vendor.control("/_expire", #"{"listed": 2, "fetch": 1}"#)
        let lost = Set(try JSONDocument().parse(answer)["ids"]?.array.compactMap(\.string) ?? [])
        #expect(lost.count == 21)
        let logs = LogCapture()
        let log = TestRecordLog()
        let poller = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        await Self.runOnce(poller, log: log, logs: logs)
        let records = await log.records(idPath: ["Id"])
        let gaps = records.filter { $0.eventName == "auditrelay.gap" }
        #expect(gaps.count >= 2 && gaps.count <= 3)
        #expect(gaps.allSatisfy { $0.json.contains(#""gap.reason":"content_expired""#) }, "\(gaps.map(\.json))")
        let delivered = records.compactMap(\.vendorID)
        #expect(Set(delivered) == Set(try await vendor.stats().ids).subtracting(lost))
        #expect(delivered.duplicates.isEmpty)
        #expect(poller.metrics.snapshot().gaps == gaps.count)
        // Expired blobs are asked for once at most, never retried in a loop.
        let fetches = try await vendor.statisticCounts("blob_fetches")
        #expect(fetches.values.allSatisfy { $0 == 1 })
    }

    @Test func aHugeExchangeBacklogDoesNotHoldTheOtherContentTypesBack() async throws {
        let vendor = try Lookalike("microsoft_365.py", Self.lookalikeArguments + ["--events", "3000", "--span", "7200", "--heavy", "Audit.Exchange"])
        defer { vendor.stop() }
        let poller = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock())
        var cursor: String?
        var exchangeStillPaging = false
        for _ in 0..<400 {
            guard let page = try await poller.nextPage(after: cursor) else { break }
            cursor = page.cursor ?? cursor
            let state = try #require(cursor.flatMap { SourceCursor(decoding: $0, defaultStream: "") })
            let others = state.streams.filter { $0.key != "Audit.Exchange" }
            if others.count == 4, others.values.allSatisfy({ $0.window == nil && $0.lastSuccess != nil }) {
                exchangeStillPaging = state.streams["Audit.Exchange"]?.window != nil
                break
            }
        }
        // Every other content type finished its window while Exchange was still paging through its backlog.
        #expect(exchangeStillPaging)
    }

    @Test func aCertificateCredentialSignsAnAssertionWithTheThumbprintEntraMatches() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("m365-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem",
                          "-subj", "/CN=auditrelay-test", "-days", "2"])
        try Self.openssl(["x509", "-in", "\(directory)/cert.pem", "-pubkey", "-noout", "-out", "\(directory)/pub.pem"])
        // The thumbprint as openssl computes it (hex SHA-1 of the DER), base64url, for the look-alike to insist on.
        let fingerprint = try Self.openssl(["x509", "-in", "\(directory)/cert.pem", "-noout", "-fingerprint", "-sha1"])
        let hex = fingerprint.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let bytes = stride(from: 0, to: hex.count, by: 2).compactMap { UInt8(hex.dropFirst($0).prefix(2), radix: 16) }
        #expect(bytes.count == 20)
        let x5t = Base64URL.encode(bytes)

        let vendor = try Lookalike("microsoft_365.py", Self.lookalikeArguments + ["--public-key-pem", "\(directory)/pub.pem", "--x5t=\(x5t)",
                                                                                 "--events", "120", "--span", "7200"])
        defer { vendor.stop() }
        var certificate = Self.vendorCase
        certificate.keys = Self.keys.filter { $0.key != "clientSecret" } + [("certificate", try String(contentsOfFile: "\(directory)/cert.pem", encoding: .utf8)),
                                                                          ("privateKey", try String(contentsOfFile: "\(directory)/key.pem", encoding: .utf8))]
        try await vendor.inject(["ok", "expire"])
        let logs = LogCapture()
        let poller = try certificate.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        try await PipelineRun.expectEveryEventOnce(poller, from: vendor, idPath: ["Id"], count: 120, logs: logs)
        #expect(try await vendor.stats().tokenRequests == 2)  // the first token and one after the expiry
        #expect(!logs.text.contains("PRIVATE KEY"))
    }

    @Test func configChecksTheCredentialChoiceContentTypesAndCloud() {
        let base: [(String, ConfigValue)] = [("id", .scalar("m")), ("tenantID", .scalar(Self.tenant)), ("clientID", .scalar("c"))]
        let cases: [([(String, ConfigValue)], String)] = [
            ([], "clientSecret: set either clientSecret (the app's client secret) or certificate and privateKey (a certificate uploaded to the app)"),
            ([("clientSecret", .scalar("s")), ("privateKey", .scalar("k"))], "clientSecret: set either clientSecret (the app's client secret) or certificate and privateKey (a certificate uploaded to the app), not both"),
            ([("certificate", .scalar("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----")), ("privateKey", .scalar("nope-5ecr3t"))],
             "privateKey: is not a PEM RSA private key"),
            ([("clientSecret", .scalar("s")), ("contentTypes", .list([.scalar("Audit.Teams")]))], "\"Audit.Teams\" is not a content type"),
            ([("clientSecret", .scalar("s")), ("cloud", .scalar("china"))], "cloud"),
        ]
        for (keys, expected) in cases {
            let diagnostics = ConfigDiagnostics()
            _ = Microsoft365Source(ConfigSection(path: "sources[0]", value: .map(base + keys), diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
            let problems = diagnostics.problems.map(\.description).joined(separator: "\n")
            #expect(problems.contains(expected), "\(problems)")
            #expect(!problems.contains("5ecr3t"))
        }
        let diagnostics = ConfigDiagnostics()
        let gccHigh = Microsoft365Source(ConfigSection(path: "sources[0]", value: .map(base + [("clientSecret", .scalar("s")), ("cloud", .scalar("gcc-high"))]),
                                                       diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
        #expect(diagnostics.problems.isEmpty)
        #expect(gccHigh.settings.baseURL == "https://manage.office365.us")
        #expect(gccHigh.tokenURL == "https://login.microsoftonline.us/\(Self.tenant)/oauth2/v2.0/token")
        #expect(gccHigh.scope == "https://manage.office365.us/.default")
    }

    @discardableResult
    static func openssl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LookalikeError(message: "openssl \(arguments.first ?? "") failed") }
        return String(decoding: data, as: UTF8.self)
    }
}
