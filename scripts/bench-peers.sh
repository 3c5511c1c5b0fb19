#!/usr/bin/env bash
# Side by side with the peers (issue #20, target 1). The same Okta System Log events (NDJSON made by
# scripts/okta-events.py, client addresses the MaxMind test City and ASN databases resolve) go,
# one after the other, through
#   auditrelay  replay source -> normalize -> GeoIP City + ASN -> spool (fsync) -> Kafka sink (`run --once`)
#   rsyslog     Debian's rsyslogd with its own config, pid file and work dir:
#               imfile -> mmjsonparse -> mmdblookup (City, ASN) -> omkafka
#   Fluent Bit  tail (JSON parser) -> nest (lift `client`) -> geoip2 (City, ASN) -> kafka   (with --fluent-bit)
# each into a fresh 3-broker librdkafka mock cluster (kafka-mock-cluster, another process, not
# measured), all with the same producer settings (acks=all, idempotent, lz4, linger.ms=5). Each is
# timed to the last Kafka acknowledgement: auditrelay's `run --once` exits only then; for the peers
# the topic's high watermarks are polled until they hold every event. Reported per process: events/s,
# CPU seconds (utime + stime) per million events and peak RSS (VmHWM); the mock cluster is not counted.
# Every run checks the count in Kafka is exactly the number of events, and samples records from every
# partition: each must be a parsed event whose GeoIP fields say what libmaxminddb's own `mmdblookup`
# says about its client address. Any mismatch fails the run.
#
# Usage: scripts/bench-peers.sh [options]
#   --events N                 events per run (default 1000000)
#   --runs N                   runs per variant; each run's numbers are printed, then the medians (default 3)
#   --variant 1k|2k|both       event size: ~1.0 KiB or ~1.9 KiB (default both)
#   --binary PATH              the auditrelay to measure (default .build/release/auditrelay)
#   --mock-cluster PATH        kafka-mock-cluster (default: beside --binary, else .build/{release,debug}/)
#   --rsyslog-mmdblookup PATH  rsyslog's mmdblookup.so (Debian 12 does not ship it; build it from the
#                              rsyslog source of the installed version). Without it rsyslog runs without
#                              GeoIP and the table says so.
#   --fluent-bit PATH          also measure this fluent-bit binary
#   --no-rsyslog               leave rsyslog out
#   --quick                    smoke test: 2000 events, 1 run, the 1k variant (unless given explicitly)
#   --work-dir DIR             keep configs, logs and results in DIR (default: a temporary directory)
#   --stall-timeout S          fail when a peer delivers nothing new for S seconds (default 120)
# Generated event files are cached in .cache/bench-peers/. Needs scripts/fetch-mmdb-test-data.sh (run
# here when missing), kcat, mmdblookup (mmdb-bin), rsyslog and rsyslog-kafka (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"

say() { echo "bench-peers: $*" >&2; }
fail() { echo "bench-peers: error: $*" >&2; exit 1; }

events="" runs="" variant="" binary="$repo/.build/release/auditrelay" mock_cluster="" mmdblookup_module=""
fluent_bit="" with_rsyslog=true quick=false work_dir="" stall_timeout=120
while (($#)); do
    case "$1" in
        --events) events="${2:?--events needs a number}"; shift ;;
        --runs) runs="${2:?--runs needs a number}"; shift ;;
        --variant) variant="${2:?--variant needs 1k, 2k or both}"; shift ;;
        --binary) binary="${2:?--binary needs a path}"; shift ;;
        --mock-cluster) mock_cluster="${2:?--mock-cluster needs a path}"; shift ;;
        --rsyslog-mmdblookup) mmdblookup_module="${2:?--rsyslog-mmdblookup needs a path}"; shift ;;
        --fluent-bit) fluent_bit="${2:?--fluent-bit needs a path}"; shift ;;
        --no-rsyslog) with_rsyslog=false ;;
        --quick) quick=true ;;
        --work-dir) work_dir="${2:?--work-dir needs a directory}"; shift ;;
        --stall-timeout) stall_timeout="${2:?--stall-timeout needs seconds}"; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) fail "unknown argument '$1' (see scripts/bench-peers.sh --help)" ;;
    esac
    shift
