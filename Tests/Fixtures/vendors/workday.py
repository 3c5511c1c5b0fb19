"""Workday look-alike (Privacy v1 User Activity Logging behind an OAuth 2.0 refresh-token grant).

  POST /ccx/oauth2/{tenant}/token   form body grant_type=refresh_token&refresh_token=R; the client
                                    authenticates with HTTP Basic base64(id:secret) or with
                                    client_id/client_secret form fields (both accepted).
                                    -> {access_token, token_type: "Bearer", expires_in, refresh_token}
                                    Without --rotate the refresh_token returned is the one sent.
                                    With --rotate every success returns a NEW refresh token and revokes
                                    the one used; a revoked one gets 400 {"error": "invalid_grant",
                                    "error_description": "Invalid refresh token"} (and is recorded).
                                    Errors are RFC 6749 section 5.2 bodies: 400 invalid_request /
                                    unsupported_grant_type / invalid_grant, 401 invalid_client.
  GET  /ccx/api/privacy/v1/{tenant}/activityLogging
                                    `Authorization: Bearer <access_token>`; from, to (required, ISO 8601,
                                    from < to; rows with from <= requestTime < to), limit (default 20,
                                    1..1000), offset (default 0), instancesReturned (a positive integer;
                                    each unit reaches --instance-cap rows of the window, 10,000 by
                                    default, as Workday documents "1 fetches 10,000 records"), filters
                                    systemAccount / taskId, type (accepted, ignored),
                                    returnUserActivityEntryCount=true (-> data: [{userActivityEntryCount}]).
                                    -> {"total": N, "data": [...]}: rows in chronological order
                                    (requestTime, then arrival); total counts the whole window and does
                                    not change while paging; an offset past the end is 200 with data [].
Events carry no id (as Workday's): every event's sessionId ("s-<n>") is unique here and is what
/_stats "ids" lists. `target` is absent on some events (sign-on style tasks), as in real data.

Errors follow Workday's ERROR_MODEL_REFERENCE / VALIDATION_ERROR_MODEL_REFERENCE:
{"error": "...", "errors": [{"error": "..."}]}:
  400 bad parameters (recorded in bad_requests), 401 {"error": "invalid_token", ...} for a missing,
  unknown or expired access token, 403 "The task submitted is not authorized." for --denied-client
  (its token works, but its security groups lack the System Auditing domain), 404 wrong tenant.

Vendor faults: "429wd" (429, Retry-After: 3), "badcursor" (a request with offset > 0 gets 400;
others are served normally), "expire" (every access token is invalidated before the auth check).
/_stats adds current_refresh_token_index (rotations so far for --client-id), revoked_refresh_uses,
rate_limited, count_requests, capped_windows, limits_seen; never token values.

Command line: workday.py --events N --span S [--newest-age A] --client-id C --client-secret S
              --refresh-token R [--rotate] [--denied-client D] [--denied-secret DS] [--tenant acme]
              [--page-delay s] [--token-lifetime s] [--instance-cap n]
"""
import base64
import calendar
import re
import secrets
import threading
import time
import urllib.parse

import lookalike

TOKEN_PATH = re.compile(r"^/ccx/oauth2/([^/]+)/token/?$")
DATA_PATH = re.compile(r"^/ccx/api/privacy/v1/([^/]+)/activityLogging/?$")
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
NOT_AUTHORIZED = "The task submitted is not authorized."


def api_error(message, details=None):
    return {"error": message, "errors": [{"error": d} for d in (details or [message])]}


