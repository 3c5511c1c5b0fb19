#!/usr/bin/env bash
# Fuzzes the JSON tape parser (Sources/RelayCore/JSON) with libFuzzer (swiftc -sanitize=fuzzer,address),
# seeded with every line of the EMM samples in Tests/NormalizersTests/Fixtures/emm and a few edge
# cases. The harness (Benchmarks/JSON/Fuzz/FuzzJSON.swift) parses, reads every value, writes it back
# with JSONWriter and re-parses. A crash, sanitizer report, hang (-timeout) or memory blow-up
# (-rss_limit_mb) makes libFuzzer stop with a reproducer in .cache/json-fuzz/artifacts/.
#
#   scripts/fuzz-json.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail

seconds="${1:-60}"
shift || true
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$repo_root/.cache/json-fuzz"
samples="$repo_root/Tests/NormalizersTests/Fixtures/emm"

mkdir -p "$work/corpus" "$work/artifacts"
# One corpus file per sample line (named by content, so re-seeding adds nothing twice), plus the
# whole behaviors.json and the edges the parser must reject or bound.
for file in "$samples"/*.jsonl; do
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        name="$(printf '%s' "$line" | sha1sum | cut -c1-16)"
        [ -e "$work/corpus/emm-$name" ] || printf '%s' "$line" > "$work/corpus/emm-$name"
    done < "$file"
done
[ -e "$samples/behaviors.json" ] && cp -n "$samples/behaviors.json" "$work/corpus/emm-behaviors" 2>/dev/null || true
printf '%s' '["\ud800","\ud83d\ude00","\u0000",-0.0,1e999,-9223372036854775808,{"a":1,"a":2}]' > "$work/corpus/edge-escapes"
printf '"\xc0\xaf\x00"' > "$work/corpus/edge-bytes"
printf '%0600d' 0 | tr 0 '[' > "$work/corpus/edge-deep"

swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name JSONFuzz \
    "$repo_root"/Sources/RelayCore/JSON/*.swift "$repo_root/Benchmarks/JSON/Fuzz/FuzzJSON.swift" \
    -o "$work/fuzz-json"

cd "$work"
# Swift's own crash backtracer hangs under the fuzzer's signal handlers; libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
./fuzz-json corpus -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
