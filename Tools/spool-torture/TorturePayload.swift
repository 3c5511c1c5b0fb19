/// Payload of record number `n` in a torture run: `n` as 8 little-endian bytes, then a length and content
/// derived from `n`, so a verifier can recompute every byte.
enum TorturePayload {
    static func bytes(_ n: Int) -> [UInt8] {
        let length = 8 + (n &* 7919) % 1500
        var out = [UInt8](repeating: 0, count: length)
        withUnsafeBytes(of: UInt64(n).littleEndian) { for index in 0..<8 { out[index] = $0[index] } }
        for index in 8..<length { out[index] = UInt8(truncatingIfNeeded: n &+ index &* 13) }
        return out
    }
}
