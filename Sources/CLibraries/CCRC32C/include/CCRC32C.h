// Hardware CRC32C (SSE4.2 `crc32` on x86-64, ARMv8 CRC on AArch64) for the spool's record checksums.
// Swift cannot call these intrinsics portably (they need a per-function target attribute), hence this shim.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC32C instruction that `ccrc32c_update` uses, 0 otherwise.
int ccrc32c_hardware_available(void);

/// Continues a CRC32C over `length` bytes. `crc` is the raw register (pass ~0 to start, invert the result).
/// Only call when `ccrc32c_hardware_available()` returned 1.
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t length);

#endif
