#!/usr/bin/env python3
"""End-to-end pipeline benchmark of the release build: `auditrelay run --once` over replayed vendor
events through normalize -> [GeoIP] -> encode -> durable spool (fsync per page) -> sink, timed to
the last acknowledgement. Prints events/s, CPU seconds and the peak resident memory of the process.

Two workloads:
  default   one replay source of Okta events (~2 KiB each), file sink with fdatasync per batch.
  --budget  the design budget's workload (issue #2): every EMM vendor's samples (~1 KiB average,
            26 streams, one replay source each), GeoIP City + ASN enrichment (MaxMind's test
            databases), Kafka sink acknowledged (acks=all, idempotent) by a 3-broker librdkafka
            mock cluster in another process. Needs scripts/fetch-mmdb-test-data.sh first.

Usage: scripts/bench-pipeline.py [--budget] [--sink kafka|file] [--events 200000] [--runs 3] [--binary .build/release/auditrelay]
"""
import argparse, glob, json, os, shutil, subprocess, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--events", type=int, default=200_000)
parser.add_argument("--binary", default=os.path.join(root, ".build/release/auditrelay"))
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--budget", action="store_true", help="all vendors (~1 KiB), GeoIP, Kafka mock cluster")
parser.add_argument("--sink", choices=["kafka", "file"], help="override the workload's sink")
parser.add_argument("--keep", action="store_true", help="keep the generated events and config (path printed)")
args = parser.parse_args()
use_kafka = (args.sink or ("kafka" if args.budget else "file")) == "kafka"
fixtures = os.path.join(root, "Tests/NormalizersTests/Fixtures/emm")
work = tempfile.mkdtemp(prefix="auditrelay-bench-")


def write_events(path, samples, count, tag):
    """`count` events cycling through `samples`; returns the bytes written."""
    size = 0
    with open(path, "w") as out:
        for index in range(count):
            # A distinct marker per event keeps every record distinct (content-hash ids included).
            event = dict(samples[index % len(samples)])
            event["_bench"] = f"{tag}-{index:09d}"
            line = json.dumps(event, separators=(",", ":"))
            size += len(line) + 1
            out.write(line + "\n")
    return size


sources, total_bytes = [], 0
if args.budget:
    files = sorted(glob.glob(os.path.join(fixtures, "*.jsonl")))
    all_samples = {path: [json.loads(line) for line in open(path)] for path in files}
    sample_count = sum(len(s) for s in all_samples.values())
    assigned = 0
    for number, (path, samples) in enumerate(all_samples.items()):
        # Each stream's share of the events is its share of the samples.
        count = args.events - assigned if number == len(files) - 1 else args.events * len(samples) // sample_count
        assigned += count
        events_path = os.path.join(work, f"events-{number}.jsonl")
        total_bytes += write_events(events_path, [s["event"] for s in samples], count, str(number))
        sources.append(f"  - {{id: s{number}, type: replay, path: {events_path}, format: ndjson, "
                       f"sourceType: {samples[0]['sourceType']}, stream: {samples[0]['stream']}, batchSize: 1000}}")
else:
    samples = [json.loads(line)["event"] for line in open(os.path.join(fixtures, "okta.system_log.jsonl"))]
    events_path = os.path.join(work, "events.jsonl")
    total_bytes = write_events(events_path, samples, args.events, "okta")
    sources.append(f"  - {{id: bench, type: replay, path: {events_path}, format: ndjson, sourceType: okta, stream: system_log, batchSize: 1000}}")

geoip = ""
if args.budget:
    data = os.path.join(root, ".cache/mmdb-test-data/test-data")
    databases = [os.path.join(data, name) for name in ("GeoIP2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb")]
    missing = [d for d in databases if not os.path.exists(d)]
    if missing:
        raise SystemExit(f"missing {missing}: run scripts/fetch-mmdb-test-data.sh first")
    geoip = "geoip: {databases: [" + ", ".join(databases) + "]}\n"


def start_cluster():
    cluster = subprocess.Popen([os.path.join(os.path.dirname(args.binary), "kafka-mock-cluster"), "-b", "3", "-t", "bench:16"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    bootstrap = None
    for line in cluster.stdout:
        if line.startswith("bootstrap "):
            bootstrap = line.split()[1]
        if line.strip() == "ready":
            break
    if not bootstrap:
        raise SystemExit("kafka-mock-cluster did not start")
    return cluster, bootstrap


def config(bootstrap):
    if bootstrap:
        sink = f"  - {{type: kafka, name: bench, brokers: \"{bootstrap}\", topic: bench, compression: lz4, librdkafka: {{linger.ms: \"5\"}}}}"
    else:
        sink = f"  - {{type: file, path: {work}/out.jsonl}}"
    path = os.path.join(work, "bench.yaml")
    with open(path, "w") as out:
        out.write("workspaceID: bench\nsources:\n" + "\n".join(sources) + "\nsinks:\n" + sink + "\n"
                  + f"spool: {{dir: {work}/spool, maxBytes: 1GiB}}\n" + geoip + "log: {level: error}\n")
    return path


best = None
for run in range(args.runs):
    # Each run starts from scratch: an empty spool (its cursors would say "all sent") and sink.
    shutil.rmtree(os.path.join(work, "spool"), ignore_errors=True)
    if os.path.exists(os.path.join(work, "out.jsonl")):
        os.remove(os.path.join(work, "out.jsonl"))
    cluster, bootstrap = start_cluster() if use_kafka else (None, None)
    try:
        config_path = config(bootstrap)
        start = time.monotonic()
        # --once exits 0 only after every record is acknowledged by the sink. wait4 gives this
        # process's own CPU time and peak RSS (not the mock cluster's).
        relay = subprocess.Popen([args.binary, "run", "--config", config_path, "--once"])
        _, status, usage = os.wait4(relay.pid, 0)
        elapsed = time.monotonic() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"auditrelay exited with {os.waitstatus_to_exitcode(status)}")
    finally:
        if cluster:
            cluster.stdin.close()
            cluster.wait()
    inspect = subprocess.run([args.binary, "spool", "inspect", "--config", config_path], capture_output=True, text=True, check=True).stdout
    if not use_kafka:
        lines = sum(1 for _ in open(os.path.join(work, "out.jsonl")))
        assert lines == args.events, f"expected {args.events} records, got {lines}"
    rate = args.events / elapsed
    cpu = usage.ru_utime + usage.ru_stime
    print(f"run {run + 1}: {args.events} events ({total_bytes / args.events:.0f} B avg, {len(sources)} sources) in {elapsed:.2f} s = "
          f"{rate:,.0f} events/s, cpu {cpu:.2f} s, peak RSS {usage.ru_maxrss / 1024:.1f} MiB")
    best = max(best or 0, rate)
print(f"best: {best:,.0f} events/s")
print("last spool:", " ".join(inspect.split())[:300])
if args.keep:
    print("kept:", work)
else:
    shutil.rmtree(work, ignore_errors=True)
