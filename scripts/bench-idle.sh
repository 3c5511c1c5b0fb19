#!/usr/bin/env bash
# Idle and small (issue #20, target 3): builds the release binary as the image ships it (static Swift
# stdlib) and the Kafka mock cluster, then runs `scripts/bench-sources.py --idle`: one Okta source
# (look-alike on loopback) and the Kafka sink (3-broker mock cluster), interval 60 s. Prints the binary
# size (as built and stripped), start-up time (exec to the look-alike's first poll request, and to
# /readyz 200), and the RSS while idle between polls with where it goes, per run and the medians.
#
#   scripts/bench-idle.sh [--runs 3] [--idle-seconds 20] [--no-build]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
build=true arguments=()
for argument in "$@"; do
    if [[ "$argument" == --no-build ]]; then build=false; else arguments+=("$argument"); fi
done
if $build; then
    swift build -c release --static-swift-stdlib --product auditrelay >&2
    swift build -c release --static-swift-stdlib --product kafka-mock-cluster >&2
fi
bin_dir="$(swift build -c release --static-swift-stdlib --show-bin-path)"
exec python3 scripts/bench-sources.py --idle --runs 3 --binary "$bin_dir/auditrelay" "${arguments[@]}"
