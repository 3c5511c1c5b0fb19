#!/usr/bin/env bash
# The credential-free demo: the real job on loopback only.
#
#   scripts/demo.sh                 Okta and GitHub look-alikes (Tests/Fixtures/vendors) serve audit
#                                   events from client addresses in MaxMind's test databases;
#                                   `auditrelay run` polls both, enriches with GeoIP City + ASN,
#                                   spools and forwards to librdkafka's mock cluster; the demo waits
#                                   until Kafka acknowledged every served event, then prints records
#                                   read back with kcat, `auditrelay cursor show` and the main
#                                   /metrics counters, and stops everything with SIGTERM.
#   scripts/demo.sh --replay        the replay demo: recorded vendor events -> stdout (Config/demo.yaml)
#
# Options (the CI test uses them, so it needs no second, release build):
#   --bin-dir DIR    run the auditrelay and kafka-mock-cluster built in DIR instead of a release build
#   --work-dir DIR   keep the config, logs, spool and records read back in DIR (default: a temporary
#                    directory removed at exit)
# DEMO_TIMEOUT (seconds, default 60) bounds the wait for the acknowledgements.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"

say() { echo "demo: $*" >&2; }
# since START: seconds elapsed since $EPOCHREALTIME was START, to a tenth.
since() { awk -v start="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - start }'; }
fail() { echo "demo: error: $*" >&2; exit 1; }

replay=false bin_dir="" work_dir=""
while (($#)); do
    case "$1" in
        --replay) replay=true ;;
        --bin-dir) bin_dir="${2:?--bin-dir needs a directory}"; shift ;;
        --work-dir) work_dir="${2:?--work-dir needs a directory}"; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) fail "unknown argument '$1' (see scripts/demo.sh --help)" ;;
    esac
    shift
done

scripts/install-deps.sh

# The release binary the container image ships (scripts/build-image.sh reuses this build).
build_release() {
    say "building the release binary (static Swift stdlib, as in the image) and the Kafka mock cluster"
    swift build -c release --static-swift-stdlib --product auditrelay >&2
    swift build -c release --static-swift-stdlib --product kafka-mock-cluster >&2
    bin_dir="$(swift build -c release --static-swift-stdlib --show-bin-path)"
}

if $replay; then
    [[ -n "$bin_dir" ]] || build_release
    # The replay starts from an empty spool each time (its cursor would otherwise say: all sent).
    rm -rf .build/demo-spool
    exec "$bin_dir/auditrelay" run --config Config/demo.yaml --once
fi

scripts/fetch-mmdb-test-data.sh >&2
[[ -n "$bin_dir" ]] || build_release
auditrelay="$bin_dir/auditrelay" mock_cluster="$bin_dir/kafka-mock-cluster"
for binary in "$auditrelay" "$mock_cluster"; do
    [[ -x "$binary" ]] || fail "$binary is not built (swift build --product $(basename "$binary"))"
done
mmdb=.cache/mmdb-test-data/test-data
for database in GeoIP2-City-Test GeoLite2-ASN-Test; do
    [[ -f "$mmdb/$database.mmdb" ]] || fail "$mmdb/$database.mmdb is missing (scripts/fetch-mmdb-test-data.sh)"
done

if [[ -n "$work_dir" ]]; then
    mkdir -p "$work_dir"
    work_dir="$(cd "$work_dir" && pwd)"
    rm -rf "$work_dir"/{spool,peers.stdin,*.log,*.out,demo.yaml,kafka-records.tsv}
    keep_work=true
else
    work_dir="$(mktemp -d "${TMPDIR:-/tmp}/auditrelay-demo.XXXXXX")"
    keep_work=false
fi

# The peers (look-alikes, mock cluster) exit when their stdin closes: they all read this FIFO,
# which only this shell holds open for writing (fd 7), so they go away with it even on SIGKILL.
mkfifo "$work_dir/peers.stdin"
exec 7<>"$work_dir/peers.stdin"
peer_pids=() relay_pid=""

