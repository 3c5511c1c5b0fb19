#if canImport(Glibc)
import Glibc
#endif

/// A file's identity as far as noticing a replacement goes: device, inode, size and modification
/// time, following symlinks (Kubernetes swaps a mounted Secret's `..data` link to new files).
public struct FileSignature: Sendable, Hashable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modifiedSeconds: Int64
    public let modifiedNanoseconds: Int64

    /// The signature of the file at `path` now, or nil when it cannot be stat'ed.
    public static func current(path: String) -> FileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileSignature(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                             modifiedSeconds: Int64(info.st_mtim.tv_sec), modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
    }
}