done
if $quick; then
    events="${events:-2000}" runs="${runs:-1}" variant="${variant:-1k}"
fi
events="${events:-1000000}" runs="${runs:-3}" variant="${variant:-both}"
[[ "$events" =~ ^[1-9][0-9]*$ ]] || fail "--events must be a positive number, not '$events'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "--runs must be a positive number, not '$runs'"
[[ "$stall_timeout" =~ ^[1-9][0-9]*$ ]] || fail "--stall-timeout must be a positive number of seconds, not '$stall_timeout'"
case "$variant" in
    1k | 2k) variants=("$variant") ;;
    both) variants=(1k 2k) ;;
    *) fail "--variant must be 1k, 2k or both, not '$variant'" ;;
esac

# --- What the runs need, checked before anything starts.
[[ -x "$binary" ]] || fail "auditrelay binary $binary is not executable (swift build -c release --product auditrelay, or --binary PATH)"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
if [[ -z "$mock_cluster" ]]; then
    for candidate in "$(dirname "$binary")/kafka-mock-cluster" "$repo/.build/release/kafka-mock-cluster" "$repo/.build/debug/kafka-mock-cluster"; do
        [[ -x "$candidate" ]] && { mock_cluster="$candidate"; break; }
    done
fi
[[ -n "$mock_cluster" && -x "$mock_cluster" ]] ||
    fail "kafka-mock-cluster not found beside $binary or in .build/{release,debug} (swift build --product kafka-mock-cluster, or --mock-cluster PATH)"
for tool in kcat mmdblookup python3; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done
rsyslog_modules=/usr/lib/x86_64-linux-gnu/rsyslog
if $with_rsyslog; then
    command -v rsyslogd >/dev/null || fail "rsyslogd is not installed (apt-get install rsyslog rsyslog-kafka, or --no-rsyslog)"
    [[ -f "$rsyslog_modules/omkafka.so" ]] || fail "$rsyslog_modules/omkafka.so is missing (apt-get install rsyslog-kafka, or --no-rsyslog)"
    if [[ -n "$mmdblookup_module" ]]; then
        [[ -f "$mmdblookup_module" ]] || fail "--rsyslog-mmdblookup $mmdblookup_module does not exist"
        mmdblookup_module="$(cd "$(dirname "$mmdblookup_module")" && pwd)/$(basename "$mmdblookup_module")"
    fi
fi
if [[ -n "$fluent_bit" ]]; then
    [[ -x "$fluent_bit" ]] || fail "--fluent-bit $fluent_bit is not executable"
    fluent_bit="$(cd "$(dirname "$fluent_bit")" && pwd)/$(basename "$fluent_bit")"
fi
scripts/fetch-mmdb-test-data.sh >/dev/null
mmdb="$repo/.cache/mmdb-test-data/test-data"
city_db="$mmdb/GeoIP2-City-Test.mmdb" asn_db="$mmdb/GeoLite2-ASN-Test.mmdb"
for database in "$city_db" "$asn_db"; do
    [[ -f "$database" ]] || fail "$database is missing (scripts/fetch-mmdb-test-data.sh)"
done

if [[ -n "$work_dir" ]]; then
    mkdir -p "$work_dir"
    work_dir="$(cd "$work_dir" && pwd)"
    keep_work=true
else
    work_dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-peers.XXXXXX")"
    keep_work=false
fi
results="$work_dir/results.tsv"
: >"$results"
clock_ticks="$(getconf CLK_TCK)"
partitions=16
cluster_pid="" peer_pid=""

stop_pid() { # stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL; reaps it.
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
stop_cluster() {
    [[ -n "$cluster_pid" ]] || return 0
    exec 7>&- # the mock cluster exits when its stdin (this FIFO) closes
    for _ in $(seq 50); do kill -0 "$cluster_pid" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$cluster_pid"
    cluster_pid=""
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -n "$peer_pid" ]] && stop_pid "$peer_pid"
    stop_cluster || true
    if ((status != 0)); then
        say "failed; configs and logs are in $work_dir"
    elif ! $keep_work; then
        rm -rf "$work_dir"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_cluster: a fresh 3-broker mock cluster with topic `bench` ($partitions partitions); sets $bootstrap.