stop_relay() {
    # SIGTERM drains the sinks (at most shutdown.drainTimeout, 30 s) and exits 0.
    [[ -n "$relay_pid" ]] || return 0
    local pid=$relay_pid started=$EPOCHREALTIME status=0
    relay_pid=""
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        say "auditrelay did not exit 40 s after SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" || status=$?
    relay_exit=$status relay_stop_seconds=$(since "$started")
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_relay || true
    exec 7>&-
    local pid
    for pid in "${peer_pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if ((status != 0)) && [[ -f "$work_dir/auditrelay.log" ]]; then
        say "the last lines of auditrelay's log:"
        tail -n 20 "$work_dir/auditrelay.log" >&2
    fi
    $keep_work || rm -rf "$work_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_line FILE REGEX PID WHAT: the first line of FILE matching REGEX, once it is there.
wait_for_line() {
    local file=$1 pattern=$2 pid=$3 what=$4
    for _ in $(seq 300); do
        if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready: $(tail -n 5 "$file" "${file%.out}.log" 2>/dev/null)"
        sleep 0.1
    done
    fail "$what did not start within 30 s (see $file)"
}

# Client addresses that both GeoIP2-City-Test and GeoLite2-ASN-Test resolve (listed once, in lookalike.py).
client_ips="$(cd Tests/Fixtures/vendors && python3 -c 'import lookalike; print(",".join(lookalike.MMDB_TEST_CLIENT_IPS))')"
# Look-alike tokens, fresh each run; auditrelay reads them from its environment like real secrets.
okta_token="00demo$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
github_token="ghp_demo$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

start_lookalike() {
    local name=$1 script=$2
    shift 2
    python3 "Tests/Fixtures/vendors/$script" --client-ips "$client_ips" "$@" \
        <"$work_dir/peers.stdin" >"$work_dir/$name.out" 2>"$work_dir/$name.log" 7>&- &
    peer_pids+=($!)
}
# lookalike_port NAME INDEX: the port the INDEX-th peer printed (`PORT n`), once it did.
lookalike_port() {
    wait_for_line "$work_dir/$1.out" '^PORT [0-9]+$' "${peer_pids[$2]}" "the $1 look-alike" | cut -d' ' -f2
}
start_lookalike okta okta.py --token "$okta_token" --events 120 --span 3600
start_lookalike github github.py --token "$github_token" --events 80 --span 3600
okta_port="$(lookalike_port okta 0)"
github_port="$(lookalike_port github 1)"
say "Okta look-alike on 127.0.0.1:$okta_port, GitHub look-alike on 127.0.0.1:$github_port"

"$mock_cluster" -b 3 <"$work_dir/peers.stdin" >"$work_dir/kafka.out" 2>"$work_dir/kafka.log" 7>&- &
peer_pids+=($!)
wait_for_line "$work_dir/kafka.out" '^ready$' $! "the Kafka mock cluster" >/dev/null
bootstrap="$(sed -n 's/^bootstrap //p' "$work_dir/kafka.out")"
say "Kafka mock cluster (librdkafka, 3 brokers) at $bootstrap"

config="$work_dir/demo.yaml"
cat >"$config" <<EOF
# Written by scripts/demo.sh: two polled vendors -> GeoIP -> spool -> Kafka.
workspaceID: demo
sources:
  - id: okta
    type: okta
    baseURL: http://127.0.0.1:$okta_port
    token: \${env:DEMO_OKTA_TOKEN}
    backfill: 2h
  - id: github
    type: github
    baseURL: http://127.0.0.1:$github_port
    organization: acme
    token: \${env:DEMO_GITHUB_TOKEN}
    backfill: 2h
geoip:
  databases:
    - $PWD/$mmdb/GeoIP2-City-Test.mmdb
    - $PWD/$mmdb/GeoLite2-ASN-Test.mmdb
sinks:
  - type: kafka
    name: demo
    brokers: "$bootstrap"
    topic: "demo.{sourceType}"
spool:
  dir: $work_dir/spool
  maxBytes: 64MiB
http:
  listen: 127.0.0.1:0
log:
  level: info
  format: json
EOF
export DEMO_OKTA_TOKEN="$okta_token" DEMO_GITHUB_TOKEN="$github_token"
"$auditrelay" check --config "$config" >/dev/null || fail "auditrelay check rejected $config"

"$auditrelay" run --config "$config" </dev/null >"$work_dir/auditrelay.out" 2>"$work_dir/auditrelay.log" 7>&- &
relay_pid=$! relay_started=$EPOCHREALTIME
metrics_port="$(wait_for_line "$work_dir/auditrelay.log" '"message":"listening"' $relay_pid "auditrelay run" |
    sed -n 's/.*"port":"\([0-9]*\)".*/\1/p')"
