/// Why cluster mode refused something. Texts name the cause and the key or source, never a
/// cursor's or a credential's contents.
public enum ClusterError: Error, CustomStringConvertible, Equatable {
    case invalidPartitionCount(Int32)
    case invalidStateRecord(key: String, reason: String)
    /// A source id the state topic's keys cannot carry (empty, or holding the key separator U+001F).
    case invalidSourceID(String)
    /// A committed cursor that is not a polling kit `SourceCursor` (e.g. a replay source's cursor).
    case invalidCursor(source: String, reason: String)

    public var description: String {
        switch self {
        case .invalidPartitionCount(let count):
            return "the coordination topic has \(count) partitions; cluster mode needs at least 1"
        case .invalidStateRecord(let key, let reason):
            return "skipped state record \(key): \(reason)"
        case .invalidSourceID(let id):
            return "source id \(StateRecord.printable(Array(id.utf8))) cannot be used in cluster mode: ids must be non-empty and must not contain U+001F"
        case .invalidCursor(let source, let reason):
            return "cursor of source \(source) cannot be mirrored: \(reason)"
        }
    }
}
