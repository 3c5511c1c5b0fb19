#if canImport(Glibc)
import Glibc
#endif

/// A durable, segmented, append-only spool between the pollers and the sinks (at-least-once delivery).
///
/// Layout of the directory: `segment-<20-digit id>.log` files (see `Segment.swift` and `RecordFrame.swift` for
/// the byte layout), `acks` (per-sink watermarks), `state` (cursors and dedupe ids carried over from deleted
/// segments), `state.reserve` (space allocated ahead so `state` can be rewritten on a full disk) and `LOCK`
/// (exclusive `flock`, so a second process gets ``SpoolError/locked(_:holder:)``).
///
/// Invariants:
/// - Data records are numbered 1, 2, 3, ... without gaps; sequence and segment ids are 64-bit and never reused.
/// - `append` returns only after its batch (data, cursor marker, dedupe ids) is written with one `pwrite` and
///   made durable with one `fdatasync` (plus `fsync` of file and directory when it created a segment).
/// - A segment is deleted only when every sink's watermark is past its last record (or `.dropOldest` dropped
///   it, counted in `droppedRecords`).
/// - Disk usage (segments + metadata + the room to rewrite metadata atomically) never exceeds `maxBytes`.
/// - After a write or fsync error the spool stops accepting appends (``SpoolStats/failure``); the failed
///   descriptor is never written again. ``resume()`` or a new instance continues from the last durable state.
///
/// - Important: All methods are thread-safe. `append` and `read` do their blocking file I/O (write, fsync,
///   pread) on the spool's own threads (`SpoolThread`), so a slow disk never holds a thread of the cooperative
///   pool; the sidecar writer runs there too. The synchronous methods (`acknowledge`, `close`,
///   `persistAcknowledgements`) may write and fsync on the calling thread: async callers run them on
///   `SpoolThread.bookkeeping`. Waiting for space (`.block`) or for data (`read`) suspends without blocking a thread.
public final class Spool: Sendable {
    public let configuration: Configuration
    /// Segment capacity after capping by `maxBytes`.
    let segmentCapacity: UInt64
    let state: Protected<SpoolState>
    /// Serialises appends (one writer); held across the write and fsync of a batch. Lock order: writer, meta, state.
    let writer: Protected<AppendBuffer>
    /// Serialises rewrites of `acks` and `state` and segment deletion.
    let meta: Protected<Void>
    private let directoryLock: DirectoryLock
    /// The chain of background sidecar writes (one at a time, in seal order).
    let sealer: Protected<Task<Void, Never>?>

    /// Opens (or creates) the spool directory, locks it and recovers its state from disk.
    /// - Throws: `SpoolError` `locked` if another instance holds the directory, `io` if it cannot be read,
    ///   `invalidConfiguration` for impossible settings. Damaged records never make `init` throw.
    public init(configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
        segmentCapacity = min(configuration.segmentBytes, configuration.maxBytes)
        try SpoolDirectory.createIfMissing(configuration.directory)
        directoryLock = try DirectoryLock(directory: configuration.directory)
        var recovered = try SpoolRecovery(configuration: configuration, readOnly: false).run()
        recovered.lastAckPersistTime = Clock.monotonicSeconds()
        state = Protected(recovered)
        writer = Protected(AppendBuffer())
        meta = Protected(())
        sealer = Protected(nil)
        // Segments fully acknowledged before the last shutdown can go now.
        collectGarbage(includeActive: false)
        meta.withLock { _ in refreshStateReserve() }
        // Sealed segments recovery had to scan (old format, crash before their sidecar): summarise them now.
        scheduleSidecars(state.withLock { state in state.segments.dropLast().filter { $0.sidecarBytes == 0 }.map(\.id) })
    }

    /// Reads a spool directory without locking or modifying it (for `auditrelay spool inspect` next to a
    /// running instance). Recovery findings (torn tail, corrupt records) are reported but not repaired.
    public static func inspect(configuration: Configuration) throws -> SpoolInspection {
        try configuration.validate()
        let recovered = try SpoolRecovery(configuration: configuration, readOnly: true).run()
        return SpoolInspection(state: recovered, configuration: configuration)
    }

