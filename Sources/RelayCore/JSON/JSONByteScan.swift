/// Word-at-a-time search for the bytes that end a plain run inside a JSON string: `"`, `\` and
/// control characters (and, for the writer, the first byte of a multi-byte UTF-8 sequence, which
/// it validates). Eight bytes per step instead of one; rawLog is mostly plain runs.
enum JSONByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The offset of the first special byte in the 8 bytes at `pointer`, or 8 when there is none.
    /// Lanes above the first match may be flagged falsely (borrows move upward only), so the
    /// lowest flagged lane is always exact.
    @inline(__always)
    static func firstSpecial(_ pointer: UnsafePointer<UInt8>, includingNonASCII: Bool) -> Int {
        let word = UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
        let control = (word &- ones &* 0x20) & ~word
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        var mask = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highBits
        if includingNonASCII { mask |= word & highBits }
        return mask.trailingZeroBitCount >> 3
    }
}
