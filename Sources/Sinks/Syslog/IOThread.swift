import Foundation
import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// One dedicated OS thread that runs a sink connection's blocking socket, TLS and RELP calls, so
/// they never occupy a thread of Swift's cooperative pool (two threads on this 2-core machine:
/// one blocked `write` there would stall every task in the process).
///
/// `run` hands a job to the thread and suspends the caller on a continuation until it finishes.
/// Jobs run one at a time in order; the queue holds at most `maxPendingJobs` (the sink submits one
/// delivery at a time plus close), and a job beyond that fails instead of queueing without bound.
final class IOThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false
    private let maxPendingJobs = 4

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                continuation.resume(throwing: SinkError("syslog sink connection thread has stopped"))
                return
            }
            guard jobs.count < maxPendingJobs else {
                continuation.resume(throwing: SinkError("syslog sink connection thread has \(jobs.count) jobs queued; refusing more"))
                return
            }
            jobs.append {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            condition.signal()
        }
    }

    /// Lets the thread exit once its queued jobs are done.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        // The TLS transport writes through OpenSSL to a server that may reset the connection.
        blockSIGPIPEOnThisThread()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
