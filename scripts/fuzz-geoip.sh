#!/usr/bin/env bash
# Fuzzes the GeoIP reader with libFuzzer (swiftc -sanitize=fuzzer,address), seeded with MaxMind's
# test databases (scripts/fetch-mmdb-test-data.sh). A crash, sanitizer report, hang (-timeout) or
# memory blow-up (-rss_limit_mb) makes libFuzzer stop with a reproducer in .cache/geoip-fuzz/.
#
#   scripts/fuzz-geoip.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail

seconds="${1:-60}"
shift || true
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$repo_root/.cache/geoip-fuzz"
test_data="$repo_root/.cache/mmdb-test-data/test-data"
"$repo_root/scripts/fetch-mmdb-test-data.sh" >/dev/null

mkdir -p "$work/corpus" "$work/artifacts"
# Seed with the small, well-formed databases (the DoS fixtures are slow by design).
for file in "$test_data"/*.mmdb; do
    case "$(basename "$file")" in
        *dos*|*limit*) continue ;;
    esac
    cp -n "$file" "$work/corpus/" 2>/dev/null || true
done

swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name GeoIPFuzz \
    "$repo_root"/Sources/GeoIP/*.swift "$repo_root/Benchmarks/GeoIP/Fuzz/FuzzMMDB.swift" \
    -o "$work/fuzz-mmdb"

cd "$work"
./fuzz-mmdb corpus -max_total_time="$seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
