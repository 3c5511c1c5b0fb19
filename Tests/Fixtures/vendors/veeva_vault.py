"""Veeva Vault look-alike (session auth + Retrieve Audit Details).

  POST /api/{version}/auth        form body (application/x-www-form-urlencoded or multipart/form-data)
                                  username, password (credentials anywhere else are not read).
                                  -> {"responseStatus": "SUCCESS", "sessionId", "userId", "vaultIds":
                                  [{id, name, url}], "vaultId"}; wrong user/password -> HTTP 200
                                  {"responseStatus": "FAILURE", "errors": [{"type":
                                  "USERNAME_OR_PASSWORD_INCORRECT", "message"}], "errorType":
                                  "AUTHENTICATION_FAILED"} (NO_PASSWORD_PROVIDED when it is absent).
  POST /api/{version}/keep-alive  refreshes the session -> {"responseStatus": "SUCCESS"}
  GET  /api/{version}/metadata/audittrail
                                  -> {"responseStatus", "audittrails": [{name, label, url}]} (empty for
                                  --denied-user)
  GET  /api/{version}/audittrail/{type}
                                  type: login_audit_trail, system_audit_trail, document_audit_trail,
                                  object_audit_trail, domain_audit_trail. `Authorization: <sessionId>`
                                  (bare, as documented; "Bearer <id>" is refused as INVALID_SESSION_ID
                                  and recorded as a bad request). Params start_date / end_date
                                  (yyyy-MM-ddTHH:mm:ssZ or yyyy-MM-dd; second precision, both bounds
                                  INCLUSIVE here; start_date may not be more than 30 days ago; default
                                  start = the start of the previous UTC day, end = now), limit 1..1000
                                  (default 200), offset (0-based), events (document/object: filter on
                                  action). NEWEST FIRST. The first request stores the result set under a
                                  uuid; responseDetails.next_page / previous_page are relative URLs
                                  `/api/{version}/audittrail/{type}?offset=N&limit=L&uuid=U` (next_page
                                  absent on the last page) and page that stored set.
                                  -> {"responseStatus": "SUCCESS", "responseDetails": {offset, limit,
                                  size, total, object: {name, label, url}, next_page?, previous_page?},
                                  "data": [...]}
Vault answers HTTP 200 to every request it processes, failures included: {"responseStatus":
"FAILURE", "errors": [{"type", "message"}]} with INVALID_SESSION_ID (unknown/expired session),
INSUFFICIENT_ACCESS (--denied-user: no "View Audit Trail" permission), INVALID_DATA (bad date,
30-day rule, limit, offset, unknown uuid, unknown type, format_result/all_dates). The exception is
the burst limit (below).

Every /api response carries X-VaultAPI-ExecutionId and X-VaultAPI-Status (v23.2+); data/metadata/
keep-alive calls count against a fixed 5-minute burst window (--burst-limit, default 2000) and carry
X-VaultAPI-BurstLimit and X-VaultAPI-BurstLimitRemaining (+ X-VaultAPI-UserId, -VaultId,
-TruncatedSessionId with a valid session). X-VaultAPI-DailyLimit / -DailyLimitRemaining only for
versions below v21.1 (removed in v21.1). Past the burst limit: --burst-mode reject (default) -> HTTP
429 FAILURE API_LIMIT_EXCEEDED, BurstLimitRemaining 0; --burst-mode delay (Vault's documented
behaviour) -> the answer is delayed and carries X-VaultAPI-ResponseDelay (milliseconds).

Vendor extras:
  POST /_late {"count": N, "age": S}  appends N audit records S seconds old (types keep rotating)
  faults "429vault" (429 FAILURE API_LIMIT_EXCEEDED, BurstLimitRemaining 0), "badcursor" (a request
  carrying uuid or offset gets 200 FAILURE INVALID_DATA; others are served normally), "delayvault"
  (served normally after 300 ms with X-VaultAPI-ResponseDelay: 300), "expire" (all sessions end).
  Record i belongs to TYPES[i % 5] (late records too); ids are unique numeric strings.

Command line: veeva_vault.py --events N --span S [--newest-age A] --username U --password P
              [--denied-user D] [--denied-password DP] [--version v24.1] [--page-delay s]
              [--session-lifetime s (idle timeout)] [--burst-limit N] [--burst-mode reject|delay]
"""
import calendar
import email.parser
import email.policy
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid

