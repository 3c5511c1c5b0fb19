#!/usr/bin/env python3
"""One chaos run of the real auditrelay binary with every fault at once (issue #19 part 5).

Three polled vendors on their look-alikes (okta.py, onelogin.py, pingone.py) keep publishing new
and late events while they answer 429/5xx/timeouts/broken pages; a 3-broker librdkafka mock
cluster loses brokers; a real rsyslogd behind the RELP sink is SIGKILLed and restarted; the spool
lives on a small tmpfs that fills up during outages; auditrelay itself is SIGKILLed and restarted
with the same config, spool and state. Then the faults stop, everything drains, and every event a
look-alike served must be in Kafka and in rsyslog at least once (by source and vendor event id).

Run it through scripts/chaos.sh. Needs root (tmpfs). All randomness comes from --seed, which is
printed first so a failing run can be replayed. Exit status: 0 when nothing was lost (in
drop_oldest mode: when the missing events are accounted for by the drops the binary logged), no
spool corruption was reported and auditrelay never died on its own; 1 otherwise; 2 on a setup error.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENDORS_DIR = os.path.join(ROOT, "Tests", "Fixtures", "vendors")
TOPIC = "chaos"
# The look-alikes' generic faults plus each vendor's own 429 (see lookalike.py and the vendor files).
GENERIC_FAULTS = ["429", "429bare", "500", "503reset", "timeout", "truncated", "malformed"]
LOOKBACK_SECONDS = 180
LATE_AGE = (20, 90)  # late events are dated this many seconds back: inside the lookback, beyond the lag


def log(message):
    print("chaos %s %s" % (time.strftime("%H:%M:%S"), message), flush=True)


class SetupError(Exception):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what, seconds, condition, interval=0.1):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    raise SetupError("timed out after %d s waiting for %s" % (seconds, what))


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- Vendors ---------------------------------------------------------------------------------

class Vendor:
    """One look-alike process and the auditrelay source that polls it."""

    def __init__(self, name, script, arguments, source_keys, rate_limit_fault, events):
        self.name = name
        self.source_id = "chaos-" + name
        self.rate_limit_fault = rate_limit_fault
        self.source_keys = source_keys
        environment = dict(os.environ, LOOKALIKE_TIMEOUT_SLEEP="3")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(VENDORS_DIR, script)] + arguments
            + ["--events", str(events), "--span", "3600", "--newest-age", "60"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise SetupError("%s look-alike did not start (printed %r)" % (script, line))
        self.base_url = "http://127.0.0.1:%d" % int(line.split()[1])

    def post(self, path, body):
        request = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self):
        with urllib.request.urlopen(self.base_url + "/_stats", timeout=30) as response:
            return json.loads(response.read())

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()  # the look-alike exits when its stdin closes
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_vendors(events):
    # Secrets are made up for the look-alikes; auditrelay reads them from the environment.
    okta_token = "00chaos-okta-ssws-7Hq2"
    onelogin_secret = "ol-chaos-secret-51c9"
    pingone_secret = "p1-chaos-secret-0b7e"
    environment_id = "0f3e9c2a-2222-4d2e-9a55-5e0c2d7d9b10"
    secrets = {"CHAOS_OKTA_TOKEN": okta_token, "CHAOS_ONELOGIN_SECRET": onelogin_secret, "CHAOS_PINGONE_SECRET": pingone_secret}
    vendors = [
        Vendor("okta", "okta.py", ["--token", okta_token],
               {"token": "${env:CHAOS_OKTA_TOKEN}", "pageSize": 200}, "429okta", events),
        # A generous hourly limit: the lookback re-read every poll must not be throttled by rateShare.
        Vendor("onelogin", "onelogin.py", ["--client-id", "ol-chaos-client", "--client-secret", onelogin_secret, "--rate-limit", "200000"],
               {"clientID": "ol-chaos-client", "clientSecret": "${env:CHAOS_ONELOGIN_SECRET}", "pageSize": 50}, "429v", events),
        Vendor("pingone", "pingone.py", ["--client-id", "p1-chaos-client", "--client-secret", pingone_secret, "--env-id", environment_id],
               {"authURL": None, "environmentID": environment_id, "clientID": "p1-chaos-client",
                "clientSecret": "${env:CHAOS_PINGONE_SECRET}", "pageSize": 200}, "429v", events),
    ]
    for vendor in vendors:
        if "authURL" in vendor.source_keys:
            vendor.source_keys["authURL"] = vendor.base_url
    return vendors, secrets


# --- Kafka mock cluster ----------------------------------------------------------------------

class KafkaCluster:
    BROKERS = (1, 2, 3)

    def __init__(self, binary):
        self.process = subprocess.Popen([binary, "-b", "3", "-t", "%s:3" % TOPIC], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        first = self.process.stdout.readline()
        if not first.startswith("bootstrap "):
            raise SetupError("kafka-mock-cluster did not start (printed %r)" % first)
        self.bootstrap = first.split()[1]
        if self.process.stdout.readline().strip() != "ready":
            raise SetupError("kafka-mock-cluster did not say ready")
        self.down_until = {}  # broker -> monotonic time it comes back

    def command(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "ok":
            raise SetupError("kafka-mock-cluster: %s -> %s" % (text, answer))

    def down(self, broker, until):
        self.command("down %d" % broker)
        self.down_until[broker] = until

    def up(self, broker):
        self.command("up %d" % broker)
        self.down_until.pop(broker, None)

    def delivered(self):
        """(sourceID, eventID) of every message in the topic, with repeats, read with kcat."""
        result = subprocess.run(["kcat", "-C", "-b", self.bootstrap, "-t", TOPIC, "-o", "beginning", "-e", "-q", "-f", "%h\n"],
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SetupError("kcat failed: %s" % result.stderr.strip()[-500:])
        pairs = []
        for line in result.stdout.splitlines():
            headers = dict(part.split("=", 1) for part in line.split(",") if "=" in part)
            if "sourceID" in headers and "eventID" in headers:
                pairs.append((headers["sourceID"], headers["eventID"]))
        return pairs

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- rsyslog ---------------------------------------------------------------------------------

class Rsyslog:
    """rsyslogd with imrelp, a Direct main queue (what it acknowledged is already in the file, as
    Tests/SyslogTests/RsyslogServer.swift configures it), every message raw on one line of out.log."""

    MODULE_DIRECTORIES = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib64/rsyslog", "/usr/lib/rsyslog"]

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(os.path.join(directory, "work"), exist_ok=True)
        self.port = free_port()
        self.output = os.path.join(directory, "out.log")
        self.config = os.path.join(directory, "rsyslog.conf")
        with open(self.config, "w") as file:
            file.write("""global(workDirectory="%(work)s" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off")
main_queue(queue.type="Direct")
template(name="raw" type="string" string="%%rawmsg%%\\n")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="%(port)d" maxDataSize="256k" ruleset="received")
ruleset(name="received") {
    action(type="omfile" file="%(output)s" template="raw")
}
action(type="omfile" file="%(internal)s")
""" % {"work": os.path.join(directory, "work"), "port": self.port, "output": self.output,
       "internal": os.path.join(directory, "rsyslog-internal.log")})
        self.process = None
        self.down_until = None

    def start(self):
        arguments = ["/usr/sbin/rsyslogd", "-n", "-f", self.config, "-i", os.path.join(self.directory, "rsyslogd.pid")]
        modules = next((d for d in self.MODULE_DIRECTORIES if os.path.exists(os.path.join(d, "imrelp.so"))), None)
        if modules:
            arguments += ["-M", modules]
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("rsyslogd to listen on port %d" % self.port, 15,
                 lambda: accepts(self.port) or self.process.poll() is not None)
        if self.process.poll() is not None:
            raise SetupError("rsyslogd exited at start (status %s); config %s" % (self.process.returncode, self.config))
        self.down_until = None

    def kill(self, until):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.down_until = until

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    SD = re.compile(r'\[auditrelay@32473 sourceID="((?:[^"\\]|\\.)*)" eventID="((?:[^"\\]|\\.)*)"')

    def delivered(self):
        pairs = []
        try:
            with open(self.output, "rb") as file:
                for line in file:
                    match = self.SD.search(line.decode("utf-8", "replace"))
                    if match:
                        pairs.append((match.group(1), match.group(2)))
        except FileNotFoundError:
            pass
        return pairs


# --- auditrelay ------------------------------------------------------------------------------

class Relay:
    def __init__(self, binary, config, environment, log_path, metrics_port):
        self.binary = binary
        self.config = config
        self.environment = environment
        self.log_path = log_path
        self.metrics_port = metrics_port
        self.process = None
        self.peak_hwm_kib = 0
        self.lives = 0
        self.unexpected_exits = []
        self.metrics_totals = Counter()  # counters summed over the process lives
        self.metrics_life = {}  # the current life's last scrape

    def start(self):
        self.lives += 1
        log_file = open(self.log_path, "ab")
        log_file.write(("--- start %d at %s\n" % (self.lives, time.strftime("%H:%M:%S"))).encode())
        log_file.flush()
        self.process = subprocess.Popen([self.binary, "run", "--config", self.config], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=log_file, env=dict(os.environ, **self.environment))
        log_file.close()
        self.metrics_life = {}

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def sample_memory(self):
        if not self.running:
            return
        try:
            with open("/proc/%d/status" % self.process.pid) as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_hwm_kib = max(self.peak_hwm_kib, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass

    def scrape(self):
        """Reads /metrics; remembers this life's counters so a SIGKILL does not lose them."""
        if not self.running:
            return None
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return None
        values = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                pass
        corrupt = values.get("auditrelay_spool_corrupt_records_total", 0)
        if corrupt > self.metrics_life.get("auditrelay_spool_corrupt_records_total", 0):
            log("auditrelay (life %d) reports %d corrupt spool records" % (self.lives, corrupt))
        self.metrics_life = values
        return values

    def close_life(self):
        for name in ("auditrelay_spool_corrupt_records_total", "auditrelay_spool_dropped_records_total",
                     "auditrelay_spool_truncated_bytes_total"):
            self.metrics_totals[name] += self.metrics_life.get(name, 0)
        self.metrics_life = {}

    def check_alive(self):
        """Notes an exit nobody asked for (a crash) and starts it again."""
        if self.process is not None and self.process.poll() is not None:
            self.unexpected_exits.append(self.process.returncode)
            log("auditrelay exited on its own with status %s; restarting" % self.process.returncode)
            self.close_life()
            self.start()

    def sigkill(self):
        self.sample_memory()
        self.scrape()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.close_life()

    def terminate(self, timeout=60):
        self.sample_memory()
        self.scrape()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = "killed after %d s" % timeout
        self.close_life()
        return status


