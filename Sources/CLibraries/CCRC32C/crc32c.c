#include "CCRC32C.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int ccrc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

__attribute__((target("sse4.2")))
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t length) {
    const unsigned char *bytes = data;
    uint64_t value = crc;
    while (length > 0 && ((uintptr_t)bytes & 7) != 0) {
        value = _mm_crc32_u8((uint32_t)value, *bytes++);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);  // aligned here; memcpy keeps it free of aliasing assumptions
        value = _mm_crc32_u64(value, word);
        bytes += 8;
        length -= 8;
    }
    while (length > 0) {
        value = _mm_crc32_u8((uint32_t)value, *bytes++);
        length--;
    }
    return (uint32_t)value;
}

#elif defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int ccrc32c_hardware_available(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0; }

__attribute__((target("crc")))
uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t length) {
    const unsigned char *bytes = data;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        crc = __crc32cd(crc, word);
        bytes += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = __crc32cb(crc, *bytes++);
        length--;
    }
    return crc;
}

#else
int ccrc32c_hardware_available(void) { return 0; }

uint32_t ccrc32c_update(uint32_t crc, const void *data, size_t length) {
    (void)data;
    (void)length;
    return crc;
}
#endif
