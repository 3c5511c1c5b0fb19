import Foundation
import RelayCore

/// Notices schema drift: the field paths (two levels deep) of each source's and stream's events,
/// so a path never seen before — a vendor changing its format — is reported once, before the
/// detections that read the old path quietly break. The first `baseline` events of a stream
/// define what is known. Bounded: at most `maxPaths` paths and `maxShapes` distinct event shapes
/// are remembered per stream; past that, new ones are no longer reported (and that is reported).
///
/// Cheap per event: the event's key layout is hashed from the raw bytes (`shapeHash`); only a
/// shape not seen before has its paths decoded and compared.
public final class FieldPathTracker: @unchecked Sendable {
    public struct NewField: Sendable, Equatable {
        public var source: String
        public var stream: String
        public var path: String
    }

    private struct Stream {
        var events = 0
        var shapes: Set<UInt64> = []
        var paths: Set<String> = []
        var full = false
    }

    public let baseline: Int
    public let maxPaths: Int
    public let maxShapes: Int
    private let lock = NSLock()
    private var streams: [String: Stream] = [:]

    public init(baseline: Int = 50, maxPaths: Int = 2048, maxShapes: Int = 4096) {
        self.baseline = baseline
        self.maxPaths = maxPaths
        self.maxShapes = maxShapes
    }

    /// The key of one source's stream (computed once per page, not per event).
    public struct StreamKey: Sendable {
        let source: String
        let stream: String
        let key: String
        public init(source: String, stream: String) {
            self.source = source
            self.stream = stream
            key = source + "\u{0}" + stream
        }
    }

    /// Records `event`'s fields; returns the paths this stream had never shown (after its baseline).
    public func observe(_ event: JSONValue, source: String, stream: String) -> [NewField] {
        observe(event, in: StreamKey(source: source, stream: stream))
    }

    public func observe(_ event: JSONValue, in streamKey: StreamKey) -> [NewField] {
        let shape = event.shapeHash()
        let key = streamKey.key
        let source = streamKey.source, stream = streamKey.stream
        let known = lock.withLock { () -> Bool in
            var state = streams[key] ?? Stream()
            state.events += 1
            let known = state.full || state.shapes.contains(shape)
            streams[key] = state
            return known
        }
        if known { return [] }
        let paths = event.fieldPaths()
        return lock.withLock {
            var state = streams[key] ?? Stream()
            defer { streams[key] = state }
            guard !state.full else { return [] }
            if state.shapes.count < maxShapes { state.shapes.insert(shape) }
            var new: [NewField] = []
            for path in paths where !state.paths.contains(path) {
                guard state.paths.count < maxPaths else {
                    state.full = true
                    break
                }
                state.paths.insert(path)
                if state.events > baseline { new.append(NewField(source: source, stream: stream, path: path)) }
            }
            if state.shapes.count >= maxShapes { state.full = true }
            return new
        }
    }
}
