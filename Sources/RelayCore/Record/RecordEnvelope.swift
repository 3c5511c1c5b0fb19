/// The unit that travels through the spool to the sinks: the encoded record JSON plus the few
/// fields sinks route on (topic, key, headers, syslog header), so no sink parses JSON again.
///
/// Layout (little endian), version 1:
/// `u8 version | u16 len + sourceType | u16 len + sourceID | u16 len + workspaceID | u16 len + id |
///  u16 len + eventID | i64 eventTime µs | u8 eventTime digits | i64 receivedAt µs | u32 len + JSON`
public enum RecordEnvelope {
    public static let version: UInt8 = 1

    /// Appends the envelope for `record`, whose JSON (as written by `RecordEncoder`) is `json`.
    public static func append(_ record: AuditRecord, json: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + size(of: record, jsonCount: json.count))
        output.append(version)
        // One field at a time: an array literal of the five would be allocated per record.
        appendField(record.sourceType, to: &output)
        appendField(record.sourceID, to: &output)
        appendField(record.workspaceID, to: &output)
        appendField(record.id, to: &output)
        appendField(record.eventID, to: &output)
        appendInteger(record.eventTime.microseconds, to: &output)
        output.append(record.eventTime.fractionDigits)
        appendInteger(record.receivedAt.microseconds, to: &output)
        appendInteger(UInt32(json.count), to: &output)
        output.append(contentsOf: json)
    }

    /// The bytes `append` writes for `record` with `jsonCount` bytes of JSON, so a caller can
    /// allocate an envelope once at its final size.
    public static func size(of record: AuditRecord, jsonCount: Int) -> Int {
        func field(_ text: String) -> Int { 2 + min(text.utf8.count, Int(UInt16.max)) }
        let fields = field(record.sourceType) + field(record.sourceID) + field(record.workspaceID) + field(record.id) + field(record.eventID)
        return 1 + fields + 8 + 1 + 8 + 4 + jsonCount
    }

    /// Encodes `record` (JSON and envelope) in one go.
    public static func make(_ record: AuditRecord) -> [UInt8] {
        let json = RecordEncoder.encode(record)
        var output: [UInt8] = []
        json.withUnsafeBytes { append(record, json: $0, to: &output) }
        return output
    }

    private static func appendField(_ field: String, to output: inout [UInt8]) {
        var field = field
        field.withUTF8 { bytes in
            let count = min(bytes.count, Int(UInt16.max))
            appendInteger(UInt16(count), to: &output)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<count]))
        }
    }

    @inline(__always)
    static func appendInteger<I: FixedWidthInteger>(_ value: I, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}

/// A read-only view of an envelope's fields. Fails (nil) on a truncated or unknown envelope.
public struct EnvelopeView: Sendable {
    public let sourceType: String
    public let sourceID: String
    public let workspaceID: String
    public let id: String
    public let eventID: String
    public let eventTime: Timestamp
    public let receivedAt: Timestamp
    /// Where the record JSON sits, as indices of the collection given to `init`
    /// (so `envelope[view.jsonRange]` works for arrays and slices alike).
    public let jsonRange: Range<Int>

    public init?(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public init?(_ bytes: ArraySlice<UInt8>) {
        guard let parsed = bytes.withUnsafeBytes({ Self.parse($0) }) else { return nil }
        (sourceType, sourceID, workspaceID, id, eventID, eventTime, receivedAt) = parsed.fields
        jsonRange = (bytes.startIndex + parsed.jsonOffset)..<bytes.endIndex
    }

    private typealias Fields = (String, String, String, String, String, Timestamp, Timestamp)

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> (fields: Fields, jsonOffset: Int)? {
        var offset = 1
        let count = bytes.count
        func integer<I: FixedWidthInteger>(_ type: I.Type) -> I? {
            let size = MemoryLayout<I>.size
            guard offset + size <= count else { return nil }
            let value = I(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: I.self))
            offset += size
            return value
        }
        func string() -> String? {
            guard let length = integer(UInt16.self), offset + Int(length) <= count else { return nil }
            defer { offset += Int(length) }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))]), as: UTF8.self)
        }
        guard count > 0, bytes[0] == RecordEnvelope.version,
              let sourceType = string(), let sourceID = string(), let workspaceID = string(),
              let id = string(), let eventID = string(),
              let eventMicros = integer(Int64.self), let digits = integer(UInt8.self),
              let receivedMicros = integer(Int64.self), let jsonLength = integer(UInt32.self),
              offset + Int(jsonLength) == count else { return nil }
        return ((sourceType, sourceID, workspaceID, id, eventID, Timestamp(microseconds: eventMicros, fractionDigits: digits),
                 Timestamp(microseconds: receivedMicros, fractionDigits: 6)), offset)
    }
}
