#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value inside a `JSONDocument`. Cheap to copy; valid until the document parses another text.
///
/// Accessors are forgiving by design: vendor data puts numbers in strings, strings in numbers and
/// `null` everywhere, so `text` gives the textual form of any scalar and `int64`/`double` accept
/// numeric strings. Wrong kinds give `nil`, never a crash.
public struct JSONValue {
    /// Keeps the buffers alive; the pointers below are what the accessors read.
    let document: JSONDocument
    let nodes: UnsafePointer<JSONNode>
    let bytes: UnsafePointer<UInt8>
    let index: Int

    init(document: JSONDocument, nodes: UnsafePointer<JSONNode>, bytes: UnsafePointer<UInt8>, index: Int) {
        self.document = document
        self.nodes = nodes
        self.bytes = bytes
        self.index = index
    }

    @inline(__always) var node: JSONNode { nodes[index] }
    @inline(__always) func value(at index: Int) -> JSONValue { JSONValue(document: document, nodes: nodes, bytes: bytes, index: index) }

    public var kind: JSONKind { node.kind }
    public var isNull: Bool { node.kind == .null }

    /// Where the value sits in the parsed text (strings include their quotes).
    public var rawRange: Range<Int> {
        let node = node
        if node.kind == .string { return (Int(node.start) - 1)..<(Int(node.end) + 1) }
        return Int(node.start)..<Int(node.end)
    }

    /// The value's exact bytes in the source text (strings include their quotes).
    public var rawBytes: [UInt8] {
        let range = rawRange
        return Array(UnsafeBufferPointer(start: bytes + range.lowerBound, count: range.count))
    }

    /// The text of a number or literal, or the undecoded body of a string.
    @inline(__always) func span(_ node: JSONNode) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + Int(node.start), count: Int(node.end) - Int(node.start))
    }

    func decodeString(_ node: JSONNode) -> String {
        if node.flags & JSONNode.hasEscapes == 0 { return String(decoding: span(node), as: UTF8.self) }
        return document.unescape(bytes + Int(node.start), count: Int(node.end) - Int(node.start))
    }

    /// Compares a string node's content with `key` without allocating.
    @inline(__always)
    func stringEquals(_ node: JSONNode, _ key: String) -> Bool {
        if node.flags & JSONNode.hasEscapes != 0 { return decodeString(node) == key }
        let count = Int(node.end) - Int(node.start)
        let start = bytes + Int(node.start)
        if let equal = key.utf8.withContiguousStorageIfAvailable({ keyBytes -> Bool in
            guard keyBytes.count == count else { return false }
            guard let keyBase = keyBytes.baseAddress else { return count == 0 }
            return memcmp(start, keyBase, count) == 0
        }) {
            return equal
        }
        return key.utf8.elementsEqual(UnsafeBufferPointer(start: start, count: count))
    }

    // MARK: Objects

    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        let node = node
        guard node.kind == .object else { return nil }
        var keyIndex = index + 1
        let end = Int(node.next)
        while keyIndex < end {
            let valueIndex = keyIndex + 1
            if stringEquals(nodes[keyIndex], key) { return value(at: valueIndex) }
            keyIndex = Int(nodes[valueIndex].next)
        }
        return nil
    }

    /// Follows a path of object keys: `event["client", "ipAddress"]`.
    public subscript(first: String, rest: String...) -> JSONValue? {
        var value = self[first]
        for key in rest {
            guard let current = value else { return nil }
            value = current[key]
        }
        return value
    }

    /// The members of an object, in document order (empty for other kinds).
    public var members: JSONMembers { JSONMembers(value: self) }

    // MARK: Arrays

    /// The elements of an array (empty for other kinds).
    public var elements: JSONElements { JSONElements(value: self) }

    /// The element at `position` of an array.
    public subscript(position: Int) -> JSONValue? {
        var count = 0
        for element in elements {
            if count == position { return element }
            count += 1
        }
        return nil
    }

    /// Number of elements or members; 0 for scalars.
    public var count: Int {
        switch kind {
        case .array: return elements.reduce(0) { count, _ in count + 1 }
        case .object: return members.reduce(0) { count, _ in count + 1 }
        default: return 0
        }
    }

    // MARK: Scalars

    /// The decoded string, if this is a string.
    public var string: String? {
        let node = node
        return node.kind == .string ? decodeString(node) : nil
    }

    /// A non-empty string, if this is a string with content.
    public var nonEmptyString: String? {
        guard let string, !string.isEmpty else { return nil }
        return string
    }

    /// The textual form of a scalar: strings decoded, numbers and booleans as written; nil for null and containers.
    public var text: String? {
        let node = node
        switch node.kind {
        case .string: return decodeString(node)
        case .number, .bool: return String(decoding: span(node), as: UTF8.self)
        default: return nil
        }
    }

    /// A boolean, also from the strings "true"/"false".
    public var bool: Bool? {
        let node = node
        switch node.kind {
        case .bool: return node.flags == 1
        case .string:
            switch decodeString(node).lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// An integer from an integral number or a numeric string.
    public var int64: Int64? {
        let node = node
        switch node.kind {
        case .number:
            if node.flags & JSONNode.isInteger != 0 {
                return Self.parseInteger(span(node))
            }
            guard let double = double, double.rounded() == double, abs(double) < 9.2e18 else { return nil }
            return Int64(double)
        case .string:
            return Int64(decodeString(node).trimmingASCIIWhitespace())
        default: return nil
        }
    }

    /// A floating-point number from a number or a numeric string.
    public var double: Double? {
        let node = node
        switch node.kind {
        case .number: return Double(String(decoding: span(node), as: UTF8.self))
        case .string: return Double(decodeString(node).trimmingASCIIWhitespace())
        default: return nil
        }
    }
}

/// The members of a JSON object, as (key, value) pairs in document order.
public struct JSONMembers: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let value: JSONValue
        var keyIndex: Int
        let end: Int
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard keyIndex < end else { return nil }
            let valueIndex = keyIndex + 1
            let key = value.decodeString(value.nodes[keyIndex])
            keyIndex = Int(value.nodes[valueIndex].next)
            return (key, value.value(at: valueIndex))
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .object else { return Iterator(value: value, keyIndex: 0, end: 0) }
        return Iterator(value: value, keyIndex: value.index + 1, end: Int(node.next))
    }
}

