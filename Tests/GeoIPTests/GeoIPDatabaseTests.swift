import Foundation
import GeoIP
import Synchronization
import Testing

/// Hot reload while lookups run: the file is replaced by rename and overwritten in place (truncate,
/// partial write, rest of the write); lookups never fail or crash and switch to the new data.
@Suite struct GeoIPDatabaseTests {
    /// Two databases with different records for 1.1.1.1.
    static let first = "MaxMind-DB-test-ipv4-24.mmdb" // {"ip": "1.1.1.1"}, database_type "Test"
    static let second = "MaxMind-DB-test-decoder.mmdb" // the decoder record, "MaxMind DB Decoder Test"

    final class LookupLoop: Sendable {
        let stop = Atomic<Bool>(false)
        let lookups = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let sawSecond = Atomic<Bool>(false)

        var failureCount: Int { failures.load(ordering: .relaxed) }
        var lookupCount: Int { lookups.load(ordering: .relaxed) }
        var switchedToSecond: Bool { sawSecond.load(ordering: .relaxed) }

        /// Looks up 1.1.1.1 continuously on whatever reader is current.
        func run(_ database: GeoIPDatabase) async {
            while !stop.load(ordering: .relaxed) {
                for _ in 0 ..< 100 {
                    let reader = database.reader
                    do {
                        let result = try reader.lookup("1.1.1.1")
                        let ip = try reader.string(at: ["ip"], in: result)
                        let text = try reader.string(at: ["utf8_string"], in: result)
                        let valid = reader.metadata.databaseType == "Test"
                            ? ip == "1.1.1.1" : text == "unicode! ☯ - ♫"
                        if !valid { failures.add(1, ordering: .relaxed) }
                        if reader.metadata.databaseType != "Test" { sawSecond.store(true, ordering: .relaxed) }
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                    lookups.add(1, ordering: .relaxed)
                }
                await Task.yield()
            }
        }
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geoip-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func renameReplacementSwitchesToTheNewFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.mmdb").path
        try FileManager.default.copyItem(atPath: TestData.testDatabase(Self.first), toPath: path)
        let database = try GeoIPDatabase(path: path, verifyOnLoad: true)
        #expect(database.refreshIfChanged() == .unchanged)

        let loop = LookupLoop()
        let lookups = Task.detached { await loop.run(database) }
        try await waitForLookups(loop, atLeast: 1_000)

        let before = database.reader
        let staging = directory.appendingPathComponent("db.mmdb.tmp").path
        try FileManager.default.copyItem(atPath: TestData.testDatabase(Self.second), toPath: staging)
        #expect(rename(staging, path) == 0)
        guard case let .reloaded(metadata) = database.refreshIfChanged() else {
            Issue.record("the renamed file was not loaded")
            return
        }
        #expect(metadata.databaseType == "MaxMind DB Decoder Test")
        // A reader taken before the swap (a batch in flight) still serves the old data.
        #expect(try before.string(at: ["ip"], in: before.lookup("1.1.1.1")) == "1.1.1.1")
        #expect(database.reader !== before)
        try await waitForLookups(loop, atLeast: loop.lookupCount + 1_000)
        loop.stop.store(true, ordering: .relaxed)
        await lookups.value

        #expect(loop.failureCount == 0)
        #expect(loop.switchedToSecond)
        #expect(database.statistics.successfulReloads == 1)
        #expect(database.statistics.failedReloads == 0)
    }

    @Test func inPlaceOverwriteNeverCrashesAndKeepsServingUntilTheFileIsWhole() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.mmdb").path
        try FileManager.default.copyItem(atPath: TestData.testDatabase(Self.first), toPath: path)
        let database = try GeoIPDatabase(path: path)
        // A reader mapped from the same file would be hit by the truncation below; the database's
        // own copy must not be.
        let loop = LookupLoop()
        let lookups = Task.detached { await loop.run(database) }
        try await waitForLookups(loop, atLeast: 1_000)

