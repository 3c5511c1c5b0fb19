"""Slack Audit Logs API look-alike (Enterprise org, `GET https://api.slack.com/audit/v1/logs`).

  GET /audit/v1/logs?oldest=&latest=&limit=&cursor=[&action=a,b][&actor=U…][&entity=…]
        `Authorization: Bearer <xoxp user token>` (the org owner's token with auditlogs:read).
        oldest/latest: Unix seconds, both INCLUSIVE, compared with `date_create` (whole seconds).
        limit: 1..9999 (the documented maximum; default here 100 - Slack documents none).
        NEWEST FIRST. A page may hold MORE than `limit` entries: the entries that share the
        `date_create` second of the page's last entry all come with it (Slack documents that
        several logs recorded at the same time can exceed `limit`), so pages end on a second.
        -> 200 {"entries": [...], "response_metadata": {"next_cursor": "<opaque>" | ""}}
           next_cursor is "" on the last page. Send the same oldest/latest/limit/filters plus
           `cursor` for the next page.
Errors (JSON bodies follow Slack's {"ok": false, "error": …} envelope):
  401, EMPTY body       missing, malformed or unknown token (what Slack's Java SDK integration
                        test sees from the live API: "status: 401, no response body")
  401 token_revoked     the token was revoked (fault "expire")
  403 not_allowed_token_type   --bot-token (an xoxb bot token)
  403 missing_scope     --missing-scope-token, with "needed": "auditlogs:read", "provided": …
  400 invalid_cursor    a cursor this server did not issue, or one reused with other filters
  400 invalid_limit     limit not an integer in 1..9999
  400 invalid_range     oldest/latest not integers, or oldest > latest
  404 bad_endpoint      another path under /audit/v1/
  429 ratelimited       fault "429slack": Retry-After: 3 (seconds); Slack sends no remaining header

Vendor extras:
  POST /_late {"count": N, "age": S}  events dated S seconds ago that appear only from now on
  faults "429slack"; "badcursor" (the next request that carries `cursor` gets 400 invalid_cursor;
  requests without a cursor leave it queued); "expire" (the token is revoked from this request on:
  401 token_revoked). Generic faults of lookalike.py work as usual.

Command line: slack.py --events N --span S [--newest-age A] --token T [--bot-token B]
              [--missing-scope-token M] [--page-delay s]
"""
import base64
import hashlib
import json
import re
import threading
import urllib.parse
import uuid

import lookalike

LOGS_PATH = "/audit/v1/logs"
MAX_LIMIT = 9999
DEFAULT_LIMIT = 100
INTEGER = re.compile(r"^\d{1,12}$")


