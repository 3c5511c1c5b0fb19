/// Every failure of the GeoIP module: the file cannot be read, it is not a MaxMind DB, it is corrupt
/// or hostile (a resource limit stopped the decoder), or the caller passed an unusable address.
///
/// Messages are lowercase, name the database file and, for corruption, the file offset, e.g.
/// `GeoIP database /var/lib/GeoIP/City.mmdb is corrupt: pointer out of range at offset 1234`.
public struct MMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for callers that react differently (retry, count, log).
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read (missing, permissions, I/O error).
        case unreadable
        /// The file is not a MaxMind DB, or its metadata describes something this reader cannot read.
        case invalidMetadata
        /// The search tree or data section is corrupt.
        case corrupt
        /// A decode was stopped by a resource limit (depth, value count, payload bytes).
        case resourceLimit
        /// The caller passed an address that cannot be looked up in this database.
        case invalidAddress
    }

    enum Code: Sendable, Equatable {
        case unreadable(String)
        case invalidMetadata(String)
        case corrupt(DecodeFailure.Reason, fileOffset: Int, detail: Int)
        case changedWhileReading
        case unparsableAddress(String)
        case ipv6InIPv4Database(String)
    }

    /// The database file the error is about (`<memory>` for databases opened from bytes).
    public let path: String
    let code: Code

    init(path: String, code: Code) {
        self.path = path
        self.code = code
    }

    public var kind: Kind {
        switch code {
        case .unreadable, .changedWhileReading: return .unreadable
        case .invalidMetadata: return .invalidMetadata
        case let .corrupt(reason, _, _): return reason.isResourceLimit ? .resourceLimit : .corrupt
        case .unparsableAddress, .ipv6InIPv4Database: return .invalidAddress
        }
    }

    /// The file offset of the corrupt byte, when the error is about corrupt data.
    public var fileOffset: Int? {
        if case let .corrupt(_, offset, _) = code { return offset }
        return nil
    }

    public var description: String {
        switch code {
        case let .unreadable(cause):
            return "GeoIP database \(path) cannot be read: \(cause)"
        case let .invalidMetadata(cause):
            return "GeoIP database \(path) is not a valid MaxMind DB: \(cause)"
        case let .corrupt(reason, offset, detail):
            let verb = reason.isResourceLimit ? "is corrupt or hostile" : "is corrupt"
            return "GeoIP database \(path) \(verb): \(reason.message(detail: detail)) at offset \(offset)"
        case .changedWhileReading:
            return "GeoIP database \(path) cannot be read: the file changed while it was being read"
        case let .unparsableAddress(text):
            return "invalid IP address '\(text)' for GeoIP database \(path)"
        case let .ipv6InIPv4Database(text):
            return "GeoIP database \(path) is IPv4-only: cannot look up IPv6 address \(text)"
        }
    }
}

/// The small, allocation-free error thrown inside the decoder and search tree (typed throws keep the
/// hot path cheap); the reader turns it into an `MMDBError` that names the file.
struct DecodeFailure: Error, Sendable, Equatable {
    enum Reason: UInt8, Sendable {
        case offsetOutOfRange
        case valueTruncated
        case pointerOutOfRange
        case pointerToPointer
        case invalidExtendedType
        case unexpectedType
        case invalidSize
        case containerTooLarge
        case mapKeyNotString
        case invalidUTF8
        case depthExceeded
        case valueCountExceeded
        case payloadExceeded
        case dataRecordOutOfRange
        case searchTreeTooDeep
        case searchTreeCycle
        case separatorNotZero
        case unreachableNode

        var isResourceLimit: Bool {
            switch self {
            case .depthExceeded, .valueCountExceeded, .payloadExceeded: return true
            default: return false
            }
        }

        func message(detail: Int) -> String {
            switch self {
            case .offsetOutOfRange: return "data offset out of range"
            case .valueTruncated: return "value of \(detail) bytes extends past the end of its section"
            case .pointerOutOfRange: return "pointer out of range (target \(detail))"
            case .pointerToPointer: return "pointer points to another pointer (target \(detail))"
            case .invalidExtendedType: return "invalid extended type \(detail)"
            case .unexpectedType: return "unexpected data type \(detail) in a data record"
            case .invalidSize: return "invalid size \(detail) for its data type"
            case .containerTooLarge: return "container of \(detail) entries is larger than the remaining data"
            case .mapKeyNotString: return "map key of type \(detail) is not a utf8 string"
            case .invalidUTF8: return "invalid utf-8 in string"
            case .depthExceeded: return "data nested deeper than \(detail) levels"
            case .valueCountExceeded: return "record decodes to more than \(detail) values"
            case .payloadExceeded: return "record decodes to more than \(detail) bytes of strings and bytes"
            case .dataRecordOutOfRange: return "search tree record \(detail) points outside the data section"
            case .searchTreeTooDeep: return "search tree has no data record after \(detail) bits"
            case .searchTreeCycle: return "search tree contains a cycle through node \(detail)"
            case .separatorNotZero: return "the 16-byte separator after the search tree is not zero"
            case .unreachableNode: return "search tree node \(detail) is not reachable from the root"
            }
        }
    }

    var reason: Reason
    /// Offset relative to the section being decoded; the reader adds the section's file offset.
    var offset: Int
    var detail: Int

    init(_ reason: Reason, at offset: Int, detail: Int = 0) {
        self.reason = reason
        self.offset = offset
        self.detail = detail
    }
}
