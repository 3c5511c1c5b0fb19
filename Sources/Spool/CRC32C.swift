// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum every spool record carries.
// The CPU's crc32 instruction (through the CCRC32C shim) runs at several GB/s, which keeps recovery of a 1 GiB
// spool well under its 2 s budget; slicing-by-8 tables are the portable fallback.
import CCRC32C

/// CRC32C checksum (the iSCSI/ext4 polynomial): hardware instruction when available, else slicing-by-8.
enum CRC32C {
    static let usesHardware = ccrc32c_hardware_available() == 1

    /// 8 x 256 table, flattened so that lookups are a single indexed load.
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for byte in 0..<256 {
            var crc = table[byte]
            for slice in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[slice * 256 + byte] = crc
            }
        }
        return table
    }()

    /// Checksum of `bytes`, continuing from `crc` (pass the result of a previous call to chain buffers).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        if usesHardware { return ccrc32c_update(~crc, base, bytes.count) ^ 0xFFFF_FFFF }
        return softwareUpdate(~crc, base, bytes.count) ^ 0xFFFF_FFFF
    }

    /// The table-driven implementation, exposed so tests can compare it with the hardware path.
    static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return softwareUpdate(~crc, base, bytes.count) ^ 0xFFFF_FFFF
    }

    static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    private static func softwareUpdate(_ start: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        table.withUnsafeBufferPointer { tableBuffer in
            // Force-unwrap is safe: the table is a non-empty static array.
            let t = tableBuffer.baseAddress.unsafelyUnwrapped
            var crc = start
            var pointer = base
            var remaining = count
            // Align to 8 bytes so the wide loads below are aligned.
            while remaining > 0 && (UInt(bitPattern: pointer) & 7) != 0 {
                crc = t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                pointer += 1
                remaining -= 1
            }
            while remaining >= 8 {
                let word = UInt64(littleEndian: pointer.load(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(low & 0xFF)]
                    ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)]
                    ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)]
                    ^ t[Int(high >> 24)]
                pointer += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                pointer += 1
                remaining -= 1
            }
            return crc
        }
    }
}
