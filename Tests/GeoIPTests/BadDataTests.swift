import Foundation
import GeoIP
import Testing

/// MaxMind's hostile and broken files: each gives a clear error (at open, on lookup/decode, or from
/// verify), never a crash, a hang or an unbounded allocation.
@Suite struct BadDataTests {
    static func badDataFiles() throws -> [String] {
        let root = try TestData.directory() + "/bad-data"
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if name.hasSuffix(".mmdb") { files.append(root + "/" + name) }
        }
        return files.sorted()
    }

    /// Files in bad-data that are valid: they broke readers that mishandled valid edge cases (the
    /// README and MaxMind's generator say so).
    static let validBadData: Set<String> = [
        "libmaxminddb-uint64-max-epoch.mmdb",
        "libmaxminddb-empty-array-last-in-metadata.mmdb",
        "libmaxminddb-empty-map-last-in-metadata.mmdb",
    ]

    @Test func everyBadDataFileIsRejectedWithAClearError() throws {
        let files = try Self.badDataFiles()
        #expect(files.count >= 21)
        for file in files {
            let name = (file as NSString).lastPathComponent
            let outcome = exercise(path: file)
            if Self.validBadData.contains(name) {
                #expect(outcome.firstError == nil, "\(name): \(outcome.firstError ?? "")")
                continue
            }
            guard let error = outcome.firstError else {
                Issue.record("\(name) was accepted")
                continue
            }
            #expect(error.hasPrefix("GeoIP database \(file) "), "\(name): \(error)")
            print("bad-data \(name): \(error)")
        }
    }

    @Test func uint64MaxBuildEpochIsKept() throws {
        let file = try Self.badDataFiles().first { $0.hasSuffix("libmaxminddb-uint64-max-epoch.mmdb") }
        let reader = try MMDBReader(path: try #require(file))
        #expect(reader.metadata.buildEpoch == .max)
    }

    @Test func brokenDoubleFormatFailsTheLookupNotTheProcess() throws {
        let reader = try TestData.open("GeoIP2-City-Test-Broken-Double-Format.mmdb")
        let result = try reader.lookup("2001:220::")
        let error = try #require(throws: MMDBError.self) { try reader.decode(in: result) }
        #expect(error.kind == .corrupt)
        #expect(error.description.contains("invalid size 2 for its data type at offset"))
        #expect(throws: MMDBError.self) { try reader.verify() }
    }

    @Test func invalidNodeCountIsRejectedAtOpen() throws {
        let path = try TestData.testDatabase("GeoIP2-City-Test-Invalid-Node-Count.mmdb")
        let error = try #require(throws: MMDBError.self) { try MMDBReader(path: path) }
        #expect(error.kind == .invalidMetadata)
        #expect(error.description.contains("extends past the end of the file"))
    }

    @Test func brokenPointersAndSearchTree() throws {
        let pointers = try TestData.open("MaxMind-DB-test-broken-pointers-24.mmdb")
        #expect(throws: MMDBError.self) { try pointers.verify() }
        let error = try #require(throws: MMDBError.self) { try pointers.decode(in: pointers.lookup("1.1.1.32")) }
        #expect(error.description.contains("points outside the data section at offset"))
        let tree = try TestData.open("MaxMind-DB-test-broken-search-tree-24.mmdb")
        #expect(throws: MMDBError.self) { try tree.verify() }
    }

    struct LimitCase: Sendable, CustomStringConvertible {
        let file: String
        let ip: String
        let accepted: Bool
        var description: String { file }
    }

    /// The spec's resource-limit fixtures with the expected result for the default limits
    /// (depth 512, 65,536 values, 2 MiB of strings and bytes per decode).
    static let limitCases: [LimitCase] = [
        LimitCase(file: "MaxMind-DB-test-pointer-decoder-dos.mmdb", ip: "0.0.0.1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-pointer-decoder-dos-ipv6.mmdb", ip: "2001:db8::1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-payload-amplification-dos.mmdb", ip: "0.0.0.1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-payload-amplification-dos-string.mmdb", ip: "0.0.0.1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-payload-amplification-dos-worst-case.mmdb", ip: "0.0.0.1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-decoder-value-limit.mmdb", ip: "0.0.0.1", accepted: true),
        LimitCase(file: "MaxMind-DB-test-decoder-value-limit-over.mmdb", ip: "0.0.0.1", accepted: false),
        LimitCase(file: "MaxMind-DB-test-decoder-value-limit-pointer-heavy.mmdb", ip: "0.0.0.1", accepted: true),
        LimitCase(file: "MaxMind-DB-test-decoder-payload-limit.mmdb", ip: "0.0.0.1", accepted: true),
        LimitCase(file: "MaxMind-DB-test-decoder-payload-limit-over.mmdb", ip: "0.0.0.1", accepted: false),
    ]

    @Test(arguments: limitCases)
    func resourceLimits(_ testCase: LimitCase) throws {
        let reader = try TestData.open(testCase.file)
        let result = try reader.lookup(testCase.ip)
        #expect(result.found)
        if testCase.accepted {
            let value = try reader.decode(in: result)
            guard case .array? = value else {
                Issue.record("expected an array from \(testCase.file)")
                return
            }
        } else {
            let error = try #require(throws: MMDBError.self) { try reader.decode(in: result) }
            #expect(error.kind == .resourceLimit, "\(error)")
        }
    }

    @Test func metadataOverThePayloadLimitIsRejectedAtOpen() throws {
        let path = try TestData.testDatabase("MaxMind-DB-test-metadata-payload-limit.mmdb")
        let error = try #require(throws: MMDBError.self) { try MMDBReader(path: path) }
        #expect(error.description.contains("more than 2097152 bytes"))
    }

    @Test func pathReadsOnHostileRecordsStayBounded() throws {
        // Path reads never expand pointer targets they do not select, so they stay cheap here.
        for file in ["MaxMind-DB-test-decode-path-shared-budget.mmdb", "MaxMind-DB-test-pointer-decoder-dos.mmdb",
                     "MaxMind-DB-test-payload-amplification-dos-worst-case.mmdb"] {
            let reader = try TestData.open(file)
            let result = try reader.lookup("0.0.0.1")
            _ = try? reader.string(at: ["a", "b", "c"], in: result)
            _ = try? reader.uint(at: [0, 0, 0, 0, 0, 0, 0, 0], in: result)
            _ = try? reader.decode(at: [0], in: result)
            _ = try? reader.verify()
        }
    }

    @Test func deepNestingStopsAtTheDepthLimit() throws {
        let file = try #require(try Self.badDataFiles().first { $0.hasSuffix("libmaxminddb-deep-nesting.mmdb") })
        let outcome = exercise(path: file)
        #expect(outcome.firstError?.contains("nested deeper than") == true, "\(outcome.firstError ?? "accepted")")
    }
}