        let replacement = try [UInt8](contentsOf: TestData.testDatabase(Self.second))
        let descriptor = open(path, O_WRONLY | O_TRUNC)
        #expect(descriptor >= 0)
        // Half written: the file has no metadata yet, so the reload fails and the old data serves.
        let half = replacement.count / 2
        #expect(replacement.withUnsafeBytes { write(descriptor, $0.baseAddress, half) } == half)
        let partial = database.refreshIfChanged()
        guard case let .failed(error) = partial else {
            Issue.record("a half-written file was accepted: \(partial)")
            close(descriptor)
            return
        }
        #expect(error.kind == .invalidMetadata)
        #expect(database.refreshIfChanged() == .unchanged) // the same broken file is not retried
        try await waitForLookups(loop, atLeast: loop.lookupCount + 1_000)
        #expect(database.reader.metadata.databaseType == "Test")

        let rest = replacement.count - half
        #expect(replacement.withUnsafeBytes { write(descriptor, $0.baseAddress! + half, rest) } == rest)
        close(descriptor)
        // Some file systems keep the mtime of the partial write if both land in one clock tick;
        // the size changed, so the signature differs either way.
        guard case .reloaded = database.refreshIfChanged() else {
            Issue.record("the completed file was not loaded")
            return
        }
        try await waitForLookups(loop, atLeast: loop.lookupCount + 1_000)
        loop.stop.store(true, ordering: .relaxed)
        await lookups.value

        #expect(loop.failureCount == 0)
        #expect(loop.switchedToSecond)
        #expect(database.statistics.failedReloads == 1)
        #expect(database.statistics.successfulReloads == 1)
        #expect(database.statistics.lastError?.kind == .invalidMetadata)
    }

    @Test func continuousInPlaceRewritesUnderConcurrentRefreshes() async throws {
        // A writer rewrites the file in place in small chunks, again and again, while a refresher
        // polls and a reader looks up: every reload either fails cleanly or yields a whole database.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.mmdb").path
        try FileManager.default.copyItem(atPath: TestData.testDatabase(Self.first), toPath: path)
        let database = try GeoIPDatabase(path: path)
        let versions = try [Self.first, Self.second].map { try [UInt8](contentsOf: TestData.testDatabase($0)) }

        let loop = LookupLoop()
        let lookups = Task.detached { await loop.run(database) }
        let refresher = Task.detached {
            while !loop.stop.load(ordering: .relaxed) {
                database.refreshIfChanged()
                await Task.yield()
            }
        }
        for round in 0 ..< 40 {
            let bytes = versions[(round + 1) % 2]
            let descriptor = open(path, O_WRONLY | O_TRUNC)
            var offset = 0
            while offset < bytes.count {
                let chunk = min(257, bytes.count - offset)
                _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, chunk) }
                offset += chunk
            }
            close(descriptor)
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        loop.stop.store(true, ordering: .relaxed)
        await lookups.value
        await refresher.value
        // The last round wrote the first database; a final refresh settles on it.
        database.refreshIfChanged()
        #expect(database.reader.metadata.databaseType == "Test")
        #expect(loop.failureCount == 0)
        #expect(database.statistics.successfulReloads >= 1)
    }

    @Test func aBadInitialFileIsAnErrorAndAWrongTypeIsRejected() throws {
        #expect(throws: MMDBError.self) { try GeoIPDatabase(path: "/nonexistent/geo.mmdb") }
        let error = try #require(throws: MMDBError.self) {
            try GeoIPDatabase(path: TestData.testDatabase(Self.first), expectedDatabaseType: "City")
        }
        #expect(error.description.contains("database type 'Test' is not the expected 'City'"))
    }

    private func waitForLookups(_ loop: LookupLoop, atLeast count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)  // generous: the suite shares 2 cores
        while loop.lookups.load(ordering: .relaxed) < count {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
