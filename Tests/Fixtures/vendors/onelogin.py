"""OneLogin look-alike (Events API v1 behind OAuth 2.0 tokens v2).

  POST /auth/oauth2/v2/token     credentials as `Authorization: client_id:<id>, client_secret:<secret>`,
                                 `Authorization: Basic base64(id:secret)`, or client_id/client_secret
                                 in a form body; grant_type=client_credentials in a JSON body
                                 {"grant_type":"client_credentials"} (or form body, or query).
                                 -> {access_token, created_at, expires_in, refresh_token, token_type:
                                 "bearer", account_id}; the same credentials get the same token back
                                 until it expires (as documented).
  GET  /api/1/events             `Authorization: bearer:<token>` (documented) or `Bearer <token>`;
                                 since/until (ISO 8601, both exclusive: "after"/"before"), limit
                                 (default 50, 1..1000), after_cursor / before_cursor, sort
                                 (+created_at default, -created_at, +id, -id), event_type_id (a,b).
                                 -> {status, pagination: {before_cursor, after_cursor, previous_link,
                                 next_link}, data: [...]}; after_cursor and next_link are null on the
                                 last page; links are absolute URLs built from the Host header.
  GET  /api/1/events/types       -> {status, data: [{name, description, id}]} (no auth needed).
Every /api/1 answer carries X-RateLimit-Limit / -Remaining / -Reset (Reset = seconds until the
hourly window resets, as the Get Rate Limit docs define it).

Errors use the v1 envelope {"status": {"error": true, "code", "type", "message"}}:
  401 Authentication Failure (bad credentials at the token endpoint; unknown/expired token),
  400 grant_type is incorrect/absent, 400 Authorization Information is incorrect (no credentials),
  403 for --denied-client (credentials whose scope cannot read events), 400 for bad parameters.

Vendor extras:
  POST /_late {"count": N, "age": S}  appends N events created S seconds ago (ids still increase)
  faults "429v" (429, X-RateLimit-Remaining 0, X-RateLimit-Reset 2), "badcursor" (a request that
  carries after_cursor/before_cursor gets 400 invalid cursor; others are served normally).

Command line: onelogin.py --events N --span S [--newest-age A] --client-id C --client-secret S
              [--denied-client D] [--denied-secret DS] [--token-lifetime s] [--rate-limit L]
              [--page-delay s]
"""
import base64
import json
import re
import secrets
import threading
import time
import urllib.parse

import lookalike

TOKEN_PATH = "/auth/oauth2/v2/token"
EVENTS_PATH = "/api/1/events"
TYPES_PATH = "/api/1/events/types"
ACCOUNT_ID = 81234
ID_BASE = 30000000000  # beyond 2^32: ids must be held as 64-bit integers

# Names and ids 1-6 are from the Get Event Types sample and the SDK tests; 12-24 from a public
# webhook consumer (descriptions there are this file's wording).
EVENT_TYPES = [
    (1, "APP_ADDED_TO_ROLE", "App %app% added to role %role%"),
    (2, "APP_REMOVED_FROM_ROLE", "App %app% removed from role %role%"),
    (3, "USER_ASSUMED_USER", "%actor_user% assumed %user%"),
    (4, "USER_ASSIGNED_ROLE", "Assigned %role% to user %user%"),
    (5, "USER_LOGGED_INTO_ONELOGIN", "%user% logged into OneLogin"),
    (6, "USER_FAILED_ONELOGIN_LOGIN", "%user% failed authentication"),
    (12, "UNLOCKED_USER", "%actor_user% unlocked user %user%"),
    (13, "CREATED_USER", "%actor_user% created user %user%"),
    (15, "DEACTIVATED_USER", "%actor_user% deactivated user %user%"),
    (17, "DELETED_USER", "%actor_user% deleted user %user%"),
    (19, "USER_LOCKED", "%user% locked"),
    (24, "USER_REMOVED_OTP_DEVICE", "%user% removed OTP device %otp_device%"),
]
EMITTED = [5, 5, 6, 13, 4, 1, 5, 17, 19, 12, 24, 15, 3, 2]

SORTS = {"+created_at": ("created_at", False), "-created_at": ("created_at", True),
         "+id": ("id", False), "-id": ("id", True)}


def status(code, kind, message):
    return {"status": {"error": code >= 400, "code": code, "type": kind, "message": message}}


