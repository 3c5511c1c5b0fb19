#if canImport(Glibc)
import Foundation
import Glibc

/// glibc malloc settings for a long-running relay. By default each thread arena keeps freed
/// memory until 128 KiB sits free at its top *and* the threshold keeps growing with the largest
/// block freed, so page-sized buffers freed by the pipeline's threads stay resident: the budget
/// benchmark peaked at ~240 MiB of which ~80 MiB was free heap. A fixed trim threshold returns it;
/// a fixed 4 MiB mmap threshold keeps page buffers out of mmap/munmap churn. Same speed, measured
/// with `scripts/bench-pipeline.py --budget`.
///
/// The trim threshold only returns memory at the top of an arena. Many polled sources leave free
/// pages *between* their long-lived objects (cursors, dedupe windows, metrics) in every arena a
/// poll ran on, so while the process is mostly idle it also asks glibc to hand back every free page
/// (`malloc_trim`): 1,000 sources polled every 30 s, 500 sources 71 -> 59 MiB
/// (`scripts/bench-sources.py`). Busy periods are skipped: their freed pages are reused at once.
enum MemoryTuning {
    /// How often the idle check runs, and the CPU share (of one core) under which the process counts as idle.
    static let trimInterval: TimeInterval = 10
    static let idleCPUShare = 0.25

    static func apply() {
        // mallopt and malloc_trim are not in the Glibc module map; look them up instead of adding a C target for them.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in <malloc.h>
        _ = mallopt(trimThreshold, 128 << 10)
        _ = mallopt(mmapThreshold, 4 << 20)
        startIdleTrimming()
    }

    /// A thread of its own (it sleeps, then walks every arena under its lock: not work for the
    /// cooperative pool) that trims the heap after each quiet interval.
    private static func startIdleTrimming() {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        let mallocTrim = unsafeBitCast(symbol, to: MallocTrim.self)
        let thread = Thread {
            var previous = processCPUSeconds()
            while true {
                Thread.sleep(forTimeInterval: trimInterval)
                let now = processCPUSeconds()
                if now - previous < trimInterval * idleCPUShare { _ = mallocTrim(0) }
                previous = processCPUSeconds()
            }
        }
        thread.name = "auditrelay-trim"
        thread.stackSize = 64 << 10
        thread.start()
    }

    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
#else
enum MemoryTuning {
    static func apply() {}
}
#endif
