#!/usr/bin/env bash
# Syslog sink benchmark, release build, to a local rsyslogd writing every message to a file, over
# TCP (octet counting), RELP and TLS (gtls), ~1 KiB messages. Two modes per transport:
#   sink      `syslog-bench` (Tools/syslog-bench): prepared records straight into SyslogSink in
#             batches of 2000, one delivery at a time (as the pipeline calls it);
#   pipeline  `auditrelay run --once`: replay -> normalize -> log -> syslog sink. The `file` row is
#             the same pipeline into the file sink, i.e. the pipeline's own ceiling.
# Reports seconds and records/s to the last acknowledgement (including the sink's clean close) and
# until rsyslog has written every record.
#
# Usage: scripts/bench-syslog.sh [--records 100000] [--skip-build] [--transports "file tcp relp tls"]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
records=100000
transports="file tcp relp tls"
build=1
while (($#)); do
    case $1 in
        --records) records=$2; shift 2 ;;
        --transports) transports=$2; shift 2 ;;
        --skip-build) build=0; shift ;;
        *) echo "usage: $0 [--records N] [--skip-build] [--transports \"file tcp relp tls\"]" >&2; exit 2 ;;
    esac
done

if ((build)); then
    (cd "$root" && swift build -c release --product auditrelay >/dev/null && swift build -c release --product syslog-bench >/dev/null)
fi
binary=$root/.build/release/auditrelay
bench=$root/.build/release/syslog-bench
work=$(mktemp -d /tmp/auditrelay-bench-syslog.XXXXXX)
rsyslog_pid=
cleanup() {
    if [[ -n $rsyslog_pid ]]; then kill -9 "$rsyslog_pid" 2>/dev/null || true; wait "$rsyslog_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

moddir=
for candidate in /usr/lib/x86_64-linux-gnu/rsyslog /usr/lib/aarch64-linux-gnu/rsyslog /usr/lib64/rsyslog /usr/lib/rsyslog; do
    [[ -f $candidate/imtcp.so ]] && { moddir=$candidate; break; }
done

# Small Okta events; the normalized record plus syslog header is then about 1.2 KiB.
python3 - "$records" "$work/events.jsonl" <<'PY'
import json, sys
count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for index in range(count):
        event = {"uuid": f"bench-{index:09d}", "published": "2024-05-21T18:08:48.081Z", "eventType": "user.session.start",
                 "actor": {"id": "00u1", "type": "User", "alternateId": "ana@example.com"},
                 "client": {"ipAddress": "203.0.113.7"}}
        out.write(json.dumps(event, separators=(",", ":")) + "\n")
PY

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.csr" -subj "/CN=localhost" 2>/dev/null
echo "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/server.pem" \
    -days 2 -extfile "$work/server.ext" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
count_lines() { if [[ -f $1 ]]; then wc -l < "$1"; else echo 0; fi; }

start_rsyslog() {  # transport port
    local input
    case $1 in
        tcp) input="module(load=\"imtcp\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$2\" ruleset=\"received\")" ;;
        relp) input="module(load=\"imrelp\")
input(type=\"imrelp\" address=\"127.0.0.1\" port=\"$2\" ruleset=\"received\")" ;;
        tls) input="module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$2\" ruleset=\"received\")" ;;
    esac
    rm -rf "$work/rs" && mkdir -p "$work/rs/work"
    cat > "$work/rs/rsyslog.conf" <<CONF
global(workDirectory="$work/rs/work" maxMessageSize="64k" defaultNetstreamDriverCAFile="$work/ca.pem"
       defaultNetstreamDriverCertFile="$work/server.pem" defaultNetstreamDriverKeyFile="$work/server.key")
main_queue(queue.size="200000")
template(name="raw" type="string" string="%rawmsg%\n")
$input
ruleset(name="received") { action(type="omfile" file="$work/rs/out.log" template="raw") }
CONF
    /usr/sbin/rsyslogd -n -f "$work/rs/rsyslog.conf" -i "$work/rs/pid" ${moddir:+-M "$moddir"} >/dev/null 2>&1 &
    rsyslog_pid=$!
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "rsyslogd did not start" >&2
    exit 1
}

stop_rsyslog() { kill -9 "$rsyslog_pid" 2>/dev/null || true; wait "$rsyslog_pid" 2>/dev/null || true; rsyslog_pid=; }

wait_for() {  # file count
    local deadline=$((SECONDS + 120))
    while (($(count_lines "$1") < $2)) && ((SECONDS < deadline)); do sleep 0.02; done
    (($(count_lines "$1") == $2)) || { echo "expected $2 records in $1, found $(count_lines "$1")" >&2; exit 1; }
}

report() {  # mode records bytes start acked written cpu
    python3 - "$@" <<'PY'
import sys
name, n, size, start, acked, written = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:7])
a, w = acked - start, written - start
print(f"{name:<15} {n:>8} {size / n:>6.0f} {a:>7.2f} {n / a:>10,.0f} {w:>7.2f} {n / w:>10,.0f} {sys.argv[7]:>6}")
PY
}

printf '%-15s %8s %6s %7s %10s %7s %10s %6s\n' mode records bytes "ack s" "ack rec/s" "wrote s" "wrote/s" "cpu s"
for transport in $transports; do
    port=$(free_port)
    case $transport in
        file) url= ;;
        tcp) url="tcp://127.0.0.1:$port" ;;
        relp) url="relp://127.0.0.1:$port" ;;
        tls) url="tls://localhost:$port" ;;
        *) echo "unknown transport $transport" >&2; exit 2 ;;
    esac
    if [[ $transport != file ]]; then
        # Sink only.
        start_rsyslog "$transport" "$port"
        read -r _ seconds _ start < <("$bench" --url "$url" --records "$records" --size 1024 --ca "$work/ca.pem")
        acked=$(python3 -c "print($start + $seconds)")
        wait_for "$work/rs/out.log" "$records"
        written=$(date +%s.%N)
        report "sink $transport" "$records" "$(stat -c %s "$work/rs/out.log")" "$start" "$acked" "$written" "-"
        stop_rsyslog
        tls=
        [[ $transport == tls ]] && tls=", tls: {ca: $work/ca.pem}"
        sink="{type: syslog, url: \"$url\"$tls}"
        start_rsyslog "$transport" "$port"
        out=$work/rs/out.log
    else
        sink="{type: file, path: $work/out.jsonl}"
        out=$work/out.jsonl
    fi
    # Whole pipeline.
    rm -rf "$work/spool"
    cat > "$work/bench.yaml" <<CONF
workspaceID: bench
sources:
  - {id: bench, type: replay, path: $work/events.jsonl, format: ndjson, sourceType: okta, stream: system_log, batchSize: 1000}
sinks:
  - $sink
spool: {dir: $work/spool, maxBytes: 256MiB}
log: {level: error}
CONF
    start=$(date +%s.%N)
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[2:], check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{usage.ru_utime + usage.ru_stime:.2f}")' "$work/time" "$binary" run --config "$work/bench.yaml" --once
    acked=$(date +%s.%N)
    wait_for "$out" "$records"
    written=$(date +%s.%N)
    report "pipeline $transport" "$records" "$(stat -c %s "$out")" "$start" "$acked" "$written" "$(cat "$work/time")"
    if [[ $transport != file ]]; then stop_rsyslog; fi
done