[[ -n "$metrics_port" ]] || fail "auditrelay's listening line names no port (see $work_dir/auditrelay.log)"
say "auditrelay run --config $config (pid $relay_pid, /metrics on 127.0.0.1:$metrics_port)"

served_events() { curl -sf "http://127.0.0.1:$1/_stats" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["ids"]))'; }
metric_sum() {
    curl -sf "http://127.0.0.1:$metrics_port/metrics" |
        awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%d\n", sum }'
}
expected=$(($(served_events "$okta_port") + $(served_events "$github_port")))
timeout="${DEMO_TIMEOUT:-60}" started=$SECONDS acknowledged=0
say "waiting until Kafka acknowledged the $expected events the look-alikes serve (at most $timeout s)"
while :; do
    kill -0 "$relay_pid" 2>/dev/null || fail "auditrelay run exited early"
    acknowledged="$(metric_sum auditrelay_sink_records_acknowledged_total || echo 0)"
    ((acknowledged >= expected)) && break
    ((SECONDS - started < timeout)) ||
        fail "only $acknowledged of $expected records acknowledged by Kafka after $timeout s (auditrelay_sink_records_acknowledged_total on /metrics; log: $work_dir/auditrelay.log)"
    sleep 0.2
done
say "$acknowledged records acknowledged $(since "$relay_started") s after auditrelay started"

# Read every record back from the brokers (kcat -C -e: from the start to the end of each partition).
records="$work_dir/kafka-records.tsv"
: >"$records"
for topic in demo.okta demo.github; do
    kcat -C -b "$bootstrap" -t "$topic" -e -q -f "%t\t%s\n" >>"$records" 7>&- ||
        fail "kcat could not read $topic from $bootstrap"
done

echo
echo "== Records read back from Kafka (kcat -C -e), with their GeoIP columns and behavior"
python3 - "$records" "$expected" <<'EOF'
import json
import sys

path, expected = sys.argv[1], int(sys.argv[2])
rows, per_topic = [], {}
for line in open(path, encoding="utf-8"):
    topic, _, value = line.rstrip("\n").partition("\t")
    record = json.loads(value)
    per_topic.setdefault(topic, []).append(record)
    rows.append(record)
enriched = [r for r in rows if r["srcCity"] and r["srcASNumber"] and r["srcASCountryCode"]]
columns = ["sourceType", "eventName", "behavior", "srcIP", "srcCity", "srcASCountryCode", "srcASNumber", "srcASOrganization"]
shown = [r for records in per_topic.values() for r in records[:3]]
widths = [max(len(c), *(len(str(r[c])) for r in shown)) for c in columns]
for values in [columns] + [[str(record[c]) for c in columns] for record in shown]:
    print("  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip())
print("%d records in Kafka (%s), %d with srcCity, srcASCountryCode and srcASNumber set"
      % (len(rows), ", ".join("%s: %d" % (t, len(r)) for t, r in sorted(per_topic.items())), len(enriched)))
if len(rows) < expected or len(enriched) != len(rows):
    sys.exit("demo: error: expected %d records, all enriched; read %d, %d enriched" % (expected, len(rows), len(enriched)))
EOF

echo
echo "== auditrelay cursor show --config demo.yaml"
"$auditrelay" cursor show --config "$config" 7>&-

echo
echo "== /metrics (main counters)"
curl -sf "http://127.0.0.1:$metrics_port/metrics" |
    grep -E '^auditrelay_(source_(events|requests|pages)_total|sink_records_(sent|acknowledged|failed)_total|geoip_(lookups|cache_hits)_total|spool_records|spool_oldest_unacknowledged_age_seconds)[{ ]' | sort || true

echo
stop_relay
((relay_exit == 0)) || fail "auditrelay exited $relay_exit after SIGTERM"
say "stopped: auditrelay exited 0 ${relay_stop_seconds} s after SIGTERM; the look-alikes and the mock cluster exit with the demo"
