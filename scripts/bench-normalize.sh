#!/usr/bin/env bash
# Normalize throughput on one core: the EMM samples of each given fixture (default: okta) repeated
# into pages of 1,000 events, through PageNormalizer and RecordEncoder, as `auditrelay normalize`
# does per line. Prints events per CPU-second (one core's worth) and per wall second.
#
#   scripts/bench-normalize.sh [FIXTURE.jsonl ...]     e.g. Tests/NormalizersTests/Fixtures/emm/*.jsonl
#
# NORMALIZE_BENCH_PACKAGE=dir builds normalize-bench from another package (default: the repo).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="${NORMALIZE_BENCH_PACKAGE:-$repo_root}"
swift build -c release --package-path "$package" --product normalize-bench >/dev/null
bench="$(swift build -c release --package-path "$package" --show-bin-path)/normalize-bench"
cd "$repo_root"
if [[ $# -eq 0 ]]; then set -- Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl; fi
exec taskset -c 0 "$bench" --seconds 5 "$@"
