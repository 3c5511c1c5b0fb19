import Foundation
import RelayCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where records go that Kafka can never accept (bigger than `message.max.bytes`, rejected by the
/// broker as invalid or corrupt): one JSON line per record,
/// `{"reason":…,"sequence":…,"size":…,"topic":…,"record":<the record JSON>}` (or `"raw":<base64>`
/// for a spool entry that is not a readable record envelope), appended
/// and fsynced before the record is acknowledged, so it is durably somewhere and never silently lost.
/// The file is created on first use (with its directory); a torn last line left by a crash is cut
/// off at the next open, as the file sink does, and the record is written again.
final class DeadLetterFile: Sendable {
    let path: String
    private let descriptor = Mutex<Int32>(-1)
    private let written = Atomic<Int>(0)

    init(path: String) {
        self.path = path
    }

    deinit {
        descriptor.withLock { if $0 >= 0 { close($0) } }
    }

    /// Records written since this sink started.
    var count: Int { written.load(ordering: .relaxed) }

    /// Appends one record and fsyncs.
    /// - Throws: `SinkError` naming the file and the system error.
    func append(record json: UnsafeRawBufferPointer, sequence: UInt64, reason: String, topic: String) throws {
        try append(sequence: sequence, reason: reason, size: json.count, topic: topic) { writer in
            writer.key("record")
            writer.bytes += json
        }
    }

    /// Appends a spool entry that is not a readable record envelope, as base64, and fsyncs: its
    /// bytes are kept for whoever investigates, and the sink can move on.
    func append(unreadable bytes: UnsafeRawBufferPointer, sequence: UInt64, reason: String) throws {
        try append(sequence: sequence, reason: reason, size: bytes.count, topic: nil) { writer in
            writer.key("raw")
            writer.string(Data(bytes).base64EncodedString())
        }
    }

    private func append(sequence: UInt64, reason: String, size: Int, topic: String?, body: (inout JSONWriter) -> Void) throws {
        var writer = JSONWriter(capacity: size + 256)
        writer.raw("{")
        writer.key("reason")
        writer.string(reason)
        writer.raw(",")
        writer.key("sequence")
        writer.integer(sequence)
        writer.raw(",")
        writer.key("size")
        writer.integer(size)
        writer.raw(",")
        if let topic {
            writer.key("topic")
            writer.string(topic)
            writer.raw(",")
        }
        body(&writer)
        writer.raw("}\n")
        let line = writer.bytes
        try descriptor.withLock { descriptor in
            if descriptor < 0 { descriptor = try open() }
            try line.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let result = write(descriptor, base + offset, bytes.count - offset)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw SinkError("dead-letter file \(path): write failed: \(SystemError(errno: errno))")
                    }
                    offset += result
                }
            }
            guard fsync(descriptor) == 0 else { throw SinkError("dead-letter file \(path): fsync failed: \(SystemError(errno: errno))") }
        }
        written.add(1, ordering: .relaxed)
    }

    private func open() throws -> Int32 {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty { try Self.makeDirectories(directory) }
        let descriptor = try FileSink.openRepairingTornTail(path)
        // The directory entry must be durable too, or a crash could lose the whole new file.
        let directoryDescriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        return descriptor
    }

    private static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o750) != 0 && errno != EEXIST {
                throw SinkError("dead-letter directory \(current): cannot create: \(SystemError(errno: errno))")
            }
        }
    }
}
