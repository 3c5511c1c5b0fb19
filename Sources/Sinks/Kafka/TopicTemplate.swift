import RelayCore

/// A topic name with `{sourceType}`, `{sourceID}` and `{workspaceID}` placeholders, rendered per
/// record from the envelope's bytes. Kafka topic names allow only `[A-Za-z0-9._-]` and at most 249
/// characters, so any other byte a field brings in becomes `_` and long names are cut: a record is
/// never stuck behind a topic name the broker would reject forever.
public struct TopicTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case field(MessageField)
    }

    let parts: [Part]
    public static let maxLength = 249
    public static let `default` = TopicTemplate(parts: [.literal(Array("audit.".utf8)), .field(.sourceType)])
    static let fields: [MessageField] = [.sourceType, .sourceID, .workspaceID]

    /// The template as written, e.g. `audit.{sourceType}`.
    public var text: String {
        parts.map { part in
            switch part {
            case .literal(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .field(let field): return "{\(field.rawValue)}"
            }
        }.joined()
    }

    /// The fixed name when the template has no placeholder.
    var constantName: String? {
        guard parts.allSatisfy({ if case .literal = $0 { true } else { false } }) else { return nil }
        return text
    }

    /// Parses `text`; the failure says what is wrong, for a config message.
    public static func parse(_ text: String) -> Result<TopicTemplate, TemplateProblem> {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += Array(rest[..<open].utf8)
            guard let close = rest[open...].firstIndex(of: "}") else { return .failure(TemplateProblem("has an unclosed {")) }
            let name = String(rest[rest.index(after: open)..<close])
            guard let field = MessageField(rawValue: name), fields.contains(field) else {
                return .failure(TemplateProblem("uses {\(name)}; the fields are \(fields.map { "{\($0.rawValue)}" }.joined(separator: ", "))"))
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(.field(field))
            rest = rest[rest.index(after: close)...]
        }
        literal += Array(rest.utf8)
        if !literal.isEmpty { parts.append(.literal(literal)) }
        let literals = parts.flatMap { part -> [UInt8] in if case .literal(let bytes) = part { bytes } else { [] } }
        if literals.contains(UInt8(ascii: "}")) { return .failure(TemplateProblem("has a } without {")) }
        if let bad = literals.first(where: { !isTopicByte($0) }) {
            return .failure(TemplateProblem("contains \"\(Character(Unicode.Scalar(bad)))\"; topic names allow only A-Z a-z 0-9 . _ -"))
        }
        if parts.isEmpty { return .failure(TemplateProblem("is empty")) }
        if literals.count > maxLength { return .failure(TemplateProblem("is longer than \(maxLength) characters")) }
        return .success(TopicTemplate(parts: parts))
    }

    /// Renders the topic for one record into `output` (cleared first).
    func render(_ fields: EnvelopeFields, in envelope: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        render(into: &output) { field, output in
            for byte in fields.bytes(field, in: envelope) { output.append(Self.isTopicByte(byte) ? byte : UInt8(ascii: "_")) }
        }
    }

    /// The topic the records of one source go to (`auditrelay check --connect` looks for it).
    public func name(sourceType: String, sourceID: String, workspaceID: String) -> String {
        var output: [UInt8] = []
        render(into: &output) { field, output in
            let value = field == .sourceType ? sourceType : field == .sourceID ? sourceID : workspaceID
            for byte in value.utf8 { output.append(Self.isTopicByte(byte) ? byte : UInt8(ascii: "_")) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private func render(into output: inout [UInt8], appendField: (MessageField, inout [UInt8]) -> Void) {
        output.removeAll(keepingCapacity: true)
        for part in parts {
            switch part {
            case .literal(let bytes): output += bytes
            case .field(let field): appendField(field, &output)
            }
        }
        if output.count > Self.maxLength { output.removeLast(output.count - Self.maxLength) }
        if output.isEmpty { output = Array("_".utf8) }
    }

    static func isTopicByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

public struct TemplateProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
