import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes each record as one JSON line to standard output. Acknowledges once the bytes are
/// handed to the kernel: enough for a terminal or a pipe, not a durability guarantee.
public actor StdoutSink: RecordSink {
    public nonisolated let name: String
    private var writer = LineWriter()

    public init(name: String = "stdout") { self.name = name }

    public func deliver(_ entries: [LogEntry]) async throws -> [UInt64] {
        let (sequences, _) = writer.fill(entries)
        try writer.write(to: STDOUT_FILENO)
        return sequences
    }

    public func close() async throws {}
}
