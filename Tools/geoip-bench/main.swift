// GeoIP reader benchmark: the same addresses and fields as Benchmarks/GeoIP/mmdb_c_bench.c
// (libmaxminddb), so scripts/bench-geoip.sh can compare the two in one run.
//
//   geoip-bench DB.mmdb ADDRESSES.bin [ROUNDS]
//
// Per lookup: lookup, then country.iso_code, city.names.en, location.latitude, location.longitude,
// autonomous_system_number, autonomous_system_organization. Strings are read in place (length and
// first byte go into the checksum, like the C program). Passes, each the best of ROUNDS:
//   swift-geoip           per-field accessors (the direct counterpart of MMDB_aget_value)
//   swift-geoip-strings   the same, creating Swift Strings as an enricher writing records would
//   swift-geoip-batch     64-address batch lookups + one MMDBFieldSet read per record
//   swift-geoip-fieldset  single lookups + one MMDBFieldSet read per record
//   swift-geoip-copied    per-field accessors on a private copy (how GeoIPDatabase loads files)
// No cache anywhere. Every pass must produce the same checksum. Also prints verify() time and the
// mapped reader's memory: RSS growth over the process before opening, minus the file size.
import Glibc
import GeoIP

struct Paths {
    static let country: MMDBPath = ["country", "iso_code"]
    static let city: MMDBPath = ["city", "names", "en"]
    static let latitude: MMDBPath = ["location", "latitude"]
    static let longitude: MMDBPath = ["location", "longitude"]
    static let asn: MMDBPath = ["autonomous_system_number"]
    static let organization: MMDBPath = ["autonomous_system_organization"]
    static let all = MMDBFieldSet([country, city, latitude, longitude, asn, organization])
}

/// Writes a message to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func fail(_ message: String) -> Never {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) // CPU time, as in the C program
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Resident set size in bytes, from /proc/self/statm.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    guard withUnsafeMutablePointer(to: &size, { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The AnonHugePages line of /proc/self/smaps_rollup (huge pages backing private copies).
func anonymousHugePages() -> String {
    guard let file = fopen("/proc/self/smaps_rollup", "r") else { return "unknown" }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("AnonHugePages:") {
            return text.dropFirst("AnonHugePages:".count).split(whereSeparator: { $0 == " " || $0 == "\n" })
                .joined(separator: " ")
        }
    }
    return "unknown"
}

func readAddresses(_ path: String) -> [UInt32] {
    guard let file = fopen(path, "rb") else { fail("cannot read \(path)") }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let count = ftell(file) / 4
    fseek(file, 0, SEEK_SET)
    var addresses = [UInt32](repeating: 0, count: count)
    let read = addresses.withUnsafeMutableBytes { fread($0.baseAddress, 4, count, file) }
    guard read == count else { fail("cannot read \(path)") }
    return addresses.map { UInt32(bigEndian: $0) }
}

@inline(__always)
func stringSum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    UInt64(bytes.count) &* 31 &+ UInt64(bytes.first ?? 0)
}

/// One pass reading all six fields with one `MMDBFieldSet` read per lookup (in-place strings).
func passFieldSet(_ reader: MMDBReader, _ addresses: [UInt32]) throws -> (UInt64, Int) {
    let values = MMDBFieldValues(for: Paths.all)
    var checksum: UInt64 = 0
    var found = 0
    for address in addresses {
        let result = try reader.lookup(IPAddressBytes(ipv4: address))
        guard result.found else { continue }
        found += 1
        try reader.read(Paths.all, in: result, into: values)
        checksum &+= values.withUTF8(0, stringSum) ?? 0
        checksum &+= values.withUTF8(1, stringSum) ?? 0
        if let latitude = values.double(2) { checksum &+= UInt64(bitPattern: Int64(latitude * 10_000)) }
        if let longitude = values.double(3) { checksum &+= UInt64(bitPattern: Int64(longitude * 10_000)) }
        checksum &+= values.uint(4) ?? 0
        checksum &+= values.withUTF8(5, stringSum) ?? 0
    }
    return (checksum, found)
}

/// Like `passFieldSet`, but looking addresses up 64 at a time with the batch lookup.
func passBatch(_ reader: MMDBReader, _ addresses: [UInt32]) throws -> (UInt64, Int) {
    let values = MMDBFieldValues(for: Paths.all)
    var checksum: UInt64 = 0
    var found = 0
    var batch: [IPAddressBytes] = []
    batch.reserveCapacity(64)
    var results: [LookupResult] = []
    var start = 0
    while start < addresses.count {
        let end = min(start + 64, addresses.count)
        batch.removeAll(keepingCapacity: true)
        for index in start ..< end { batch.append(IPAddressBytes(ipv4: addresses[index])) }
        try reader.lookup(batch, into: &results)
        for result in results where result.found {
            found += 1
            try reader.read(Paths.all, in: result, into: values)
            checksum &+= values.withUTF8(0, stringSum) ?? 0
            checksum &+= values.withUTF8(1, stringSum) ?? 0
            if let latitude = values.double(2) { checksum &+= UInt64(bitPattern: Int64(latitude * 10_000)) }
            if let longitude = values.double(3) { checksum &+= UInt64(bitPattern: Int64(longitude * 10_000)) }
            checksum &+= values.uint(4) ?? 0
            checksum &+= values.withUTF8(5, stringSum) ?? 0
        }
        start = end
    }
    return (checksum, found)
}

@inline(__always)
func textSum(_ text: String?) -> UInt64 {
    guard let text else { return 0 }
    return UInt64(text.utf8.count) &* 31 &+ UInt64(text.utf8.first ?? 0)
}

