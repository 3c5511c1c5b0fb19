/// Builds the node tape for `JSONDocument` in one pass over the input.
///
/// Iterative, with an explicit container stack, so hostile nesting cannot overflow the thread stack.
struct JSONTapeBuilder {
    let input: UnsafeBufferPointer<UInt8>
    /// The node buffer, owned by the document; grown here (and handed back) when a text needs more.
    var nodes: UnsafeMutablePointer<JSONNode>
    var capacity: Int
    var count = 0
    var stack: [Int32]
    var position = 0
    /// Values (nodes) a text may have; checked only when the buffer grows, so it costs nothing per value.
    let maximumValues: Int

    init(input: UnsafeBufferPointer<UInt8>, nodes: UnsafeMutablePointer<JSONNode>, capacity: Int, stack: [Int32],
         maximumValues: Int = .max) {
        self.input = input
        self.nodes = nodes
        self.capacity = capacity
        self.maximumValues = maximumValues
        self.stack = stack
        self.stack.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private mutating func append(_ node: JSONNode) throws(JSONError) {
        if count == capacity {
            if count >= maximumValues { throw JSONError.tooManyValues(maximumValues, at: position) }
            let grown = UnsafeMutablePointer<JSONNode>.allocate(capacity: min(capacity * 2, max(maximumValues, capacity + 1)))
            grown.moveInitialize(from: nodes, count: count)
            nodes.deallocate()
            nodes = grown
            capacity = min(capacity * 2, max(maximumValues, capacity + 1))
        }
        (nodes + count).initialize(to: node)
        count += 1
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? position, reason: reason)
    }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func run() throws(JSONError) {
        guard input.count < Int(UInt32.max) else { throw fail("document larger than 4 GiB", at: 0) }
        skipWhitespace()
        try parseValue()
        // Containers: after a value, expect ',' or the closing bracket until the stack is empty.
        while let top = stack.last {
            let container = nodes[Int(top)]
            skipWhitespace()
            guard position < input.count else { throw fail("unexpected end of input inside \(container.kind == .object ? "object" : "array")") }
            let byte = input[position]
            let closer: UInt8 = container.kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if byte == closer {
                position += 1
                close(top)
            } else if byte == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                if container.kind == .object { try parseKey() }
                try parseValue()
            } else {
                throw fail(container.kind == .object ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
        skipWhitespace()
        guard position == input.count else { throw fail("unexpected data after the JSON value") }
    }

    private mutating func close(_ index: Int32) {
        stack.removeLast()
        nodes[Int(index)].end = UInt32(position)
        nodes[Int(index)].next = UInt32(count)
    }

    private mutating func parseKey() throws(JSONError) {
        guard position < input.count, input[position] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        try parseString()
        skipWhitespace()
        guard position < input.count, input[position] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
        position += 1
        skipWhitespace()
    }

    /// Parses one value; for a non-empty container it opens it and returns (the loop in `run` continues it).
    private mutating func parseValue() throws(JSONError) {
        guard position < input.count else { throw fail("unexpected end of input, expected a value") }
        let byte = input[position]
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            guard stack.count < JSONDocument.maximumDepth else { throw fail("nesting deeper than \(JSONDocument.maximumDepth) levels") }
            let index = Int32(count)
            try append(JSONNode(kind: isObject ? .object : .array, flags: 0, start: UInt32(position), end: 0, next: 0))
            position += 1
            stack.append(index)
            skipWhitespace()
            guard position < input.count else { throw fail("unexpected end of input inside \(isObject ? "object" : "array")") }
            if input[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                position += 1
                close(index)
            } else {
                if isObject { try parseKey() }
                try parseValue()
            }
        case UInt8(ascii: "\""):
            try parseString()
        case UInt8(ascii: "t"):
            try literal("true", kind: .bool, flags: 1)
        case UInt8(ascii: "f"):
            try literal("false", kind: .bool, flags: 0)
        case UInt8(ascii: "n"):
            try literal("null", kind: .null, flags: 0)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber()
        default:
            throw fail("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    private mutating func literal(_ word: StaticString, kind: JSONKind, flags: UInt8) throws(JSONError) {
        let length = word.utf8CodeUnitCount
        guard position + length <= input.count else { throw fail("invalid literal") }
        let matches = word.withUTF8Buffer { expected in
            for offset in 0..<length where input[position + offset] != expected[offset] { return false }
            return true
        }
        guard matches else { throw fail("invalid literal") }
        let start = position
        position += length
        try append(JSONNode(kind: kind, flags: flags, start: UInt32(start), end: UInt32(position), next: UInt32(count + 1)))
    }

    private mutating func parseString() throws(JSONError) {
        let quote = position
        position += 1
        let start = position
        var flags: UInt8 = 0
        while true {
            // Fast scan over plain bytes: eight at a time, then the tail one by one.
            if let base = input.baseAddress {
                while position + 8 <= input.count {
                    let offset = JSONByteScan.firstSpecial(base + position, includingNonASCII: false)
                    position += offset
                    if offset < 8 { break }
                }
            }
            while position < input.count {
                let byte = input[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                position += 1
            }
            guard position < input.count else { throw fail("unterminated string", at: quote) }
            let byte = input[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw fail("control character in string") }
            flags = JSONNode.hasEscapes
            position += 1
            guard position < input.count else { throw fail("unterminated string", at: quote) }
            switch input[position] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position += 1
            case UInt8(ascii: "u"):
                guard position + 4 < input.count else { throw fail("truncated \\u escape") }
                for offset in 1...4 where JSONEscapes.hexValue(input[position + offset]) == nil {
                    throw fail("invalid \\u escape")
                }
                position += 5
            default:
                throw fail("invalid escape sequence")
            }
        }
        try append(JSONNode(kind: .string, flags: flags, start: UInt32(start), end: UInt32(position), next: UInt32(count + 1)))
        position += 1
    }

    private mutating func parseNumber() throws(JSONError) {
        let start = position
        var flags = JSONNode.isInteger
        if input[position] == UInt8(ascii: "-") {
            flags |= JSONNode.isNegative
            position += 1
        }
        guard position < input.count, isDigit(input[position]) else { throw fail("invalid number", at: start) }
        if input[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        if position < input.count, input[position] == UInt8(ascii: ".") {
            flags &= ~JSONNode.isInteger
            position += 1
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number", at: start) }
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            flags &= ~JSONNode.isInteger
            position += 1
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") { position += 1 }
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number", at: start) }
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        try append(JSONNode(kind: .number, flags: flags, start: UInt32(start), end: UInt32(position), next: UInt32(count + 1)))
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