struct ExerciseOutcome {
    var firstError: String?
}

/// Opens a database and runs everything a caller can do with it; returns the first error message.
func exercise(path: String) -> ExerciseOutcome {
    var outcome = ExerciseOutcome()
    func note(_ error: MMDBError) {
        if outcome.firstError == nil { outcome.firstError = error.description }
    }
    let reader: MMDBReader
    do { reader = try MMDBReader(path: path) } catch {
        note(error)
        return outcome
    }
    exercise(reader: reader, note: note)
    return outcome
}

/// Lookups, path reads and full decodes of a spread of addresses, then `verify()`.
func exercise(reader: MMDBReader, note: (MMDBError) -> Void, seed: UInt64 = 1) {
    var generator = SeededGenerator(seed: seed)
    var addresses = ["1.1.1.1", "0.0.0.1", "81.2.69.160", "2001:220::", "::1.1.1.0", "::ffff:1.2.3.4",
                     "163.254.149.39", "255.255.255.255", "2001:db8::1"].compactMap(IPAddressBytes.init)
    for _ in 0 ..< 4 {
        addresses.append(IPAddressBytes(ipv4: UInt32(truncatingIfNeeded: generator.next())))
        addresses.append(IPAddressBytes(ipv6High: generator.next(), low: generator.next()))
    }
    let paths: [MMDBPath] = [["city", "names", "en"], ["location", "latitude"], ["autonomous_system_number"],
                             ["subdivisions", 0, "iso_code"], ["ip"], [0, 1]]
    for address in addresses {
        do {
            let result = try reader.lookup(address)
            for path in paths {
                _ = try reader.string(at: path, in: result)
                _ = try reader.double(at: path, in: result)
                _ = try reader.uint(at: path, in: result)
            }
            _ = try reader.decode(in: result)
        } catch {
            if error.kind != .invalidAddress { note(error) }
        }
    }
    var results: [LookupResult] = []
    let sameFamily = reader.metadata.ipVersion == 6 ? addresses : addresses.filter(\.isIPv4)
    do { try reader.lookup(sameFamily, into: &results) } catch { note(error) }
    do { try reader.verify() } catch { note(error) }
}
