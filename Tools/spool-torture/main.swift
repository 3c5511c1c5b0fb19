// spool-torture: drives a Spool from a separate process so tests can SIGKILL it, and measures throughput.
//
//   spool-torture run DIR [--segment-bytes N] [--max-records K] [--seed S] [--ack]
//       (every sixth batch or so has up to 8 K records; the segment size must fit such a batch)
//       Appends batches of records numbered from the committed cursor on, forever. After each append returns
//       (fsynced) prints `COMMIT <first> <last> <cursor>` (one write per line). With --ack a reader task acknowledges
//       records in random order. Record n (0-based) has sequence n + 1 and the payload `TorturePayload.bytes(n)`.
//   spool-torture bench-append DIR --total-mib N [--record-bytes B] [--batch-bytes B]
//       Appends N MiB in batches of ~batch-bytes (default 1 MiB) of records of B bytes (default 1536);
//       prints `append_mib_per_s <x> records_per_s <y>`.
//   spool-torture bench-raw DIR --total-mib N [--batch-bytes B]
//       The machine's limit for the same pattern without the spool: append B bytes with pwrite, fdatasync, repeat;
//       prints `raw_mib_per_s <x>`.
//   spool-torture bench-recover DIR
//       Opens an existing spool and prints `recover_seconds <x> bytes <n> records <n> corrupt <n> segments <n>
//       from_sidecar <n>` (sealed segments recovered from their `.idx` summary instead of a full scan).
#if canImport(Glibc)
import Glibc
#endif
import Spool

/// One `write(2)` per line: a line is either entirely in the pipe or not at all when the process is killed.
func emit(_ line: String, to descriptor: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

struct Options {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--ack" {
                flags.insert(argument)
            } else if argument.hasPrefix("--") {
                values[argument] = iterator.next() ?? ""
            } else {
                positional.append(argument)
            }
        }
    }

    func integer(_ name: String, _ fallback: Int) -> Int { values[name].flatMap { Int($0) } ?? fallback }
}

/// A small deterministic generator (SplitMix64): reproducible runs from a seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func fail(_ message: String) -> Never {
    emit("spool-torture: \(message)", to: 2)
    exit(2)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func runTorture(_ options: Options) async throws {
    guard let directory = options.positional.first else { fail("run needs a directory") }
    let configuration = Spool.Configuration(
        directory: directory, maxBytes: 256 << 20, segmentBytes: UInt64(options.integer("--segment-bytes", 4 << 20)),
        maxRecordBytes: 64 << 10, sinks: ["a"], ackPersistIntervalSeconds: 0.02)
    let spool = try Spool(configuration: configuration)
    var random = SplitMix(state: UInt64(options.integer("--seed", 1)))
    let maxRecords = options.integer("--max-records", 64)
    var next = spool.committedCursor(source: "torture").flatMap { Int($0) } ?? 0
    if options.flags.contains("--ack") {
        let seed = random.next()
        Task.detached {
            var random = SplitMix(state: seed)
            while true {
                let entries = try await spool.read(sink: "a", maxRecords: 200, maxBytes: 1 << 20)
                if entries.isEmpty { return }
                let sequences = entries.map(\.sequence).shuffled(using: &random)
                let split = Int.random(in: 0...sequences.count, using: &random)
                spool.acknowledge(sink: "a", sequences: sequences[..<split])
                spool.acknowledge(sink: "a", sequences: sequences[split...])
            }
        }
    }
    while true {
        // Now and then a large batch: a longer write is more likely to be torn by the kill.
        let count = Int.random(in: 0..<6, using: &random) == 0
            ? Int.random(in: 0...(maxRecords * 8), using: &random) : Int.random(in: 0...maxRecords, using: &random)
        let payloads = (next..<(next + count)).map(TorturePayload.bytes)
        let range = try await spool.append(payloads, cursor: ("torture", String(next + count)))
        next += count
        if let range {
            emit("COMMIT \(range.lowerBound) \(range.upperBound) \(next)")
        } else {
            emit("COMMIT - - \(next)")
        }
    }
}

func benchAppend(_ options: Options) async throws {
    guard let directory = options.positional.first else { fail("bench-append needs a directory") }
    let totalBytes = options.integer("--total-mib", 512) << 20
    let recordBytes = options.integer("--record-bytes", 1536)
    let batchBytes = options.integer("--batch-bytes", 1 << 20)
    let perBatch = max(1, batchBytes / (recordBytes + 28))
    let configuration = Spool.Configuration(directory: directory, maxBytes: UInt64(totalBytes) * 2 + (256 << 20),
                                            sinks: ["bench"])
    let spool = try Spool(configuration: configuration)
    let batch = (0..<perBatch).map { index in [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: recordBytes) }
    var written = 0
    var records = 0
    let started = now()
    while written < totalBytes {
        try await spool.append(batch, cursor: ("bench", String(records)))
        written += perBatch * (recordBytes + 28)
        records += perBatch
    }
    let seconds = now() - started
    await spool.waitForSidecars()  // sealed segments' `.idx` summaries (written in the background), untimed
    spool.close()
    emit("append_bytes \(written) seconds \(seconds) append_mib_per_s \(Double(written) / seconds / 1_048_576) "
        + "records_per_s \(Double(records) / seconds) batch_records \(perBatch)")
}

func benchRaw(_ options: Options) throws {
    guard let directory = options.positional.first else { fail("bench-raw needs a directory") }
    let totalBytes = options.integer("--total-mib", 512) << 20
    let batchBytes = options.integer("--batch-bytes", 1 << 20)
    mkdir(directory, 0o755)
    let path = directory + "/raw.bin"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { fail("cannot create \(path): errno \(errno)") }
    let buffer = [UInt8](repeating: 0x5A, count: batchBytes)
    var written = 0
    let started = now()
    while written < totalBytes {
        let wrote = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(written)) }
        guard wrote == batchBytes, fdatasync(fd) == 0 else { fail("write or fdatasync failed: errno \(errno)") }
        written += batchBytes
    }
    let seconds = now() - started
    close(fd)
    unlink(path)
    emit("raw_bytes \(written) seconds \(seconds) raw_mib_per_s \(Double(written) / seconds / 1_048_576)")
}

func benchRecover(_ options: Options) throws {
    guard let directory = options.positional.first else { fail("bench-recover needs a directory") }
    let started = now()
    let spool = try Spool(configuration: Spool.Configuration(directory: directory, maxBytes: 1 << 40, sinks: ["bench"]))
    let seconds = now() - started
    let stats = spool.stats
    let segments = spool.inspect().segments
    spool.close()
    emit("recover_seconds \(seconds) bytes \(stats.bytes) records \(stats.records) corrupt \(stats.corruptRecordsSkipped) "
        + "segments \(segments.count) from_sidecar \(segments.filter(\.fromSidecar).count)")
}

let options = Options(CommandLine.arguments.dropFirst(2))
do {
    switch CommandLine.arguments.dropFirst().first {
    case "run": try await runTorture(options)
    case "bench-append": try await benchAppend(options)
    case "bench-raw": try benchRaw(options)
    case "bench-recover": try benchRecover(options)
    default: fail("usage: spool-torture run|bench-append|bench-raw|bench-recover DIR [options]")
    }
} catch {
    fail("\(error)")
}
