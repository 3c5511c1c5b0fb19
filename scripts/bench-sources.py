#!/usr/bin/env python3
"""Memory and CPU of `auditrelay run` as the number of polled sources grows (issue #20, targets 3 and 4),
against vendor look-alikes on loopback and a 3-broker librdkafka mock cluster. Release build.

Many sources (default): for each count in --sources, one sidecar polls that many sources spread
round-robin over four look-alike processes (Okta, Kandji, Slack, GitHub), each serving many tenants:
source i's baseURL is http://<tenant>.localhost:<port> (curl resolves *.localhost to loopback) and the
look-alike logs each tenant's request times (GET /_polls). Each source backfills its tenant's small
event set (--events), then polls every --interval. After every source's first cycle, the process is
watched for --cycles intervals. Reported per count: RSS when steady (VmRSS), peak RSS (VmHWM), CPU
seconds per poll cycle of all sources, the longest gap between two polls of one source (must stay
within the interval plus --slack: no source starved), threads; then the memory per additional source
(least-squares slope of steady RSS over the counts).

--idle: one Okta source and the Kafka sink, interval 60 s. Reported: binary size (as built and
stripped), start-up time from exec to the first poll request the look-alike saw and to /readyz 200,
then RSS after --idle-seconds idle between polls, with where it goes (/proc/PID/smaps grouped by
mapping: binary, each library, heap, anonymous mappings, thread stacks).

Usage: scripts/bench-sources.py [--sources 100,500,1000] [--interval 30] [--cycles 2] [--runs 1]
       scripts/bench-sources.py --idle [--runs 3] [--idle-seconds 20]
       [--binary .build/release/auditrelay] [--keep]
Build first: swift build -c release --static-swift-stdlib --product auditrelay (and kafka-mock-cluster);
scripts/bench-idle.sh does that and runs --idle.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
vendors_dir = os.path.join(root, "Tests/Fixtures/vendors")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

# Vendor look-alikes and the config of one source against them. Tokens are fixed fakes for loopback.
VENDORS = {
    "okta": (["okta.py", "--token", "bench-okta-token", "--rate-limit", "1000000"],
             "{{id: {id}, type: okta, baseURL: \"{url}\", token: bench-okta-token, backfill: 2h, lag: 5s, interval: {interval}s}}"),
    "kandji": (["kandji.py", "--token", "bench-kandji-token"],
               "{{id: {id}, type: kandji, baseURL: \"{url}\", token: bench-kandji-token, backfill: 2h, lag: 5s, interval: {interval}s}}"),
    "slack": (["slack.py", "--token", "xoxp-bench-slack-token"],
              "{{id: {id}, type: slack, baseURL: \"{url}\", token: xoxp-bench-slack-token, backfill: 2h, lag: 5s, interval: {interval}s}}"),
    "github": (["github.py", "--token", "ghp_bench-github-token", "--rate-limit", "1000000"],
               "{{id: {id}, type: github, baseURL: \"{url}\", organization: acme, token: ghp_bench-github-token, backfill: 2h, "
               "lag: 5s, interval: {interval}s}}"),
}


def fail(message):
    raise SystemExit("bench-sources: " + message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    """(status, body) of a GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class Peers:
    """The look-alikes and the mock cluster; they exit when their stdin closes."""

    def __init__(self, binary_dir, vendors, events):
        self.processes = []
        self.ports = {}
        for name in vendors:
            arguments = VENDORS[name][0]
            process = subprocess.Popen([sys.executable, os.path.join(vendors_dir, arguments[0]), *arguments[1:],
                                        "--events", str(events), "--span", "3600"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.processes.append(process)
            line = process.stdout.readline()
            if not line.startswith("PORT "):
                fail(f"the {name} look-alike did not start")
            self.ports[name] = int(line.split()[1])
        cluster = subprocess.Popen([os.path.join(binary_dir, "kafka-mock-cluster"), "-b", "3", "-t", "audit:3"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.processes.append(cluster)
        self.bootstrap = None
        for line in cluster.stdout:
            if line.startswith("bootstrap "):
                self.bootstrap = line.split()[1]
            if line.strip() == "ready":
                break
        if not self.bootstrap:
            fail("kafka-mock-cluster did not start (build it: swift build -c release --product kafka-mock-cluster)")

    def polls(self, vendor):
        status, body = get(f"http://127.0.0.1:{self.ports[vendor]}/_polls", timeout=30)
        if status != 200:
            fail(f"GET /_polls of the {vendor} look-alike answered {status}")
        return json.loads(body)

    def all_polls(self):
        merged = {}
        for vendor in self.ports:
            merged.update(self.polls(vendor))
        return merged

    def stop(self):
        for process in self.processes:
            process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def rss_kib(pid):
    return int(proc_status(pid)["VmRSS"].split()[0])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / CLOCK_TICKS  # utime, stime


def smaps_breakdown(pid, binary):
    """Resident KiB per kind of mapping: the binary, each library, heap, thread stacks (anonymous
    mappings directly above a guard page), other anonymous memory (malloc arenas, mmap'd buffers)."""
    groups = {}
    previous_guard = False
    name, rss, perms = None, 0, ""
    entries = []
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                if name is not None:
                    entries.append((name, perms, rss))
                parts = line.split()
                perms = parts[1]
                name = parts[5] if len(parts) > 5 else ""
                rss = 0
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
        if name is not None:
            entries.append((name, perms, rss))
    real_binary = os.path.realpath(binary)
    for name, perms, rss in entries:
        if perms.startswith("---"):
            previous_guard = True
            continue
        if name == real_binary:
            key = "binary"
        elif name.startswith("/"):
            key = os.path.basename(name)
        elif name == "[heap]":
            key = "heap (brk)"
        elif name.startswith("["):
            key = name
        elif previous_guard:
            key = "thread stacks and guarded anonymous"
        else:
            key = "anonymous (malloc arenas, mmaps)"
        previous_guard = False
        groups[key] = groups.get(key, 0) + rss
    return dict(sorted(groups.items(), key=lambda item: -item[1]))


def write_config(work, sources, bootstrap, ops_port, log_level="warning"):
    path = os.path.join(work, "bench.yaml")
    with open(path, "w") as out:
        out.write("workspaceID: bench\nsources:\n" + "".join(f"  - {source}\n" for source in sources)
                  + f"sinks:\n  - {{type: kafka, name: siem, brokers: \"{bootstrap}\", topic: audit}}\n"
                  + f"spool: {{dir: {work}/spool, maxBytes: 256MiB}}\n"
                  + f"http: {{listen: \"127.0.0.1:{ops_port}\"}}\n"
                  + f"log: {{format: json, level: {log_level}}}\n")
    return path


def start_relay(binary, config, work):
    log = open(os.path.join(work, "auditrelay.log"), "w")
    started = time.time()
    process = subprocess.Popen([binary, "run", "--config", config], stdout=subprocess.DEVNULL, stderr=log)
    return process, started


def stop_relay(process):
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def finish_relay(process, work, keep):
    """Stops the relay and removes its work directory (or names it, with --keep)."""
    stop_relay(process)
    if keep:
        print("kept:", work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def relay_failed(process, work):
    if process.poll() is not None:
        with open(os.path.join(work, "auditrelay.log")) as f:
            fail(f"auditrelay exited with {process.returncode}: {f.read()[-2000:]}")


def many_sources(args, peers, count, run):
    work = tempfile.mkdtemp(prefix=f"auditrelay-sources-{count}-")
    vendors = list(peers.ports)
    tenants = []
    sources = []
    for index in range(count):
        vendor = vendors[index % len(vendors)]
        tenant = f"r{run}n{count}s{index}"
        tenants.append(tenant)
        url = f"http://{tenant}.localhost:{peers.ports[vendor]}"
        sources.append(VENDORS[vendor][1].format(id=f"{vendor}-{index}", url=url, interval=args.interval))
    config = write_config(work, sources, peers.bootstrap, free_port())
    relay, started = start_relay(args.binary, config, work)
    try:
        # Every source's first poll, then its second: the backfill cycle is over for all of them.
        deadline = time.time() + 120 + count * 0.2
        while True:
            relay_failed(relay, work)
            polls = peers.all_polls()
            second = [tenant for tenant in tenants if len(polls.get(tenant, [])) and
                      any(t >= polls[tenant][0] + args.interval * 0.9 for t in polls[tenant])]
            if len(second) == count:
                break
            if time.time() > deadline:
                fail(f"{count - len(second)} of {count} sources were not polled twice within {deadline - started:.0f} s")
            time.sleep(1)
        caught_up = time.time()
        first_poll_max = max(polls[tenant][0] for tenant in tenants) - started
        rss_after_first_cycle = rss_kib(relay.pid)
        cpu_start = cpu_seconds(relay.pid)
        samples = []
        window_end = caught_up + args.cycles * args.interval
        while time.time() < window_end:
            relay_failed(relay, work)
            samples.append(rss_kib(relay.pid))
            time.sleep(0.5)
        cpu = cpu_seconds(relay.pid) - cpu_start
        status = proc_status(relay.pid)
        polls = peers.all_polls()
        gaps = []
        for tenant in tenants:
            times = polls.get(tenant, [])
            gaps.extend(later - earlier for earlier, later in zip(times, times[1:]))
        last_poll_age = max(time.time() - polls[tenant][-1] for tenant in tenants)
        result = {
            "sources": count,
            "rss_mib": statistics.median(samples[len(samples) // 2:]) / 1024,
            "rss_after_first_cycle_mib": rss_after_first_cycle / 1024,
            "peak_mib": int(status["VmHWM"].split()[0]) / 1024,
            "threads": int(status["Threads"]),
            "cpu_per_cycle_s": cpu / args.cycles,
            "max_gap_s": max(gaps),
            "last_poll_age_s": last_poll_age,
            "first_poll_max_s": first_poll_max,
            "catch_up_s": caught_up - started,
        }
        if args.breakdown:
            result["smaps"] = smaps_breakdown(relay.pid, args.binary)
    finally:
        finish_relay(relay, work, args.keep)
    return result


def idle(args, peers, run):
    work = tempfile.mkdtemp(prefix="auditrelay-idle-")
    tenant = f"idle{run}"
    ops_port = free_port()
    source = VENDORS["okta"][1].format(id="okta", url=f"http://{tenant}.localhost:{peers.ports['okta']}", interval=60)
    config = write_config(work, [source], peers.bootstrap, ops_port, log_level="info")
    relay, started = start_relay(args.binary, config, work)
    ready_at = None
    try:
        deadline = started + 60
        while ready_at is None:
            relay_failed(relay, work)
            if get(f"http://127.0.0.1:{ops_port}/readyz", timeout=1)[0] == 200:
                ready_at = time.time()
                break
            if time.time() > deadline:
                fail("/readyz was not 200 within 60 s")
            time.sleep(0.005)
        # Every served event acknowledged by Kafka: the first cycle is over.
        while True:
            relay_failed(relay, work)
            _, body = get(f"http://127.0.0.1:{ops_port}/metrics")
            match = re.search(rb'auditrelay_sink_records_acknowledged_total\{sink="siem"\} (\d+)', body)
            if match and int(match.group(1)) >= args.events:
                break
            if time.time() > deadline:
                fail("the first cycle was not acknowledged within 60 s")
            time.sleep(0.1)
        first_poll = peers.polls("okta")[tenant][0]
        acknowledged = time.time()
        time.sleep(args.idle_seconds)
        polls = peers.polls("okta")[tenant]
        if any(acknowledged + 1 < t for t in polls):
            fail("the source polled during the idle window (interval 60 s)")
        status = proc_status(relay.pid)
        result = {
            "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
            "rss_anon_mib": int(status["RssAnon"].split()[0]) / 1024,
            "rss_file_mib": int(status["RssFile"].split()[0]) / 1024,
            "peak_mib": int(status["VmHWM"].split()[0]) / 1024,
            "threads": int(status["Threads"]),
            "start_to_first_poll_s": first_poll - started,
            "start_to_ready_s": ready_at - started,
            "smaps": smaps_breakdown(relay.pid, args.binary),
        }
    finally:
        finish_relay(relay, work, args.keep)
    return result


def binary_sizes(binary):
    stripped = tempfile.mktemp(prefix="auditrelay-stripped-")
    subprocess.run(["strip", "-o", stripped, binary], check=True)
    sizes = (os.path.getsize(binary), os.path.getsize(stripped))
    os.remove(stripped)
    return sizes


def median_line(name, values, unit, digits=1):
    values = list(values)
    shown = " / ".join(f"{v:.{digits}f}" for v in values)
    return f"{name}: {shown} {unit} (median {statistics.median(values):.{digits}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(root, ".build/release/auditrelay"))
    parser.add_argument("--idle", action="store_true", help="one Okta source + Kafka sink, idle between polls")
    parser.add_argument("--sources", default="100,500,1000", help="comma-separated source counts")
    parser.add_argument("--vendors", default="okta,kandji,slack,github")
    parser.add_argument("--interval", type=int, default=30, help="seconds between polls of each source")
    parser.add_argument("--cycles", type=int, default=2, help="steady-state intervals watched per count")
    parser.add_argument("--slack", type=float, default=10.0,
                        help="seconds a poll may come after its interval (which runs from the end of the previous poll, "
                             "so a gap is the interval plus that poll's own duration); a starved source misses whole intervals")
    parser.add_argument("--events", type=int, default=20, help="events per tenant")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--breakdown", action="store_true", help="also print the smaps breakdown per count")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        fail(f"{args.binary} is not built (swift build -c release --static-swift-stdlib --product auditrelay)")
    binary_dir = os.path.dirname(args.binary)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
    if args.idle:
        peers = Peers(binary_dir, ["okta"], args.events)
        try:
            results = [idle(args, peers, run) for run in range(args.runs)]
        finally:
            peers.stop()
        built, stripped = binary_sizes(args.binary)
        print(f"binary: {built / 2**20:.1f} MiB as built, {stripped / 2**20:.1f} MiB stripped ({args.binary})")
        for number, result in enumerate(results, 1):
            print(f"run {number}: idle RSS {result['rss_mib']:.1f} MiB (anon {result['rss_anon_mib']:.1f}, file {result['rss_file_mib']:.1f}), "
                  f"peak {result['peak_mib']:.1f} MiB, {result['threads']} threads, first poll {result['start_to_first_poll_s']:.3f} s, "
                  f"/readyz 200 {result['start_to_ready_s']:.3f} s")
            print("  resident KiB by mapping: " + ", ".join(f"{k} {v}" for k, v in list(result["smaps"].items())[:12]))
        print(median_line("idle RSS", (r["rss_mib"] for r in results), "MiB"))
        print(median_line("start to first poll", (r["start_to_first_poll_s"] for r in results), "s", 3))
        print(median_line("start to /readyz 200", (r["start_to_ready_s"] for r in results), "s", 3))
        print(f"load average {os.getloadavg()[0]:.1f} at end")
        return
    counts = [int(c) for c in args.sources.split(",")]
    peers = Peers(binary_dir, args.vendors.split(","), args.events)
    starved = []
    try:
        results = {}
        for run in range(args.runs):
            for count in counts:
                result = many_sources(args, peers, count, run)
                results.setdefault(count, []).append(result)
                print(f"run {run + 1}, {count} sources: RSS {result['rss_mib']:.1f} MiB steady "
                      f"({result['rss_after_first_cycle_mib']:.1f} after the first cycle, peak {result['peak_mib']:.1f}), "
                      f"{result['threads']} threads, CPU {result['cpu_per_cycle_s']:.2f} s per cycle of all sources, "
                      f"max gap between polls {result['max_gap_s']:.1f} s (interval {args.interval} s), "
                      f"every source polled {result['last_poll_age_s']:.1f} s ago or less, "
                      f"first poll of all within {result['first_poll_max_s']:.1f} s, caught up after {result['catch_up_s']:.1f} s",
                      flush=True)
                if "smaps" in result:
                    print("  resident KiB by mapping: " + ", ".join(f"{k} {v}" for k, v in list(result["smaps"].items())[:12]))
                if result["max_gap_s"] > args.interval + args.slack:
                    starved.append(f"{count} sources: a gap of {result['max_gap_s']:.1f} s")
    finally:
        peers.stop()
    print("medians:")
    for count in counts:
        rows = results[count]
        print(f"  {count} sources: RSS {statistics.median(r['rss_mib'] for r in rows):.1f} MiB, "
              f"CPU {statistics.median(r['cpu_per_cycle_s'] for r in rows):.2f} s per cycle, "
              f"longest gap of all runs {max(r['max_gap_s'] for r in rows):.1f} s")
    if len(counts) >= 2:
        xs = counts
        ys = [statistics.median(r["rss_mib"] for r in results[c]) * 1024 for c in counts]
        mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
        print(f"memory per additional source: {slope:.1f} KiB (least squares over {', '.join(map(str, counts))})")
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    if starved:
        fail("sources polled later than interval + slack: " + "; ".join(starved))


if __name__ == "__main__":
    main()
