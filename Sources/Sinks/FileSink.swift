import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Appends each record as one JSON line to a file and acknowledges after `fdatasync`.
///
/// A crash can leave a torn last line (a write the kernel only partly completed). Such a line was
/// never acknowledged, so the spool redelivers it; at open the sink truncates the file back to
/// its last newline so the torn fragment never sits between whole records.
public actor FileSink: RecordSink {
    public struct Configuration: Sendable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }

        public init(_ section: ConfigSection, name: String) {
            self.name = name
            path = section.requiredString("path")
        }
    }

    public nonisolated let name: String
    private let path: String
    private var descriptor: Int32 = -1
    private var writer = LineWriter()

    public init(configuration: Configuration) throws {
        name = configuration.name
        path = configuration.path
        descriptor = try Self.openRepairingTornTail(path)
    }

    public func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        guard descriptor >= 0 else { throw SinkError("file sink \(path) is closed") }
        let (sequences, _) = writer.fill(entries)
        // A write that fails half way (disk full) must not leave a fragment in front of the retry.
        let sizeBefore = lseek(descriptor, 0, SEEK_END)
        do {
            try writer.write(to: descriptor)
        } catch {
            if sizeBefore >= 0 { _ = ftruncate(descriptor, sizeBefore) }
            throw SinkError("file sink \(path): \(error)")
        }
        guard fdatasync(descriptor) == 0 else {
            let error = SystemError(errno: errno)
            if sizeBefore >= 0 { _ = ftruncate(descriptor, sizeBefore) }
            throw SinkError("file sink \(path): fdatasync failed: \(error)")
        }
        return sequences
    }

    public func close() async throws {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    static func openRepairingTornTail(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SinkError("file sink \(path): cannot open: \(SystemError(errno: errno))") }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size > 0 else { return descriptor }
        // Scan back in chunks to the last newline.
        var end = size
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while end > 0 {
            let start = max(0, end - off_t(chunk.count))
            let count = Int(end - start)
            guard pread(descriptor, &chunk, count, start) == count else { break }
            if let newline = chunk[0..<count].lastIndex(of: 0x0A) {
                let keep = start + off_t(newline) + 1
                if keep < size { _ = ftruncate(descriptor, keep) }
                return descriptor
            }
            end = start
        }
        _ = ftruncate(descriptor, 0)  // no complete line at all
        return descriptor
    }
}
