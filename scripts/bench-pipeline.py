#!/usr/bin/env python3
"""End-to-end pipeline benchmark: replay N Okta events (ndjson, ~2 KiB each) through
normalize -> encode -> durable spool (fsync per page) -> file sink (fdatasync per batch), release build.

Prints events/s and the peak resident memory of the auditrelay process.
Usage: scripts/bench-pipeline.py [--events 200000] [--binary .build/release/auditrelay]
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--events", type=int, default=200_000)
parser.add_argument("--binary", default=os.path.join(root, ".build/release/auditrelay"))
parser.add_argument("--runs", type=int, default=3)
args = parser.parse_args()

samples = [json.loads(line)["event"] for line in open(os.path.join(root, "Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"))]
work = tempfile.mkdtemp(prefix="auditrelay-bench-")
events_path = os.path.join(work, "events.jsonl")
total_bytes = 0
with open(events_path, "w") as out:
    for index in range(args.events):
        event = dict(samples[index % len(samples)])
        event["uuid"] = f"bench-{index:09d}"
        line = json.dumps(event, separators=(",", ":"))
        total_bytes += len(line) + 1
        out.write(line + "\n")

config_path = os.path.join(work, "bench.yaml")
with open(config_path, "w") as config:
    config.write(f"""workspaceID: bench
sources:
  - {{id: bench, type: replay, path: {events_path}, format: ndjson, sourceType: okta, stream: system_log, batchSize: 1000}}
sinks:
  - {{type: file, path: {work}/out.jsonl}}
spool: {{dir: {work}/spool, maxBytes: 256MiB}}
log: {{level: error}}
""")

best = None
for run in range(args.runs):
    # Each run starts from scratch: an empty spool (its cursor would say "all sent") and sink file.
    shutil.rmtree(os.path.join(work, "spool"), ignore_errors=True)
    try:
        os.remove(os.path.join(work, "out.jsonl"))
    except FileNotFoundError:
        pass
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([args.binary, "run", "--config", config_path, "--once"], check=True)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = sum(1 for _ in open(os.path.join(work, "out.jsonl")))
    assert lines == args.events, f"expected {args.events} records, got {lines}"
    rate = args.events / elapsed
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"run {run + 1}: {args.events} events ({total_bytes / args.events:.0f} B avg) in {elapsed:.2f} s = {rate:,.0f} events/s, cpu {cpu:.2f} s, peak RSS {after.ru_maxrss / 1024:.1f} MiB")
    best = max(best or 0, rate)
print(f"best: {best:,.0f} events/s")
