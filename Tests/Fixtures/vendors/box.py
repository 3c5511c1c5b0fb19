"""Box look-alike (Client Credentials Grant token + enterprise Events API).

  POST /oauth2/token              form-encoded: grant_type=client_credentials, client_id, client_secret,
                                  box_subject_type=enterprise, box_subject_id=<enterprise id> (all in the
                                  body; a Basic header is not read).
                                  -> {"access_token": <32 chars>, "expires_in": N, "restricted_to": [],
                                      "token_type": "bearer"}
                                  errors (400, OAuth shape {"error", "error_description"}):
                                  invalid_client "The client credentials are invalid" (unknown id, wrong
                                  secret, no box_subject_type/box_subject_id), invalid_grant "Grant
                                  credentials are invalid" (other subject type / enterprise id),
                                  unsupported_grant_type, invalid_request (not form-encoded).
  GET  /2.0/events?stream_type=admin_logs|admin_logs_streaming&limit=N&stream_position=P
                  [&created_after=ISO&created_before=ISO]      (`Authorization: Bearer <token>`)
       -> {"chunk_size": n, "next_stream_position": <JSON NUMBER, 64-bit>, "entries": [event, ...]}
       stream_position: absent/"0" = oldest, "now" = head (entries [] + head position), otherwise a
         value this server issued. Positions are --position-base (2^60 by default) + an index, so they
         exceed 2^53: a client that parses them as doubles sends a value never issued -> 400 (bad
         request "position mangled ..."). Positions belong to their stream_type.
       no new events -> entries [] and next_stream_position = the position sent.
       limit: 1..500 (default 100); above 500 or not a number -> 400 bad_request.
       admin_logs: chronological by created_at (then arrival); created_after (inclusive) /
         created_before (exclusive) filter, ISO 8601 with offset. A position remembers the last event
         it covered: a late event dated before it is never returned to a client resuming there
         (re-read with created_after to get it).
       admin_logs_streaming: arrival order (roughly chronological: a few neighbours are swapped at
         startup, late events come after the head), created_after/created_before ignored,
         at-least-once: a chunk that follows a non-empty chunk starts by re-sending that chunk's last
         2 events (same event_id; chunk_size stays <= limit).
       other stream_type (all/changes/sync or none): 200 with the service account's own user events,
         i.e. entries [] — recorded as a bad request.
Errors use Box's envelope {"type": "error", "status", "code", "help_url", "message", "request_id"}:
  401 unauthorized (unknown/expired token; WWW-Authenticate: Bearer realm="Service",
  error="invalid_token", ...), 403 access_denied_insufficient_permissions (--denied-client: the token is
  fine but the app lacks the admin scope / "Manage enterprise properties"), 400 bad_request (context_info.errors
  names the parameter), 429 rate_limit_exceeded (Retry-After).

Vendor extras:
  POST /_late {"count": N, "age": S}  N events dated S seconds ago arriving now (see above).
  faults "429box" (429 rate_limit_exceeded, Retry-After: 2); "badcursor" (a request whose
  stream_position is an issued value, not 0/now, gets 400 invalid stream position; any other request is
  served normally and the fault stays queued).
  /_stats extra: rate_limited, duplicates_sent, late_events, positions_issued.

Command line: box.py --events N --span S [--newest-age A] --client-id C --client-secret S
              --enterprise-id E [--denied-client D] [--denied-secret DS] [--page-delay s]
              [--token-lifetime s] [--position-base 1152921504606846976]
"""
import bisect
import calendar
import hashlib
import secrets
import string
import threading
import time
import urllib.parse
import uuid

import lookalike

HELP_URL = "http://developers.box.com/docs/#errors"
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
OFFSET = -8 * 3600  # created_at is rendered in Pacific standard time, like Box's samples
MIN_KEY = (float("-inf"), -1)


def box_error(status, code, message, context=None):
    body = {"type": "error", "status": status, "code": code, "help_url": HELP_URL, "message": message,
            "request_id": secrets.token_hex(8)[:15]}
    if context:
        body["context_info"] = context
    return body


