import Foundation
import Testing
@testable import Spool

/// A fresh directory under the system temp dir, removed when the test is done.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "spool") {
        let template = NSTemporaryDirectory() + "/\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let created = bytes.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        path = created.map { String(cString: $0) } ?? template
    }

    var spool: String { path + "/spool" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func configuration(_ directory: String, maxBytes: UInt64 = 64 << 20, segmentBytes: UInt64 = 1 << 20,
                   maxRecordBytes: Int = 64 << 10, policy: SpoolFullPolicy = .block,
                   sinks: [String] = ["kafka", "syslog"],
                   dedupe: DedupeWindowLimits = DedupeWindowLimits()) -> Spool.Configuration {
    Spool.Configuration(directory: directory, maxBytes: maxBytes, segmentBytes: segmentBytes,
                        maxRecordBytes: maxRecordBytes, fullPolicy: policy, sinks: sinks, dedupeWindow: dedupe,
                        ackPersistIntervalSeconds: 0)
}

/// Deterministic payload for record number `n`, with a length that varies with `n`.
func payload(_ n: Int, size: Int? = nil) -> [UInt8] {
    let text = Array("record-\(n)-".utf8)
    let length = size ?? (20 + (n * 37) % 300)
    return (0..<max(length, text.count)).map { $0 < text.count ? text[$0] : UInt8(truncatingIfNeeded: n &+ $0) }
}

/// Every record currently available to `sink`, without waiting.
func drain(_ spool: Spool, sink: String, maxRecords: Int = 97) throws -> [SpoolEntry] {
    var all: [SpoolEntry] = []
    while true {
        let batch = try spool.readAvailable(sink: sink, maxRecords: maxRecords, maxBytes: 1 << 20)
        if batch.isEmpty { return all }
        all.append(contentsOf: batch)
    }
}

func segmentFiles(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasPrefix("segment-") && $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
}

func fileBytes(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// Offsets of every record frame in a segment file (parsed without the spool, for damage tests).
func frameOffsets(_ bytes: [UInt8]) -> [(offset: Int, size: Int, kind: UInt8, sequence: UInt64)] {
    var frames: [(Int, Int, UInt8, UInt64)] = []
    var offset = 40
    while offset + 28 <= bytes.count {
        let length = bytes[(offset + 4)..<(offset + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let sequence = bytes[(offset + 8)..<(offset + 16)].enumerated()
            .reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        frames.append((offset, 28 + length, bytes[offset + 3], sequence))
        offset += 28 + length
    }
    return frames
}
