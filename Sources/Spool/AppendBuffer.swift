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
        capacity = max(count, capacity * 2)
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    /// Returns the memory to the allocator after an unusually large batch.
    func shrinkIfLarge() {
        guard capacity > 16 << 20 else { return }
        base.deallocate()
        capacity = 1 << 20
        base = .allocate(byteCount: capacity, alignment: 16)
    }
}