/// One pass with in-place strings (what libmaxminddb's API gives). Returns (checksum, found).
func passInPlace(_ reader: MMDBReader, _ addresses: [UInt32]) throws -> (UInt64, Int) {
    var checksum: UInt64 = 0
    var found = 0
    for address in addresses {
        let result = try reader.lookup(IPAddressBytes(ipv4: address))
        guard result.found else { continue }
        found += 1
        checksum &+= try reader.withUTF8(at: Paths.country, in: result, stringSum) ?? 0
        checksum &+= try reader.withUTF8(at: Paths.city, in: result, stringSum) ?? 0
        if let latitude = try reader.double(at: Paths.latitude, in: result) {
            checksum &+= UInt64(bitPattern: Int64(latitude * 10_000))
        }
        if let longitude = try reader.double(at: Paths.longitude, in: result) {
            checksum &+= UInt64(bitPattern: Int64(longitude * 10_000))
        }
        checksum &+= try reader.uint(at: Paths.asn, in: result) ?? 0
        checksum &+= try reader.withUTF8(at: Paths.organization, in: result, stringSum) ?? 0
    }
    return (checksum, found)
}

/// The same with Swift Strings created for the three string fields.
func passWithStrings(_ reader: MMDBReader, _ addresses: [UInt32]) throws -> (UInt64, Int) {
    var checksum: UInt64 = 0
    var found = 0
    for address in addresses {
        let result = try reader.lookup(IPAddressBytes(ipv4: address))
        guard result.found else { continue }
        found += 1
        checksum &+= textSum(try reader.string(at: Paths.country, in: result))
        checksum &+= textSum(try reader.string(at: Paths.city, in: result))
        checksum &+= textSum(try reader.string(at: Paths.organization, in: result))
        if let latitude = try reader.double(at: Paths.latitude, in: result) {
            checksum &+= UInt64(bitPattern: Int64(latitude * 10_000))
        }
        if let longitude = try reader.double(at: Paths.longitude, in: result) {
            checksum &+= UInt64(bitPattern: Int64(longitude * 10_000))
        }
        checksum &+= try reader.uint(at: Paths.asn, in: result) ?? 0
    }
    return (checksum, found)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    fail("usage: geoip-bench DB.mmdb ADDRESSES.bin [ROUNDS]")
}
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
let addresses = readAddresses(arguments[2])
let baseline = residentBytes()
do {
    let reader = try MMDBReader(path: arguments[1], mode: .mapped)
    var best = 0.0
    var checksum: UInt64 = 0
    var found = 0
    for _ in 0 ..< rounds {
        let start = now()
        (checksum, found) = try passInPlace(reader, addresses)
        best = max(best, Double(addresses.count) / (now() - start))
    }
    print("swift-geoip: \(addresses.count) lookups (\(found) found), best of \(rounds) rounds: \(Int(best)) lookups/s, checksum \(checksum)")
    var bestStrings = 0.0
    var stringChecksum: UInt64 = 0
    for _ in 0 ..< rounds {
        let start = now()
        (stringChecksum, _) = try passWithStrings(reader, addresses)
        bestStrings = max(bestStrings, Double(addresses.count) / (now() - start))
    }
    print("swift-geoip-strings: best of \(rounds) rounds: \(Int(bestStrings)) lookups/s, checksum \(stringChecksum)")
    var bestSet = 0.0
    for _ in 0 ..< rounds {
        let start = now()
        let (setChecksum, _) = try passFieldSet(reader, addresses)
        guard setChecksum == checksum else { fail("field-set checksum \(setChecksum) differs from \(checksum)") }
        bestSet = max(bestSet, Double(addresses.count) / (now() - start))
    }
    var bestBatch = 0.0
    for _ in 0 ..< rounds {
        let start = now()
        let (batchChecksum, _) = try passBatch(reader, addresses)
        guard batchChecksum == checksum else { fail("batch checksum \(batchChecksum) differs from \(checksum)") }
        bestBatch = max(bestBatch, Double(addresses.count) / (now() - start))
    }
    print("swift-geoip-batch: best of \(rounds) rounds: \(Int(bestBatch)) lookups/s (64-address batch lookups + field set)")
    print("swift-geoip-fieldset: best of \(rounds) rounds: \(Int(bestSet)) lookups/s (one MMDBFieldSet read per lookup)")
    let resident = residentBytes()
    let copied = try MMDBReader(path: arguments[1], mode: .copied)
    var bestCopied = 0.0
    for _ in 0 ..< rounds {
        let start = now()
        let (copiedChecksum, _) = try passInPlace(copied, addresses)
        guard copiedChecksum == checksum else { fail("copied-mode checksum \(copiedChecksum) differs from \(checksum)") }
        bestCopied = max(bestCopied, Double(addresses.count) / (now() - start))
    }
    print("swift-geoip-copied: best of \(rounds) rounds: \(Int(bestCopied)) lookups/s (private copy, as GeoIPDatabase loads files; huge pages \(anonymousHugePages()))")
    let fileSize = reader.byteCount
    let verifyStart = now()
    try reader.verify()
    print("swift-geoip-verify: the whole database verifies in \(Int((now() - verifyStart) * 1000)) ms CPU")
    print("swift-geoip-memory: rss before open \(baseline / 1024) KiB, after lookups \(resident / 1024) KiB, file \(fileSize / 1024) KiB, rss growth minus file \((resident - baseline - fileSize) / 1024) KiB")
} catch {
    fail("\(error)")
}
