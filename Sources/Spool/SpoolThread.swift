#if canImport(Glibc)
import Glibc
#endif

/// An OS thread of the spool's own that runs its blocking calls (pwrite, fdatasync, pread, unlink,
/// directory fsync), so they never occupy Swift's cooperative pool: that pool has one thread per
/// core (two on a 2-core pod), and one 500 ms fsync there stalls the sinks, the pollers and
/// `/healthz` with it.
///
/// Three threads, so a slow disk stalls each kind of work only behind its own kind: appends (one
/// writer at a time anyway; one fdatasync per page is the group commit), reads for the sinks (pread
/// of records that are already durable), and bookkeeping (acknowledgement ledger, segment deletion,
/// sidecars, close).
///
/// `run` hands a job over and suspends the caller on a continuation, without holding a thread,
/// until the job is done; waiting for space or data stays in the calling task. The queue holds the
/// spool calls in progress (one per appending source, one per reading sink, plus
/// acknowledgements), so it is bounded by the callers, not by the data. The three are shared by
/// every spool in the process.
public final class SpoolThread: @unchecked Sendable {  // `jobs` is only touched under `mutex`.
    public static let appends = SpoolThread(name: "spool-append")
    public static let reads = SpoolThread(name: "spool-read")
    public static let bookkeeping = SpoolThread(name: "spool-meta")

    private let name: String
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [() -> Void] = []
    /// Whether the thread exists. It exits after `idleSeconds` without work (a process whose main
    /// thread has gone, like a test runner's, ends only when its last thread does) and is started
    /// again by the next job.
    private var running = false
    private static let idleSeconds = 2

    private init(name: String) {
        self.name = String(name.prefix(15))  // the kernel's limit for thread names
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// Starts the thread; called with `mutex` held.
    private func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { argument in
            guard let argument else { return nil }
            let owner = Unmanaged<SpoolThread>.fromOpaque(argument).takeRetainedValue()
            owner.nameThread()
            owner.loop()
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        // Without its threads the spool cannot do any I/O at all: no way to carry on.
        precondition(created == 0, "cannot start the \(name) thread: error \(created)")
        running = true
    }

    /// Names the calling thread (seen in `top -H`, `perf`, crash backtraces). Glibc's
    /// pthread_setname_np is not visible to Swift without _GNU_SOURCE; the kernel's file is.
    private func nameThread() {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = Array(name.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        _ = close(fd)
    }

    /// Runs `body` on this thread; the caller is suspended (not blocked) until it returns.
    /// `body` may capture non-Sendable values: the caller waits for it, so nothing is shared.
    public func run<T: Sendable, Failure: Error>(_ body: @escaping () throws(Failure) -> T) async throws(Failure) -> T {
        let job = UncheckedJob(body: body)
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            enqueue { continuation.resume(returning: Result { () throws(Failure) -> T in try job.body() }) }
        }
        return try result.get()
    }

    /// Lets a closure that the caller waits for cross to the spool thread.
    private struct UncheckedJob<T, Failure: Error>: @unchecked Sendable {
        let body: () throws(Failure) -> T
    }

    private func enqueue(_ job: @escaping () -> Void) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        if running { pthread_cond_signal(condition) } else { start() }
        pthread_mutex_unlock(mutex)
    }

    private func loop() {
        var batch: [() -> Void] = []
        while true {
            pthread_mutex_lock(mutex)
            if jobs.isEmpty {
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                deadline.tv_sec += Self.idleSeconds
                while jobs.isEmpty && pthread_cond_timedwait(condition, mutex, &deadline) == 0 {}
                if jobs.isEmpty {
                    running = false
                    pthread_mutex_unlock(mutex)
                    return
                }
            }
            swap(&batch, &jobs)
            pthread_mutex_unlock(mutex)
            for job in batch { job() }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
