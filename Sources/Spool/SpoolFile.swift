#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor with the few positional operations the spool needs. The descriptor is closed
/// when the last reference goes away, so a reader that still holds a segment can finish its `pread` after
/// the segment was unlinked (closing under a concurrent reader could hand the fd number to another file).
final class SpoolFile: @unchecked Sendable {  // Immutable after init; the fd is only closed in deinit.
    let path: String
    let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { _ = Glibc.close(descriptor) }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> SpoolFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SpoolError.io("open", path: path, errno: errno) }
        return SpoolFile(path: path, descriptor: fd)
    }

    var size: UInt64 {
        get throws {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw SpoolError.io("fstat", path: path, errno: errno) }
            return UInt64(info.st_size)
        }
    }

    /// Reads up to `count` bytes at `offset`; returns fewer only at end of file.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws -> Int {
        var done = 0
        while done < count {
            let got = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                throw SpoolError.io("read", path: path, errno: errno)
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// Writes all bytes at `offset` (a short write is retried; an error is thrown and never retried on this fd).
    func write(_ buffer: UnsafeRawPointer, count: Int, at offset: UInt64) throws {
        var done = 0
        while done < count {
            let wrote = pwrite(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw SpoolError.io("write", path: path, errno: errno)
            }
            done += wrote
        }
    }

    func syncData() throws {
        injectSlowSync()
        guard fdatasync(descriptor) == 0 else { throw SpoolError.io("fdatasync", path: path, errno: errno) }
    }

    func sync() throws {
        injectSlowSync()
        guard fsync(descriptor) == 0 else { throw SpoolError.io("fsync", path: path, errno: errno) }
    }

    /// Fault injection for the slow-disk tests: `AUDITRELAY_FAULT_SPOOL_SYNC_DELAY_MS=500` makes every
    /// fsync and fdatasync of the spool take that much longer. It stands in for a really slow device
    /// (device-mapper's `delay` target) where the kernel offers none; unset, it costs one load.
    private func injectSlowSync() {
        if Self.injectedSyncDelayMicroseconds > 0 { usleep(Self.injectedSyncDelayMicroseconds) }
    }

    private static let injectedSyncDelayMicroseconds: UInt32 = {
        guard let text = getenv("AUDITRELAY_FAULT_SPOOL_SYNC_DELAY_MS"),
              let milliseconds = UInt32(String(cString: text)), milliseconds <= 60_000 else { return 0 }
        return milliseconds * 1000
    }()

    func truncate(to length: UInt64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw SpoolError.io("ftruncate", path: path, errno: errno) }
    }
}

/// Directory-level helpers: the durable rename protocol and listing.
enum SpoolDirectory {
    static func syncDirectory(_ path: String) throws {
        let directory = try SpoolFile.open(path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// Replaces `path` atomically: write `path.tmp`, fsync it, rename over `path`, fsync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temporary = path + ".tmp"
        do {
            let file = try SpoolFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            try bytes.withUnsafeBytes { (raw) throws in
                if let base = raw.baseAddress { try file.write(base, count: raw.count, at: 0) }
            }
            try file.sync()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else { throw SpoolError.io("rename", path: path, errno: errno) }
        try syncDirectory(directory)
    }

    /// Whole contents of a small file, or nil if it does not exist. Refuses files above `limit` bytes.
    static func readSmallFile(_ path: String, limit: Int) throws -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SpoolError.io("open", path: path, errno: errno)
        }
        _ = Glibc.close(fd)
        let file = try SpoolFile.open(path, flags: O_RDONLY)
        let size = try file.size
        guard size <= UInt64(limit) else { throw SpoolError.corruptMetadata(path, "size \(size) exceeds limit \(limit)") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let count = try bytes.withUnsafeMutableBytes { (raw) throws -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return try file.read(into: base, count: raw.count, at: 0)
        }
        return Array(bytes.prefix(count))
    }

    static func list(_ path: String) throws -> [String] {
        guard let handle = opendir(path) else { throw SpoolError.io("opendir", path: path, errno: errno) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func fileSize(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    static func availableBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    static func createIfMissing(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw SpoolError.io("mkdir", path: path, errno: errno) }
    }
}
