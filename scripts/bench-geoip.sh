#!/usr/bin/env bash
# Benchmarks the pure-Swift GeoIP reader against libmaxminddb on the same machine, in the same run:
# a generated City+ASN-like database of 1,000,000 networks, 1,000,000 lookups of addresses in it,
# reading country.iso_code, city.names.en, location.latitude/longitude, autonomous_system_number
# and autonomous_system_organization per lookup. No cache on either side.
#
#   scripts/bench-geoip.sh [NETWORKS] [ROUNDS]
#
# Needs: libmaxmind-db-writer-perl (generator), libmaxminddb-dev (C side), a C compiler.
# GEOIP_BENCH_PACKAGE=dir builds geoip-bench from another package (default: the repo).
# Prints both rates (best of ROUNDS), the ratio swift/libmaxminddb and the Swift reader's memory.
set -euo pipefail

networks="${1:-1000000}"
rounds="${2:-5}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="${GEOIP_BENCH_PACKAGE:-$repo_root}"
work="$repo_root/.cache/geoip-bench"
database="$work/bench-city-asn-$networks.mmdb"
addresses="$work/bench-city-asn-$networks-addresses.bin"
mkdir -p "$work"

if [[ ! -f "$database" || ! -f "$addresses" ]]; then
    echo "generating $database (takes a few minutes for 1M networks)..."
    perl "$repo_root/Benchmarks/GeoIP/generate-bench-mmdb.pl" "$database" "$addresses" "$networks"
fi

cc -O2 -Wall -o "$work/mmdb-c-bench" "$repo_root/Benchmarks/GeoIP/mmdb_c_bench.c" -lmaxminddb
swift build -c release --package-path "$package" --product geoip-bench >/dev/null
swift_bench="$(swift build -c release --package-path "$package" --show-bin-path)/geoip-bench"

echo "database: $database ($(stat -c %s "$database") bytes, $networks networks)"
# Alternate the two programs a few times and keep each one's best, so load from other processes
# on a shared machine hits both sides alike.
best_c=0
best_swift=0
best_set=0
best_batch=0
for attempt in 1 2 3; do
    c_output="$("$work/mmdb-c-bench" "$database" "$addresses" "$rounds")"
    swift_output="$("$swift_bench" "$database" "$addresses" "$rounds")"
    echo "[$attempt] $c_output"
    sed "s/^/[$attempt] /" <<<"$swift_output"
    c_rate="$(sed -n 's/.*: \([0-9]*\) lookups\/s.*/\1/p' <<<"$c_output" | head -1)"
    swift_rate="$(sed -n 's/^swift-geoip: .*: \([0-9]*\) lookups\/s.*/\1/p' <<<"$swift_output")"
    set_rate="$(sed -n 's/^swift-geoip-fieldset: .*: \([0-9]*\) lookups\/s.*/\1/p' <<<"$swift_output")"
    batch_rate="$(sed -n 's/^swift-geoip-batch: .*: \([0-9]*\) lookups\/s.*/\1/p' <<<"$swift_output")"
    c_sum="$(sed -n 's/.*checksum \([0-9]*\).*/\1/p' <<<"$c_output")"
    swift_sum="$(sed -n 's/^swift-geoip: .*checksum \([0-9]*\).*/\1/p' <<<"$swift_output")"
    if [[ "$c_sum" != "$swift_sum" ]]; then
        echo "error: checksums differ (libmaxminddb $c_sum, swift $swift_sum): the readers disagree" >&2
        exit 1
    fi
    if (( c_rate > best_c )); then best_c=$c_rate; fi
    if (( swift_rate > best_swift )); then best_swift=$swift_rate; fi
    if (( set_rate > best_set )); then best_set=$set_rate; fi
    if (( batch_rate > best_batch )); then best_batch=$batch_rate; fi
done
echo "best libmaxminddb: $best_c lookups/s"
echo "best swift (per-field accessors, like MMDB_aget_value): $best_swift lookups/s"
echo "best swift (one MMDBFieldSet read per lookup): $best_set lookups/s"
echo "best swift (64-address batch lookups + field set): $best_batch lookups/s"
awk -v s="$best_swift" -v f="$best_set" -v b="$best_batch" -v c="$best_c" \
    'BEGIN { printf "ratio swift/libmaxminddb: %.2f (per-field), %.2f (field set), %.2f (batch)\n", s / c, f / c, b / c }'
