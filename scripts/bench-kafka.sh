#!/usr/bin/env bash
# Kafka sink benchmark (release build): records/s from the record log to acknowledged in Kafka,
# 1 KiB records, into a 3-broker librdkafka mock cluster running in another process, next to
# kcat (librdkafka's own producer loop) producing the same messages with the same settings.
# Every measurement gets a fresh cluster and is timed to the last delivery report; the CPU time
# the producing process used is printed too (a steadier measure on a shared, busy machine).
#
# Usage: scripts/bench-kafka.sh [records (default 500000)] [runs (default 3)]
# Prints one line per run and a summary with the ratio sink/kcat (goal >= 0.8).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
records=${1:-500000}
runs=${2:-3}
partitions=16
settings=(-X compression.codec=lz4 -X enable.idempotence=true -X acks=all -X linger.ms=5 -X batch.size=1000000)

swift build -c release --product kafka-sink-bench >/dev/null
swift build -c release --product kafka-mock-cluster >/dev/null
bin=.build/release
work=$(mktemp -d /tmp/bench-kafka.XXXXXX)
cluster_pid=""
cleanup() {
    [[ -n "$cluster_pid" ]] && kill "$cluster_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin/kafka-sink-bench" generate --records "$records" --out "$work/messages.tsv"
cut -f2- "$work/messages.tsv" >"$work/values.jsonl"
# One message's key and headers, for kcat's static -H (same names and sizes as the sink's).
IFS=$'\t' read -r sample_id _ <"$work/messages.tsv"
headers=(-H sourceType=okta -H sourceID=okta-main -H "eventID=bench-0123abcd-$((records / 2))" -H "id=$sample_id")

start_cluster() {
    rm -f "$work/cluster.in" "$work/cluster.out"
    mkfifo "$work/cluster.in"
    "$bin/kafka-mock-cluster" -b 3 -t "bench:$partitions" <"$work/cluster.in" >"$work/cluster.out" 2>/dev/null &
    cluster_pid=$!
    exec 3>"$work/cluster.in"   # holding the write end open keeps the cluster alive
    for _ in $(seq 100); do grep -q '^ready' "$work/cluster.out" 2>/dev/null && break; sleep 0.05; done
    bootstrap=$(sed -n 's/^bootstrap //p' "$work/cluster.out")
}
stop_cluster() {
    exec 3>&-                   # closing stdin ends the cluster
    wait "$cluster_pid" 2>/dev/null || true
    cluster_pid=""
}
# Runs a command and prints "<wall s> <cpu s>" (bash's own time: user + system of the command).
timed() {
    local TIMEFORMAT='%R %U %S'
    { time "$@" 2>"$work/stderr" ; } 2>"$work/time" || { cat "$work/stderr" >&2; exit 1; }
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
}
rate() { awk -v n="$records" -v s="$1" 'BEGIN { printf "%d", n / s }'; }
record() {  # name wall cpu
    local r; r=$(rate "$2")
    printf 'run %s: %-36s %8d records/s  (%.2f s, cpu %.2f s)\n' "$run" "$1" "$r" "$2" "$3"
    if ((r > ${best[$1]:-0})); then best[$1]=$r; cpu[$1]=$3; fi
}

declare -A best=() cpu=()
for run in $(seq "$runs"); do
    start_cluster
    read -r wall used < <(timed kcat -P -b "$bootstrap" -t bench "${settings[@]}" -l "$work/values.jsonl")
    stop_cluster
    record "kcat -P (values only)" "$wall" "$used"

    start_cluster
    read -r wall used < <(timed kcat -P -b "$bootstrap" -t bench "${settings[@]}" -K $'\t' "${headers[@]}" -l "$work/messages.tsv")
    stop_cluster
    record "kcat -P (key + 4 headers)" "$wall" "$used"

    for mode in sink pipeline; do
        start_cluster
        line=$("$bin/kafka-sink-bench" "$mode" --bootstrap "$bootstrap" --records "$records" --topic bench --compression lz4)
        stop_cluster
        wall=$(sed -n 's/.* in \([0-9.]*\) s, cpu.*/\1/p' <<<"$line")
        used=$(sed -n 's/.*, cpu \([0-9.]*\) s = .*/\1/p' <<<"$line")
        record "auditrelay $mode" "$wall" "$used"
    done
done
avg=$(($(stat -c %s "$work/values.jsonl") / records - 1))
echo "best of $runs, $records records of $avg B avg (lz4, idempotent, acks=all), 3-broker mock cluster, $partitions partitions:"
for key in "kcat -P (values only)" "kcat -P (key + 4 headers)" "auditrelay sink" "auditrelay pipeline"; do
    printf '  %-28s %8d records/s, producer cpu %5.2f s\n' "$key" "${best[$key]}" "${cpu[$key]}"
done
awk -v p="${best[auditrelay pipeline]}" -v s="${best[auditrelay sink]}" -v k="${best[kcat -P (key + 4 headers)]}" \
    -v v="${best[kcat -P (values only)]}" 'BEGIN {
    printf "  ratio vs kcat with the same messages: pipeline %.2f, sink %.2f; vs kcat values only: pipeline %.2f (goal >= 0.8)\n", p / k, s / k, p / v }'