def error(code, **extra):
    body = {"ok": False, "error": code}
    body.update(extra)
    return body


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Slack:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.token = arguments.token
        self.bot_token = arguments.bot_token
        self.missing_scope_token = arguments.missing_scope_token
        self.revoked = set()
        self.local = threading.local()
        store.stats["rate_limited"] = 0

    def expire_tokens(self):
        with self.lock:
            self.revoked.add(self.token)

    def fault(self, handler, name):
        if name == "429slack":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, error("ratelimited"), {"Retry-After": "3"})
            return True
        if name == "badcursor":
            if getattr(self.local, "has_cursor", False):
                handler.send_json(400, error("invalid_cursor"))
                return True
            return self.store.requeue(name)  # not consumed: waits for a request that carries a cursor
        raise ValueError("unknown fault %r" % name)

    def authenticate(self, handler):
        """True when the request may read logs; otherwise the error has been sent."""
        authorization = handler.headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
        with self.lock:
            revoked = token in self.revoked
        if token and token == self.token and not revoked:
            return True
        self.store.count("auth_failures")
        if revoked:
            handler.send_json(401, error("token_revoked"))
        elif token and token == self.bot_token:
            handler.send_json(403, error("not_allowed_token_type"))
        elif token and token == self.missing_scope_token:
            handler.send_json(403, error("missing_scope", needed="auditlogs:read",
                                         provided="admin,users:read,channels:read"))
        else:
            handler.send_json(401, b"")  # the live API answers a bad token with no body
        return False

    def cursor(self, second, digest):
        return b64url(json.dumps({"before": second, "f": digest}, separators=(",", ":")).encode())

    def decode_cursor(self, text, digest):
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if document["f"] != digest or not isinstance(document["before"], int):
                return None
            return document["before"]
        except (ValueError, KeyError, TypeError):
            return None

    def bad(self, handler, code, reason, query):
        self.store.bad_request("logs: %s (query %s)" % (reason, query))
        handler.send_json(400, error(code))
        return True

    def handle_logs(self, handler, query):
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        one = {name: values[-1] for name, values in params.items()}
        self.local.has_cursor = bool(one.get("cursor"))
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        if not self.authenticate(handler):
            return True
        if handler.apply_fault():
            return True
        for name, values in params.items():
            if len(values) > 1:
                self.store.bad_request("logs: %s given %d times (query %s)" % (name, len(values), query))
        oldest = latest = None
        for name in ("oldest", "latest"):
            if name in one:
                if not INTEGER.match(one[name]):
                    return self.bad(handler, "invalid_range", "%s=%r is not whole Unix seconds" % (name, one[name]), query)
                if name == "oldest":
                    oldest = int(one[name])
                else:
                    latest = int(one[name])
        if oldest is not None and latest is not None and oldest > latest:
            return self.bad(handler, "invalid_range", "oldest %d is after latest %d" % (oldest, latest), query)
        limit = DEFAULT_LIMIT
        if "limit" in one:
            if not INTEGER.match(one["limit"]) or not 1 <= int(one["limit"]) <= MAX_LIMIT:
                return self.bad(handler, "invalid_limit", "limit=%r is not in 1...%d" % (one["limit"], MAX_LIMIT), query)
            limit = int(one["limit"])
        actions = set(filter(None, one.get("action", "").split(","))) or None
        actor = one.get("actor") or None
        entity = one.get("entity") or None
        digest = hashlib.sha256(json.dumps([oldest, latest, sorted(actions or []), actor, entity]).encode()).hexdigest()[:12]
        before = None
        if one.get("cursor"):
            before = self.decode_cursor(one["cursor"], digest)
            if before is None:
                return self.bad(handler, "invalid_cursor", "cursor %r was not issued for these filters" % one["cursor"], query)
        with self.store.lock:
            snapshot = list(self.store.events)
        rows = []
        for t, event_id, event in snapshot:
            second = event["date_create"]
            if (oldest is not None and second < oldest) or (latest is not None and second > latest):
                continue
            if before is not None and second >= before:
                continue
            if actions and event["action"] not in actions:
                continue
            if actor and event["actor"]["user"]["id"] != actor:
                continue
            if entity and entity_id(event) != entity:
                continue
            rows.append(((second, t, uuid.UUID(event_id).int), event))
        rows.sort(key=lambda row: row[0], reverse=True)  # newest first
        end = min(limit, len(rows))
        while 0 < end < len(rows) and rows[end][0][0] == rows[end - 1][0][0]:
            end += 1  # the whole last second comes along
        page = rows[:end]
        next_cursor = self.cursor(page[-1][0][0], digest) if end < len(rows) else ""
        handler.page_delay()
        handler.send_json(200, {"entries": [row[1] for row in page], "response_metadata": {"next_cursor": next_cursor}})
        return True

    def handle(self, handler, method, path, query, body):
        if path == LOGS_PATH and method == "GET":
            return self.handle_logs(handler, query)
        if path.startswith("/audit/v1/"):
            handler.send_json(404, error("bad_endpoint"))
            return True
        return False


# --- Entries, shaped like the events in Tests/NormalizersTests/Fixtures/emm/slack.audit_logs.jsonl.

USERS = [("U0123456ABC", "Alice Brown", "alice@example.com"), ("U7A1SSBCD", "Jane Miller", "jane@example.com"),
         ("U05ABC123EF", "Mallory Jones", "mallory@example.com"), ("U0AA1BBC2AB", "Bob Smith", "bob@example.com")]