def write_config(path, vendors, kafka, rsyslog, spool_dir, metrics_port, full_policy, max_bytes):
    sources = []
    for vendor in vendors:
        keys = ", ".join('%s: "%s"' % (key, value) if isinstance(value, str) else "%s: %s" % (key, value)
                         for key, value in vendor.source_keys.items())
        sources.append('  - {id: %s, type: %s, baseURL: "%s", %s, backfill: 2h, lag: 5s, lookback: %ds, interval: 3s, '
                       'requestsPerSecond: 50, timeout: 2s}' % (vendor.source_id, vendor.name, vendor.base_url, keys, LOOKBACK_SECONDS))
    # drop_oldest accounting needs every acknowledgement on disk before a SIGKILL can lose it.
    ack_interval = ", ackPersistInterval: 0s" if full_policy == "drop_oldest" else ""
    with open(path, "w") as file:
        file.write("""workspaceID: chaos
sources:
%s
sinks:
  - {type: kafka, name: kafka, brokers: "%s", topic: %s, compression: lz4}
  - {type: syslog, name: rsyslog, url: "relp://127.0.0.1:%d"}
spool: {dir: %s, maxBytes: %s, fullPolicy: %s%s}
http: {listen: "127.0.0.1:%d"}
log: {format: json, level: info}
""" % ("\n".join(sources), kafka.bootstrap, TOPIC, rsyslog.port, spool_dir, max_bytes, full_policy, ack_interval, metrics_port))