start_cluster() {
    # Removed first: the child truncates cluster.out only once it runs, and the last cluster's "ready" must not count.
    rm -f "$work_dir/cluster.stdin" "$work_dir/cluster.out" "$work_dir/cluster.log"
    mkfifo "$work_dir/cluster.stdin"
    exec 7<>"$work_dir/cluster.stdin"
    "$mock_cluster" -b 3 -t "bench:$partitions" <"$work_dir/cluster.stdin" >"$work_dir/cluster.out" 2>"$work_dir/cluster.log" 7>&- &
    cluster_pid=$!
    for _ in $(seq 300); do
        grep -qx ready "$work_dir/cluster.out" 2>/dev/null && break
        kill -0 "$cluster_pid" 2>/dev/null || fail "kafka-mock-cluster exited: $(cat "$work_dir/cluster.log")"
        sleep 0.1
    done
    grep -qx ready "$work_dir/cluster.out" || fail "kafka-mock-cluster did not start within 30 s"
    bootstrap="$(sed -n 's/^bootstrap //p' "$work_dir/cluster.out")"
}

# topic_count: messages in topic `bench`, the sum of its partitions' high watermarks (empty on error).
topic_count() {
    local arguments=() partition
    for ((partition = 0; partition < partitions; partition++)); do arguments+=(-t "bench:$partition:-1"); done
    kcat -Q -b "$bootstrap" "${arguments[@]}" 2>/dev/null 7>&- |
        awk '$1 == "bench" && $3 == "offset" { sum += $4; seen++ } END { if (seen == '"$partitions"') print sum }'
}

# check_records PEER GEO: samples the newest records of every partition and checks each one.
check_records() {
    kcat -C -b "$bootstrap" -t bench -o -3 -e -q -f '%s\n' >"$work_dir/sample.ndjson" 2>"$work_dir/sample.log" 7>&- ||
        fail "kcat could not read topic bench: $(cat "$work_dir/sample.log")"
    python3 - "$1" "$2" "$work_dir/sample.ndjson" "$city_db" "$asn_db" <<'EOF'
import json, re, subprocess, sys

peer, geo, sample, city_db, asn_db = sys.argv[1], sys.argv[2] == "geo", sys.argv[3], sys.argv[4], sys.argv[5]


def mmdb(database, ip, *path):
    """What libmaxminddb's own command-line tool says (the reference, independent of every peer)."""
    text = subprocess.run(["mmdblookup", "-f", database, "-i", ip, *path], capture_output=True, text=True).stdout
    match = re.search(r'^\s*(?:"(.*)" <utf8_string>|(\d+) <uint\d+>)\s*$', text, re.M)
    if not match:
        sys.exit(f"bench-peers: error: mmdblookup knows nothing about {ip} in {database}")
    return match.group(1) if match.group(1) is not None else int(match.group(2))


def fields(record):
    """(event uuid, client address, city, AS number) as this peer writes them."""
    if peer == "auditrelay":
        return json.loads(record["rawLog"])["uuid"], record["srcIP"], record["srcCity"], record["srcASNumber"]
    if peer == "rsyslog":
        location = record.get("iplocation", {})
        return record["uuid"], record["client"]["ipAddress"], location.get("city"), location.get("asn")
    return record["uuid"], record["client.ipAddress"], record.get("geo_city"), record.get("as_number")


records = [json.loads(line) for line in open(sample, encoding="utf-8") if line.strip()]
if not records:
    sys.exit(f"bench-peers: error: no record read back from Kafka for {peer}")
uuids = set()
for record in records:
    try:
        uuid, ip, city, as_number = fields(record)
    except (KeyError, TypeError, ValueError) as error:
        sys.exit(f"bench-peers: error: {peer} wrote a record without the parsed event ({error!r}): {json.dumps(record)[:300]}")
    uuids.add(uuid)
    if geo:
        expected = (mmdb(city_db, ip, "city", "names", "en"), mmdb(asn_db, ip, "autonomous_system_number"))
        if (city, as_number) != expected:
            sys.exit(f"bench-peers: error: {peer} enriched {ip} as city {city!r}, AS {as_number!r}; the databases say {expected}")
if len(uuids) != len(records):
    sys.exit(f"bench-peers: error: {peer}'s sample of {len(records)} records holds only {len(uuids)} distinct events")
print(f"{len(records)} sampled records checked" + (" (GeoIP City and ASN as mmdblookup says)" if geo else " (no GeoIP)"))
EOF
}