class Workday:
    def configure(self, arguments, store):
        self.store = store
        self.tenant = arguments.tenant
        self.lifetime = arguments.token_lifetime
        self.rotate = arguments.rotate
        self.instance_cap = arguments.instance_cap
        self.main_client = arguments.client_id
        self.credentials, self.denied = lookalike.client_credentials(arguments)
        self.lock = threading.Lock()
        # Each client's refresh-token chain starts at --refresh-token.
        self.refresh = {client: arguments.refresh_token for client in self.credentials}
        self.revoked = {client: set() for client in self.credentials}
        self.rotations = {client: 0 for client in self.credentials}
        self.tokens = {}  # access token -> (client_id, expiry epoch seconds)
        self.local = threading.local()
        for key in ("current_refresh_token_index", "revoked_refresh_uses", "rate_limited", "late_events",
                    "count_requests", "capped_windows"):
            store.stats[key] = 0
        store.stats["limits_seen"] = []
        # Workday events have no id: /_stats "ids" lists each event's (unique) sessionId.
        store.events = [(t, event["sessionId"], event) for t, _, event in store.events]

        def append(this, t):
            n = len(this.events)
            event = this.make_event(n, None, t)
            this.events.append((t, event["sessionId"], event))
        store._append = append.__get__(store)

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    # --- Token endpoint.

    def token_error(self, handler, status, error, description, reason):
        self.store.bad_request(reason if reason == "revoked refresh token used" else "token: " + reason)
        handler.send_json(status, {"error": error, "error_description": description})
        return True

    def handle_token(self, handler, method, tenant, body):
        self.store.count("token_requests")
        if method != "POST":
            return self.token_error(handler, 405, "invalid_request", "POST required", "method %s" % method)
        if tenant != self.tenant:
            return self.token_error(handler, 404, "invalid_request", "Unknown tenant", "unknown tenant %r" % tenant)
        content_type = (handler.headers.get("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" not in content_type:
            return self.token_error(handler, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded",
                                    "Content-Type %r" % content_type)
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        authorization = handler.headers.get("Authorization") or ""
        client_id = secret = None
        if authorization[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
                client_id, _, secret = decoded.partition(":")
                client_id, secret = urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
            except (ValueError, UnicodeDecodeError):
                client_id = None
        elif not authorization:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id:
            return self.token_error(handler, 401, "invalid_client", "Client authentication failed",
                                    "no client credentials (Authorization %r)" % authorization[:20])
        if self.credentials.get(client_id) != secret:
            return self.token_error(handler, 401, "invalid_client", "Client authentication failed",
                                    "wrong client_id/client_secret for %r" % client_id)
        if form.get("grant_type") != "refresh_token":
            return self.token_error(handler, 400, "unsupported_grant_type", "Unsupported grant type",
                                    "grant_type %r" % form.get("grant_type"))
        presented = form.get("refresh_token")
        if not presented:
            return self.token_error(handler, 400, "invalid_request", "Missing refresh_token", "no refresh_token")
        with self.lock:
            if presented in self.revoked[client_id]:
                self.store.stats["revoked_refresh_uses"] += 1
                outcome = "revoked"
            elif presented != self.refresh[client_id]:
                outcome = "unknown"
            else:
                outcome = None
                if self.rotate:
                    self.revoked[client_id].add(presented)
                    self.refresh[client_id] = "wd-rt-" + secrets.token_hex(24)
                    self.rotations[client_id] += 1
                    if client_id == self.main_client:
                        self.store.stats["current_refresh_token_index"] = self.rotations[client_id]
                access = "wd-at-" + secrets.token_hex(20)
                self.tokens[access] = (client_id, time.time() + self.lifetime)
                refresh = self.refresh[client_id]
        if outcome == "revoked":
            return self.token_error(handler, 400, "invalid_grant", "Invalid refresh token", "revoked refresh token used")
        if outcome == "unknown":
            return self.token_error(handler, 400, "invalid_grant", "Invalid refresh token", "unknown refresh token")
        handler.send_json(200, {"access_token": access, "token_type": "Bearer", "expires_in": int(self.lifetime),
                                "refresh_token": refresh})
        return True

    # --- Data endpoint.

    def authenticate(self, handler):
        """The client id behind the request's bearer token, or None (after answering 401)."""
        authorization = handler.headers.get("Authorization") or ""
        match = re.match(r"^Bearer\s+(\S+)\s*$", authorization, re.IGNORECASE)
        with self.lock:
            entry = self.tokens.get(match.group(1)) if match else None
        if entry is None or entry[1] <= time.time():
            self.store.count("auth_failures")
            handler.send_json(401, {"error": "invalid_token", "error_description": "The access token is invalid or has expired"},
                              {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return None
        return entry[0]

    def fault(self, handler, name):
        if name == "429wd":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, api_error("Too Many Requests"), {"Retry-After": "3"})
            return True
        if name == "badcursor":
            if getattr(self.local, "offset", 0) > 0:
                handler.send_json(400, api_error("invalid request: offset", ["Invalid value for offset"]))
                return True
            return False
        raise ValueError("unknown fault %r" % name)

    def validate(self, params):
        """A dict of the request's settings, or an error message."""
        for name, values in params.items():
            if len(values) > 1:
                return "%s given more than once" % name
        one = {name: values[0] for name, values in params.items()}
        for name in ("from", "to"):
            if not one.get(name):
                return "%s is required" % name
        start, end = lookalike.parse_iso_us(one["from"]), lookalike.parse_iso_us(one["to"])
        if start is None:
            return "Invalid value for from: %s" % one["from"]
        if end is None:
            return "Invalid value for to: %s" % one["to"]
        if start >= end:
            return "from must be earlier than to"
        limit = DEFAULT_LIMIT
        if "limit" in one:
            if not re.fullmatch(r"\d{1,9}", one["limit"]) or not 1 <= int(one["limit"]) <= MAX_LIMIT:
                return "Invalid value for limit: %s (1..%d)" % (one["limit"], MAX_LIMIT)
            limit = int(one["limit"])
        offset = 0
        if "offset" in one:
            if not re.fullmatch(r"\d{1,9}", one["offset"]):
                return "Invalid value for offset: %s" % one["offset"]
            offset = int(one["offset"])
        instances = 1
        if "instancesReturned" in one:
            if not re.fullmatch(r"\d{1,4}", one["instancesReturned"]) or int(one["instancesReturned"]) < 1:
                return "Invalid value for instancesReturned: %s" % one["instancesReturned"]
            instances = int(one["instancesReturned"])
        count_only = one.get("returnUserActivityEntryCount", "false").lower()
        if count_only not in ("true", "false"):
            return "Invalid value for returnUserActivityEntryCount: %s" % count_only
        return {"from": start, "to": end, "limit": limit, "offset": offset, "instances": instances,
                "count_only": count_only == "true", "systemAccount": one.get("systemAccount"), "taskId": one.get("taskId")}

    def handle_data(self, handler, method, tenant, query):
        if method != "GET":
            return False
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        try:
            self.local.offset = int(params.get("offset", ["0"])[0])
        except ValueError:
            self.local.offset = 0
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        client_id = self.authenticate(handler)
        if client_id is None:
            return True
        if tenant != self.tenant:
            self.store.bad_request("data: unknown tenant %r" % tenant)
            handler.send_json(404, api_error("Resource not found"))
            return True
        if client_id in self.denied:
            handler.send_json(403, api_error(NOT_AUTHORIZED))
            return True
        if handler.apply_fault():
            return True
        settings = self.validate(params)
        if isinstance(settings, str):
            self.store.bad_request("data: %s (query %s)" % (settings, query))
            handler.send_json(400, api_error("invalid request: " + settings, [settings]))
            return True
        with self.store.lock:
            snapshot = list(self.store.events)
            if settings["limit"] not in self.store.stats["limits_seen"]:
                self.store.stats["limits_seen"].append(settings["limit"])
        rows = []
        for index, entry in enumerate(snapshot):
            us = lookalike.event_ms(entry) * 1000
            if not settings["from"] <= us < settings["to"]:
                continue
            event = entry[2]
            if settings["systemAccount"] and event["systemAccount"] != settings["systemAccount"]:
                continue
            if settings["taskId"] and event["taskId"] != settings["taskId"]:
                continue
            rows.append(((us, index), event))
        rows.sort(key=lambda row: row[0])
        total = len(rows)
        if settings["count_only"]:
            with self.store.lock:
                self.store.stats["count_requests"] += 1
            handler.send_json(200, {"total": 1, "data": [{"userActivityEntryCount": total}]})
            return True
        reachable = settings["instances"] * self.instance_cap
        if total > reachable:
            with self.store.lock:
                self.store.stats["capped_windows"] += 1
        start = min(settings["offset"], reachable)
        end = min(settings["offset"] + settings["limit"], reachable)
        page = [row[1] for row in rows[start:end]]
        handler.page_delay()
        handler.send_json(200, {"total": total, "data": page})
        return True

    def handle(self, handler, method, path, query, body):
        match = TOKEN_PATH.match(path)
        if match:
            return self.handle_token(handler, method, match.group(1), body)
        match = DATA_PATH.match(path)
        if match:
            return self.handle_data(handler, method, match.group(1), query)
        return False


# --- Events.

ACCOUNTS = ["lmorgan", "achen@acme.com", "rpatel", "ISU_Splunk_Audit", "dkim@acme.com", "jlopez"]
TASKS = [  # (taskId, taskDisplayName, activityAction, target descriptor or None)
    ("b3c1f8a2d6e04c5f9a7b2e1d0c4f6a81", "View Worker", "READ", "Ana Lima"),
    ("4e7d2c9b1a8f4e3d8c6b5a4f3e2d1c0b", "Edit Worker Additional Data", "WRITE", "Bo Chen"),
    ("9a0b1c2d3e4f45a6b7c8d9e0f1a2b3c4", "Home", "READ", None),
    ("c0ffee11223344556677889900aabbcc", "Change Job", "WRITE", "Hire: Carla Ruiz"),
    ("5d6e7f8091a24b3c8d4e5f6a7b8c9d0e", "Find Workers by Organization", "READ", "Engineering"),
    ("e1d2c3b4a5964f8e9d0c1b2a3f4e5d6c", "Maintain Password Rules", "WRITE", "Password Rules"),
    ("0f1e2d3c4b5a46978869a5b4c3d2e1f0", "View Payslip", "READ", "Payslip 2024-05-31"),
]
DEVICES = ["Desktop", "Desktop", "Desktop", "Phone", "Tablet"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
          "Workday/2024.20 (iPhone; iOS 17.4)", "Workday/2024.20 (iPad; iPadOS 17.4)", "python-requests/2.31.0"]


def make_event(n, event_id, t):
    task_id, task_name, action, descriptor = TASKS[n % len(TASKS)]
    device = n % len(DEVICES)
    event = {"requestTime": lookalike.iso_ms(int(round(t * 1000))), "systemAccount": ACCOUNTS[n % len(ACCOUNTS)],
             "ipAddress": "203.0.113.%d" % (n % 250 + 1), "userAgent": AGENTS[device], "deviceType": DEVICES[device],
             "sessionId": "s-%d" % n, "taskId": task_id, "taskDisplayName": task_name, "activityAction": action}
    if descriptor is not None:
        event["target"] = {"id": "%032x" % ((n * 2654435761 + 0x5eed) % 2 ** 128), "descriptor": descriptor}
    return event


if __name__ == "__main__":
    lookalike.serve(Workday(), make_event, [
        lambda p: p.add_argument("--client-id", required=True),
        lambda p: p.add_argument("--client-secret", required=True),
        lambda p: p.add_argument("--refresh-token", required=True, help="the first valid refresh token (every client's chain)"),
        lambda p: p.add_argument("--rotate", action="store_true", help="each refresh returns a new refresh token and revokes the old"),
        lambda p: p.add_argument("--denied-client", help="credentials (same secret unless --denied-secret) lacking the System Auditing domain"),
        lambda p: p.add_argument("--denied-secret"),
        lambda p: p.add_argument("--tenant", default="acme"),
        lambda p: p.add_argument("--token-lifetime", type=float, default=3600.0, help="access token seconds"),
        lambda p: p.add_argument("--instance-cap", type=int, default=10000, help="rows one instancesReturned unit reaches"),
    ])
