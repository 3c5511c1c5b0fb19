import Foundation
import Logging
import Metrics
import RelayCore
import Synchronization

/// One replica's part in cluster mode: which sources it owns (group membership), where a source it
/// takes over resumes (state reader + `TakeoverRule`), and the mirroring of delivered cursors
/// (`CursorMirrorGate` + state writer). The pipeline drives it; see README "Cluster mode".
public final class ClusterNode: Sendable {
    public let ownership = SourceOwnership()
    public let configuration: ClusterConfiguration
    private let membership: GroupMembership
    private let reader: StateReader
    private let writer: StateWriter
    private let gate = Mutex(CursorMirrorGate())
    /// The sealed credential last published per source.
    private let publishedCredentials = Mutex([String: String]())
    private let logger: Logger
    private let pendingGauge = Gauge(label: MetricName.clusterMirrorPending)

    /// - Parameter sourceIDs: the polled sources this config defines (every replica must define the same).
    public init(configuration: ClusterConfiguration, sourceIDs: [String], logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let clientID = "auditrelay-\(ProcessInfo.processInfo.hostName)-\(getpid())"
        membership = try GroupMembership(configuration: configuration, sourceIDs: sourceIDs, ownership: ownership, clientID: clientID, logger: logger)
        reader = try StateReader(configuration: configuration, clientID: clientID, logger: logger)
        writer = try StateWriter(configuration: configuration, clientID: clientID, logger: logger)
    }

    public func start() {
        reader.start()
        writer.start()
        membership.start()
    }

    /// Leaves the group (revoking every source); called once the sources stopped polling.
    public func leaveGroup() async {
        await onThread { [membership] in membership.stop() }
        ownership.stop()
    }

    /// Publishes what is still pending (at most `flushTimeout`) and stops the Kafka clients.
    public func stop(flushTimeout: Duration = .seconds(10)) async {
        await leaveGroup()
        await onThread { [writer, reader] in
            writer.stop(flushTimeout: flushTimeout)
            reader.stop()
        }
    }

    /// Where `source` starts after this replica was assigned it: waits until the state topic was
    /// read up to its end as of now, then the mirrored cursor, else `local` (the spool's). Nil when
    /// the wait was cancelled or the cluster stopped first (then the source must not start).
    public func startingCursor(source: String, local: String?) async -> (cursor: String?, mirrored: Bool)? {
        guard await reader.waitUntilCaughtUp() else { return nil }
        let mirrored = reader.cursor(source: source)
        return (TakeoverRule.startingCursor(mirrored: mirrored, local: local), mirrored != nil)
    }

    /// State records queued or in flight to the state topic.
    var mirrorOutstanding: Int { writer.outstanding }

    /// The mirrored cursor of `source` as read so far (for `cursor show`-like reporting).
    public func mirroredCursor(source: String) -> String? { reader.cursor(source: source) }

    /// A cursor committed to the local log, durable with every record through `throughSequence`.
    ///
    /// Its positions wait in the gate for delivery; a rotated credential in it is published now.
    /// The vendor revoked the previous token when it issued this one, so a replica taking over
    /// with a credential that waited for delivery could not authenticate at all, while a position
    /// that is newer than what was delivered would skip events. Publishing credentials only here
    /// also keeps a replica that lost the source, still releasing old positions as its sinks
    /// catch up, from overwriting the new owner's credential with a revoked one.
    public func committed(source: String, cursor: String, throughSequence: UInt64) {
        let pending = gate.withLock { gate in
            gate.committed(source: source, cursor: cursor, throughSequence: throughSequence)
            return gate.pendingCount
        }
        if let sealed = StateRecord.sealedCredential(in: cursor),
           publishedCredentials.withLock({ $0.updateValue(sealed, forKey: source) != sealed }) {
            writer.publish([(StateRecord.credentialKey(source: source), StateRecord.value(sealed))])
        }
        pendingGauge.record(Double(pending + writer.outstanding))
    }

    /// Every sink acknowledged every record through `sequence`: the cursors committed with them
    /// are published to the state topic.
    public func acknowledged(through sequence: UInt64) {
        let (released, pending) = gate.withLock { gate in (gate.release(acknowledgedThrough: sequence), gate.pendingCount) }
        var records: [(key: [UInt8], value: [UInt8]?)] = []
        for entry in released {
            do {
                let credentialKey = StateRecord.credentialKey(source: entry.source)
                records += try StateRecord.records(source: entry.source, cursor: entry.cursor)
                    .filter { $0.key != credentialKey }  // published when committed
                    .map { ($0.key, Optional($0.value)) }
            } catch {
                // A cursor that is not a SourceCursor (a replay source's line number): nothing to mirror.
                logger.debug("cluster: cursor not mirrored", metadata: ["source": "\(entry.source)", "reason": "\(error)"])
            }
        }
        writer.publish(records)
        pendingGauge.record(Double(pending + writer.outstanding))
    }
}

/// Runs blocking work (joining a librdkafka client's thread) off the cooperative pool.
func onThread(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            work()
            continuation.resume()
        }.start()
    }
}
