// libFuzzer harness for the JSON tape parser, built by scripts/fuzz-json.sh together with
// Sources/RelayCore/JSON (one module, `-sanitize=fuzzer,address`). Each input is one JSON text:
// parse it, read every value through every accessor, write it back with JSONWriter, and check that
// what the writer produced is valid JSON that writes back to the same bytes (the writer must never
// emit invalid JSON, whatever the parser let through). A failed check is a crash, so libFuzzer
// keeps the input as a reproducer.

// One document for every input, as in production: a failed parse must not spoil the next one.
let document = JSONDocument()
let second = JSONDocument()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let root: JSONValue
    do {
        root = try document.parse(input)
    } catch {
        // The reported offset is where the problem is, so it must lie within the text.
        precondition(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
        return 0
    }
    var writer = JSONWriter()
    write(root, into: &writer, depth: 0)
    _ = root.shapeHash(depth: 4)
    _ = root.fieldPaths(depth: 3)
    let first = writer.bytes
    guard let again = try? second.parse(first) else {
        fatalError("JSONWriter produced invalid JSON: \(String(decoding: first, as: UTF8.self))")
    }
    var rewriter = JSONWriter()
    write(again, into: &rewriter, depth: 0)
    precondition(rewriter.bytes == first, "writing a written document again changed it")
    return 0
}

/// Writes `value` back as JSON, touching every accessor on the way.
func write(_ value: JSONValue, into writer: inout JSONWriter, depth: Int) {
    precondition(depth <= JSONDocument.maximumDepth, "a value nested deeper than the parser allows")
    _ = value.rawBytes
    _ = value.text
    _ = value.bool
    _ = value.nonEmptyString
    switch value.kind {
    case .object:
        writer.raw(UInt8(ascii: "{"))
        var first = true
        var members = 0
        for (key, member) in value.members {
            if !first { writer.raw(UInt8(ascii: ",")) }
            first = false
            members += 1
            writer.string(key)
            writer.raw(UInt8(ascii: ":"))
            // A member's key finds a member. Not for keys with invalid UTF-8 (decoded with U+FFFD):
            // lookups compare raw bytes, so only the bytes as sent find those.
            precondition(key.unicodeScalars.contains("\u{FFFD}") || value[key] != nil, "a member's own key does not find it")
            write(member, into: &writer, depth: depth + 1)
        }
        precondition(members == value.count)
        writer.raw(UInt8(ascii: "}"))
    case .array:
        writer.raw(UInt8(ascii: "["))
        var count = 0
        for element in value.elements {
            if count > 0 { writer.raw(UInt8(ascii: ",")) }
            write(element, into: &writer, depth: depth + 1)
            count += 1
        }
        precondition(count == value.count)
        if count > 0 { precondition(value[count - 1] != nil && value[count] == nil) }
        writer.raw(UInt8(ascii: "]"))
    case .string:
        guard let string = value.string else { fatalError("a string without a string value") }
        _ = value.int64
        _ = value.double
        writer.string(string)
    case .number:
        if let integer = value.int64 {
            writer.integer(integer)
        } else if let double = value.double {
            if double.isFinite {
                writer.double(double)
            } else {
                // 1e999: the writer's stand-in "0.0" reads back as the integer 0, which would
                // make the write-twice check below fail for no fault of either side.
                var scratch = JSONWriter()
                scratch.double(double)
                precondition(scratch.bytes == Array("0.0".utf8), "a non-finite double not written as 0.0")
                writer.integer(0)
            }
        } else {
            fatalError("a number that is neither an integer nor a double: \(value.text ?? "")")
        }
    case .bool:
        guard let bool = value.bool else { fatalError("a bool without a bool value") }
        writer.bool(bool)
    case .null:
        writer.raw("null")
    }
}
