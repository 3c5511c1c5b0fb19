/// The writer's reusable frame buffer: a batch is framed here and written with one `pwrite`.
final class AppendBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init() {
        capacity = 1 << 20
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    func reserve(_ count: Int) {
        guard count > capacity else { return }
        base.deallocate()
        // The batch's size rounded up, not doubled: a 4.5 MB page doubled to an 8 MiB buffer.
        let granule = 256 << 10
        capacity = (count + granule - 1) / granule * granule
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    /// Returns the memory to the allocator after a batch larger than usual (a page of 1,000
    /// events of a few KiB): kept, it stays resident for good.
    func shrinkIfLarge() {
        guard capacity > 4 << 20 else { return }
        base.deallocate()
        capacity = 1 << 20
        base = .allocate(byteCount: capacity, alignment: 16)
    }
}