    deinit { directoryLock.unlock() }

    /// Stops the spool: pending and future `read` calls return `[]`, `append` throws `closed`, acknowledgements
    /// are persisted and the directory lock is released. Idempotent.
    public func close() {
        let waiters: [CheckedContinuation<Void, Never>] = writer.withLock { _ in
            state.withLock { state in
                guard !state.closed else { return [] }
                state.closed = true
                return state.takeSpaceWaiters() + state.takeDataWaiters()
            }
        }
        for waiter in waiters { waiter.resume() }
        persistAcknowledgements(force: false)
        directoryLock.unlock()
    }

    /// Lets readers drain: they receive what is left and then `[]` instead of waiting for new records
    /// (`--once` runs and graceful shutdown). Appends stay possible; call `close()` to stop everything.
    public func drain() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.draining = true
            state.dataGeneration += 1
            return state.takeDataWaiters()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The sequence of the last record appended (0 before the first).
    public var lastSequence: UInt64 { state.withLock { $0.lastSequence } }

    /// Every record through this sequence is acknowledged by every sink (the lowest sink watermark).
    public var acknowledgedThrough: UInt64 { state.withLock { $0.minWatermark } }

    /// The last cursor committed for `source` whose batch is intact in the spool (or was delivered and deleted).
    public func committedCursor(source: String) -> String? {
        state.withLock { $0.cursors[source] }
    }

    /// Ids among `eventIDs` that `source` recorded within its dedupe window.
    public func duplicates(source: String, eventIDs: some Sequence<String>) -> Set<String> {
        let maxAgeMillis = UInt64(configuration.dedupeWindow.maxAgeSeconds * 1000)
        let now = Clock.nowMillis()
        let cutoff = now > maxAgeMillis ? now - maxAgeMillis : 0
        return state.withLock { state in
            guard let window = state.windows[source] else { return [] }
            return Set(eventIDs.filter { window.contains($0, notBefore: cutoff) })
        }
    }

    /// Whether `source` recorded `eventID` within its dedupe window.
    public func isDuplicate(source: String, eventID: String) -> Bool {
        !duplicates(source: source, eventIDs: [eventID]).isEmpty
    }

    /// Records ids in the source's dedupe window durably (one write and fsync). Prefer passing the ids to
    /// `append(_:cursor:seen:)`, which commits them together with the records.
    public func recordSeen(source: String, eventIDs: [String]) async throws {
        _ = try await append([[UInt8]](), cursor: nil, seen: (source, eventIDs))
    }

    /// After an append failed (disk full, I/O error): opens a fresh descriptor on the active segment, cuts it
    /// back to its last durable length, fsyncs, and accepts appends again. With `.block`, appends waiting after a
    /// disk-full failure call this themselves once the file system has room; after an I/O error it is the
    /// caller's decision (or open a new instance, whose recovery does the same repair).
    /// - Throws: the `SpoolError` of the failed repair; the spool then stays failed.
    public func resume() throws {
        try writer.withLock { _ in
            let active: Segment? = state.withLock { state in state.failure == nil ? nil : state.segments.last }
            guard state.withLock({ $0.failure != nil }) else { return }
            if let active {
                let file = try SpoolFile.open(active.path, flags: O_RDWR)
                try file.truncate(to: active.size)
                try file.sync()
                let reopened = Segment(id: active.id, path: active.path, file: file,
                                       firstSequence: active.firstSequence, size: active.size)
                reopened.lastSequence = active.lastSequence
                reopened.index = active.index
                reopened.cursors = active.cursors
                reopened.corruptRanges = active.corruptRanges
                state.withLock { state in
                    if state.segments.last === active { state.segments[state.segments.count - 1] = reopened }
                }
            }
            state.withLock { $0.failure = nil }
        }
    }
}
