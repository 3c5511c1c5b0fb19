import Glibc

/// How a database file is brought into memory.
public enum MMDBLoadMode: Sendable, Hashable {
    /// `mmap` the file read-only (`MAP_PRIVATE`). Cheapest: pages are shared with the page cache and
    /// only touched pages count in RSS. Only safe while nobody truncates or rewrites the file in place:
    /// reading a page past a truncated end raises SIGBUS, like every mmap reader.
    case mapped
    /// Read the whole file once into private anonymous memory (then made read-only), so later changes
    /// to the file can never affect this reader. Costs the file size in RSS. `GeoIPDatabase` uses this.
    case copied
}

/// File identity used to notice replacement: inode, size and modification time.
public struct MMDBFileSignature: Sendable, Hashable, CustomStringConvertible {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modificationSeconds: Int64
    public let modificationNanoseconds: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modificationSeconds = Int64(info.st_mtim.tv_sec)
        modificationNanoseconds = Int64(info.st_mtim.tv_nsec)
    }

    /// The signature of the file at `path` now, or nil when it cannot be stat'ed.
    public static func current(path: String) -> MMDBFileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return MMDBFileSignature(info)
    }

    public var description: String {
        "inode \(inode), \(size) bytes, mtime \(modificationSeconds).\(modificationNanoseconds)"
    }
}

/// Owns the bytes of one database (a file mapping, a private copy, or a heap buffer) and releases
/// them when the last reader using them goes away: lookups in flight keep their reader, and with it
/// these bytes, alive until they finish.
final class MMDBStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    /// The signature of the file the bytes came from (nil for in-memory databases).
    let signature: MMDBFileSignature?
    private let release: Release

    private enum Release {
        case unmap(UnsafeMutableRawPointer, Int)
        case deallocate(UnsafeMutableRawPointer)
    }

    private init(bytes: UnsafeRawBufferPointer, signature: MMDBFileSignature?, release: Release) {
        self.bytes = bytes
        self.signature = signature
        self.release = release
    }

    deinit {
        switch release {
        case let .unmap(pointer, length): munmap(pointer, length)
        case let .deallocate(pointer): pointer.deallocate()
        }
    }

    /// Copies `source` into a buffer owned by the storage.
    convenience init(copying source: UnsafeRawBufferPointer) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        if let sourceBase = source.baseAddress, source.count > 0 {
            memory.copyMemory(from: sourceBase, byteCount: source.count)
        }
        self.init(bytes: UnsafeRawBufferPointer(start: memory, count: source.count), signature: nil,
                  release: .deallocate(memory))
    }

    /// Opens `path` in the given mode. For `.copied`, the file's signature is taken before and after
    /// reading; if it changed (a writer is rewriting the file in place), the copy is discarded.
    static func open(path: String, mode: MMDBLoadMode) throws(MMDBError) -> MMDBStorage {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw unreadable(path) }
        let signature = MMDBFileSignature(info)
        let length = Int(info.st_size)
        guard length > 0 else {
            throw MMDBError(path: path, code: .invalidMetadata("the file is empty"))
        }
        switch mode {
        case .mapped:
            guard let mapping = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0),
                  mapping != MAP_FAILED
            else { throw unreadable(path) }
            return MMDBStorage(bytes: UnsafeRawBufferPointer(start: mapping, count: length),
                               signature: signature, release: .unmap(mapping, length))
        case .copied:
            guard let memory = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  memory != MAP_FAILED
            else { throw unreadable(path) }
            // Random lookups over tens of MiB miss the TLB on almost every tree level; huge pages
            // (where the kernel allows them) make the whole tree fit in the TLB.
            _ = madvise(memory, length, MADV_HUGEPAGE)
            // From here on the storage owns the mapping, so every early exit unmaps it.
            let storage = MMDBStorage(bytes: UnsafeRawBufferPointer(start: memory, count: length),
                                      signature: signature, release: .unmap(memory, length))
            var filled = 0
            while filled < length {
                let got = read(descriptor, memory + filled, length - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw unreadable(path)
                }
                if got == 0 { throw MMDBError(path: path, code: .changedWhileReading) }
                filled += got
            }
            var after = stat()
            guard fstat(descriptor, &after) == 0 else { throw unreadable(path) }
            guard MMDBFileSignature(after) == signature else {
                throw MMDBError(path: path, code: .changedWhileReading)
            }
            mprotect(memory, length, PROT_READ)
            return storage
        }
    }

    private static func unreadable(_ path: String) -> MMDBError {
        let cause = String(cString: strerror(errno)).lowercased()
        return MMDBError(path: path, code: .unreadable(cause))
    }
}
