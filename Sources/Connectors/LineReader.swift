import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file line by line in large chunks, from a byte offset. Lines longer than
/// `maximumLineBytes` are an error rather than an unbounded allocation.
final class LineReader {
    static let maximumLineBytes = 64 << 20
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(path: String, offset: Int64) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        self.path = path
        guard descriptor >= 0 else { throw ConnectorError("cannot open \(path): \(SystemError(errno: errno))") }
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            close(descriptor)
            throw ConnectorError("cannot seek in \(path): \(SystemError(errno: errno))")
        }
    }

    deinit { close(descriptor) }

    /// The next line without its newline (a final line without newline counts), or nil at the end.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<newline]
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            guard buffer.count - start <= Self.maximumLineBytes else {
                throw ConnectorError("\(path): line longer than \(Self.maximumLineBytes) bytes")
            }
            try fill()
        }
    }

    private func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 20
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + oldCount, chunk) }
        guard count >= 0 else {
            buffer.removeLast(chunk)
            throw ConnectorError("cannot read \(path): \(SystemError(errno: errno))")
        }
        buffer.removeLast(chunk - count)
        if count == 0 { atEnd = true }
    }
}

/// A source failed; the message names the source's resource and the cause.
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
