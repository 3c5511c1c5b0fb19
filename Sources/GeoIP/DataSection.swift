import Glibc

/// MaxMind DB data type numbers (spec, "Output Data Section").
enum DataType {
    static let pointer: UInt8 = 1
    static let utf8String: UInt8 = 2
    static let double: UInt8 = 3
    static let bytes: UInt8 = 4
    static let uint16: UInt8 = 5
    static let uint32: UInt8 = 6
    static let map: UInt8 = 7
    static let int32: UInt8 = 8
    static let uint64: UInt8 = 9
    static let uint128: UInt8 = 10
    static let array: UInt8 = 11
    static let dataCacheContainer: UInt8 = 12
    static let endMarker: UInt8 = 13
    static let boolean: UInt8 = 14
    static let float: UInt8 = 15
}

/// One decoded control byte: the value's type, its size field and where its payload starts.
/// For a pointer, `size` holds the pointer's target and `payload` the offset just after the pointer.
struct Field {
    var type: UInt8
    var size: Int
    var payload: Int
}

/// A bounds-checked view of one section of the file (the data section, or the metadata section,
/// whose pointers are relative to its own start). Offsets are relative to `base`; every read checks
/// them against `count`, so a corrupt file can make a read fail but never read outside the section.
///
/// Holds a raw pointer into memory owned by `MMDBStorage`; the reader that creates a section keeps the
/// storage alive for as long as the section is used.
struct DataSection: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    /// Where the section starts in the file, to report file offsets in errors.
    let fileOffset: Int

    @inline(__always)
    func byte(_ offset: Int) -> Int {
        Int(base.load(fromByteOffset: offset, as: UInt8.self))
    }

    /// Reads the control byte (and extended type and size bytes) at `offset`.
    @inline(__always)
    func field(at offset: Int) throws(DecodeFailure) -> Field {
        guard offset >= 0, offset < count else { throw DecodeFailure(.offsetOutOfRange, at: offset) }
        let control = byte(offset)
        var type = UInt8(truncatingIfNeeded: control >> 5)
        var next = offset + 1
        if type == DataType.pointer {
            return try pointerField(control: control, at: offset)
        }
        if type == 0 {
            guard next < count else { throw DecodeFailure(.valueTruncated, at: offset, detail: 1) }
            let extended = byte(next)
            guard extended >= 1, extended <= 8 else {
                throw DecodeFailure(.invalidExtendedType, at: offset, detail: extended + 7)
            }
            type = UInt8(extended + 7)
            next += 1
        }
        var size = control & 0x1f
        if size >= 29 {
            let extra = size - 28
            guard next + extra <= count else { throw DecodeFailure(.valueTruncated, at: offset, detail: extra) }
            switch extra {
            case 1: size = 29 + byte(next)
            case 2: size = 285 + (byte(next) << 8 | byte(next + 1))
            default: size = 65_821 + (byte(next) << 16 | byte(next + 1) << 8 | byte(next + 2))
            }
            next += extra
        }
        return Field(type: type, size: size, payload: next)
    }

    @inline(__always)
    private func pointerField(control: Int, at offset: Int) throws(DecodeFailure) -> Field {
        let sizeBits = (control >> 3) & 3
        let first = offset + 1
        guard first + sizeBits + 1 <= count else {
            throw DecodeFailure(.valueTruncated, at: offset, detail: sizeBits + 1)
        }
        let low = control & 7
        let target: Int
        switch sizeBits {
        case 0: target = low << 8 | byte(first)
        case 1: target = (low << 16 | byte(first) << 8 | byte(first + 1)) + 2048
        case 2: target = (low << 24 | byte(first) << 16 | byte(first + 1) << 8 | byte(first + 2)) + 526_336
        default:
            target = byte(first) << 24 | byte(first + 1) << 16 | byte(first + 2) << 8 | byte(first + 3)
        }
        guard target < count else { throw DecodeFailure(.pointerOutOfRange, at: offset, detail: target) }
        return Field(type: DataType.pointer, size: target, payload: first + sizeBits + 1)
    }

    /// Reads the field at `offset`; if it is a pointer, reads the field it points to instead.
    /// The spec forbids a pointer to a pointer, so at most one hop is followed: no chains, no loops.
    @inline(__always)
    func resolvedField(at offset: Int) throws(DecodeFailure) -> Field {
        let field = try field(at: offset)
        guard field.type == DataType.pointer else { return field }
        let target = try self.field(at: field.size)
        guard target.type != DataType.pointer else {
            throw DecodeFailure(.pointerToPointer, at: offset, detail: field.size)
        }
        return target
    }

    /// Checks that a string or bytes payload lies inside the section.
    @inline(__always)
    func checkPayload(_ field: Field) throws(DecodeFailure) {
        guard field.size <= count - field.payload else {
            throw DecodeFailure(.valueTruncated, at: field.payload, detail: field.size)
        }
    }

    /// Big-endian unsigned integer of `size` (0...8) bytes at `offset`; the caller checked bounds.
    @inline(__always)
    func unsigned(at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        var index = offset
        let end = offset + size
        while index < end {
            value = value << 8 | UInt64(base.load(fromByteOffset: index, as: UInt8.self))
            index += 1
        }
        return value
    }

    /// Offset just past the value at `offset`, without following pointers: pointers are skipped as
    /// their own bytes, containers by counting their pending entries. Every step consumes at least one
    /// byte, so skipping is linear in the section size whatever the file says; sizes are validated
    /// like a decode would, so a skipped value is a well-formed one.
    func skip(at offset: Int) throws(DecodeFailure) -> Int {
        var position = offset
        var pending = 1
        while pending > 0 {
            pending -= 1
            let field = try field(at: position)
            switch field.type {
            case DataType.pointer:
                position = field.payload
            case DataType.map, DataType.array:
                let entries = field.type == DataType.map ? field.size * 2 : field.size
                // Each entry takes at least one byte; more entries than bytes left is a lie.
                guard entries <= count - field.payload - pending else {
                    throw DecodeFailure(.containerTooLarge, at: position, detail: field.size)
                }
                pending += entries
                position = field.payload
            case DataType.boolean:
                guard field.size <= 1 else { throw DecodeFailure(.invalidSize, at: position, detail: field.size) }
                position = field.payload
            case DataType.dataCacheContainer, DataType.endMarker:
                throw DecodeFailure(.unexpectedType, at: position, detail: Int(field.type))
            default:
                try checkScalarSize(field, at: position)
                try checkPayload(field)
                position = field.payload + field.size
            }
        }
        return position
    }

    /// Enforces the spec's fixed or maximum sizes for numeric types.
    @inline(__always)
    func checkScalarSize(_ field: Field, at offset: Int) throws(DecodeFailure) {
        let valid: Bool
        switch field.type {
        case DataType.double: valid = field.size == 8
        case DataType.float: valid = field.size == 4
        case DataType.uint16: valid = field.size <= 2
        case DataType.uint32, DataType.int32: valid = field.size <= 4
        case DataType.uint64: valid = field.size <= 8
        case DataType.uint128: valid = field.size <= 16
        default: valid = true
        }
        guard valid else { throw DecodeFailure(.invalidSize, at: offset, detail: field.size) }
    }

    /// Compares a utf8-string payload with `key` byte for byte, without creating a String.
    @inline(__always)
    func payloadEquals(_ field: Field, _ key: UnsafeRawBufferPointer) -> Bool {
        guard field.size == key.count else { return false }
        guard let keyBase = key.baseAddress else { return true }
        return memcmp(base + field.payload, keyBase, field.size) == 0
    }

    /// A double or float field as Double; nil for other types or wrong sizes. Payload bounds checked by the caller.
    @inline(__always)
    func doubleValue(_ field: Field) -> Double? {
        if field.type == DataType.double, field.size == 8 {
            return Double(bitPattern: unsigned(at: field.payload, size: 8))
        }
        if field.type == DataType.float, field.size == 4 {
            return Double(Float(bitPattern: UInt32(unsigned(at: field.payload, size: 4))))
        }
        return nil
    }

    /// An unsigned field (uint16/32/64, uint128 below 2^64, non-negative int32) as UInt64, else nil.
    /// Payload bounds checked by the caller.
    @inline(__always)
    func unsignedValue(_ field: Field) -> UInt64? {
        let maximum: Int
        switch field.type {
        case DataType.uint16: maximum = 2
        case DataType.uint32: maximum = 4
        case DataType.uint64: maximum = 8
        case DataType.uint128: maximum = 16
        case DataType.int32:
            guard field.size <= 4 else { return nil }
            let value = Int32(bitPattern: UInt32(unsigned(at: field.payload, size: field.size)))
            return value >= 0 ? UInt64(value) : nil
        default: return nil
        }
        guard field.size <= maximum else { return nil }
        if field.size > 8 {
            guard unsigned(at: field.payload, size: field.size - 8) == 0 else { return nil }
            return unsigned(at: field.payload + field.size - 8, size: 8)
        }
        return unsigned(at: field.payload, size: field.size)
    }
}
