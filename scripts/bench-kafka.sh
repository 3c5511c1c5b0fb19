#!/usr/bin/env bash
# Kafka sink benchmark (release build): records/s from the record log to acknowledged in Kafka,
# 1 KiB records, into a 3-broker librdkafka mock cluster running in another process, next to
# kcat (librdkafka's own producer loop) producing the same messages with the same settings.
# Every measurement gets a fresh cluster and is timed to the last delivery report.
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
now() { date +%s.%N; }
rate() { awk -v n="$records" -v a="$1" -v b="$2" 'BEGIN { printf "%d", n / (b - a) }'; }

declare -A best=([kcat]=0 [kcat-keyed]=0 [sink]=0 [pipeline]=0)
for run in $(seq "$runs"); do
    start_cluster
    t0=$(now); kcat -P -b "$bootstrap" -t bench "${settings[@]}" -l "$work/values.jsonl"; t1=$(now)
    stop_cluster
    r=$(rate "$t0" "$t1"); echo "run $run: kcat -P (values only)            $r records/s"; ((r > best[kcat])) && best[kcat]=$r

    start_cluster
    t0=$(now); kcat -P -b "$bootstrap" -t bench "${settings[@]}" -K $'\t' "${headers[@]}" -l "$work/messages.tsv"; t1=$(now)
    stop_cluster
    r=$(rate "$t0" "$t1"); echo "run $run: kcat -P (key + 4 headers)        $r records/s"; ((r > best[kcat-keyed])) && best[kcat-keyed]=$r

    for mode in sink pipeline; do
        start_cluster
        line=$("$bin/kafka-sink-bench" "$mode" --bootstrap "$bootstrap" --records "$records" --topic bench --compression lz4)
        stop_cluster
        r=$(sed -n 's/.* = \([0-9]*\) records\/s/\1/p' <<<"$line")
        printf 'run %s: %-37s %s records/s\n' "$run" "auditrelay $mode" "$r"
        ((r > best[$mode])) && best[$mode]=$r
    done
done
echo "best of $runs, $records records of ~1 KiB (lz4, idempotent, acks=all), 3-broker mock cluster, $partitions partitions:"
for key in kcat kcat-keyed sink pipeline; do printf '  %-11s %8d records/s\n' "$key" "${best[$key]}"; done
awk -v s="${best[sink]}" -v p="${best[pipeline]}" -v k="${best[kcat-keyed]}" -v v="${best[kcat]}" 'BEGIN {
    printf "  ratio pipeline/kcat-keyed %.2f, sink/kcat-keyed %.2f, pipeline/kcat %.2f (goal >= 0.8)\n", p / k, s / k, p / v }'
