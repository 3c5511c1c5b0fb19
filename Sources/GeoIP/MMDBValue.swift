/// A fully decoded MaxMind DB value, for conformance tests, metadata and printing whole records
/// (`auditrelay lookup`). The enrichment hot path does not use it: it reads single fields with
/// `MMDBReader.string(at:in:)` and friends.
public indirect enum MMDBValue: Sendable, Hashable {
    case string(String)
    case double(Double)
    case bytes([UInt8])
    case uint16(UInt16)
    case uint32(UInt32)
    case map([String: MMDBValue])
    case int32(Int32)
    case uint64(UInt64)
    /// A 128-bit unsigned integer as its high and low 64-bit halves.
    case uint128(high: UInt64, low: UInt64)
    case array([MMDBValue])
    case boolean(Bool)
    case float(Float)

    public subscript(key: String) -> MMDBValue? {
        if case let .map(map) = self { return map[key] }
        return nil
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// Any unsigned or non-negative integer that fits in 64 bits.
    public var unsignedValue: UInt64? {
        switch self {
        case let .uint16(value): return UInt64(value)
        case let .uint32(value): return UInt64(value)
        case let .uint64(value): return value
        case let .uint128(high, low): return high == 0 ? low : nil
        case let .int32(value): return value >= 0 ? UInt64(value) : nil
        default: return nil
        }
    }

    /// A double or float.
    public var doubleValue: Double? {
        switch self {
        case let .double(value): return value
        case let .float(value): return Double(value)
        default: return nil
        }
    }
}

/// Limits for decoding one whole value, following the spec's "Reader Resource Limits".
public struct MMDBDecodeLimits: Sendable, Hashable {
    /// Containers entered plus pointers followed; the spec's portable default is 512.
    public var maximumDepth: Int
    /// Decoded values, each occurrence counted once (map keys and values separately).
    public var maximumValues: Int
    /// String and bytes payload materialized, counted per occurrence.
    public var maximumPayloadBytes: Int

    public init(maximumDepth: Int = 512, maximumValues: Int = 65_536, maximumPayloadBytes: Int = 2_097_152) {
        self.maximumDepth = maximumDepth
        self.maximumValues = maximumValues
        self.maximumPayloadBytes = maximumPayloadBytes
    }

    public static let `default` = MMDBDecodeLimits()
}

/// Decodes whole values with one budget for the whole requested operation, so pointer fan-out and
/// payload amplification are stopped before they allocate.
struct ValueDecoder {
    let section: DataSection
    let limits: MMDBDecodeLimits
    /// Whether strings must be valid UTF-8 (decode and verify) or may be repaired (never fails).
    let validateUTF8: Bool
    private(set) var values = 0
    private(set) var payloadBytes = 0

    init(section: DataSection, limits: MMDBDecodeLimits, validateUTF8: Bool = true) {
        self.section = section
        self.limits = limits
        self.validateUTF8 = validateUTF8
    }

    /// Decodes the value at `offset` and returns it with the offset just past it (past the pointer
    /// itself when the value is a pointer).
    mutating func decode(at offset: Int, depth: Int = 0) throws(DecodeFailure) -> (MMDBValue, next: Int) {
        let field = try section.field(at: offset)
        if field.type == DataType.pointer {
            guard depth < limits.maximumDepth else {
                throw DecodeFailure(.depthExceeded, at: offset, detail: limits.maximumDepth)
            }
            let targetType = try section.field(at: field.size).type
            guard targetType != DataType.pointer else {
                throw DecodeFailure(.pointerToPointer, at: offset, detail: field.size)
            }
            let (value, _) = try decode(at: field.size, depth: depth + 1)
            return (value, field.payload)
        }
        values += 1
        guard values <= limits.maximumValues else {
            throw DecodeFailure(.valueCountExceeded, at: offset, detail: limits.maximumValues)
        }
        switch field.type {
        case DataType.map:
            return try decodeMap(field, at: offset, depth: depth)
        case DataType.array:
            return try decodeArray(field, at: offset, depth: depth)
        case DataType.utf8String:
            return (.string(try string(field, at: offset)), field.payload + field.size)
        case DataType.bytes:
            try charge(field, at: offset)
            let raw = UnsafeRawBufferPointer(start: section.base + field.payload, count: field.size)
            return (.bytes(Array(raw)), field.payload + field.size)
        case DataType.boolean:
            guard field.size <= 1 else { throw DecodeFailure(.invalidSize, at: offset, detail: field.size) }
            return (.boolean(field.size == 1), field.payload)
        case DataType.dataCacheContainer, DataType.endMarker:
            throw DecodeFailure(.unexpectedType, at: offset, detail: Int(field.type))
        default:
            return (try scalar(field, at: offset), field.payload + field.size)
        }
    }

    private mutating func decodeMap(_ field: Field, at offset: Int, depth: Int) throws(DecodeFailure) -> (MMDBValue, next: Int) {
        guard depth < limits.maximumDepth else {
            throw DecodeFailure(.depthExceeded, at: offset, detail: limits.maximumDepth)
        }
        // Reserve the declared entries against the budgets before allocating anything for them.
        guard field.size * 2 <= section.count - field.payload else {
            throw DecodeFailure(.containerTooLarge, at: offset, detail: field.size)
        }
        guard field.size * 2 <= limits.maximumValues - values else {
            throw DecodeFailure(.valueCountExceeded, at: offset, detail: limits.maximumValues)
        }
        var map: [String: MMDBValue] = [:]
        map.reserveCapacity(field.size)
        var position = field.payload
        for _ in 0 ..< field.size {
            let (key, afterKey) = try decode(at: position, depth: depth + 1)
            guard case let .string(name) = key else {
                let keyField = try section.resolvedField(at: position)
                throw DecodeFailure(.mapKeyNotString, at: position, detail: Int(keyField.type))
            }
            let (value, afterValue) = try decode(at: afterKey, depth: depth + 1)
            map[name] = value
            position = afterValue
        }
        return (.map(map), position)
    }

    private mutating func decodeArray(_ field: Field, at offset: Int, depth: Int) throws(DecodeFailure) -> (MMDBValue, next: Int) {
        guard depth < limits.maximumDepth else {
            throw DecodeFailure(.depthExceeded, at: offset, detail: limits.maximumDepth)
        }
        guard field.size <= section.count - field.payload else {
            throw DecodeFailure(.containerTooLarge, at: offset, detail: field.size)
        }
        guard field.size <= limits.maximumValues - values else {
            throw DecodeFailure(.valueCountExceeded, at: offset, detail: limits.maximumValues)
        }
        var array: [MMDBValue] = []
        array.reserveCapacity(field.size)
        var position = field.payload
        for _ in 0 ..< field.size {
            let (value, next) = try decode(at: position, depth: depth + 1)
            array.append(value)
            position = next
        }
        return (.array(array), position)
    }

    private mutating func charge(_ field: Field, at offset: Int) throws(DecodeFailure) {
        try section.checkPayload(field)
        payloadBytes += field.size
        guard payloadBytes <= limits.maximumPayloadBytes else {
            throw DecodeFailure(.payloadExceeded, at: offset, detail: limits.maximumPayloadBytes)
        }
    }

    private mutating func string(_ field: Field, at offset: Int) throws(DecodeFailure) -> String {
        try charge(field, at: offset)
        let raw = UnsafeRawBufferPointer(start: section.base + field.payload, count: field.size)
        if validateUTF8 {
            guard let string = UTF8Validation.string(validating: raw) else {
                throw DecodeFailure(.invalidUTF8, at: offset)
            }
            return string
        }
        return String(decoding: raw, as: UTF8.self)
    }

    private func scalar(_ field: Field, at offset: Int) throws(DecodeFailure) -> MMDBValue {
        try section.checkScalarSize(field, at: offset)
        try section.checkPayload(field)
        let payload = field.payload
        switch field.type {
        case DataType.double:
            return .double(Double(bitPattern: section.unsigned(at: payload, size: 8)))
        case DataType.float:
            return .float(Float(bitPattern: UInt32(section.unsigned(at: payload, size: 4))))
        case DataType.uint16:
            return .uint16(UInt16(section.unsigned(at: payload, size: field.size)))
        case DataType.uint32:
            return .uint32(UInt32(section.unsigned(at: payload, size: field.size)))
        case DataType.int32:
            return .int32(Int32(bitPattern: UInt32(section.unsigned(at: payload, size: field.size))))
        case DataType.uint64:
            return .uint64(section.unsigned(at: payload, size: field.size))
        default: // uint128, the only type left
            let lowSize = min(field.size, 8)
            let highSize = field.size - lowSize
            let high = section.unsigned(at: payload, size: highSize)
            let low = section.unsigned(at: payload + highSize, size: lowSize)
            return .uint128(high: high, low: low)
        }
    }
}

/// Strict UTF-8 validation without Foundation.
enum UTF8Validation {
    static func string(validating raw: UnsafeRawBufferPointer) -> String? {
        let bytes = raw.bindMemory(to: UInt8.self)
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
