import Foundation
import GeoIP
import Testing

/// Locates MaxMind's conformance data, downloaded by `scripts/fetch-mmdb-test-data.sh` into
/// `<repo>/.cache/mmdb-test-data` (never committed). The repo root is found from this file's real
/// path, so tests also work from a dev package that symlinks `Tests/GeoIPTests`.
enum TestData {
    struct Missing: Error, CustomStringConvertible {
        let directory: String
        var description: String {
            "MaxMind DB test data not found in \(directory): run scripts/fetch-mmdb-test-data.sh first"
        }
    }

    static let root: String = {
        let thisFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        return thisFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".cache/mmdb-test-data").path
    }()

    /// The data directory, or a recorded failure naming the script that fetches it.
    static func directory() throws -> String {
        guard FileManager.default.fileExists(atPath: root + "/test-data/MaxMind-DB-test-decoder.mmdb") else {
            throw Missing(directory: root)
        }
        return root
    }

    static func testDatabase(_ name: String) throws -> String {
        try directory() + "/test-data/" + name
    }

    static func open(_ name: String) throws -> MMDBReader {
        try MMDBReader(path: testDatabase(name))
    }

    /// Every well-formed database in test-data (the broken and DoS fixtures excluded).
    static func goodDatabaseNames() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory() + "/test-data")
        return names.filter { $0.hasSuffix(".mmdb") && !hostileOrBroken.contains($0) }.sorted()
    }

    static let hostileOrBroken: Set<String> = [
        "GeoIP2-City-Test-Broken-Double-Format.mmdb",
        "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "MaxMind-DB-test-broken-pointers-24.mmdb",
        "MaxMind-DB-test-broken-search-tree-24.mmdb",
        "MaxMind-DB-test-pointer-decoder-dos.mmdb",
        "MaxMind-DB-test-pointer-decoder-dos-ipv6.mmdb",
        "MaxMind-DB-test-payload-amplification-dos.mmdb",
        "MaxMind-DB-test-payload-amplification-dos-string.mmdb",
        "MaxMind-DB-test-payload-amplification-dos-worst-case.mmdb",
        "MaxMind-DB-test-decoder-value-limit-over.mmdb",
        "MaxMind-DB-test-decoder-payload-limit-over.mmdb",
        "MaxMind-DB-test-metadata-payload-limit.mmdb",
        "MaxMind-DB-test-decode-path-shared-budget.mmdb",
    ]
}

/// A deterministic generator so that randomized tests are reproducible (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