import lookalike

TYPES = ["login_audit_trail", "system_audit_trail", "document_audit_trail", "object_audit_trail", "domain_audit_trail"]
LABELS = {"login_audit_trail": "Login Audit Trail", "system_audit_trail": "System Audit Trail",
          "document_audit_trail": "Document Audit Trail", "object_audit_trail": "Object Audit Trail",
          "domain_audit_trail": "Domain Audit Trail"}
VERSION = re.compile(r"^v\d{1,2}\.\d$")
DATA_PATH = re.compile(r"^/api/(v[^/]+)/audittrail/([^/]+)$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_BASE = 152515000000  # Vault's sample ids are 12-digit numeric strings
VAULT_ID = 169741
USER_ID_BASE = 17063069
WINDOW = 300.0  # burst window, seconds
THIRTY_DAYS = 30 * 86400
PAGE_TTL = 3600.0  # how long a stored result set (uuid) lives here; Vault's value is not documented
MAX_SESSION = 48 * 3600.0


def iso_seconds(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def failure(kind, message, **extra):
    body = {"responseStatus": "FAILURE", "errors": [{"type": kind, "message": message}]}
    body.update(extra)
    return body


def parse_date(text):
    """Epoch seconds or None. Vault's documented forms: YYYY-MM-DDTHH:MM:SSZ, or a date (midnight)."""
    try:
        if STAMP.match(text):
            return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
        if DAY.match(text):
            return calendar.timegm(time.strptime(text, "%Y-%m-%d"))
    except ValueError:
        return None
    return None


class Vault:
    def configure(self, arguments, store):
        self.store = store
        self.version = arguments.version
        self.lifetime = arguments.session_lifetime
        self.burst_limit = arguments.burst_limit
        self.burst_mode = arguments.burst_mode
        self.users = {arguments.username: (arguments.password, USER_ID_BASE)}
        self.denied = set()
        if arguments.denied_user:
            self.users[arguments.denied_user] = (arguments.denied_password or arguments.password, USER_ID_BASE + 7)
            self.denied.add(arguments.denied_user)
        self.lock = threading.Lock()
        self.sessions = {}  # sessionId -> {"user", "user_id", "last", "created"}
        self.queries = {}  # uuid -> {"type", "rows", "created"}
        self.window_start = None
        self.window_used = 0
        self.local = threading.local()
        self.sequence = {}  # record id -> insertion index (tie-break among equal times)
        self.login_in_flight = {}
        for key in ("late_events", "rate_limited", "denied_requests", "throttled", "concurrent_login_trail_requests"):
            store.stats[key] = 0
        store.stats["requests_by_type"] = {name: 0 for name in TYPES}
        store.stats["sessions_issued"] = 0
        store.stats["api_versions"] = []
        renamed = []
        for n, (t, _, _) in enumerate(store.events):
            event = make_record(n, t)
            renamed.append((t, event["id"], event))
            self.sequence[event["id"]] = n
        store.events = renamed
        sequence = self.sequence

        def append(this, t):
            n = len(this.events)
            event = make_record(n, t)
            sequence[event["id"]] = n
            this.events.append((t, event["id"], event))
        store._append = append.__get__(store)

    # --- Sessions.

    def expire_tokens(self):
        with self.lock:
            self.sessions.clear()

    def session_for(self, handler):
        """(sessionId, session) for a live session, or (None, reason)."""
        authorization = (handler.headers.get("Authorization") or "").strip()
        if authorization[:7].lower() == "bearer ":
            self.store.bad_request("Authorization has a Bearer prefix; Vault takes the bare sessionId")
            return None, "bearer"
        now = time.time()
        with self.lock:
            session = self.sessions.get(authorization)
            if session is None:
                return None, "unknown"
            if now - session["last"] > self.lifetime or now - session["created"] > MAX_SESSION:
                del self.sessions[authorization]
                return None, "expired"
            session["last"] = now  # the inactivity timeout restarts with every call
            return authorization, session

    def read_form(self, handler, body):
        content_type = handler.headers.get("Content-Type") or ""
        if "application/x-www-form-urlencoded" in content_type.lower():
            return dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if "multipart/form-data" in content_type.lower():
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
            form = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    form[name] = part.get_payload(decode=True).decode("utf-8", "replace")
            return form
        return None

    def handle_auth(self, handler, method, version, body, query):
        self.store.count("token_requests")
        if method != "POST":
            handler.send_json(200, failure("METHOD_NOT_SUPPORTED", "The resource does not support the GET method."), self.base_headers())
            return True
        form = self.read_form(handler, body)
        if query:
            self.store.bad_request("auth: credentials/parameters in the query string (%s)" % query.split("=")[0])
        if form is None:
            self.store.bad_request("auth: Content-Type %r (form body expected)" % handler.headers.get("Content-Type"))
            form = {}
        username, password = form.get("username", ""), form.get("password")
        if not password:
            self.store.bad_request("auth: no password in the form body")
            handler.send_json(200, failure("NO_PASSWORD_PROVIDED", "No password was provided for the login call.",
                                           errorType="AUTHENTICATION_FAILED"), self.base_headers())
            return True
        known = self.users.get(username)
        if known is None or known[0] != password:
            self.store.bad_request("auth: wrong username or password for %r" % username)
            handler.send_json(200, failure("USERNAME_OR_PASSWORD_INCORRECT", "Authentication failed for user: %s." % username,
                                           errorType="AUTHENTICATION_FAILED"), self.base_headers())
            return True
        session_id = secrets.token_hex(64).upper()
        now = time.time()
        with self.lock:
            self.sessions[session_id] = {"user": username, "user_id": known[1], "last": now, "created": now}
            self.store.stats["sessions_issued"] += 1
        handler.send_json(200, {"responseStatus": "SUCCESS", "sessionId": session_id, "userId": known[1],
                                "vaultIds": [{"id": VAULT_ID, "name": "VeePharm-PromoMats", "url": handler.base_url() + "/api"}],
                                "vaultId": VAULT_ID}, self.base_headers())
        return True

    # --- Headers and the burst window.

    def base_headers(self, status="SUCCESS"):
        headers = {"X-VaultAPI-ExecutionId": str(uuid.uuid4())}
        if self.version_number(self.local.__dict__.get("version", self.version)) >= (23, 2):
            headers["X-VaultAPI-Status"] = status
        return headers

    @staticmethod
    def version_number(text):
        try:
            major, minor = text[1:].split(".")
            return int(major), int(minor)
        except ValueError:
            return (0, 0)

    def take_burst(self):
        """Counts this call in the 5-minute window; returns the calls left (negative when over)."""
        now = time.time()
        with self.lock:
            if self.window_start is None or now - self.window_start >= WINDOW:
                self.window_start, self.window_used = now, 0
            self.window_used += 1
            return self.burst_limit - self.window_used, WINDOW - (now - self.window_start)

    def limit_headers(self, remaining, session=None, session_id=None, status="SUCCESS"):
        headers = self.base_headers(status)
        headers["X-VaultAPI-BurstLimit"] = str(self.burst_limit)
        headers["X-VaultAPI-BurstLimitRemaining"] = str(max(remaining, 0))
        if self.version_number(self.local.version) < (21, 1):
            headers["X-VaultAPI-DailyLimit"] = "999999"
            headers["X-VaultAPI-DailyLimitRemaining"] = "999999"
        headers["X-VaultAPI-VaultId"] = str(VAULT_ID)
        if session is not None:
            headers["X-VaultAPI-UserId"] = str(session["user_id"])
            headers["X-VaultAPI-TruncatedSessionId"] = session_id[:24]
        delay = getattr(self.local, "delay_ms", 0)
        if delay:
            headers["X-VaultAPI-ResponseDelay"] = str(delay)
        return headers

    def answer(self, handler, payload, status=200):
        ok = isinstance(payload, dict) and payload.get("responseStatus") == "SUCCESS"
        headers = self.limit_headers(self.local.remaining, self.local.session, self.local.session_id, "SUCCESS" if ok else "FAILURE")
        handler.send_json(status, payload, headers)
        return True

    def fault(self, handler, name):
        if name == "429vault":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            self.local.remaining = 0
            return self.answer(handler, failure("API_LIMIT_EXCEEDED", "API limit exceeded. No further calls will be processed until the next window."), 429)
        if name == "badcursor":
            if getattr(self.local, "paged", False):
                self.store.bad_request("badcursor fault served")
                return self.answer(handler, failure("INVALID_DATA", "Invalid or expired page uuid."))
            return False
        if name == "delayvault":
            time.sleep(0.3)
            self.local.delay_ms = 300
            return False
        raise ValueError("unknown fault %r" % name)

    def begin_call(self, handler, version, data=False):
        """Common prologue of session-bound calls: burst window, expire fault (data calls), session check.
        Returns (session_id, session), or None when an answer was already sent."""
        self.local.version = version
        self.local.delay_ms = 0
        self.local.session = self.local.session_id = None
        with self.store.lock:
            if version not in self.store.stats["api_versions"]:
                self.store.stats["api_versions"].append(version)
        remaining, window_left = self.take_burst()
        self.local.remaining = remaining
        if remaining < 0:
            if self.burst_mode == "reject":
                with self.store.lock:
                    self.store.stats["rate_limited"] += 1
                self.answer(handler, failure("API_LIMIT_EXCEEDED", "API burst limit exceeded. No further calls will be processed until the next window."), 429)
                return None
            delay = min(0.25, window_left)
            with self.store.lock:
                self.store.stats["throttled"] += 1
            time.sleep(delay)
            self.local.delay_ms = int(delay * 1000)
        if data and self.store.faults[:1] == ["expire"]:
            handler.apply_fault()  # the queued expire ends the sessions before this call's check
        session_id, session = self.session_for(handler)
        if session_id is None:
            self.store.count("auth_failures")
            self.answer(handler, failure("INVALID_SESSION_ID", "Invalid or expired session ID."))
            return None
        self.local.session, self.local.session_id = session, session_id
        return session_id, session

    # --- Audit details.

    def bad(self, handler, kind, message, query):
        """Records a bad request and returns the FAILURE body for it."""
        self.store.bad_request("audittrail: %s: %s (query %s)" % (kind, message, query))
        return failure(kind, message)

    def handle_data(self, handler, version, audit_type, query):
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        one = {name: values[0] for name, values in params.items()}
        self.local.paged = "uuid" in one or one.get("offset", "0") not in ("", "0")
        if self.begin_call(handler, version, data=True) is None:
            return True
        session = self.local.session
        if session["user"] in self.denied:
            with self.store.lock:
                self.store.stats["denied_requests"] += 1
            return self.answer(handler, failure("INSUFFICIENT_ACCESS", "User does not have sufficient privileges to perform the action."))
        if handler.apply_fault():
            return True
        if audit_type not in TYPES:
            return self.answer(handler, self.bad(handler, "INVALID_DATA", "Invalid audit trail type [%s]." % audit_type, query))
        with self.store.lock:
            self.store.stats["requests_by_type"][audit_type] += 1
        if audit_type == "login_audit_trail":
            with self.lock:
                busy = self.login_in_flight.get(session["user"], 0)
                self.login_in_flight[session["user"]] = busy + 1
            if busy:  # documented: one login_audit_trail request per user at a time
                with self.store.lock:
                    self.store.stats["concurrent_login_trail_requests"] += 1
            try:
                payload = self.build_page(handler, version, audit_type, one, query)
            finally:  # released before answering: a client's next call may follow at once
                with self.lock:
                    self.login_in_flight[session["user"]] -= 1
            return self.answer(handler, payload)
        return self.answer(handler, self.build_page(handler, version, audit_type, one, query))

    def build_page(self, handler, version, audit_type, one, query):
        """The body of a page (SUCCESS or FAILURE); waits --page-delay before a SUCCESS page."""
        if one.get("format_result") or one.get("all_dates"):
            return self.bad(handler, "INVALID_DATA", "format_result/all_dates (CSV export jobs) are not served by this look-alike.", query)
        limit = 200
        if "limit" in one:
            if not re.fullmatch(r"\d{1,7}", one["limit"]) or not 1 <= int(one["limit"]) <= 1000:
                return self.bad(handler, "INVALID_DATA", "Invalid value [%s] for parameter [limit]: must be between 1 and 1000." % one["limit"], query)
            limit = int(one["limit"])
        offset = 0
        if "offset" in one:
            if not re.fullmatch(r"\d{1,9}", one["offset"]):
                return self.bad(handler, "INVALID_DATA", "Invalid value [%s] for parameter [offset]." % one["offset"], query)
            offset = int(one["offset"])
        now = time.time()
        if "uuid" in one:
            with self.lock:
                for key in [k for k, q in self.queries.items() if now - q["created"] > PAGE_TTL]:
                    del self.queries[key]
                stored = self.queries.get(one["uuid"])
            if stored is None or stored["type"] != audit_type:
                return self.bad(handler, "INVALID_DATA", "Invalid or expired page uuid [%s]." % one["uuid"], query)
            rows, page_uuid = stored["rows"], one["uuid"]
        else:
            bounds = {}
            for name in ("start_date", "end_date"):
                if name in one:
                    value = parse_date(one[name])
                    if value is None:
                        return self.bad(handler, "INVALID_DATA", "Invalid value [%s] for parameter [%s]: dates must be YYYY-MM-DDTHH:MM:SSZ." % (one[name], name), query)
                    if value < now - THIRTY_DAYS:
                        return self.bad(handler, "INVALID_DATA", "Invalid value [%s] for parameter [%s]: the date cannot be more than 30 days ago." % (one[name], name), query)
                    bounds[name] = value
            start = bounds.get("start_date", (int(now) // 86400 - 1) * 86400)  # start of the previous day
            end = bounds.get("end_date", int(now))
            if start > end:
                return self.bad(handler, "INVALID_DATA", "[start_date] must be before [end_date].", query)
            events = [e.strip() for e in one.get("events", "").split(",") if e.strip()]
            with self.store.lock:
                snapshot = list(self.store.events)
            rows = []
            for t, record_id, record in snapshot:
                second = int(t)
                if record["_type"] != audit_type or second < start or second > end:
                    continue
                if events and audit_type in ("document_audit_trail", "object_audit_trail") and record.get("action") not in events:
                    continue
                rows.append(((t, self.sequence[record_id]), record))
            rows.sort(key=lambda row: row[0], reverse=True)  # newest first
            rows = [row[1] for row in rows]
            page_uuid = str(uuid.uuid4())
            with self.lock:
                self.queries[page_uuid] = {"type": audit_type, "rows": rows, "created": now}
        page = rows[offset:offset + limit]
        details = {"offset": offset, "limit": limit, "size": len(page), "total": len(rows),
                   "object": {"name": audit_type, "label": LABELS[audit_type], "url": "/api/%s/metadata/audittrail/%s" % (version, audit_type)}}
        base = "/api/%s/audittrail/%s" % (version, audit_type)
        if offset > 0:
            details["previous_page"] = "%s?offset=%d&limit=%d&uuid=%s" % (base, max(offset - limit, 0), limit, page_uuid)
        if offset + len(page) < len(rows):
            details["next_page"] = "%s?offset=%d&limit=%d&uuid=%s" % (base, offset + limit, limit, page_uuid)
        handler.page_delay()
        data = [{k: v for k, v in record.items() if not k.startswith("_")} for record in page]
        return {"responseStatus": "SUCCESS", "responseDetails": details, "data": data}

    def handle_types(self, handler, version):
        self.store.count("data_requests")
        if self.begin_call(handler, version) is None:
            return True
        allowed = [] if self.local.session["user"] in self.denied else TYPES
        return self.answer(handler, {"responseStatus": "SUCCESS", "audittrails": [
            {"name": name, "label": LABELS[name], "url": "/api/%s/metadata/audittrail/%s" % (version, name)} for name in allowed]})

    def handle(self, handler, method, path, query, body):
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "api" or not VERSION.match(parts[2]):
            return False
        version = parts[2]
        self.local.version = version
        rest = "/".join(parts[3:])
        if rest == "auth":
            return self.handle_auth(handler, method, version, body, query)
        if rest == "keep-alive" and method == "POST":
            if self.begin_call(handler, version) is None:
                return True
            return self.answer(handler, {"responseStatus": "SUCCESS"})
        if rest == "metadata/audittrail" and method == "GET":
            return self.handle_types(handler, version)
        match = DATA_PATH.match(path)
        if match and method == "GET":
            return self.handle_data(handler, version, match.group(2), query)
        return False


# --- Audit records (field sets from Vault's Retrieve Audit Details / Audit History samples and VAPIL's
# LoginAuditData, SystemAuditData, DocumentAuditData, ObjectAuditData, DomainAuditData models).

PEOPLE = [("lgills@veepharm.com", "Lateef Gills"), ("c.brandon@veepharm.com", "Cody Brandon"),
          ("olive@veepharm.com", "Olivia Cattington"), ("s.tate@veepharm.com", "Sean Tate")]
BROWSERS = [("Chrome 120.0.6099.129", "Intel Mac OS X 10.15.7"), ("Firefox 121.0", "Windows 10"), ("Unknown", "Unknown")]
LOGIN_TYPES = [("User Login", "Success"), ("User Login", "Failure: Invalid password"), ("Enterprise Home Authentication", "Success"),
               ("User Logout", "Success"), ("API Login", "Success")]
DOC_ACTIONS = [("GetDocumentVersion", None, None, None, "Viewed Document"),
               ("EditDocRelationships", "Supporting Documents", None, "VV-00003", "\"VV-00003\" was added as a \"Supporting Documents\" relation"),
               ("ChangeState", "Status", "Draft", "Approved", "Document state changed from Draft to Approved"),
               ("UploadDoc", None, None, None, "Uploaded Document")]
OBJ_ACTIONS = [("Edit", "Compound ID", "compound_id__v", None, "751789", "\"Compound ID\" set to \"751789\" "),
               ("Create", None, None, None, None, "Product: CholeCap created"),
               ("Delete", None, None, None, None, "Product: Nyaxa deleted")]
SYS_ACTIONS = [("Update", "Security Profile", "Document Admin", "Vault Owner", "Security Profile changed from Document Admin to Vault Owner"),
               ("Create", "Group", None, "Reviewers", "Group Reviewers created"),
               ("Update", "Vault Settings", "Off", "On", "Setting Session duration changed")]
DOMAIN_ACTIONS = [("Update", "User", "Activation Date", "2024-02-01", "User activation date updated"),
                  ("Create", "User", None, "new.user@veepharm.com", "User new.user@veepharm.com created")]


def make_record(n, t):
    audit_type = TYPES[n % len(TYPES)]
    user, full = PEOPLE[n % len(PEOPLE)]
    record = {"_type": audit_type, "id": str(ID_BASE + n), "timestamp": iso_seconds(t), "user_name": user, "full_name": full}
    if audit_type == "login_audit_trail":
        kind, status = LOGIN_TYPES[(n // 5) % len(LOGIN_TYPES)]
        browser, platform = BROWSERS[n % len(BROWSERS)]
        record.update({"source_ip": "198.51.100.%d" % (n % 250 + 1), "type": kind, "status": status,
                       "browser": browser, "platform": platform, "vault_id": str(VAULT_ID)})
    elif audit_type == "document_audit_trail":
        action, field, old, new, description = DOC_ACTIONS[(n // 5) % len(DOC_ACTIONS)]
        doc = 40 + (n // 5) % 7
        record.update({"action": action, "item": "VV-%05d" % doc, "field_name": field, "old_value": old, "new_value": new,
                       "workflow_name": None, "task_name": None, "signature_meaning": None, "view_license": None,
                       "job_instance_id": None, "doc_id": str(doc), "version": "0.1", "document_url": "/ui/#doc_info/%d/0/1" % doc,
                       "event_description": description, "on_behalf_of": None})
    elif audit_type == "object_audit_trail":
        action, label, field, old, new, description = OBJ_ACTIONS[(n // 5) % len(OBJ_ACTIONS)]
        record_id = "00P%012d" % (119 + (n // 5) % 9)
        record.update({"action": action, "item": "Product : Gludacta", "field_label": label, "field_name": field, "old_value": old,
                       "new_value": new, "old_display_value": old, "new_display_value": new, "record_id": record_id,
                       "object_label": "Product", "object_name": "product__v", "workflow_name": None, "task_name": None,
                       "verdict": None, "reason": None, "capacity": None, "event_description": description, "on_behalf_of": None,
                       "grouping_id": str(uuid.UUID(bytes=hashlib.md5(b"group%d" % n).digest(), version=4))})
    elif audit_type == "system_audit_trail":
        action, item, old, new, description = SYS_ACTIONS[(n // 5) % len(SYS_ACTIONS)]
        record.update({"action": action, "item": item, "field_name": item, "old_value": old, "new_value": new,
                       "event_description": description, "on_behalf_of": None})
    else:
        action, item, field, new, description = DOMAIN_ACTIONS[(n // 5) % len(DOMAIN_ACTIONS)]
        record.update({"user_id": str(USER_ID_BASE + n % len(PEOPLE)), "action": action, "type": item, "item": item,
                       "field_name": field, "new_value": new, "event_description": description})
    return record


def make_event(n, event_id, t):  # replaced in configure() (ids and types are Vault's)
    return {"id": event_id}


if __name__ == "__main__":
    lookalike.serve(Vault(), make_event, [
        lambda p: p.add_argument("--username", required=True),
        lambda p: p.add_argument("--password", required=True),
        lambda p: p.add_argument("--denied-user", help="a user whose session works but who lacks the View Audit Trail permission"),
        lambda p: p.add_argument("--denied-password", help="the denied user's password (default: --password)"),
        lambda p: p.add_argument("--version", default="v24.1", help="documentation version (the path accepts any vNN.N)"),
        lambda p: p.add_argument("--session-lifetime", type=float, default=1200.0, help="session inactivity timeout, seconds"),
        lambda p: p.add_argument("--burst-limit", type=int, default=2000, help="calls per fixed 5-minute window"),
        lambda p: p.add_argument("--burst-mode", choices=["reject", "delay"], default="reject",
                                 help="past the burst limit: 429 API_LIMIT_EXCEEDED, or delay (Vault's documented behaviour)"),
    ])
