import Vendors
import Normalizers
import RelayCore
import Synchronization

/// The buffers one page needs between polling and the record log: the normalizer (with its JSON
/// document), the records, their envelopes and the encoder's output. Reused page after page.
final class PageWorkspace: @unchecked Sendable {  // used by one task at a time: `PageWorkspaces` hands it out
    let normalizer: PageNormalizer

    init(fieldTracker: FieldPathTracker) {
        normalizer = PageNormalizer(registry: VendorCatalog.normalizers, fieldTracker: fieldTracker)
    }

    var records: [AuditRecord] = []
    var envelopes: [[UInt8]] = []
    var writer = JSONWriter(capacity: 64 << 10)
}

/// A fixed set of page workspaces shared by all sources. A source borrows one for each page it
/// normalizes and appends, so memory is bounded by the number of workspaces (one per core), not by
/// the number of sources: 26 vendors polled at once hold 2 sets of page buffers on 2 cores, not 26.
/// Sources that find none free wait in order; CPU-bound work beyond the core count gains nothing.
final class PageWorkspaces: Sendable {
    private struct State {
        var free: [PageWorkspace]
        var waiters: [CheckedContinuation<PageWorkspace, Never>] = []
    }

    private let state: Mutex<State>
    /// Every source's field paths, shared by the workspaces (a source uses whichever is free).
    let fieldTracker = FieldPathTracker()

    init(count: Int) {
        let tracker = fieldTracker
        state = Mutex(State(free: (0..<max(1, count)).map { _ in PageWorkspace(fieldTracker: tracker) }))
    }

    func withWorkspace<T>(_ body: (PageWorkspace) async throws -> T) async throws -> T {
        let workspace = await take()
        defer { give(workspace) }
        return try await body(workspace)
    }

    private func take() async -> PageWorkspace {
        await withCheckedContinuation { continuation in
            let workspace = state.withLock { state -> PageWorkspace? in
                if let workspace = state.free.popLast() { return workspace }
                state.waiters.append(continuation)
                return nil
            }
            if let workspace { continuation.resume(returning: workspace) }
        }
    }

    private func give(_ workspace: PageWorkspace) {
        let waiter = state.withLock { state -> CheckedContinuation<PageWorkspace, Never>? in
            if state.waiters.isEmpty {
                state.free.append(workspace)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: workspace)
    }
}