# proc_usage PID: "<cpu seconds> <VmHWM KiB>" of a running process (all its threads).
proc_usage() {
    local stat fields hwm
    stat="$(<"/proc/$1/stat")"
    read -r -a fields <<<"${stat##*) }" # after "pid (comm) ": state is [0], utime [11], stime [12]
    hwm="$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status")"
    awk -v ticks="${fields[11]}" -v sticks="${fields[12]}" -v hz="$clock_ticks" -v hwm="$hwm" \
        'BEGIN { printf "%.3f %d\n", (ticks + sticks) / hz, hwm }'
}

# record VARIANT RUN PEER SECONDS CPU HWM: one measurement, printed and kept for the table.
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$events" "$4" "$5" "$6" >>"$results"
    awk -v v="$1" -v r="$2" -v p="$3" -v n="$events" -v s="$4" -v c="$5" -v m="$6" 'BEGIN {
        printf "%s run %s  %-22s %d events in %.2f s = %.0f events/s, cpu %.2f s = %.2f s per 1M events, peak RSS %.1f MiB\n",
            v, r, p, n, s, n / s, c, c * 1000000 / n, m / 1024 }'
}

# run_auditrelay VARIANT RUN EVENTS_FILE
run_auditrelay() {
    local dir="$work_dir/auditrelay" usage
    rm -rf "$dir" && mkdir -p "$dir"
    cat >"$dir/bench.yaml" <<EOF
workspaceID: bench
sources:
  - {id: okta, type: replay, path: "$3", format: ndjson, sourceType: okta, stream: system_log, batchSize: 1000}
geoip: {databases: ["$city_db", "$asn_db"]}
sinks:
  - {type: kafka, name: bench, brokers: "$bootstrap", topic: bench, compression: lz4, librdkafka: {linger.ms: "5", batch.size: "1000000"}}
spool: {dir: "$dir/spool", maxBytes: 1GiB}
log: {level: error}
EOF
    # wait4 gives the process's own CPU time and peak RSS (ru_maxrss, the same figure as VmHWM):
    # `run --once` exits 0 only once Kafka acknowledged every record.
    usage="$(python3 -c '
import os, subprocess, sys, time
started = time.monotonic()
with open(sys.argv[1], "w") as log:
    relay = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    _, status, usage = os.wait4(relay.pid, 0)
print("%.3f %.3f %d %d" % (time.monotonic() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                          os.waitstatus_to_exitcode(status)))
' "$dir/auditrelay.log" "$binary" run --config "$dir/bench.yaml" --once 7>&-)"
    local seconds cpu hwm status count
    read -r seconds cpu hwm status <<<"$usage"
    ((status == 0)) || fail "auditrelay run --once exited $status: $(tail -n 5 "$dir/auditrelay.log")"
    count="$(topic_count)"
    [[ "$count" == "$events" ]] || fail "auditrelay finished but topic bench holds ${count:-?} messages, not $events"
    check_records auditrelay geo >&2
    record "$1" "$2" auditrelay "$seconds" "$cpu" "$hwm"
}

# measure_peer VARIANT RUN NAME LOG COMMAND...: starts the peer, waits until the topic holds every event,
# reads the peer's CPU and VmHWM at that moment, stops it and checks nothing more arrived.
measure_peer() {
    local variant=$1 run=$2 name=$3 log=$4 started count last_count=-1 last_progress=$SECONDS seconds usage
    shift 4
    started=$EPOCHREALTIME
    "$@" </dev/null >"$log" 2>&1 7>&- &
    peer_pid=$!
    echo "$peer_pid" >"$(dirname "$log")/peer.pid"
    while :; do
        count="$(topic_count)"
        [[ -n "$count" ]] && ((count >= events)) && break
        kill -0 "$peer_pid" 2>/dev/null || fail "$name exited before delivering every event: $(tail -n 5 "$log")"
        if [[ -n "$count" && "$count" != "$last_count" ]]; then
            last_count=$count last_progress=$SECONDS
        fi
        ((SECONDS - last_progress < stall_timeout)) ||
            fail "$name delivered nothing new for $stall_timeout s (${last_count#-1} of $events in Kafka; log $log)"
        sleep 0.1
    done
    seconds="$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
    usage="$(proc_usage "$peer_pid")"
    stop_pid "$peer_pid"
    peer_pid=""
    count="$(topic_count)"
    [[ "$count" == "$events" ]] || fail "$name delivered $count messages for $events events (duplicates?)"
    record "$variant" "$run" "$name" "$seconds" ${usage}
}