TEAM = "T00111AA2"
ENTERPRISE = {"domain": "acme", "id": "E0123DTABCDE", "name": "Acme"}
WORKSPACE = {"domain": "acme", "id": TEAM, "name": "Acme"}
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 13_5_0) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.33.84 "
          "Chrome/114.0.5735.134 Electron/25.2.0 Safari/537.36 AppleSilicon Sonic Slack_SSB/4.33.84",
          "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Safari/537.36",
          "OKTA Slack Integration"]
ACTIONS = ["user_login", "user_logout", "user_login_failed", "user_created", "file_downloaded", "app_installed",
           "role_change_to_admin", "pref.two_factor_auth_changed", "public_channel_created", "user_channel_join",
           "user_deactivated", "pref.sso_setting_changed"]


def user(index):
    uid, name, email = USERS[index % len(USERS)]
    return {"email": email, "id": uid, "name": name, "team": TEAM}


def entity_id(event):
    entity = event["entity"]
    inner = entity.get(entity["type"]) or {}
    return inner.get("id")


def make_event(n, event_id, t):
    action = ACTIONS[n % len(ACTIONS)]
    actor = user(n)
    target = user(n + 1)
    details = None
    if action in ("user_login", "user_logout", "user_login_failed", "user_deactivated"):
        entity = {"type": "user", "user": actor if action != "user_deactivated" else target}
    elif action in ("user_created", "role_change_to_admin"):
        entity = {"type": "user", "user": target}
    elif action == "file_downloaded":
        file_id = "F01A2A%05d" % (n % 100000)
        entity = {"type": "file", "file": {"filetype": "application/pdf", "id": file_id, "name": "report-%d.pdf" % n,
                                           "title": "Report %d" % n}}
        details = {"url_private": "https://files.slack.com/files-pri/%s-%s/report-%d.pdf" % (TEAM, file_id, n)}
    elif action == "app_installed":
        entity = {"type": "app", "app": {"id": "A01234567AB", "is_directory_approved": True, "is_distributed": True,
                                         "is_workflow_app": False, "name": "Sample App",
                                         "scopes": ["channels:read", "chat:write", "users:read"]}}
        details = {"is_internal_integration": False, "is_token_rotation_enabled_app": False}
    elif action == "pref.two_factor_auth_changed":
        entity = {"type": "workspace", "workspace": dict(WORKSPACE)}
        details = {"new_value": "TWO_FACTOR_ENABLED", "previous_value": "TWO_FACTOR_DISABLED"} if n % 2 else \
                  {"new_value": "TWO_FACTOR_DISABLED", "previous_value": "TWO_FACTOR_ENABLED"}
    elif action == "pref.sso_setting_changed":
        entity = {"type": "enterprise", "enterprise": dict(ENTERPRISE)}
        details = {"new_value": "SSO_REQUIRED", "previous_value": "SSO_REQUIRED_EXCEPT_GUESTS"}
    else:  # public_channel_created, user_channel_join
        entity = {"type": "channel", "channel": {"id": "C01A2A%05d" % (n % 100000), "is_org_shared": False, "is_shared": False,
                                                 "name": "channel-%d" % (n % 50), "privacy": "public"}}
    location = {"type": "enterprise", **ENTERPRISE} if n % 3 == 0 else {"type": "workspace", **WORKSPACE}
    context = {"ip_address": "198.51.100.%d" % (1 + n % 250), "location": location,
               "session_id": None if action == "user_login_failed" else 5267511593910 + n, "ua": AGENTS[n % len(AGENTS)]}
    return {"action": action, "actor": {"type": "user", "user": actor}, "context": context, "date_create": int(t),
            "details": details, "entity": entity, "id": event_id}


if __name__ == "__main__":
    lookalike.serve(Slack(), make_event, [
        lambda p: p.add_argument("--token", required=True, help="the org owner's xoxp token with auditlogs:read"),
        lambda p: p.add_argument("--bot-token", help="a bot token: 403 not_allowed_token_type"),
        lambda p: p.add_argument("--missing-scope-token", help="a user token without auditlogs:read: 403 missing_scope"),
    ])
