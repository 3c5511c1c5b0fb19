import Testing
@testable import Operations
import RelayCore

@Suite struct ReadinessTests {
    let readiness = Readiness(maximumAge: .seconds(60))

    func status(age: Duration?, writable: Bool = true) -> RecordLogStatus {
        RecordLogStatus(records: age == nil ? 0 : 10, bytes: 100, oldestUnacknowledgedAge: age, writable: writable)
    }

    @Test func readyWhenStartedWritableAndFresh() {
        #expect(readiness.problems(started: true, status: status(age: nil)).isEmpty)
        #expect(readiness.problems(started: true, status: status(age: .seconds(59))).isEmpty)
    }

    @Test func notReadyWithAReasonForEachProblem() {
        #expect(readiness.problems(started: false, status: status(age: nil)) == ["pipeline not started"])
        #expect(readiness.problems(started: true, status: status(age: nil, writable: false)) == ["spool is not writable (disk full or I/O error)"])
        #expect(readiness.problems(started: true, status: status(age: .seconds(61))) == [
            "oldest unacknowledged record is 61 s old (limit 60 s): a sink is not keeping up",
        ])
        #expect(readiness.problems(started: true, status: nil) == ["record log status unavailable"])
    }

    @Test func pipelineModeFailsOnABacklogProcessModeOnlyReportsIt() {
        let backlog = status(age: .seconds(600))
        let reason = "oldest unacknowledged record is 600 s old (limit 60 s): a sink is not keeping up"
        let pipeline = Readiness(maximumAge: .seconds(60), mode: .pipeline).verdict(started: true, status: backlog)
        #expect(pipeline.ready == false)
        #expect(pipeline.problems == [reason])
        let process = Readiness(maximumAge: .seconds(60), mode: .process).verdict(started: true, status: backlog)
        #expect(process.ready == true)
        #expect(process.problems == [reason])
        // Process mode stays ready through every pipeline problem, a full spool included.
        #expect(Readiness(maximumAge: .seconds(60), mode: .process).verdict(started: false, status: status(age: nil, writable: false)).ready)
        #expect(readiness.mode == .pipeline)  // the default
    }

    @Test func listenAddresses() throws {
        _ = try OpsServer.socketAddress("127.0.0.1:8686")
        _ = try OpsServer.socketAddress("0.0.0.0:0")
        _ = try OpsServer.socketAddress("[::1]:8686")
        #expect(throws: OpsError.self) { try OpsServer.socketAddress("8686") }
        #expect(throws: (any Error).self) { try OpsServer.socketAddress("999.1.1.1:80") }
    }
}
