"""Shared machinery of the vendor look-alikes the connector tests run: a threaded HTTP/1.1 server
on 127.0.0.1 (ephemeral port, printed as `PORT n`), a store of generated events, fault injection
driven by the test, and statistics. Exits when its stdin closes, so a dying test leaves nothing.

Control API (no auth):
  POST /_control {"faults": ["429", "429bare", "429date", "500", "503reset", "timeout", "truncated",
                   "malformed", "expire", "403", "ok", <hostile: see HOSTILE_FAULTS>, <vendor-specific>]}
                                                    queued; each data request takes the next;
                                                    a name this file does not know goes to the
                                                    vendor's `fault(handler, name)`
                                                    "stall": the next data answer sends its headers
                                                    and half its body, counts `stalled_responses`,
                                                    waits LOOKALIKE_STALL_SECONDS (5) and sends the
                                                    rest (a network partition lands mid-response)
  POST /_control {"add": N}                         appends N newer events
  POST /_control {"clear": true}                    drops the faults not yet served (answers their count)
  POST /_late {"count": N, "age": S}                appends N events dated S seconds ago, visible only
                                                    from now on (published late)
  GET  /_stats                                      counters and every event id
  GET  /_requests                                   data requests a vendor labelled (who polled what when):
                                                    [[label, start, end], ...] in epoch seconds
  GET  /_polls                                      per tenant, the times (Unix seconds) of its data
                                                    requests: a tenant is the first label of a
                                                    `<tenant>.localhost` Host header, so one process
                                                    serves many sources (curl resolves *.localhost to
                                                    loopback); each tenant keeps its last 1,000 times
Command line (every look-alike): --events N, --span S, --newest-age A, --page-delay s, --tls CERT KEY,
  --client-ips A,B,...: the events' client addresses cycle through these instead of the vendor's
  documentation ranges (for vendors whose events carry one; the demo passes addresses that the
  MaxMind test databases resolve)
Responses over 1 KiB are gzipped when the client accepts it; absolute-form request targets (a
client using this server as its HTTP proxy) are served and counted.
"""
import argparse
import email.utils
import gzip
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store:
    def __init__(self, count, span, newest_age, make_event):
        self.lock = threading.Lock()
        self.make_event = make_event
        self.events = []  # (time_seconds, id, event)
        self.faults = []
        self.stats = {"token_requests": 0, "data_requests": 0, "auth_failures": 0, "faults_served": [], "bad_requests": [],
                      "proxied_requests": 0, "gzipped_responses": 0, "stalled_responses": 0}
        self.client_ports = set()
        self.requests = []  # (label, start, end) of labelled data requests (`record_request`)
        self.tenant_polls = {}  # tenant -> deque of request times
        now = time.time()
        for index in range(count):
            self._append(round(spread_time(now, index, count, span, newest_age), 3))

    def _append(self, t):
        n = len(self.events)
        event_id = str(uuid.UUID(int=n + 1))
        self.events.append((t, event_id, self.make_event(n, event_id, t)))

    def add(self, count):
        with self.lock:
            now = time.time()
            for index in range(count):
                self._append(round(now - 60 + index * 0.001, 3))

    def add_late(self, count, age, vendor):
        """Events dated `age` seconds ago that only become visible now. The store stays sorted by
        time unless the vendor orders by arrival (`late_sorted = False`, Okta's persistence order);
        a vendor's `late_added(ids, now)` hears of them. Returns their ids."""
        with self.lock:
            now = time.time()
            ids = []
            for index in range(count):
                self._append(round(now - age + index * 0.001, 3))
                ids.append(self.events[-1][1])
            if getattr(vendor, "late_sorted", True):
                self.events.sort(key=lambda entry: entry[0])
            self.stats["late_events"] = self.stats.get("late_events", 0) + count
            hook = getattr(vendor, "late_added", None)
            if hook:
                hook(ids, now)
        return ids

    def record_request(self, label, start, end):
        """Notes that `label` (e.g. which replica polled which source) made a data request from
        `start` to `end`, for GET /_requests."""
        with self.lock:
            self.requests.append((label, start, end))

    def bad_request(self, reason):
        with self.lock:
            self.stats["bad_requests"].append(reason)

    def window(self, start, end):
        with self.lock:
            return [e for e in self.events if start <= e[0] < end]

    def next_fault(self):
        with self.lock:
            if self.faults:
                fault = self.faults.pop(0)
                self.stats["faults_served"].append(fault)
                return fault
            return None

    def requeue(self, fault):
        """Puts back a fault that does not apply to this request (a rejected cursor needs a request
        that carries one), uncounted, for the next request; returns False (the request goes on)."""
        with self.lock:
            self.faults.insert(0, fault)
            self.stats["faults_served"].pop()
        return False

    def record_poll(self, tenant):
        import collections
        with self.lock:
            times = self.tenant_polls.get(tenant)
            if times is None:
                times = self.tenant_polls[tenant] = collections.deque(maxlen=1000)
            times.append(round(time.time(), 3))

    def count(self, key, amount=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + amount


# --client-ips, set before any event is made.
CLIENT_IPS = []

# Client addresses that both GeoIP2-City-Test and GeoLite2-ASN-Test (scripts/fetch-mmdb-test-data.sh)
# resolve: Linköping SE AS29518, San Diego US AS721, Singapore SG AS721, Melbourne AU AS721, Milton US
# AS209. The demo and the side-by-side benchmark use them so every event gets City and ASN columns.
MMDB_TEST_CLIENT_IPS = ["89.160.20.112", "214.78.120.5", "214.0.0.7", "214.0.1.9", "216.160.83.58"]


def client_ip(n, default):
    """The n-th event's client address: one of --client-ips in turn when given, else `default`."""
    return CLIENT_IPS[n % len(CLIENT_IPS)] if CLIENT_IPS else default


def parse_client_ips(text):
    """The comma-separated addresses of --client-ips, each checked to be an IP address."""
    import ipaddress
    addresses = [part.strip() for part in text.split(",") if part.strip()]
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not an IP address" % address)
    if not addresses:
        raise argparse.ArgumentTypeError("no address given")
    return addresses


def spread_time(now, index, count, span, newest_age):
    """The index-th of `count` times spaced evenly from `span` to `newest_age` seconds before `now`."""
    return now - span + (span - newest_age) * index / max(count - 1, 1)


def client_credentials(arguments):
    """(client id -> secret, denied client ids) from --client-id/--client-secret and the optional
    --denied-client (same secret unless --denied-secret): an app that authenticates but lacks the read
    permission, so the permission-error path can be driven."""
    credentials = {arguments.client_id: arguments.client_secret}
    denied = set()
    if arguments.denied_client:
        credentials[arguments.denied_client] = arguments.denied_secret or arguments.client_secret
        denied.add(arguments.denied_client)
    return credentials, denied


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int(round((t % 1) * 1e6) % 1000000)


ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$")


def iso_ms(ms):
    """`2024-01-01T00:00:00.000Z` for milliseconds since the epoch."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def parse_iso_us(text):
    """Microseconds since the epoch, or None when `text` is not an ISO 8601 date-time with a zone."""
    match = ISO.match(text or "")
    if not match:
        return None
    import calendar
    try:
        seconds = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    fraction = int(((match.group(2) or "") + "000000")[:6])
    zone = match.group(3)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * 1000000 + fraction


def event_ms(entry):
    """A store entry's time in whole milliseconds."""
    return int(round(entry[0] * 1000))


def parse_rfc3339(text):
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1]
    fraction = 0.0
    if "." in text:
        text, frac = text.split(".", 1)
        fraction = float("0." + frac)
    import calendar
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%S")) + fraction


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    scheme = "http"
    store = None
    vendor = None  # an object with handle(handler, method, path, query, body) -> bool

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status, payload, headers=None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if len(data) > 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
            self.store.count("gzipped_responses")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if getattr(self, "stall", False):
            self.stall = False
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.store.count("stalled_responses")
            time.sleep(float(os.environ.get("LOOKALIKE_STALL_SECONDS", "5")))
            try:
                self.wfile.write(data[len(data) // 2:])
                self.wfile.flush()
            except OSError:
                self.close_connection = True
            return
        self.wfile.write(data)

    def apply_fault(self):
        """Serves the next queued fault instead of the data; True when one was served."""
        fault = self.store.next_fault()
        if fault is None:
            return False
        if fault == "ok":
            return False  # spaces faults out: this request is served normally
        if fault == "429":
            self.send_json(429, {"error": "rate limited"}, {"Retry-After": "7"})
        elif fault == "429bare":
            self.send_json(429, {"error": "rate limited"})
        elif fault == "429date":
            self.send_json(429, {"error": "rate limited"}, {"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)})
        elif fault == "503reset":
            self.send_json(503, {"error": "busy"}, {"X-RateLimit-Reset": str(int(time.time()) + 20)})
        elif fault == "500":
            self.send_json(500, {"error": "internal"})
        elif fault == "403":
            self.send_json(403, {"error": "forbidden"})
        elif fault == "timeout":
            time.sleep(float(os.environ.get("LOOKALIKE_TIMEOUT_SLEEP", "2.5")))
            self.send_json(500, {"error": "too late"})
        elif fault == "truncated":
            data = json.dumps({"results": [{"id": "x"}] * 50}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(1)
            except OSError:
                pass
        elif fault == "malformed":
            self.send_json(200, b'{"results": [{"id": "1", "occurred_at": ')
        elif fault == "stall":
            self.stall = True
            return False  # the data is served, slowly (send_json)
        elif fault == "expire":
            self.vendor.expire_tokens()
            return False  # the request itself is now answered 401 by the auth check
        elif fault in HOSTILE_FAULTS:
            HOSTILE_FAULTS[fault](self)
        else:
            vendor_fault = getattr(self.vendor, "fault", None)
            if vendor_fault is None:
                raise ValueError("unknown fault %r" % fault)
            return vendor_fault(self, fault)
        return True

    def stream_until_disconnected(self, first, chunk, delay=0.0, chunked=False):
        """Writes `first`, then `chunk` again and again until the client hangs up."""
        def send(data):
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)
        sent = 0
        try:
            send(first)
            while True:
                send(chunk)
                sent += len(chunk)
                if delay:
                    self.wfile.flush()
                    time.sleep(delay)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.store.count("hostile_bytes_sent", sent)
        self.close_connection = True

    def base_url(self):
        """scheme://host[:port] as the client addressed us (next links are built from it)."""
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        return "%s://%s" % (self.scheme, host)

    def page_delay(self):
        """Slows data pages down when --page-delay is set (crash tests kill a process mid-window)."""
        if self.store.page_delay:
            time.sleep(self.store.page_delay)

    def handle_any(self, method):
        with self.store.lock:
            self.store.client_ports.add(self.client_address[1])
        target = self.path
        if target.startswith("http://"):  # absolute form: we are being used as a forward proxy
            self.store.count("proxied_requests")
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        path, _, query = target.partition("?")
        body = self.body() if method == "POST" else b""
        if path == "/_control":
            request = json.loads(body or b"{}")
            with self.store.lock:
                cleared = len(self.store.faults) if request.get("clear") else 0
                if cleared:
                    self.store.faults.clear()
                self.store.faults.extend(request.get("faults", []))
            if request.get("add"):
                self.store.add(int(request["add"]))
            return self.send_json(200, {"ok": True, "cleared": cleared})
        if path == "/_late" and method == "POST":
            request = json.loads(body or b"{}")
            ids = self.store.add_late(int(request.get("count", 1)), float(request.get("age", 600)), self.vendor)
            return self.send_json(200, {"ok": True, "ids": ids})
        if path == "/_requests":
            with self.store.lock:
                requests = [list(entry) for entry in self.store.requests]
            return self.send_json(200, requests)
        if path == "/_stats":
            with self.store.lock:
                stats = dict(self.store.stats)
                stats["ids"] = [e[1] for e in self.store.events]
                stats["connections"] = len(self.store.client_ports)
            return self.send_json(200, stats)
        if path == "/_polls":
            with self.store.lock:
                polls = {tenant: list(times) for tenant, times in self.store.tenant_polls.items()}
            return self.send_json(200, polls)
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host.endswith(".localhost"):
            self.store.record_poll(host[: -len(".localhost")].split(".")[0])
        if not self.vendor.handle(self, method, path, query, body):
            self.send_json(404, {"error": "not found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


# Pathological answers a vendor (or something pretending to be one) might give, for the tests that
# check each is cut off at a limit with a clear error and bounded memory. Their bodies are arrays
# of events (Okta's page shape); the client must give up long before the shape matters.
def _huge(handler):
    """A body announced as 2 GiB, streamed for as long as the client reads."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(2 << 30))
    handler.end_headers()
    handler.stream_until_disconnected(b"[", b'{"uuid":"h","published":"2026-01-01T00:00:00.000Z"},' * 1024)


def _endless(handler):
    """A chunked body that never ends, as fast as the client reads."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.stream_until_disconnected(b"[", b'{"uuid":"e"},' * 4096, chunked=True)


def _drip(handler):
    """A chunked body that never ends, one byte every 200 ms (never idle long enough to time out on silence)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.stream_until_disconnected(b"[", b" ", delay=0.2, chunked=True)


def _send_whole(handler, body, **headers):
    """A 200 with `body` and its true length; a client that hangs up early just ends the exchange."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def _tiny_flood(handler):
    """One page of 5 million tiny events (about 15 MB): under any byte limit, far over any page size."""
    _send_whole(handler, b"[" + b"{}," * 4999999 + b"{}]")


def _lying_long(handler):
    """Content-Length promises 10 MB, a short valid page arrives, then the connection closes."""
    body = b'[{"uuid":"liar","published":"2026-01-01T00:00:00.000Z"}]'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(10_000_000))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    handler.close_connection = True


def _lying_short(handler):
    """Content-Length covers half the page; the rest is left on the kept-alive connection, where the
    client would read it as the start of the next response."""
    body = b'[' + b'{"uuid":"short","published":"2026-01-01T00:00:00.000Z"},' * 40 + b'{"uuid":"end"}]'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body) // 2))
    handler.end_headers()
    handler.wfile.write(body)


_BOMB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "polling", "gzip-bomb-10GiB.gz.gz")


def _gzip_bomb(handler, layers):
    """10 GiB of zeros: gzip once (10 MB on the wire) or gzip twice (16 KB on the wire)."""
    with open(_BOMB, "rb") as f:
        body = f.read()
    encoding = "gzip, gzip"
    if layers == 1:
        body = gzip.decompress(body)
        encoding = "gzip"
    _send_whole(handler, body, Content_Encoding=encoding)


HOSTILE_FAULTS = {
    "huge": _huge, "endless": _endless, "drip": _drip, "tinyflood": _tiny_flood,
    "liarlong": _lying_long, "liarshort": _lying_short,
    "gzipbomb": lambda handler: _gzip_bomb(handler, 1), "gzipbomb2": lambda handler: _gzip_bomb(handler, 2),
}


def serve(vendor, make_event, extra_arguments=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--span", type=float, default=3600.0, help="oldest event age in seconds")
    parser.add_argument("--newest-age", type=float, default=120.0)
    parser.add_argument("--page-delay", type=float, default=0.0, help="seconds each data page waits (call handler.page_delay())")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    parser.add_argument("--client-ips", type=parse_client_ips, default=[],
                        help="comma-separated addresses the events' client IPs cycle through")
    for add in extra_arguments or []:
        add(parser)
    arguments = parser.parse_args()
    CLIENT_IPS[:] = arguments.client_ips
    store = Store(arguments.events, arguments.span, arguments.newest_age, make_event)
    store.page_delay = arguments.page_delay
    vendor.configure(arguments, store)
    Handler.store = store
    Handler.vendor = vendor
    Handler.scheme = "https" if arguments.tls else "http"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if arguments.tls:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls[0], arguments.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()