POSITION_MESSAGE = "Invalid value '%s'. The stream position has expired or is not valid."


def bad_request(problems):
    """400 bad_request naming each invalid parameter in context_info.errors (problems: [(name, message)])."""
    return box_error(400, "bad_request", problems[0][1],
                     {"errors": [{"reason": "invalid_parameter", "name": name, "message": message} for name, message in problems]})


def invalid_position(text):
    return bad_request([("stream_position", POSITION_MESSAGE % text)])


def stable_uuid(*parts):
    return str(uuid.UUID(bytes=hashlib.md5(":".join(str(p) for p in parts).encode()).digest(), version=4))


def box_time(t):
    """2026-11-02T10:01:00-08:00 (seconds precision, as Box renders created_at)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t) + OFFSET)) + "-08:00"


class Box:
    def configure(self, arguments, store):
        self.store = store
        self.enterprise_id = arguments.enterprise_id
        self.credentials, self.denied = lookalike.client_credentials(arguments)
        self.lifetime = arguments.token_lifetime
        self.base = arguments.position_base
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (client_id, expiry epoch seconds)
        self.local = threading.local()
        for key in ("late_events", "rate_limited", "duplicates_sent"):
            store.stats[key] = 0
        # Arrival order (admin_logs_streaming) and per-event sequence numbers.
        self.sequence = {}  # event id -> arrival sequence
        self.arrival = []  # event ids in streaming order
        # Issued positions: admin_logs position -> key (time, seq) of the last event covered (and back);
        # streaming position -> True when it ends a non-empty chunk (the next chunk re-sends 2 events).
        self.admin_positions, self.admin_keys = {}, {}
        self.stream_positions = {}
        renamed = []
        for n, (t, _, _) in enumerate(store.events):
            event_id = stable_uuid("box-event", n)
            renamed.append((t, event_id, make_box_event(n, event_id, t, t)))
            self.sequence[event_id] = n
            self.arrival.append(event_id)
        for n in range(10, len(self.arrival) - 1, 50):  # roughly chronological
            self.arrival[n], self.arrival[n + 1] = self.arrival[n + 1], self.arrival[n]
        store.events = renamed
        box = self

        def append(this, t):
            n = len(this.events)
            event_id = stable_uuid("box-event", n)
            this.events.append((t, event_id, make_box_event(n, event_id, t, time.time())))
            box.sequence[event_id] = n
            box.arrival.append(event_id)
        store._append = append.__get__(store)

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    # --- Token.

    def token_error(self, handler, status, error, description, reason):
        self.store.bad_request("token: " + reason)
        handler.send_json(status, {"error": error, "error_description": description})
        return True

    def handle_token(self, handler, method, body):
        self.store.count("token_requests")
        if method != "POST":
            handler.send_json(405, box_error(405, "method_not_allowed", "Method Not Allowed"))
            return True
        if "application/x-www-form-urlencoded" not in (handler.headers.get("Content-Type") or "").lower():
            return self.token_error(handler, 400, "invalid_request", "Invalid grant_type parameter or parameter missing",
                                    "Content-Type %r" % handler.headers.get("Content-Type"))
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return self.token_error(handler, 400, "unsupported_grant_type", "Grant type is not supported by this client",
                                    "grant_type %r" % form.get("grant_type"))
        client_id = form.get("client_id", "")
        if client_id not in self.credentials or self.credentials[client_id] != form.get("client_secret"):
            return self.token_error(handler, 400, "invalid_client", "The client credentials are invalid",
                                    "wrong client_id/client_secret for %r%s" % (client_id, " (Basic header is not read)"
                                                                                if handler.headers.get("Authorization") else ""))
        if "box_subject_type" not in form or "box_subject_id" not in form:
            return self.token_error(handler, 400, "invalid_client", "The client credentials are invalid",
                                    "box_subject_type/box_subject_id missing")
        if form["box_subject_type"] != "enterprise" or form["box_subject_id"] != self.enterprise_id:
            return self.token_error(handler, 400, "invalid_grant", "Grant credentials are invalid",
                                    "subject %r/%r, want enterprise/%s" % (form["box_subject_type"], form["box_subject_id"], self.enterprise_id))
        token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        with self.lock:
            self.tokens[token] = (client_id, time.time() + self.lifetime)
        handler.send_json(200, {"access_token": token, "expires_in": int(self.lifetime), "restricted_to": [], "token_type": "bearer"})
        return True

    # --- Events.

    def fault(self, handler, name):
        if name == "429box":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, box_error(429, "rate_limit_exceeded", "Request rate limit exceeded, please try again later"),
                              {"Retry-After": "2"})
            return True
        if name == "badcursor":
            if getattr(self.local, "issued_position", False):
                handler.send_json(400, invalid_position(self.local.position_text))
                return True
            return self.store.requeue(name)  # stays queued for a request that carries an issued position
        raise ValueError("unknown fault %r" % name)

    def admin_position(self, key, keys):
        """The position covering everything up to `key` (caller holds store.lock)."""
        if key in self.admin_keys:
            return self.admin_keys[key]
        position = self.base + bisect.bisect_right(keys, key)
        while position in self.admin_positions:
            position += 1
        self.admin_positions[position] = key
        self.admin_keys[key] = position
        return position

    def parse_time(self, name, text, problems):
        if text is None:
            return None
        us = lookalike.parse_iso_us(text)
        if us is None:
            problems.append((name, "Invalid value '%s'. '%s' must be an ISO 8601 date-time." % (text, name)))
        return us

    def mangled(self, text, issued):
        try:
            value = int(text)
        except ValueError:
            return "position mangled: %r is not an integer" % text
        if any(int(float(p)) == value for p in issued):
            return "position mangled: %s was never issued (an issued position read as a double?)" % text
        return "position mangled: %s was never issued" % text

    def handle_events(self, handler, method, query):
        if method != "GET":
            handler.send_json(405, box_error(405, "method_not_allowed", "Method Not Allowed"))
            return True
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        one = {name: values[-1] for name, values in params.items()}
        stream_type = one.get("stream_type", "all")
        position_text = one.get("stream_position", "0") or "0"
        issued = self.admin_positions if stream_type == "admin_logs" else self.stream_positions
        self.local.position_text = position_text
        self.local.issued_position = position_text not in ("0", "now") and position_text.isdigit() and int(position_text) in issued
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        authorization = handler.headers.get("Authorization") or ""
        with self.lock:
            entry = self.tokens.get(authorization[7:].strip()) if authorization[:7].lower() == "bearer " else None
        if entry is None or entry[1] <= time.time():
            self.store.count("auth_failures")
            handler.send_json(401, box_error(401, "unauthorized", "Unauthorized"),
                              {"WWW-Authenticate": 'Bearer realm="Service", error="invalid_token", '
                                                   'error_description="The access token provided is invalid."'})
            return True
        if entry[0] in self.denied:
            handler.send_json(403, box_error(403, "access_denied_insufficient_permissions", "Access denied - insufficient permission"))
            return True
        if handler.apply_fault():
            return True
        problems = []
        limit = DEFAULT_LIMIT
        if "limit" in one:
            if one["limit"].isdigit() and 1 <= int(one["limit"]) <= MAX_LIMIT:
                limit = int(one["limit"])
            else:
                problems.append(("limit", "Invalid value '%s'. 'limit' must be between 1 and %d." % (one["limit"], MAX_LIMIT)))
        after = before = None
        if stream_type == "admin_logs":
            after = self.parse_time("created_after", one.get("created_after"), problems)
            before = self.parse_time("created_before", one.get("created_before"), problems)
        if stream_type not in ("admin_logs", "admin_logs_streaming"):
            self.store.bad_request("events: stream_type %r returns the service account's own user events, not the enterprise's" % stream_type)
            handler.page_delay()
            handler.send_json(200, {"chunk_size": 0, "next_stream_position": self.base, "entries": []})
            return True
        with self.store.lock:
            if position_text not in ("0", "now") and not (position_text.isdigit() and int(position_text) in issued):
                reason = self.mangled(position_text, issued)
                other = self.stream_positions if stream_type == "admin_logs" else self.admin_positions
                if position_text.isdigit() and int(position_text) in other:
                    reason = "position %s was issued for the other stream_type" % position_text
                problems.append(("stream_position", POSITION_MESSAGE % position_text))
                self.store.stats["bad_requests"].append("events: " + reason)
            if problems:
                if problems[0][0] != "stream_position":
                    self.store.stats["bad_requests"].append("events: %s (query %s)" % ("; ".join(m for _, m in problems), query))
                handler.send_json(400, bad_request(problems))
                return True
            if stream_type == "admin_logs":
                body = self.admin_page(position_text, limit, after, before)
            else:
                body = self.stream_page(position_text, limit)
        handler.page_delay()
        handler.send_json(200, body)
        return True

    def admin_page(self, position_text, limit, after, before):
        rows = sorted(((e[0], self.sequence[e[1]]), e[2]) for e in self.store.events)
        keys = [row[0] for row in rows]
        if position_text == "now":
            head = keys[-1] if keys else MIN_KEY
            return {"chunk_size": 0, "next_stream_position": self.admin_position(head, keys), "entries": []}
        if position_text == "0":
            key, sent = MIN_KEY, None
        else:
            sent = int(position_text)
            key = self.admin_positions[sent]
        page = []
        for row_key, event in rows[bisect.bisect_right(keys, key):]:
            seconds_us = int(row_key[0]) * 1000000  # created_at has whole seconds
            if (after is not None and seconds_us < after) or (before is not None and seconds_us >= before):
                continue
            page.append((row_key, event))
            if len(page) == limit:
                break
        if page:
            position = self.admin_position(page[-1][0], keys)
        else:
            position = sent if sent is not None else self.admin_position(key, keys)
        return {"chunk_size": len(page), "next_stream_position": position, "entries": [event for _, event in page]}

    def stream_page(self, position_text, limit):
        by_id = {e[1]: e[2] for e in self.store.events}
        head = len(self.arrival)
        if position_text == "now":
            position = self.base + head
            self.stream_positions.setdefault(position, False)
            return {"chunk_size": 0, "next_stream_position": position, "entries": []}
        index = 0 if position_text == "0" else int(position_text) - self.base
        resend = self.stream_positions.get(int(position_text), False) if position_text != "0" else False
        if index >= head:
            position = self.base + index
            self.stream_positions.setdefault(position, False)
            return {"chunk_size": 0, "next_stream_position": position, "entries": []}
        replay = min(2, index, limit - 1) if resend else 0
        start = index - replay
        ids = self.arrival[start:start + limit]
        self.store.stats["duplicates_sent"] += replay
        position = self.base + start + len(ids)
        self.stream_positions[position] = True
        return {"chunk_size": len(ids), "next_stream_position": position, "entries": [by_id[i] for i in ids]}

    def handle(self, handler, method, path, query, body):
        if path == "/oauth2/token":
            return self.handle_token(handler, method, body)
        if path == "/2.0/events":
            return self.handle_events(handler, method, query)
        return False


# --- Events (shapes copied from Box admin_logs samples).

USERS = [("18863648385", "Alice Brown", "alice@example.com"), ("16779123456", "Bob Smith", "bob@example.com"),
         ("25575650631", "John Doe", "john@example.com"), ("18863890488", "Mallory Jones", "mallory@example.com"),
         ("12345648385", "Jane Miller", "jane@example.com")]
EVENT_TYPES = ["LOGIN", "UPLOAD", "DOWNLOAD", "FAILED_LOGIN", "EDIT_USER", "GROUP_ADD_USER", "DELETE",
               "COLLABORATION_INVITE", "NEW_USER", "ADD_LOGIN_ACTIVITY_DEVICE", "PREVIEW", "GROUP_REMOVE_USER",
               "DELETE_USER", "SHARE", "MULTI_FACTOR_AUTH_ENABLE"]
FILES = [("1209709863073", "a_sample_file.pdf"), ("1209714644015", "a_sample_file.csv"), ("1209733707368", "a_sample_file.doc"),
         ("1209709863099", "q3_board_deck.pptx")]


def user(u):
    return {"type": "user", "id": u[0], "name": u[1], "login": u[2]}


def make_box_event(n, event_id, t, recorded):
    event_type = EVENT_TYPES[n % len(EVENT_TYPES)]
    actor = USERS[n % len(USERS)]
    target = USERS[(n + 2) % len(USERS)]
    file_id, file_name = FILES[n % len(FILES)]
    folder = {"type": "folder", "id": "206849236842", "name": "Test Folder"}
    item_source = {"item_type": "file", "item_id": file_id, "item_name": file_name, "parent": folder, "owned_by": user(actor)}
    details = None
    source = user(target)
    extra = {}
    if event_type in ("LOGIN", "FAILED_LOGIN", "ADD_LOGIN_ACTIVITY_DEVICE", "MULTI_FACTOR_AUTH_ENABLE"):
        source = user(actor)
        if event_type == "ADD_LOGIN_ACTIVITY_DEVICE":
            details = {"device_id": stable_uuid("device", n % 7)[:8], "device_name": "Chrome on macOS", "device_type": "Computer"}
        if event_type == "FAILED_LOGIN":
            details = {"failure_reason": "invalid_password"}
    elif event_type in ("UPLOAD", "DOWNLOAD", "DELETE", "PREVIEW", "SHARE"):
        source = item_source
        details = {"size": 2584 + 997 * (n % 400), "version_id": str(1319678729473 + n)}
        if event_type == "UPLOAD":
            details.update({"service_id": "231318", "service_name": "Multiput Uploads"})
    elif event_type in ("GROUP_ADD_USER", "GROUP_REMOVE_USER"):
        details = {"group_id": str(15297703631 + n % 3), "group_name": "group_%d" % (n % 3)}
    elif event_type == "COLLABORATION_INVITE":
        source = {"file_id": file_id, "file_name": file_name, "parent": folder, "owned_by": user(actor),
                  "user_id": target[0], "user_name": target[1]}
        details = {"collab_id": str(44582004179 + n), "is_performed_by_admin": False, "role": "Editor",
                   "type": "box://event/additional_details/collaboration", "version_id": str(1328658101408 + n)}
        extra["accessible_by"] = user(target)
    event = {"type": "event", "event_id": event_id, "created_at": box_time(t), "recorded_at": box_time(recorded),
             "event_type": event_type, "created_by": user(actor), "action_by": None,
             "ip_address": "Unknown IP" if event_type == "MULTI_FACTOR_AUTH_ENABLE" else "198.51.100.%d" % (1 + n % 200),
             "source": source, "additional_details": details, "session_id": None}
    event.update(extra)
    return event


def make_event(n, event_id, t):  # replaced in configure()
    return {"event_id": event_id}


if __name__ == "__main__":
    lookalike.serve(Box(), make_event, [
        lambda p: p.add_argument("--client-id", required=True),
        lambda p: p.add_argument("--client-secret", required=True),
        lambda p: p.add_argument("--enterprise-id", required=True),
        lambda p: p.add_argument("--denied-client", help="app (same secret unless --denied-secret) whose token lacks the admin scope"),
        lambda p: p.add_argument("--denied-secret"),
        lambda p: p.add_argument("--token-lifetime", type=float, default=3600.0),
        lambda p: p.add_argument("--position-base", type=int, default=1152921504606846976),
    ])
