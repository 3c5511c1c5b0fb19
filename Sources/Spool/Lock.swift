#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex guarding a value. Used instead of an actor because the spool's synchronous API does
/// blocking file I/O on the thread that calls it, and `Synchronization.Mutex` is not available on every
/// deployment target.
/// Never held across an `await`.
final class Protected<State>: @unchecked Sendable {  // Access to `state` only happens inside `withLock`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}

/// The exclusive `flock` on `<directory>/LOCK` that keeps two spool instances (in one process or two) from
/// writing the same directory. The kernel drops the lock when the process dies, so a SIGKILLed
/// process never leaves a stale lock behind.
final class DirectoryLock: Sendable {
    private let file: SpoolFile

    init(directory: String) throws {
        let path = directory + "/LOCK"
        let file = try SpoolFile.open(path, flags: O_RDWR | O_CREAT)
        guard flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if code == EWOULDBLOCK {
                let holder = (try? SpoolDirectory.readSmallFile(path, limit: 64))
                    .flatMap { $0 }.map { "held by pid " + String(decoding: $0, as: UTF8.self) } ?? "holder unknown"
                throw SpoolError.locked(directory, holder: holder)
            }
            throw SpoolError.io("flock", path: path, errno: code)
        }
        let pid = Array(String(getpid()).utf8)
        try file.truncate(to: 0)
        try pid.withUnsafeBytes { try file.write($0.baseAddress.unsafelyUnwrapped, count: $0.count, at: 0) }
        self.file = file
    }

    /// Releases the lock early (it is also released when the last reference goes away).
    func unlock() { _ = flock(file.descriptor, LOCK_UN) }
}