# run_rsyslog VARIANT RUN EVENTS_FILE
run_rsyslog() {
    local dir="$work_dir/rsyslog" geo=nogeo name="rsyslog (no GeoIP)" lookups=""
    rm -rf "$dir" && mkdir -p "$dir/work"
    if [[ -n "$mmdblookup_module" ]]; then
        geo=geo name=rsyslog
        lookups="
    action(type=\"mmdblookup\" key=\"!client!ipAddress\" mmdbfile=\"$city_db\"
           fields=[\":city:!city!names!en\", \":country:!country!iso_code\", \":latitude:!location!latitude\", \":longitude:!location!longitude\"])
    action(type=\"mmdblookup\" key=\"!client!ipAddress\" mmdbfile=\"$asn_db\"
           fields=[\":asn:!autonomous_system_number\", \":asorg:!autonomous_system_organization\"])"
    fi
    local brokers
    brokers="$(sed 's/[^,]*/"&"/g' <<<"$bootstrap")"
    cat >"$dir/rsyslog.conf" <<EOF
# Written by scripts/bench-peers.sh. Two main-queue workers: rsyslog may use both cores, as auditrelay does.
global(workDirectory="$dir/work" maxMessageSize="64k")
main_queue(queue.type="LinkedList" queue.size="100000" queue.dequeueBatchSize="1024" queue.workerThreads="2"
           queue.workerThreadMinimumMessages="1000")
module(load="imfile")
module(load="mmjsonparse")
$( [[ -n "$mmdblookup_module" ]] && echo "module(load=\"$mmdblookup_module\")" )
module(load="omkafka")
template(name="bench_json" type="list") { property(name="\$!all-json") }
input(type="imfile" file="$3" tag="okta" ruleset="bench" addMetadata="off")
ruleset(name="bench") {
    action(type="mmjsonparse" cookie="" useRawMsg="on")$lookups
    action(type="omkafka" broker=[$brokers] topic="bench" template="bench_json" partitions.auto="on"
           confParam=["compression.codec=lz4", "linger.ms=5", "batch.size=1000000", "enable.idempotence=true",
                      "acks=all", "message.timeout.ms=0"])
}
# rsyslog's own messages
*.* action(type="omfile" file="$dir/rsyslogd-messages.log")
EOF
    rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.log" 2>&1 || fail "rsyslogd rejected $dir/rsyslog.conf: $(tail -n 5 "$dir/check.log")"
    measure_peer "$1" "$2" "$name" "$dir/rsyslogd.log" rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
    check_records rsyslog "$geo" >&2
}

# run_fluent_bit VARIANT RUN EVENTS_FILE
run_fluent_bit() {
    local dir="$work_dir/fluent-bit"
    rm -rf "$dir" && mkdir -p "$dir"
    cat >"$dir/parsers.conf" <<EOF
[PARSER]
    name   json
    format json
EOF
    # geoip2 looks keys up only at the top level of a record, so `client` is lifted first
    # (client.ipAddress becomes a top-level key).
    cat >"$dir/fluent-bit.conf" <<EOF
# Written by scripts/bench-peers.sh.
[SERVICE]
    flush        1
    grace        1
    log_level    warn
    parsers_file $dir/parsers.conf

[INPUT]
    name           tail
    path           $3
    read_from_head true
    parser         json
    threaded       on
    mem_buf_limit  32MB
    buffer_chunk_size 64k
    buffer_max_size   64k

[FILTER]
    name         nest
    match        *
    operation    lift
    nested_under client
    add_prefix   client.

[FILTER]
    name       geoip2
    match      *
    database   $city_db
    lookup_key client.ipAddress
    record     geo_city      client.ipAddress %{city.names.en}
    record     geo_country   client.ipAddress %{country.iso_code}
    record     geo_latitude  client.ipAddress %{location.latitude}
    record     geo_longitude client.ipAddress %{location.longitude}

[FILTER]
    name       geoip2
    match      *
    database   $asn_db
    lookup_key client.ipAddress
    record     as_number       client.ipAddress %{autonomous_system_number}
    record     as_organization client.ipAddress %{autonomous_system_organization}

[OUTPUT]
    name    kafka
    match   *
    brokers $bootstrap
    topics  bench
    format  json
    rdkafka.compression.codec     lz4
    rdkafka.linger.ms             5
    rdkafka.batch.size            1000000
    rdkafka.enable.idempotence    true
    rdkafka.acks                  all
    rdkafka.message.timeout.ms    0
EOF
    "$fluent_bit" --dry-run -c "$dir/fluent-bit.conf" >"$dir/check.log" 2>&1 ||
        fail "fluent-bit rejected $dir/fluent-bit.conf: $(tail -n 5 "$dir/check.log")"
    measure_peer "$1" "$2" "Fluent Bit" "$dir/fluent-bit.log" "$fluent_bit" -c "$dir/fluent-bit.conf"
    check_records fluent-bit geo >&2
}

say "load before: $(uptime)"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
for current in "${variants[@]}"; do
    mkdir -p .cache/bench-peers
    events_file="$repo/.cache/bench-peers/okta-$current-$events.ndjson"
    if [[ ! -f "$events_file" ]]; then
        # The generator's output does not depend on the count, so a longer cached file's first lines are the same events.
        longer="$(find .cache/bench-peers -name "okta-$current-*.ndjson" | awk -F'[-.]' -v n="$events" '$(NF - 1) + 0 > n' | head -n 1)"
        if [[ -n "$longer" ]]; then
            say "taking the first $events events of $longer"
            head -n "$events" "$longer" >"$events_file.partial" && mv "$events_file.partial" "$events_file"
        else
            say "writing $events $current events to $events_file"
            scripts/okta-events.py --events "$events" --variant "$current" --out "$events_file" >/dev/null
        fi
    fi
    average="$(awk -v n="$events" -v size="$(stat -c %s "$events_file")" 'BEGIN { printf "%.0f", size / n }')"
    echo "variant $current: $events Okta System Log events, $average B average ($events_file)"
    for ((run = 1; run <= runs; run++)); do
        start_cluster
        run_auditrelay "$current" "$run" "$events_file"
        stop_cluster
        if $with_rsyslog; then
            start_cluster
            run_rsyslog "$current" "$run" "$events_file"
            stop_cluster
        fi
        if [[ -n "$fluent_bit" ]]; then
            start_cluster
            run_fluent_bit "$current" "$run" "$events_file"
            stop_cluster
        fi
    done
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"

# The table: medians over the runs, and auditrelay's CPU per event over each peer's (target <= 1/3).
python3 - "$results" <<'EOF'
import statistics, sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
by = {}
for variant, run, peer, events, seconds, cpu, hwm in rows:
    by.setdefault((variant, peer), []).append((int(events) / float(seconds), float(cpu) * 1e6 / int(events), int(hwm) / 1024))
print()
print("| Variant | Process | Events/s (each run) | Events/s median | CPU s per 1M events (each run) | CPU s per 1M median | Peak RSS MiB median | auditrelay CPU/event ÷ this |")
print("|---|---|---|---|---|---|---|---|")
for (variant, peer), runs in by.items():
    rate = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    ours = statistics.median(r[1] for r in by[(variant, "auditrelay")])
    ratio = "" if peer == "auditrelay" else "%.2f (%s)" % (ours / cpu, "meets <= 0.33" if ours / cpu <= 1 / 3 else "target <= 0.33 not met")
    print("| %s | %s | %s | %s | %s | %.2f | %.1f | %s |" % (
        variant, peer, " / ".join("{:,.0f}".format(r[0]) for r in runs), "{:,.0f}".format(rate),
        " / ".join("%.2f" % r[1] for r in runs), cpu, rss, ratio))
EOF
