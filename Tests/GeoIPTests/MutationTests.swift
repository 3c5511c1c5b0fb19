import Glibc
import GeoIP
import Testing

/// A seeded, bounded fuzz test: mutated copies of MaxMind's test databases are opened, looked up,
/// decoded and verified. Any crash, trap or hang fails the test run; every failure must come back
/// as an `MMDBError`. (Run with `GEOIP_MUTATIONS=N` for a longer run.)
@Suite struct MutationTests {
    static let defaultIterations = 20_000

    @Test func mutatedDatabasesNeverCrashOrHang() throws {
        let names = try TestData.goodDatabaseNames().filter { !$0.contains("limit") && !$0.contains("dos") }
        let originals = try names.map { try [UInt8](contentsOf: TestData.testDatabase($0)) }
        let iterations = Int(ProcessInfoLite.environment("GEOIP_MUTATIONS") ?? "") ?? Self.defaultIterations
        var generator = SeededGenerator(seed: 0x6D6D_6462)
        var opened = 0
        var rejectedAtOpen = 0
        var failedLater = 0
        for iteration in 0 ..< iterations {
            var bytes = originals[iteration % originals.count]
            let mutationCount = Int.random(in: 1 ... 4, using: &generator)
            for _ in 0 ..< mutationCount {
                mutate(&bytes, using: &generator)
            }
            let reader: MMDBReader
            do {
                reader = try MMDBReader(bytes: bytes, name: "mutation-\(iteration).mmdb")
            } catch {
                rejectedAtOpen += 1
                #expect(error.description.hasPrefix("GeoIP database mutation-\(iteration).mmdb "))
                continue
            }
            opened += 1
            var sawError = false
            exercise(reader: reader, note: { _ in sawError = true }, seed: UInt64(iteration))
            if sawError { failedLater += 1 }
        }
        print("mutations: \(iterations), opened \(opened), rejected at open \(rejectedAtOpen), errors after open \(failedLater)")
        // Both paths must really be exercised, or the test proves nothing.
        #expect(opened > iterations / 4)
        #expect(rejectedAtOpen > iterations / 50)
        #expect(failedLater > iterations / 50)
    }

    private func mutate(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        // Most structure (data, metadata) sits at the end of the file; bias half the edits there.
        func position() -> Int {
            if Bool.random(using: &generator) {
                let tail = max(1, bytes.count / 3)
                return bytes.count - 1 - Int.random(in: 0 ..< tail, using: &generator)
            }
            return Int.random(in: 0 ..< bytes.count, using: &generator)
        }
        switch Int.random(in: 0 ..< 6, using: &generator) {
        case 0:
            let index = position()
            bytes[index] ^= UInt8(1) << UInt8.random(in: 0 ..< 8, using: &generator)
        case 1:
            bytes[position()] = UInt8.random(in: 0 ... 255, using: &generator)
        case 2:
            let start = position()
            let length = min(Int.random(in: 1 ... 16, using: &generator), bytes.count - start)
            let fill: UInt8 = [0x00, 0xFF, 0xE0, 0x1F][Int.random(in: 0 ..< 4, using: &generator)]
            for index in start ..< start + length { bytes[index] = fill }
        case 3:
            bytes.removeLast(Int.random(in: 1 ... min(64, bytes.count), using: &generator))
        case 4:
            let start = position()
            let length = min(Int.random(in: 1 ... 32, using: &generator), bytes.count - start)
            bytes.insert(contentsOf: bytes[start ..< start + length], at: position())
        default:
            // Large values in size/pointer positions: a control byte with maximal size or pointer.
            bytes[position()] = [0x3F, 0x38, 0x5F, 0xFF, 0xDF, 0x1D][Int.random(in: 0 ..< 6, using: &generator)]
        }
    }
}

/// `getenv` without Foundation's ProcessInfo overhead.
enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: strlen(value)), as: UTF8.self)
    }
}