class OneLogin:
    def configure(self, arguments, store):
        self.store = store
        self.credentials, self.denied = lookalike.client_credentials(arguments)
        self.lifetime = arguments.token_lifetime
        self.rate_limit = arguments.rate_limit
        self.scheme = "https" if arguments.tls else "http"
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (client_id, expiry epoch seconds)
        self.current = {}  # client_id -> its live token (the API hands the same one back)
        self.window_start = time.time()
        self.window_used = 0
        self.local = threading.local()
        for key in ("types_requests", "late_events", "rate_limited"):
            store.stats[key] = 0
        # Event ids are OneLogin's integers: /_stats "ids" must list what the events carry.
        store.events = [(t, str(event["id"]), event) for t, _, event in store.events]

        def append(this, t):
            n = len(this.events)
            event = this.make_event(n, None, t)
            this.events.append((t, str(event["id"]), event))
        store._append = append.__get__(store)

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()
            self.current.clear()

    # --- Helpers.

    def rate_headers(self, spend=True):
        with self.lock:
            now = time.time()
            if now - self.window_start >= 3600:
                self.window_start, self.window_used = now, 0
            if spend:
                self.window_used += 1
            remaining = max(self.rate_limit - self.window_used, 0)
            over = self.window_used > self.rate_limit
            reset = max(int(self.window_start + 3600 - now), 0)
        return {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset)}, over

    # --- Token endpoint.

    def handle_token(self, handler, method, query, body):
        self.store.count("token_requests")
        if method != "POST":
            handler.send_json(404, status(404, "not found", "No Route Exists"))
            return True
        content_type = (handler.headers.get("Content-Type") or "").lower()
        form, grant = {}, None
        if "application/json" in content_type:
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                document = None
            if not isinstance(document, dict):
                self.store.bad_request("token: body is not a JSON object")
                handler.send_json(400, status(400, "bad request", "Invalid JSON in request body"))
                return True
            grant = document.get("grant_type")
        elif "application/x-www-form-urlencoded" in content_type:
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
            grant = form.get("grant_type")
        if grant is None:
            grant = dict(urllib.parse.parse_qsl(query)).get("grant_type")
        authorization = handler.headers.get("Authorization") or ""
        client_id = secret = None
        pair = re.match(r"^\s*client_id\s*:\s*([^,\s]+)\s*,\s*client_secret\s*:\s*(\S+)\s*$", authorization)
        if pair:
            client_id, secret = pair.group(1), pair.group(2)
        elif authorization[:6].lower() == "basic ":
            try:
                client_id, _, secret = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = None
        elif not authorization and "client_id" in form:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id:
            self.store.bad_request("token: no usable credentials (Authorization %r)" % authorization[:40])
            handler.send_json(400, status(400, "bad request", "Authorization Information is incorrect"))
            return True
        if self.credentials.get(client_id) != secret:
            self.store.bad_request("token: wrong client_id/client_secret for %r" % client_id)
            handler.send_json(401, status(401, "Unauthorized", "Authentication Failure"))
            return True
        if grant != "client_credentials":
            self.store.bad_request("token: grant_type %r" % grant)
            handler.send_json(400, status(400, "bad request", "grant_type is incorrect/absent"))
            return True
        now = time.time()
        with self.lock:
            token = self.current.get(client_id)
            if token is None or self.tokens.get(token, (None, 0))[1] <= now:
                token = secrets.token_hex(32)
                self.tokens[token] = (client_id, now + self.lifetime)
                self.current[client_id] = token
            expiry = self.tokens[token][1]
        handler.send_json(200, {"access_token": token, "created_at": lookalike.iso_ms(int((expiry - self.lifetime) * 1000)),
                                "expires_in": max(int(expiry - now), 0), "refresh_token": secrets.token_hex(32),
                                "token_type": "bearer", "account_id": ACCOUNT_ID})
        return True

    # --- Resource calls.

    def authenticate(self, handler):
        """The client id behind the request's token, or None (after answering 401)."""
        authorization = handler.headers.get("Authorization") or ""
        match = re.match(r"^\s*bearer\s*[: ]\s*(\S+)\s*$", authorization, re.IGNORECASE)
        with self.lock:
            entry = self.tokens.get(match.group(1)) if match else None
        if entry is None or entry[1] <= time.time():
            self.store.count("auth_failures")
            headers, _ = self.rate_headers(spend=False)
            handler.send_json(401, status(401, "Unauthorized", "Authentication Failure"), headers)
            return None
        return entry[0]

    def fault(self, handler, name):
        if name == "429v":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, status(429, "Too Many Requests", "Rate limit exceeded"),
                              {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"})
            return True
        if name == "badcursor":
            if getattr(self.local, "has_cursor", False):
                handler.send_json(400, status(400, "bad request", "Invalid cursor"))
                return True
            return False
        raise ValueError("unknown fault %r" % name)

    def handle_types(self, handler, method):
        if method != "GET":
            return False
        self.store.count("types_requests")
        headers, _ = self.rate_headers()
        data = [{"name": name, "description": description, "id": type_id} for type_id, name, description in EVENT_TYPES]
        handler.send_json(200, dict(status(200, "success", "Success"), data=data), headers)
        return True

    def handle_events(self, handler, method, path, query):
        if method != "GET":
            return False
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.local.has_cursor = bool(params.get("after_cursor") or params.get("before_cursor"))
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        client_id = self.authenticate(handler)
        if client_id is None:
            return True
        if client_id in self.denied:
            headers, _ = self.rate_headers()
            handler.send_json(403, status(403, "Forbidden", "Forbidden"), headers)
            return True
        if handler.apply_fault():
            return True
        headers, over = self.rate_headers()
        if over:
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, status(429, "Too Many Requests", "Rate limit exceeded"), headers)
            return True
        error = self.validate(params)
        if isinstance(error, str):
            self.store.bad_request("events: %s (query %s)" % (error, query))
            handler.send_json(400, status(400, "bad request", error), headers)
            return True
        since, until, limit, sort, types, after, before = error
        field, descending = SORTS[sort]

        def key(entry):
            k = (lookalike.event_ms(entry), entry[2]["id"]) if field == "created_at" else (entry[2]["id"],)
            return tuple(-x for x in k) if descending else k

        with self.store.lock:
            snapshot = list(self.store.events)
        rows = []
        for entry in snapshot:
            us = lookalike.event_ms(entry) * 1000
            if since is not None and us <= since:
                continue
            if until is not None and us >= until:
                continue
            if types and entry[2]["event_type_id"] not in types:
                continue
            rows.append((key(entry), entry[2]))
        rows.sort(key=lambda row: row[0])
        if before is not None:
            end = sum(1 for row in rows if row[0] < before)
            first = max(end - limit, 0)
        else:
            first = 0 if after is None else next((i for i, row in enumerate(rows) if row[0] > after), len(rows))
        page = rows[first:first + limit] if before is None else rows[first:end]
        last = first + len(page)
        more_after = last < len(rows) and bool(page)
        more_before = first > 0 and bool(page)
        after_cursor = self.cursor(sort, page[-1][0]) if more_after else None
        before_cursor = self.cursor(sort, page[0][0]) if more_before else None
        base = handler.base_url() + path
        plain = [(k, v) for k, values in params.items() if k not in ("after_cursor", "before_cursor") for v in values]

        def link(name, value):
            return base + "?" + urllib.parse.urlencode(plain + [(name, value)], quote_via=urllib.parse.quote)
        pagination = {"before_cursor": before_cursor, "after_cursor": after_cursor,
                      "previous_link": link("before_cursor", before_cursor) if before_cursor else None,
                      "next_link": link("after_cursor", after_cursor) if after_cursor else None}
        handler.page_delay()
        handler.send_json(200, dict(status(200, "success", "Success"), pagination=pagination, data=[row[1] for row in page]), headers)
        return True

    def cursor(self, sort, key):
        return base64.urlsafe_b64encode(json.dumps({"s": sort, "k": list(key)}, separators=(",", ":")).encode()).decode().rstrip("=")

    def decode_cursor(self, text, sort):
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if document["s"] != sort or not all(isinstance(x, int) for x in document["k"]):
                return None
            return tuple(document["k"])
        except (ValueError, KeyError, TypeError):
            return None

    def validate(self, params):
        """(since_us, until_us, limit, sort, types, after_key, before_key) or an error message."""
        for name, values in params.items():
            if len(values) > 1:
                return "%s given more than once" % name
        one = {name: values[0] for name, values in params.items()}
        since = until = None
        if "since" in one:
            since = lookalike.parse_iso_us(one["since"])
            if since is None:
                return "Invalid since: %s" % one["since"]
        if "until" in one:
            until = lookalike.parse_iso_us(one["until"])
            if until is None:
                return "Invalid until: %s" % one["until"]
        limit = 50
        if "limit" in one:
            if not re.fullmatch(r"\d{1,6}", one["limit"]) or not 1 <= int(one["limit"]) <= 1000:
                return "Invalid limit: %s" % one["limit"]
            limit = int(one["limit"])
        sort = one.get("sort") or "+created_at"
        if sort.startswith(" "):  # an unencoded '+' arrives as a space
            sort = "+" + sort.lstrip(" ")
        if not sort.startswith(("+", "-")):
            sort = "+" + sort
        if sort not in SORTS:
            return "Invalid sort: %s" % one.get("sort")
        types = set()
        if one.get("event_type_id"):
            for part in one["event_type_id"].split(","):
                if not part.strip().isdigit():
                    return "Invalid event_type_id: %s" % one["event_type_id"]
                types.add(int(part))
        after = before = None
        if one.get("after_cursor"):
            after = self.decode_cursor(one["after_cursor"], sort)
            if after is None:
                return "Invalid cursor"
        if one.get("before_cursor"):
            before = self.decode_cursor(one["before_cursor"], sort)
            if before is None:
                return "Invalid cursor"
        return since, until, limit, sort, types, after, before

    def handle(self, handler, method, path, query, body):
        if path == TOKEN_PATH:
            return self.handle_token(handler, method, query, body)
        if path == TYPES_PATH:
            return self.handle_types(handler, method)
        if path == EVENTS_PATH:
            return self.handle_events(handler, method, path, query)
        return False


