#if canImport(Glibc)
import Glibc

/// glibc malloc settings for a long-running relay. By default each thread arena keeps freed
/// memory until 128 KiB sits free at its top *and* the threshold keeps growing with the largest
/// block freed, so page-sized buffers freed by the pipeline's threads stay resident: the budget
/// benchmark peaked at ~240 MiB of which ~80 MiB was free heap. A fixed trim threshold returns it;
/// a fixed 4 MiB mmap threshold keeps page buffers out of mmap/munmap churn. Same speed, measured
/// with `scripts/bench-pipeline.py --budget`.
enum MemoryTuning {
    static func apply() {
        // mallopt is not in the Glibc module map; look it up instead of adding a C target for it.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in <malloc.h>
        _ = mallopt(trimThreshold, 128 << 10)
        _ = mallopt(mmapThreshold, 4 << 20)
    }
}
#else
enum MemoryTuning {
    static func apply() {}
}
#endif
