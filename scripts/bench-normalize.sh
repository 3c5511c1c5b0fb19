#!/usr/bin/env bash
# Normalize throughput on one core, two ways, on the EMM samples of each given fixture (default:
# okta) repeated:
#  1. normalize-bench: pages of 1,000 events through PageNormalizer and RecordEncoder in process
#     (what the pipeline does per page), events per CPU-second;
#  2. the real `auditrelay normalize` command: NDJSON of the samples repeated (200,000 lines) on
#     stdin, records to /dev/null, pinned to one core; events per CPU-second (user + sys).
#
#   scripts/bench-normalize.sh [FIXTURE.jsonl ...]     e.g. Tests/NormalizersTests/Fixtures/emm/*.jsonl
#
# NORMALIZE_BENCH_PACKAGE=dir builds from another package (default: the repo); NORMALIZE_LINES
# sets the command's input size.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="${NORMALIZE_BENCH_PACKAGE:-$repo_root}"
lines="${NORMALIZE_LINES:-200000}"
swift build -c release --package-path "$package" --product normalize-bench >/dev/null
swift build -c release --package-path "$package" --product auditrelay >/dev/null
bin="$(swift build -c release --package-path "$package" --show-bin-path)"
cd "$repo_root"
if [[ $# -eq 0 ]]; then set -- Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl; fi

taskset -c 0 "$bin/normalize-bench" --seconds 5 "$@"

input="$(mktemp)"
trap 'rm -f "$input"' EXIT
for fixture in "$@"; do
    read -r type stream < <(python3 - "$fixture" "$lines" "$input" <<'PY'
import json, sys
fixture, count, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
samples = [json.loads(line) for line in open(fixture) if line.strip()]
events = [json.dumps(s["event"], separators=(",", ":")) for s in samples]
with open(output, "w") as out:
    for index in range(count):
        out.write(events[index % len(events)] + "\n")
print(samples[0]["sourceType"], samples[0]["stream"])
PY
)
    cat "$input" >/dev/null  # into the page cache
    TIMEFORMAT="%R %U %S"
    timing="$( { time taskset -c 0 "$bin/auditrelay" normalize --type "$type" --stream "$stream" <"$input" >/dev/null; } 2>&1 )"
    read -r wall user sys <<<"$timing"
    python3 -c "
import sys
lines, wall, cpu = $lines, $wall, $user + $sys
size = $(stat -c %s "$input") / lines
print(f'auditrelay normalize --type $type --stream $stream: {lines / cpu:.0f} events/s per CPU-second, {lines / wall:.0f} wall ({lines} events, {size:.0f} B average)')"
done