# --- The run ---------------------------------------------------------------------------------

def mount_tmpfs(directory, size):
    os.makedirs(directory, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", directory], capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError("cannot mount a %s tmpfs on %s (needs root): %s" % (size, directory, result.stderr.strip()))


def unmount(directory):
    subprocess.run(["umount", directory], capture_output=True)


def drop_lines(log_path):
    """The spool's per-drop log lines (JSON), each naming what every sink lost."""
    drops = []
    with open(log_path, "rb") as file:
        for raw in file:
            if b"spool full: dropped" not in raw:
                continue
            try:
                drops.append(json.loads(raw))
            except ValueError:
                pass
    return drops


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--spool-full", choices=["block", "drop_oldest"], default="block")
    parser.add_argument("--binary", required=True, help="the auditrelay binary")
    parser.add_argument("--mock-cluster", required=True, help="the kafka-mock-cluster binary")
    parser.add_argument("--work", default=None, help="work directory (default: a new one under /tmp, removed after a clean run)")
    parser.add_argument("--entry", default="scripts/chaos.sh", help="how to replay this run (printed with the seed)")
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds the drain may take before the run fails")
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(1, 2 ** 31)
    rng = random.Random(seed)
    print("chaos: seed %d (replay: %s --minutes %g --seed %d%s)" % (
        seed, arguments.entry, arguments.minutes, seed, "" if arguments.spool_full == "block" else " --spool-full " + arguments.spool_full), flush=True)

    work = arguments.work or tempfile.mkdtemp(prefix="auditrelay-chaos-")
    os.makedirs(work, exist_ok=True)
    spool_dir = os.path.join(work, "spool")
    # block: the tmpfs is smaller than spool.maxBytes, so the disk itself fills (ENOSPC) during an
    # outage; drop_oldest: maxBytes is the limit, the tmpfs only bounds the damage.
    # Segments are 512 KiB (spool.maxBytes / 2); the inflow fills 768 KiB in about 20 s of an outage.
    tmpfs_size, max_bytes = ("768k", "1MiB") if arguments.spool_full == "block" else ("16m", "1MiB")
    vendors, kafka, rsyslog, relay = [], None, None, None
    mounted = False
    status = 2
    try:
        mount_tmpfs(spool_dir, tmpfs_size)
        mounted = True
        vendors, secrets = start_vendors(300)
        kafka = KafkaCluster(arguments.mock_cluster)
        rsyslog = Rsyslog(os.path.join(work, "rsyslog"))
        rsyslog.start()
        metrics_port = free_port()
        config = os.path.join(work, "auditrelay.yaml")
        write_config(config, vendors, kafka, rsyslog, spool_dir, metrics_port, arguments.spool_full, max_bytes)
        check = subprocess.run([arguments.binary, "check", "--config", config], capture_output=True, text=True, env=dict(os.environ, **secrets))
        if check.returncode != 0:
            raise SetupError("auditrelay check refused the chaos config:\n%s%s" % (check.stdout, check.stderr))
        relay = Relay(arguments.binary, config, secrets, os.path.join(work, "auditrelay.log"), metrics_port)
        relay.start()
        status = run(arguments, seed, rng, vendors, kafka, rsyslog, relay, secrets, work, spool_dir, max_bytes, tmpfs_size)
    except SetupError as error:
        print("chaos: setup error: %s" % error, file=sys.stderr, flush=True)
        status = 2
    finally:
        if relay and relay.running:
            relay.process.kill()
            relay.process.wait()
        if rsyslog and rsyslog.running:
            rsyslog.kill(None)
        if kafka:
            kafka.stop()
        for vendor in vendors:
            vendor.stop()
        if mounted:
            if status != 0:  # keep the evidence: the tmpfs goes away with the mount
                shutil.copytree(spool_dir, os.path.join(work, "spool-at-exit"), dirs_exist_ok=True)
            unmount(spool_dir)
    if status == 0 and not arguments.work:
        shutil.rmtree(work, ignore_errors=True)
    return status


def run(arguments, seed, rng, vendors, kafka, rsyslog, relay, secrets, work, spool_dir, max_bytes, tmpfs_size):
    started = time.time()
    end = started + arguments.minutes * 60
    injected = Counter()  # fault kind -> times injected (vendor faults: those the look-alikes served)
    added = late = 0
    sigkills = 0
    next_kill = time.monotonic() + rng.uniform(10, 40)
    tick = 0
    spool_full_seen = 0
    unserved_total = 0
    log("running %.1f min: work %s, spool on a tmpfs, sources %s" % (arguments.minutes, work, ", ".join(v.source_id for v in vendors)))
    while time.time() < end:
        tick += 1
        now = time.monotonic()
        relay.check_alive()
        relay.sample_memory()
        if tick % 4 == 0:
            metrics = relay.scrape()
            if metrics and metrics.get("auditrelay_spool_writable", 1) == 0:
                spool_full_seen += 1
        # Vendors: new events every second, late ones now and then, bursts of faults.
        if tick % 4 == 0:
            for vendor in vendors:
                count = rng.randint(2, 10)
                vendor.post("/_control", {"add": count})
                added += count
                if rng.random() < 0.08:
                    count = rng.randint(1, 15)
                    vendor.post("/_late", {"count": count, "age": rng.randint(*LATE_AGE)})
                    late += count
                if rng.random() < 0.12:
                    kinds = GENERIC_FAULTS + [vendor.rate_limit_fault]
                    burst = [rng.choice(kinds) for _ in range(rng.randint(1, 3))]
                    # A burst replaces what is still queued: a poller blocked on a full spool serves no faults,
                    # and they must not pile up into an outage that outlasts the run.
                    unserved_total += vendor.post("/_control", {"clear": True, "faults": burst})["cleared"]
        # Kafka brokers: each down now and then for 5-45 s (sometimes all three at once).
        for broker, until in list(kafka.down_until.items()):
            if now >= until:
                kafka.up(broker)
        if rng.random() < 0.012:
            broker = rng.choice(KafkaCluster.BROKERS)
            if broker not in kafka.down_until:
                kafka.down(broker, now + rng.uniform(5, 45))
                injected["kafka broker down"] += 1
        # rsyslog: SIGKILLed now and then, back after 1-40 s.
        if rsyslog.running and rng.random() < 0.012:
            rsyslog.kill(now + rng.uniform(1, 40))
            injected["rsyslog SIGKILL"] += 1
        elif not rsyslog.running and rsyslog.down_until is not None and now >= rsyslog.down_until:
            rsyslog.start()
        # auditrelay: SIGKILLed every 10-60 s, back after 0.2-3 s.
        if now >= next_kill and relay.running:
            relay.sigkill()
            sigkills += 1
            # What the next process recovers from, kept for a post-mortem (removed with the work directory).
            shutil.copytree(spool_dir, os.path.join(work, "spool-at-kill-%d" % sigkills))
            time.sleep(rng.uniform(0.2, 3))
            relay.start()
            next_kill = time.monotonic() + rng.uniform(10, 60)
        time.sleep(0.25)

    # Stop the faults: every broker up, rsyslog running, auditrelay running; no new events.
    log("faults stop; draining")
    unserved = unserved_total + sum(vendor.post("/_control", {"clear": True})["cleared"] for vendor in vendors)
    for broker in list(kafka.down_until):
        kafka.up(broker)
    if not rsyslog.running:
        rsyslog.start()
    relay.check_alive()
    drain_started = time.time()
    served = {}
    kafka_pairs = rsyslog_pairs = []
    missing_kafka = missing_rsyslog = set()
    drops = []
    last_progress = (None, time.time())
    while True:
        relay.check_alive()
        relay.sample_memory()
        relay.scrape()
        served = {vendor.source_id: set(vendor.stats()["ids"]) for vendor in vendors}
        expected = {(source, event) for source, ids in served.items() for event in ids}
        kafka_pairs = kafka.delivered()
        rsyslog_pairs = rsyslog.delivered()
        missing_kafka = expected - set(kafka_pairs)
        missing_rsyslog = expected - set(rsyslog_pairs)
        if not missing_kafka and not missing_rsyslog:
            break
        metrics = relay.metrics_life
        backlog = metrics.get("auditrelay_spool_records", -1)
        state = (len(missing_kafka), len(missing_rsyslog), backlog)
        if state != last_progress[0]:
            last_progress = (state, time.time())
        if arguments.spool_full == "drop_oldest" and backlog == 0 and time.time() - last_progress[1] > 30:
            break  # what is still missing was dropped: accounted below
        if time.time() - drain_started > arguments.drain_timeout:
            log("drain did not finish in %d s" % arguments.drain_timeout)
            break
        if int(time.time() - drain_started) % 30 < 3:
            log("draining: %d missing from Kafka, %d from rsyslog, spool backlog %s" % (len(missing_kafka), len(missing_rsyslog), backlog))
        time.sleep(3)
    drain_seconds = time.time() - drain_started
    status = relay.terminate()
    duration = time.time() - started

    for vendor in vendors:
        for fault in vendor.stats()["faults_served"]:
            if fault != "ok":
                injected["vendor " + fault] += 1

    # Corruption: the metric (summed over every life) and any log line about it.
    corrupt_total = relay.metrics_totals["auditrelay_spool_corrupt_records_total"]
    with open(relay.log_path, "rb") as file:
        log_text = file.read().decode("utf-8", "replace")
    corrupt_lines = [line for line in log_text.splitlines() if re.search(r"corrupt|damage|not a readable record", line, re.IGNORECASE)]
    append_failures = Counter()
    for line in log_text.splitlines():
        if "spool append failed" in line:
            try:
                # One count per kind of failure, not per segment file it named.
                append_failures[re.sub(r"/\S*", "<spool file>", json.loads(line).get("error", "?"))[:80]] += 1
            except ValueError:
                pass
    leaked = [name for name, secret in secrets.items() if secret in log_text]

    events_served = sum(len(ids) for ids in served.values())
    failures = []
    lines = [
        "chaos summary",
        "  seed                 %d" % seed,
        "  command              %s --minutes %g --seed %d%s" % (
            arguments.entry, arguments.minutes, seed, "" if arguments.spool_full == "block" else " --spool-full " + arguments.spool_full),
        "  spool                %s policy, maxBytes %s on a %s tmpfs; /metrics said unwritable %d times" % (
            arguments.spool_full, max_bytes, tmpfs_size, spool_full_seen),
        "  spool append failed  %s" % (", ".join("%d x %s" % (n, e) for e, n in append_failures.most_common()) or "never"),
        "  duration             %.0f s of faults + %.0f s drain = %.0f s" % (arguments.minutes * 60, drain_seconds, duration),
        "  events served        %d (%s; %d added while running, %d published late)" % (
            events_served, ", ".join("%s %d" % (s, len(i)) for s, i in sorted(served.items())), added, late),
        "  delivered to Kafka   %d messages, %d distinct events" % (len(kafka_pairs), len(set(kafka_pairs))),
        "  delivered to rsyslog %d messages, %d distinct events" % (len(rsyslog_pairs), len(set(rsyslog_pairs))),
        "  duplicates           Kafka %d, rsyslog %d" % (len(kafka_pairs) - len(set(kafka_pairs)), len(rsyslog_pairs) - len(set(rsyslog_pairs))),
        "  faults injected      %s (vendor faults: those served; %d queued but replaced or dropped unserved)" % (
            ", ".join("%s %d" % (kind, count) for kind, count in sorted(injected.items())), unserved),
        "  auditrelay SIGKILLs  %d (exits on its own: %d%s)" % (
            sigkills, len(relay.unexpected_exits), (" " + str(relay.unexpected_exits)) if relay.unexpected_exits else ""),
        "  peak RSS (VmHWM)     %d KiB (max over %d process lives)" % (relay.peak_hwm_kib, relay.lives),
        "  spool corruption     %d corrupt records (metric), %d log lines" % (corrupt_total, len(corrupt_lines)),
        "  final SIGTERM        exit status %s" % status,
    ]
    if arguments.spool_full == "block":
        lines.append("  lost                 Kafka %d, rsyslog %d" % (len(missing_kafka), len(missing_rsyslog)))
        if missing_kafka or missing_rsyslog:
            failures.append("events lost (e.g. %s)" % sorted(missing_kafka | missing_rsyslog)[:5])
    else:
        drops = drop_lines(relay.log_path)
        dropped_total = relay.metrics_totals["auditrelay_spool_dropped_records_total"]
        for sink, missing in (("kafka", missing_kafka), ("rsyslog", missing_rsyslog)):
            undelivered = sum(int(d.get("metadata", d).get("%s.undelivered" % sink, 0)) for d in drops)
            in_flight = sum(int(d.get("metadata", d).get("%s.inFlight" % sink, 0)) for d in drops)
            lines.append("  %-20s missing %d; drops logged: %d never handed to the sink + %d in flight or being retried" % (
                sink, len(missing), undelivered, in_flight))
            # Records that had not reached the sink are missing; those in flight may have arrived.
            if not (undelivered <= len(missing) <= undelivered + in_flight):
                failures.append("%s: %d events missing, not accounted for by the %d (+%d in flight) dropped" % (
                    sink, len(missing), undelivered, in_flight))
        lines.append("  dropped (metric)     %d, summed over process lives (scraped before each SIGKILL); %d drop log lines" % (
            dropped_total, len(drops)))
        if not drops and (missing_kafka or missing_rsyslog):
            failures.append("events missing but no drop was logged")
    if relay.unexpected_exits:
        failures.append("auditrelay exited on its own %d times" % len(relay.unexpected_exits))
    if corrupt_total or corrupt_lines:
        failures.append("spool corruption reported: %s" % (corrupt_lines[:3] or corrupt_total))
    if leaked:
        failures.append("secrets in the log: %s" % leaked)
    if status != 0:
        failures.append("SIGTERM after the drain exited with %s" % status)
    print("\n".join(lines), flush=True)
    if failures:
        print("chaos: FAILED: %s\nchaos: work directory kept: %s" % ("; ".join(failures), work), flush=True)
        return 1
    print("chaos: passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