# --- Events.

PEOPLE = [(41000101, "Ana Lima"), (41000102, "Bo Chen"), (41000103, "Carla Ruiz"), (41000104, "Dev Patel"),
          (41000105, "Eun-ji Park"), (41000106, "Farid Haddad")]
ADMINS = [(41000001, "Grace Admin"), (41000002, "Hiro Admin")]
APPS = [(771001, "Salesforce"), (771002, "Slack"), (771003, "AWS Console")]
ROLES = [(55101, "Employees"), (55102, "Engineering")]


def make_event(n, event_id, t):
    type_id = EMITTED[n % len(EMITTED)]
    user_id, user_name = PEOPLE[n % len(PEOPLE)]
    admin_id, admin_name = ADMINS[n % len(ADMINS)]
    app_id, app_name = APPS[n % len(APPS)]
    role_id, role_name = ROLES[n % len(ROLES)]
    event = {"id": ID_BASE + n + 1, "created_at": lookalike.iso_ms(int(round(t * 1000))), "account_id": ACCOUNT_ID,
             "user_id": user_id, "user_name": user_name, "event_type_id": type_id, "notes": None,
             "ipaddr": "203.0.113.%d" % (n % 250 + 1), "actor_user_id": admin_id, "actor_user_name": admin_name,
             "assuming_acting_user_id": None, "role_id": None, "role_name": None, "app_id": None, "app_name": None,
             "group_id": None, "group_name": None, "otp_device_id": None, "otp_device_name": None,
             "policy_id": None, "policy_name": None, "actor_system": "", "custom_message": None,
             "operation_name": None, "directory_sync_run_id": None, "directory_id": None, "resolution": None,
             "client_id": None, "resource_type_id": None, "error_description": None, "proxy_ip": None,
             "risk_score": None, "risk_reasons": None, "risk_cookie_id": None}
    if type_id in (5, 6):  # the user acts on themself
        event.update(actor_user_id=user_id, actor_user_name=user_name, policy_id=910001, policy_name="Default policy",
                     risk_score=(n * 7) % 60, risk_cookie_id="rc-%08x" % (n * 2654435761 % 2 ** 32))
        event["notes"] = ("Authentication method: Login App.\nTransitions: username -> password\nCorrelation_id: %d" % n
                          if type_id == 5 else "Incorrect password")
    elif type_id in (4,):
        event.update(role_id=role_id, role_name=role_name)
    elif type_id in (1, 2):
        event.update(role_id=role_id, role_name=role_name, app_id=app_id, app_name=app_name)
    elif type_id == 19:
        event.update(actor_user_id=None, actor_user_name=None, actor_system="OneLogin",
                     notes="Locked after too many failed attempts")
    elif type_id == 24:
        event.update(actor_user_id=user_id, actor_user_name=user_name, otp_device_id=660000 + n % 90,
                     otp_device_name="OneLogin Protect")
    elif type_id == 3:
        event.update(assuming_acting_user_id=admin_id)
    elif type_id == 13:
        event.update(client_id="c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2")
    return event


if __name__ == "__main__":
    lookalike.serve(OneLogin(), make_event, [
        lambda p: p.add_argument("--client-id", required=True),
        lambda p: p.add_argument("--client-secret", required=True),
        lambda p: p.add_argument("--denied-client", help="credentials (same secret unless --denied-secret) whose scope cannot read events"),
        lambda p: p.add_argument("--denied-secret"),
        lambda p: p.add_argument("--token-lifetime", type=float, default=3600.0, help="seconds (OneLogin's own is 36000)"),
        lambda p: p.add_argument("--rate-limit", type=int, default=5000, help="calls per hour"),
    ])