/// The elements of a JSON array, in order.
public struct JSONElements: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let value: JSONValue
        var position: Int
        let end: Int
        public mutating func next() -> JSONValue? {
            guard position < end else { return nil }
            let element = value.value(at: position)
            position = Int(value.nodes[position].next)
            return element
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .array else { return Iterator(value: value, position: 0, end: 0) }
        return Iterator(value: value, position: value.index + 1, end: Int(node.next))
    }
}

extension JSONValue {
    /// Parses a validated JSON integer (`-?[0-9]+`); nil on overflow.
    static func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var value: Int64 = 0
        while index < text.count {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = shifted.addingReportingOverflow(Int64(text[index] &- 0x30))
            guard !overflow1, !overflow2 else { return negative && text.count == 20 && String(decoding: text, as: UTF8.self) == "-9223372036854775808" ? Int64.min : nil }
            value = added
            index += 1
        }
        return negative ? -value : value
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension JSONValue {
    /// The elements of an array as an Array (empty for other kinds).
    public var array: [JSONValue] { Array(elements) }
}

extension JSONValue {
    /// A hash of this object's keys, in order, and of the keys of its object members down to
    /// `depth` levels: the event's shape, taken from the raw key bytes without decoding a string,
    /// so a tracker can tell "a shape seen before" from "look closer" at the cost of one pass.
    public func shapeHash(depth: Int = 2) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        addShape(to: &hash, depth: depth)
        return hash
    }

    private func addShape(to hash: inout UInt64, depth: Int) {
        let node = self.node
        guard node.kind == .object, depth > 0 else { return }
        var keyIndex = index + 1
        let end = Int(node.next)
        while keyIndex < end {
            for byte in span(nodes[keyIndex]) {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            hash = (hash ^ 0x2E) &* 0x100_0000_01b3  // a separator, so "ab","c" differs from "a","bc"
            let valueIndex = keyIndex + 1
            if nodes[valueIndex].kind == .object {
                hash = (hash ^ 0x7B) &* 0x100_0000_01b3
                value(at: valueIndex).addShape(to: &hash, depth: depth - 1)
                hash = (hash ^ 0x7D) &* 0x100_0000_01b3
            }
            keyIndex = Int(nodes[valueIndex].next)
        }
    }

    /// The dotted paths of this object's keys down to `depth` levels (`actor`, `actor.id`).
    public func fieldPaths(depth: Int = 2, prefix: String = "") -> [String] {
        guard kind == .object, depth > 0 else { return [] }
        var paths: [String] = []
        for (key, member) in members {
            let path = prefix.isEmpty ? key : prefix + "." + key
            paths.append(path)
            paths.append(contentsOf: member.fieldPaths(depth: depth - 1, prefix: path))
        }
        return paths
    }
}
