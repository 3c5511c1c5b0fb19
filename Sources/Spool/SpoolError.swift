#if canImport(Glibc)
import Glibc
#endif

/// Every failure the spool reports. One struct around a private code, so that cases can be added without
/// breaking callers; `reason` is a bounded string suitable as a metric label.
public struct SpoolError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: String, Sendable {
        case locked
        case io
        case diskFull
        case failed
        case closed
        case recordTooLarge
        case batchNeverFits
        case invalidConfiguration
        case corruptMetadata
    }

    private let code: Code
    /// Human-readable description: lowercase, names the file and offset where relevant.
    public let message: String
    /// The errno of the failed system call, if any.
    public let errno: Int32?

    private init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }
    /// A bounded label for metrics (`locked`, `io`, `disk_full`, ...).
    public var reason: String {
        switch code {
        case .diskFull: "disk_full"
        case .recordTooLarge: "record_too_large"
        case .batchNeverFits: "batch_never_fits"
        case .invalidConfiguration: "invalid_configuration"
        case .corruptMetadata: "corrupt_metadata"
        default: code.rawValue
        }
    }

    /// Whether retrying the same call later can succeed (after space frees up or a new instance is opened).
    public var isRetryable: Bool { code == .diskFull || code == .io || code == .failed }

    /// The spool directory is locked by another process (or another instance in this process).
    public static func locked(_ path: String, holder: String) -> SpoolError {
        SpoolError(.locked, "spool directory is locked by another process: \(path) (\(holder))")
    }

    /// A system call failed; ENOSPC and EDQUOT are reported as `diskFull`.
    static func io(_ operation: String, path: String, errno code: Int32) -> SpoolError {
        let text = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT || code == EFBIG {
            return SpoolError(.diskFull, "\(operation) failed, disk full: \(path): \(text)", errno: code)
        }
        return SpoolError(.io, "\(operation) failed: \(path): \(text)", errno: code)
    }

    static func failed(after cause: SpoolError) -> SpoolError {
        SpoolError(.failed, "spool stopped accepting appends after an earlier write failure: \(cause.message)",
                   errno: cause.errno)
    }

    static let closed = SpoolError(.closed, "spool is closed")

    static func recordTooLarge(_ size: Int, limit: Int) -> SpoolError {
        SpoolError(.recordTooLarge, "record of \(size) bytes exceeds maxRecordBytes \(limit)")
    }

    static func batchNeverFits(_ size: UInt64, capacity: UInt64) -> SpoolError {
        SpoolError(.batchNeverFits, "batch of \(size) bytes can never fit: segment capacity is \(capacity) bytes")
    }

    static func invalidConfiguration(_ text: String) -> SpoolError {
        SpoolError(.invalidConfiguration, "invalid spool configuration: \(text)")
    }

    static func corruptMetadata(_ path: String, _ text: String) -> SpoolError {
        SpoolError(.corruptMetadata, "spool metadata file \(path) is corrupt: \(text)")
    }

    /// Errors are equal when their kind is (message and errno are context), so tests and callers can match
    /// `SpoolError.recordTooLarge(0, limit: 0)`-style prototypes.
    public static func == (lhs: SpoolError, rhs: SpoolError) -> Bool { lhs.code == rhs.code }

    public var isDiskFull: Bool { code == .diskFull }
    public var isLocked: Bool { code == .locked }
    public var isClosed: Bool { code == .closed }
    public var isRecordTooLarge: Bool { code == .recordTooLarge }
    public var isBatchNeverFits: Bool { code == .batchNeverFits }
    public var isFailed: Bool { code == .failed }
}
