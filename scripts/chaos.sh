#!/usr/bin/env bash
# One chaos run of the real binary with every fault at once (look-alike vendors failing and
# publishing late, Kafka brokers down, rsyslog SIGKILLed, a spool tmpfs filling up, auditrelay
# SIGKILLed), then a drain and a check that nothing was lost. Needs root (tmpfs).
#   scripts/chaos.sh [--release] [--minutes N] [--seed S] [--spool-full block|drop_oldest] [--work DIR]
# Without --release it uses the debug build (built if missing; test.sh has built it already).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"

configuration=debug
arguments=()
for argument in "$@"; do
    if [[ "$argument" == "--release" ]]; then configuration=release; else arguments+=("$argument"); fi
done
bin=".build/$configuration"
for product in auditrelay kafka-mock-cluster; do
    if [[ "$configuration" == release || ! -x "$bin/$product" ]]; then
        swift build -c "$configuration" --product "$product"
    fi
done
entry="scripts/chaos.sh"
[[ "$configuration" == release ]] && entry="scripts/chaos.sh --release"
exec python3 scripts/chaos.py --binary "$bin/auditrelay" --mock-cluster "$bin/kafka-mock-cluster" --entry "$entry" "${arguments[@]}"
