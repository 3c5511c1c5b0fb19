import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes the record JSON of envelopes as newline-terminated lines to a file descriptor,
/// one `write` per batch (partial writes and EINTR handled).
struct LineWriter {
    private var buffer: [UInt8] = []

    /// Appends each entry's record JSON and a newline; returns the sequences written into the buffer.
    /// An envelope that cannot be read is a spool defect: it is reported, not acknowledged.
    mutating func fill(_ entries: [LogEntry]) -> (sequences: [UInt64], undecodable: [UInt64]) {
        buffer.removeAll(keepingCapacity: true)
        var sequences: [UInt64] = []
        var undecodable: [UInt64] = []
        sequences.reserveCapacity(entries.count)
        for entry in entries {
            guard let view = EnvelopeView(entry.envelope) else {
                undecodable.append(entry.sequence)
                continue
            }
            buffer.append(contentsOf: entry.envelope[view.jsonRange])
            buffer.append(0x0A)
            sequences.append(entry.sequence)
        }
        return (sequences, undecodable)
    }

    func write(to descriptor: Int32) throws {
        try buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SinkError("write failed: \(SystemError(errno: errno))")
                }
                offset += written
            }
        }
    }
}

/// A sink failed to deliver; the message names the sink's target and the cause.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
