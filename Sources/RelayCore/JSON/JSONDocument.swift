/// A parsed JSON text: the original bytes plus a flat "tape" of nodes pointing into them.
///
/// Parsing validates the whole text once and records where every value starts and ends; values are
/// decoded only when a caller asks for them, so a normalizer that reads ten fields of a 1 KiB event
/// pays for ten fields, not for a dictionary of everything. One document is reused for many events
/// (`parse` keeps the buffers' capacity), which keeps the hot path free of per-event allocations.
///
/// Not thread-safe: use one document per task.
public final class JSONDocument {
    /// The bytes of the current text, exactly as given to `parse`.
    public private(set) var bytes: [UInt8] = []
    @usableFromInline var nodes: [JSONNode] = []
    private var stack: [Int32] = []
    private var scratch: [UInt8] = []

    /// Containers nested deeper than this are rejected rather than risking the stack or time.
    public static let maximumDepth = 512

    public init() {}

    /// Parses `text` (one JSON value, surrounding whitespace allowed) and returns its root.
    /// - Throws: `JSONError` naming the byte offset of the first problem.
    @discardableResult
    public func parse<Bytes: Collection>(_ text: Bytes) throws(JSONError) -> JSONValue where Bytes.Element == UInt8 {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: text)
        nodes.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        try bytes.withUnsafeBufferPointer { buffer throws(JSONError) in
            var parser = JSONTapeBuilder(input: buffer, nodes: nodes, stack: stack)
            nodes = []
            stack = []
            defer {
                nodes = parser.nodes
                stack = parser.stack
            }
            try parser.run()
        }
        return JSONValue(document: self, index: 0)
    }

    /// The root value of the last successful `parse`.
    public var root: JSONValue? { nodes.isEmpty ? nil : JSONValue(document: self, index: 0) }

    // MARK: - Decoding helpers used by JSONValue

    func decodeString(_ node: JSONNode) -> String {
        let start = Int(node.start), end = Int(node.end)
        if node.flags & JSONNode.hasEscapes == 0 {
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
        }
        scratch.removeAll(keepingCapacity: true)
        JSONEscapes.unescape(bytes[start..<end], into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Compares a string node's content with `key` without allocating.
    func stringEquals(_ node: JSONNode, _ key: String) -> Bool {
        if node.flags & JSONNode.hasEscapes != 0 { return decodeString(node) == key }
        let start = Int(node.start), count = Int(node.end) - start
        var key = key
        return key.withUTF8 { keyBytes in
            guard keyBytes.count == count else { return false }
            return bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, let keyBase = keyBytes.baseAddress else { return count == 0 }
                return memcmp(base + start, keyBase, count) == 0
            }
        }
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
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
