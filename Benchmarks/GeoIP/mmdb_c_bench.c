/*
 * Reference benchmark: libmaxminddb looking up the same addresses and reading the same fields as
 * geoip-bench (Swift). Built and run by scripts/bench-geoip.sh.
 *
 *   mmdb-c-bench DB.mmdb ADDRESSES.bin [ROUNDS]
 *
 * Per lookup: MMDB_lookup_sockaddr, then MMDB_aget_value for country.iso_code, city.names.en,
 * location.latitude, location.longitude, autonomous_system_number, autonomous_system_organization.
 * Strings are used in place (length and first byte go into a checksum), as libmaxminddb returns them.
 * Rates use the thread's CPU time, so other load on a shared machine distorts them less.
 * Prints the best round's lookups/s and the checksum (which must equal the Swift one).
 */
#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: fair when the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t string_sum(MMDB_entry_s *entry, const char *const *path) {
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING) {
        return 0;
    }
    return (uint64_t)data.data_size * 31u + (data.data_size ? (uint8_t)data.utf8_string[0] : 0);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DB.mmdb ADDRESSES.bin [ROUNDS]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    MMDB_s mmdb;
    int status = MMDB_open(argv[1], MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) {
        fprintf(stderr, "cannot open %s: %s\n", argv[1], MMDB_strerror(status));
        return 1;
    }
    FILE *file = fopen(argv[2], "rb");
    if (!file) {
        perror(argv[2]);
        return 1;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    size_t count = (size_t)size / 4;
    uint32_t *addresses = malloc(count * 4);
    if (!addresses || fread(addresses, 4, count, file) != count) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    fclose(file);

    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const city[] = {"city", "names", "en", NULL};
    static const char *const latitude[] = {"location", "latitude", NULL};
    static const char *const longitude[] = {"location", "longitude", NULL};
    static const char *const asn[] = {"autonomous_system_number", NULL};
    static const char *const organization[] = {"autonomous_system_organization", NULL};

    double best = 0;
    uint64_t checksum = 0;
    size_t found = 0;
    for (int round = 0; round < rounds; round++) {
        checksum = 0;
        found = 0;
        double start = now_seconds();
        for (size_t i = 0; i < count; i++) {
            struct sockaddr_in address;
            memset(&address, 0, sizeof address);
            address.sin_family = AF_INET;
            address.sin_addr.s_addr = addresses[i]; /* already network order */
            int gai_error = 0, mmdb_error = 0;
            MMDB_lookup_result_s result =
                MMDB_lookup_sockaddr(&mmdb, (struct sockaddr *)&address, &mmdb_error);
            (void)gai_error;
            if (mmdb_error != MMDB_SUCCESS || !result.found_entry) {
                continue;
            }
            found++;
            checksum += string_sum(&result.entry, country);
            checksum += string_sum(&result.entry, city);
            MMDB_entry_data_s data;
            if (MMDB_aget_value(&result.entry, &data, latitude) == MMDB_SUCCESS && data.has_data) {
                checksum += (uint64_t)(int64_t)(data.double_value * 10000.0);
            }
            if (MMDB_aget_value(&result.entry, &data, longitude) == MMDB_SUCCESS && data.has_data) {
                checksum += (uint64_t)(int64_t)(data.double_value * 10000.0);
            }
            if (MMDB_aget_value(&result.entry, &data, asn) == MMDB_SUCCESS && data.has_data) {
                checksum += data.uint32;
            }
            checksum += string_sum(&result.entry, organization);
        }
        double elapsed = now_seconds() - start;
        double rate = (double)count / elapsed;
        if (rate > best) best = rate;
    }
    printf("libmaxminddb: %zu lookups (%zu found), best of %d rounds: %.0f lookups/s, checksum %llu\n",
           count, found, rounds, best, (unsigned long long)checksum);
    MMDB_close(&mmdb);
    free(addresses);
    return 0;
}
