import Crypto

/// Stable identifiers: the record id and the content hash used when a vendor gives no event id.
public enum RecordID {
    /// 32 hex digits derived from (sourceID, eventID); the same event always gets the same id.
    public static func derive(sourceID: String, eventID: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(sourceID.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(eventID.utf8))
        return hex(hasher.finalize(), count: 16)
    }

    /// 32 hex digits over the raw event bytes: stable for byte-identical redeliveries.
    public static func contentHash<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ SHA256.hash(data: UnsafeRawBufferPointer($0)) }) {
            return hex(digest, count: 16)
        }
        return hex(SHA256.hash(data: Array(bytes)), count: 16)
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func hex<D: Sequence>(_ digest: D, count: Int) -> String where D.Element == UInt8 {
        var output = [UInt8]()
        output.reserveCapacity(count * 2)
        for byte in digest.prefix(count) {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
