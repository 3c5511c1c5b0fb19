import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file (or an already open descriptor such as standard input) line by line in large
/// chunks. Lines longer than `maximumLineBytes` are an error rather than an unbounded allocation.
public final class LineReader {
    public static let maximumLineBytes = 64 << 20
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let path: String
    /// `buffer[start..<end]` holds bytes read but not yet returned; the rest is spare room.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEnd = false

    /// Opens `path` and starts at byte `offset`.
    public init(path: String, offset: Int64, chunkBytes: Int = 256 << 10) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        ownsDescriptor = true
        self.path = path
        buffer = [UInt8](repeating: 0, count: chunkBytes)
        guard descriptor >= 0 else { throw ConnectorError("cannot open \(path): \(SystemError(errno: errno))") }
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            close(descriptor)
            throw ConnectorError("cannot seek in \(path): \(SystemError(errno: errno))")
        }
    }

    /// Reads from an open descriptor (e.g. `STDIN_FILENO`), which stays open; `name` is for errors.
    public init(descriptor: Int32, name: String, chunkBytes: Int = 1 << 20) {
        self.descriptor = descriptor
        ownsDescriptor = false
        path = name
        buffer = [UInt8](repeating: 0, count: chunkBytes)
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// The next line without its newline (a final line without newline counts), or nil at the end.
    public func nextLine() throws -> ArraySlice<UInt8>? {
        var searchFrom = start
        while true {
            if let newline = newlineIndex(from: searchFrom) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < end else { return nil }
                let line = buffer[start..<end]
                start = end
                return line
            }
            guard end - start <= Self.maximumLineBytes else {
                throw ConnectorError("\(path): line longer than \(Self.maximumLineBytes) bytes")
            }
            let scanned = end - start
            try fill()
            searchFrom = start + scanned
        }
    }

    /// memchr: several times faster than a generic element search on long lines.
    private func newlineIndex(from index: Int) -> Int? {
        guard index < end else { return nil }
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress, let found = memchr(base + index, 0x0A, end - index) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// Moves unread bytes to the front (growing the buffer only for a line longer than it) and reads more.
    private func fill() throws {
        let unread = end - start
        if start > 0 {
            buffer.withUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                memmove(base, base + start, unread)
            }
            start = 0
            end = unread
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return read(descriptor, base + end, bytes.count - end)
            }
        } while count < 0 && errno == EINTR
        guard count >= 0 else { throw ConnectorError("cannot read \(path): \(SystemError(errno: errno))") }
        if count == 0 { atEnd = true }
        end += count
    }
}

/// A source failed; the message names the source's resource and the cause.
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
