import Synchronization
import Testing
@testable import Relay

/// The shared page workspaces: never more borrowers at once than workspaces, every waiter served,
/// and a workspace is reused rather than recreated.
@Suite struct PageWorkspacesTests {
    /// What the borrowers observed, behind one lock.
    final class Observations: Sendable {
        struct Counts {
            var inside = 0
            var mostInside = 0
            var served = 0
            var workspaces = Set<ObjectIdentifier>()
        }
        let counts = Mutex(Counts())
    }

    @Test func twentySourcesShareTwoWorkspacesOneAtATimeEach() async throws {
        let pool = PageWorkspaces(count: 2)
        let observed = Observations()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await pool.withWorkspace { workspace in
                        observed.counts.withLock {
                            $0.inside += 1
                            $0.mostInside = max($0.mostInside, $0.inside)
                            $0.workspaces.insert(ObjectIdentifier(workspace))
                        }
                        try await Task.sleep(for: .milliseconds(3))
                        observed.counts.withLock {
                            $0.inside -= 1
                            $0.served += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let counts = observed.counts.withLock { $0 }
        #expect(counts.served == 20)
        #expect(counts.mostInside == 2)
        #expect(counts.workspaces.count == 2)
    }

    @Test func aFailingBorrowerGivesItsWorkspaceBack() async throws {
        struct Failure: Error {}
        let pool = PageWorkspaces(count: 1)
        await #expect(throws: Failure.self) { try await pool.withWorkspace { _ in throw Failure() } }
        // With one workspace, this would wait forever if the failure had kept it.
        let value = try await pool.withWorkspace { _ in 7 }
        #expect(value == 7)
    }
}
