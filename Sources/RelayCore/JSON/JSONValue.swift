/// A value inside a `JSONDocument`. Cheap to copy; valid until the document parses another text.
///
/// Accessors are forgiving by design: vendor data puts numbers in strings, strings in numbers and
/// `null` everywhere, so `text` gives the textual form of any scalar and `int64`/`double` accept
/// numeric strings. Wrong kinds give `nil`, never a crash.
public struct JSONValue {
    let document: JSONDocument
    let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    @inline(__always) var node: JSONNode { document.nodes[index] }

    public var kind: JSONKind { node.kind }
    public var isNull: Bool { node.kind == .null }

    /// The value's exact bytes in the source text (strings include their quotes).
    public var rawBytes: ArraySlice<UInt8> {
        let node = node
        if node.kind == .string { return document.bytes[Int(node.start) - 1..<Int(node.end) + 1] }
        return document.bytes[Int(node.start)..<Int(node.end)]
    }

    // MARK: Objects

    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        let node = node
        guard node.kind == .object else { return nil }
        let nodes = document.nodes
        var keyIndex = index + 1
        let end = Int(node.next)
        while keyIndex < end {
            let valueIndex = keyIndex + 1
            if document.stringEquals(nodes[keyIndex], key) { return JSONValue(document: document, index: valueIndex) }
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
        return node.kind == .string ? document.decodeString(node) : nil
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
        case .string: return document.decodeString(node)
        case .number, .bool: return String(decoding: document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self)
        default: return nil
        }
    }

    /// A boolean, also from the strings "true"/"false".
    public var bool: Bool? {
        let node = node
        switch node.kind {
        case .bool: return node.flags == 1
        case .string:
            switch document.decodeString(node).lowercased() {
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
                return Int64(String(decoding: document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self))
            }
            guard let double = double, double.rounded() == double, abs(double) < 9.2e18 else { return nil }
            return Int64(double)
        case .string:
            return Int64(document.decodeString(node).trimmingASCIIWhitespace())
        default: return nil
        }
    }

    /// A floating-point number from a number or a numeric string.
    public var double: Double? {
        let node = node
        switch node.kind {
        case .number: return Double(String(decoding: document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self))
        case .string: return Double(document.decodeString(node).trimmingASCIIWhitespace())
        default: return nil
        }
    }
}

/// The members of a JSON object, as (key, value) pairs in document order.
public struct JSONMembers: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var keyIndex: Int
        let end: Int
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard keyIndex < end else { return nil }
            let valueIndex = keyIndex + 1
            let key = document.decodeString(document.nodes[keyIndex])
            keyIndex = Int(document.nodes[valueIndex].next)
            return (key, JSONValue(document: document, index: valueIndex))
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .object else { return Iterator(document: value.document, keyIndex: 0, end: 0) }
        return Iterator(document: value.document, keyIndex: value.index + 1, end: Int(node.next))
    }
}

/// The elements of a JSON array, in order.
public struct JSONElements: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var position: Int
        let end: Int
        public mutating func next() -> JSONValue? {
            guard position < end else { return nil }
            let element = JSONValue(document: document, index: position)
            position = Int(document.nodes[position].next)
            return element
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .array else { return Iterator(document: value.document, position: 0, end: 0) }
        return Iterator(document: value.document, position: value.index + 1, end: Int(node.next))
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
