#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed JSON text: the original bytes plus a flat "tape" of nodes pointing into them.
///
/// Parsing validates the whole text once and records where every value starts and ends; values are
/// decoded only when a caller asks for them, so a normalizer that reads ten fields of a 1 KiB event
/// pays for ten fields, not for a dictionary of everything. One document is reused for many events:
/// its byte and node buffers are allocated once and grown only when a larger text arrives, which
/// keeps the hot path free of per-event allocations.
///
/// Values (`JSONValue`) read the buffers through pointers and stay valid while the document lives
/// and until it parses another text. Not thread-safe: use one document per task.
public final class JSONDocument {
    private var byteBuffer: UnsafeMutablePointer<UInt8>
    private var byteCapacity: Int
    private var byteCount = 0
    private var nodeBuffer: UnsafeMutablePointer<JSONNode>
    private var nodeCapacity: Int
    private var nodeCount = 0
    private var stack: [Int32] = []
    private var scratch: [UInt8] = []

    /// Containers nested deeper than this are rejected rather than risking the stack or time.
    public static let maximumDepth = 512

    /// Values a text may have (every scalar, array and object counts one; each costs 16 bytes of
    /// tape). Beyond it `parse` throws (`JSONError.isTooManyValues`) instead of growing memory:
    /// 15 MB of `{},{},…` would otherwise take 80 MB of tape.
    public var maximumValues = Int.max

    public init() {
        byteCapacity = 4096
        byteBuffer = .allocate(capacity: byteCapacity)
        nodeCapacity = 256
        nodeBuffer = .allocate(capacity: nodeCapacity)
    }

    deinit {
        byteBuffer.deallocate()
        nodeBuffer.deallocate()
    }

    /// The bytes of the current text, exactly as given to `parse` (a copy).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: byteBuffer, count: byteCount)) }

    /// Parses `text` (one JSON value, surrounding whitespace allowed) and returns its root.
    /// - Throws: `JSONError` naming the byte offset of the first problem.
    @discardableResult
    public func parse<Bytes: Collection>(_ text: Bytes) throws(JSONError) -> JSONValue where Bytes.Element == UInt8 {
        let count = text.count
        if count > byteCapacity {
            byteBuffer.deallocate()
            byteCapacity = max(count, byteCapacity * 2)
            byteBuffer = .allocate(capacity: byteCapacity)
        }
        let copied = text.withContiguousStorageIfAvailable { source -> Bool in
            if let base = source.baseAddress { byteBuffer.update(from: base, count: count) }
            return true
        }
        if copied == nil { _ = UnsafeMutableBufferPointer(start: byteBuffer, count: count).initialize(from: text) }
        byteCount = count
        var builder = JSONTapeBuilder(input: UnsafeBufferPointer(start: byteBuffer, count: count),
                                      nodes: nodeBuffer, capacity: nodeCapacity, stack: stack, maximumValues: maximumValues)
        stack = []
        defer {
            // The builder may have grown the node buffer; take it back whether parsing succeeded or not.
            nodeBuffer = builder.nodes
            nodeCapacity = builder.capacity
            nodeCount = builder.count
            stack = builder.stack
        }
        try builder.run()
        return JSONValue(document: self, nodes: builder.nodes, bytes: byteBuffer, index: 0)
    }

    /// The root value of the last successful `parse`.
    public var root: JSONValue? { nodeCount == 0 ? nil : JSONValue(document: self, nodes: nodeBuffer, bytes: byteBuffer, index: 0) }

    /// Decodes a string with escapes (the rare case) through a reusable scratch buffer.
    func unescape(_ start: UnsafePointer<UInt8>, count: Int) -> String {
        scratch.removeAll(keepingCapacity: true)
        JSONEscapes.unescape(UnsafeBufferPointer(start: start, count: count), into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }
}

/// One entry of the tape. Containers record where their descendants end (`next`), so lookups skip
/// whole subtrees without looking inside them.
@usableFromInline
struct JSONNode {
    static let hasEscapes: UInt8 = 1
    static let isNegative: UInt8 = 2
    static let isInteger: UInt8 = 4

    var kind: JSONKind
    var flags: UInt8
    /// For strings: first byte after the opening quote; for others: first byte of the value.
    var start: UInt32
    /// For strings: the closing quote; for others: one past the last byte.
    var end: UInt32
    /// Index of the node following this value and all its descendants.
    var next: UInt32
}

/// The kind of a JSON value.
public enum JSONKind: UInt8, Sendable {
    case object, array, string, number, bool, null
}

/// Where and why a JSON text is not valid.
public struct JSONError: Error, Sendable, CustomStringConvertible, Equatable {
    public let offset: Int
    public let reason: String
    /// The text is cut off at `JSONDocument.maximumValues`, not invalid: a limit, not a syntax error.
    public private(set) var isTooManyValues = false

    static func tooManyValues(_ limit: Int, at offset: Int) -> JSONError {
        var error = JSONError(offset: offset, reason: "more than \(limit) values")
        error.isTooManyValues = true
        return error
    }

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
