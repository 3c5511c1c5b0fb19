"""PingOne look-alike (worker application token + Audit Activities API).

  POST /{envId}/as/token          grant_type=client_credentials, form-encoded. The worker app's
                                  token endpoint auth method decides where the credentials go:
                                  CLIENT_SECRET_BASIC (default; `Authorization: Basic b64(id:secret)`,
                                  no secret in the body) or CLIENT_SECRET_POST (--auth-method post;
                                  client_id/client_secret in the body, no Basic header).
                                  -> {"access_token": <JWT>, "token_type": "Bearer", "expires_in": N}
                                  errors: 401 {"error": "invalid_client", "error_description":
                                  "Request denied: Invalid client credentials (Correlation ID: …)"} /
                                  "…Unsupported authentication method…"; 400 unsupported_grant_type /
                                  invalid_request.
  GET  /v1/environments/{envId}/activities?filter=…&limit=N
                                  `Authorization: Bearer <token>`; filter (required) is exactly
                                  `recordedAt gt|ge "<t>" AND recordedAt lt|le "<t>"` (either order;
                                  attribute, operators and AND case-insensitive, as in SCIM), t =
                                  yyyy-MM-ddTHH:mm:ss[.SSS]Z; limit 1..1000 (default 100).
                                  NEWEST FIRST (recordedAt descending). Next page: follow
                                  `_links.next.href` (absolute URL, same filter/limit plus an opaque
                                  `cursor`); no `next` on the last page.
                                  -> {"_links": {"self": {href}, "next": {href}}, "_embedded":
                                  {"activities": [...]}, "count": <matches>, "size": <page length>}
Errors use PingOne's envelope {"id", "code", "message", "details": [{"code", "target", "message"}]}:
  401 INVALID_TOKEN (unknown/expired token), 403 ACCESS_FAILED / INSUFFICIENT_PERMISSIONS
  (--denied-client: a worker app with no role that reads audit activities), 400 INVALID_DATA with
  details INVALID_FILTER (filter) or INVALID_VALUE (limit, cursor), 404 NOT_FOUND (other env id),
  429 REQUEST_LIMITED with Retry-After (seconds).

Vendor extras:
  POST /_late {"count": N, "age": S}  appends N activities recorded S seconds ago
  faults "429v" (429 REQUEST_LIMITED, Retry-After: 2), "badcursor" (a request carrying `cursor`
  gets 400 INVALID_DATA / INVALID_VALUE on cursor; others are served normally).

Command line: pingone.py --events N --span S [--newest-age A] --client-id C --client-secret S
              [--env-id E] [--denied-client D] [--denied-secret DS] [--auth-method basic|post]
              [--token-lifetime s] [--page-delay s]
"""
import base64
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid

import lookalike

ACTIVITIES_PATH = "/v1/environments/%s/activities"
BOUND = re.compile(r'^\s*([A-Za-z][A-Za-z.]*)\s+([A-Za-z]+)\s+"([^"]*)"\s*$')
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def p1_error(code, message, details=None):
    body = {"id": str(uuid.uuid4()), "code": code, "message": message}
    if details:
        body["details"] = details
    return body


class PingOne:
    def configure(self, arguments, store):
        self.store = store
        self.env_id = arguments.env_id
        self.credentials, self.denied = lookalike.client_credentials(arguments)
        self.auth_method = arguments.auth_method
        self.lifetime = arguments.token_lifetime
        self.scheme = "https" if arguments.tls else "http"
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (client_id, expiry epoch seconds)
        self.local = threading.local()
        self.sequence = {}  # activity id -> insertion index (tie-break among equal recordedAt)
        for key in ("late_events", "rate_limited"):
            store.stats[key] = 0
        env = self.env_id
        renamed = []
        for n, (t, _, event) in enumerate(store.events):
            event = make_activity(n, t, env)
            renamed.append((t, event["id"], event))
            self.sequence[event["id"]] = n
        store.events = renamed
        sequence = self.sequence

        def append(this, t):
            n = len(this.events)
            event = make_activity(n, t, env)
            sequence[event["id"]] = n
            this.events.append((t, event["id"], event))
        store._append = append.__get__(store)

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def token_error(self, handler, status, error, description, reason):
        self.store.bad_request("token: " + reason)
        handler.send_json(status, {"error": error, "error_description": "Request denied: %s (Correlation ID: %s)" % (description, uuid.uuid4())})
        return True

    def handle_token(self, handler, method, path, body):
        self.store.count("token_requests")
        if method != "POST":
            handler.send_json(405, p1_error("METHOD_NOT_ALLOWED", "The request could not be completed. The HTTP method is not allowed."))
            return True
        if path != "/%s/as/token" % self.env_id:
            self.store.bad_request("token: unknown environment in %s" % path)
            handler.send_json(404, p1_error("NOT_FOUND", "The requested resource was not found."))
            return True
        if "application/x-www-form-urlencoded" not in (handler.headers.get("Content-Type") or "").lower():
            return self.token_error(handler, 400, "invalid_request", "Unsupported content type", "Content-Type %r" % handler.headers.get("Content-Type"))
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        authorization = handler.headers.get("Authorization") or ""
        basic = None
        if authorization[:6].lower() == "basic ":
            try:
                client_id, _, secret = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
                basic = (urllib.parse.unquote(client_id), urllib.parse.unquote(secret))
            except (ValueError, UnicodeDecodeError):
                return self.token_error(handler, 401, "invalid_client", "Invalid client credentials", "undecodable Basic header")
        if self.auth_method == "basic":
            if basic is None or "client_secret" in form:
                return self.token_error(handler, 401, "invalid_client", "Unsupported authentication method",
                                        "CLIENT_SECRET_BASIC app, got %s" % ("secret in body" if "client_secret" in form else "no Basic header"))
            client_id, secret = basic
        else:
            if basic is not None or "client_secret" not in form:
                return self.token_error(handler, 401, "invalid_client", "Unsupported authentication method",
                                        "CLIENT_SECRET_POST app, got %s" % ("Basic header" if basic else "no client_secret in body"))
            client_id, secret = form.get("client_id", ""), form["client_secret"]
        if self.credentials.get(client_id) != secret:
            return self.token_error(handler, 401, "invalid_client", "Invalid client credentials", "wrong client_id/client_secret for %r" % client_id)
        if form.get("grant_type") != "client_credentials":
            return self.token_error(handler, 400, "unsupported_grant_type", "Unsupported grant type", "grant_type %r" % form.get("grant_type"))
        now = int(time.time())
        header = b64url(json.dumps({"kid": "lookalike", "alg": "RS256"}).encode())
        claims = b64url(json.dumps({"client_id": client_id, "iss": "%s/%s/as" % (handler.base_url(), self.env_id), "jti": secrets.token_hex(8),
                                    "iat": now, "exp": now + int(self.lifetime), "aud": ["https://api.pingone.com"],
                                    "env": self.env_id, "org": "0a4b1f7e-0000-4000-8000-000000000001"}).encode())
        token = "%s.%s.%s" % (header, claims, b64url(secrets.token_bytes(64)))
        with self.lock:
            self.tokens[token] = (client_id, time.time() + self.lifetime)
        handler.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": int(self.lifetime)})
        return True

    # --- Activities.

    def fault(self, handler, name):
        if name == "429v":
            with self.store.lock:
                self.store.stats["rate_limited"] += 1
            handler.send_json(429, p1_error("REQUEST_LIMITED", "The request could not be completed. Too many requests."), {"Retry-After": "2"})
            return True
        if name == "badcursor":
            if getattr(self.local, "has_cursor", False):
                handler.send_json(400, p1_error("INVALID_DATA", "The request could not be completed. One or more validation errors were in the request.",
                                                [{"code": "INVALID_VALUE", "target": "cursor", "message": "The cursor is invalid or has expired."}]))
                return True
            return False
        raise ValueError("unknown fault %r" % name)

    def parse_filter(self, text):
        """(lower_ms, lower_inclusive, upper_ms, upper_inclusive) or an error message."""
        parts = AND.split(text.strip())
        if len(parts) != 2:
            return "the filter must be a recordedAt range: two comparisons joined by AND"
        lower = upper = None
        for part in parts:
            match = BOUND.match(part)
            if not match:
                return "cannot parse %r" % part
            attribute, operator, value = match.group(1), match.group(2).lower(), match.group(3)
            if attribute.lower() != "recordedat":
                return "attribute %r is not supported with operator %r here" % (attribute, operator)
            if not STAMP.match(value):
                return "%r is not a yyyy-MM-ddTHH:mm:ss.SSSZ time" % value
            ms = int(round(lookalike.parse_rfc3339(value) * 1000))
            if operator in ("gt", "ge") and lower is None:
                lower = (ms, operator == "ge")
            elif operator in ("lt", "le") and upper is None:
                upper = (ms, operator == "le")
            else:
                return "operator %r is not supported for recordedAt here" % operator
        return lower + upper

    def handle_activities(self, handler, method, path, query):
        if method != "GET":
            return False
        self.store.count("data_requests")
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.local.has_cursor = bool(params.get("cursor"))
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        authorization = handler.headers.get("Authorization") or ""
        with self.lock:
            entry = self.tokens.get(authorization[7:].strip()) if authorization[:7].lower() == "bearer " else None
        if entry is None or entry[1] <= time.time():
            self.store.count("auth_failures")
            handler.send_json(401, p1_error("INVALID_TOKEN", "The request could not be completed. The access token is invalid or has expired."),
                              {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return True
        if entry[0] in self.denied:
            handler.send_json(403, p1_error("ACCESS_FAILED", "The request could not be completed. You do not have access to this resource.",
                                            [{"code": "INSUFFICIENT_PERMISSIONS", "message": "The actor attempting to perform the request is not authorized."}]))
            return True
        if handler.apply_fault():
            return True
        problems = []
        for name, values in params.items():
            if len(values) > 1:
                problems.append({"code": "INVALID_VALUE", "target": name, "message": "%s is given more than once." % name})
        one = {name: values[0] for name, values in params.items()}
        window = None
        if "filter" not in one:
            problems.append({"code": "INVALID_FILTER", "target": "filter", "message": "A recordedAt range filter is required."})
        else:
            window = self.parse_filter(one["filter"])
            if isinstance(window, str):
                problems.append({"code": "INVALID_FILTER", "target": "filter", "message": "Invalid filter: " + window})
        limit = 100
        if "limit" in one:
            if re.fullmatch(r"\d{1,6}", one["limit"]) and 1 <= int(one["limit"]) <= 1000:
                limit = int(one["limit"])
            else:
                problems.append({"code": "INVALID_VALUE", "target": "limit", "message": "limit must be between 1 and 1000.",
                                 "innerError": {"rangeMinimumValue": 1, "rangeMaximumValue": 1000}})
        position = None
        if "cursor" in one:
            position = self.decode_cursor(one["cursor"], one.get("filter", ""))
            if position is None:
                problems.append({"code": "INVALID_VALUE", "target": "cursor", "message": "The cursor is invalid or has expired."})
        if problems:
            self.store.bad_request("activities: %s (query %s)" % ("; ".join(p["target"] + ": " + p["message"] for p in problems), query))
            handler.send_json(400, p1_error("INVALID_DATA", "The request could not be completed. One or more validation errors were in the request.", problems))
            return True
        low, low_inclusive, high, high_inclusive = window
        with self.store.lock:
            snapshot = list(self.store.events)
        rows = []
        for entry in snapshot:
            ms = lookalike.event_ms(entry)
            if ms < low or (ms == low and not low_inclusive) or ms > high or (ms == high and not high_inclusive):
                continue
            rows.append(((ms, self.sequence[entry[1]]), entry[2]))
        rows.sort(key=lambda row: row[0], reverse=True)  # newest first
        start = 0 if position is None else next((i for i, row in enumerate(rows) if row[0] < position), len(rows))
        page = rows[start:start + limit]
        base = handler.base_url() + path
        plain = [(k, v) for k, values in params.items() if k != "cursor" for v in values]
        links = {"self": {"href": base + ("?" + query if query else "")}}
        if page and start + len(page) < len(rows):
            cursor = self.cursor(page[-1][0], one["filter"])
            links["next"] = {"href": base + "?" + urllib.parse.urlencode([("cursor", cursor)] + plain, quote_via=urllib.parse.quote)}
        handler.page_delay()
        handler.send_json(200, {"_links": links, "_embedded": {"activities": [row[1] for row in page]},
                                "count": len(rows), "size": len(page)})
        return True

    def cursor(self, key, filter_text):
        digest = hashlib.sha256(filter_text.encode()).hexdigest()[:12]
        return b64url(json.dumps({"k": list(key), "f": digest}, separators=(",", ":")).encode())

    def decode_cursor(self, text, filter_text):
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if document["f"] != hashlib.sha256(filter_text.encode()).hexdigest()[:12]:
                return None
            key = tuple(document["k"])
            return key if len(key) == 2 and all(isinstance(x, int) for x in key) else None
        except (ValueError, KeyError, TypeError):
            return None

    def handle(self, handler, method, path, query, body):
        if path.endswith("/as/token"):
            return self.handle_token(handler, method, path, body)
        if path == ACTIVITIES_PATH % self.env_id:
            return self.handle_activities(handler, method, path, query)
        if path.startswith("/v1/environments/") and path.endswith("/activities"):
            self.store.count("data_requests")
            self.store.bad_request("activities: unknown environment in %s" % path)
            handler.send_json(404, p1_error("NOT_FOUND", "The requested resource was not found."))
            return True
        return False


# --- Activities (shapes from PingOne's audit samples: actors.client/user, action, resources, result).

USERS = ["ana.lima@example.com", "bo.chen@example.com", "carla.ruiz@example.com", "dev.patel@example.com"]
ACTIONS = [  # (action.type, action.description, resource type, result status, result description)
    ("USER.CREATED", "User Created", "USER", "SUCCESS", "Created User %s"),
    ("USER.UPDATED", "User Updated", "USER", "SUCCESS", "Updated User %s"),
    ("USER.ACCESS_ALLOWED", "User Access Allowed", "USER", "SUCCESS", "Passed role access control"),
    ("PASSWORD.CHECK_FAILED", "Password Check Failed", "USER", "FAILED", "Password check failed for %s"),
    ("GROUP.CREATED", "Group Created", "GROUP", "SUCCESS", "Created Group %s"),
    ("ROLE_ASSIGNMENT.CREATED", "Role Assignment Created", "USER", "SUCCESS", "Assigned Role Identity Data Read Only to %s"),
    ("APPLICATION.UPDATED", "Application Updated", "APPLICATION", "SUCCESS",
     "Updated Application %s using 'OPENID_CONNECT' protocol of type 'WORKER' with enabled state"),
    ("USER.DELETED", "User Deleted", "USER", "SUCCESS", "Deleted User %s"),
    ("PASSWORD.RESET", "Password Reset", "USER", "SUCCESS", "Password reset for %s"),
]
POPULATION = "5f2b0c3e-6a3d-4c8e-9d5b-1c2a3b4c5d6e"


def stable_uuid(*parts):
    return str(uuid.UUID(bytes=hashlib.md5(":".join(str(p) for p in parts).encode()).digest(), version=4))


def make_activity(n, t, env):
    api = "https://api.pingone.com/v1/environments/%s" % env
    activity_id = stable_uuid("activity", env, n)
    action_type, description, resource_type, outcome, result_text = ACTIONS[n % len(ACTIONS)]
    user = USERS[n % len(USERS)]
    user_id = stable_uuid("user", n % len(USERS))
    ms = int(round(t * 1000))
    if resource_type == "GROUP":
        resource = {"type": "GROUP", "id": stable_uuid("group", n % 5), "name": "Group %d" % (n % 5),
                    "environment": {"id": env}, "href": "%s/groups/%s" % (api, stable_uuid("group", n % 5))}
        name = resource["name"]
    elif resource_type == "APPLICATION":
        resource = {"type": "APPLICATION", "id": stable_uuid("app", n % 3), "name": "Worker %d" % (n % 3),
                    "environment": {"id": env}, "href": "%s/applications/%s" % (api, stable_uuid("app", n % 3))}
        name = resource["name"]
    else:
        resource = {"type": "USER", "id": user_id, "name": user, "environment": {"id": env},
                    "population": {"id": POPULATION}, "href": "%s/users/%s" % (api, user_id)}
        name = user
    activity = {"_links": {"self": {"href": "%s/activities/%s" % (api, activity_id)}},
                "id": activity_id, "recordedAt": lookalike.iso_ms(ms), "createdAt": lookalike.iso_ms(ms + 16),
                "correlationId": stable_uuid("correlation", env, n),
                "actors": {"client": {"id": stable_uuid("client", n % 2), "name": "PingOne Admin Console" if n % 2 else "Provisioning Worker",
                                      "environment": {"id": env}, "href": "%s/applications/%s" % (api, stable_uuid("client", n % 2)),
                                      "type": "CLIENT"}},
                "action": {"type": action_type, "description": description},
                "resources": [resource],
                "result": {"status": outcome, "description": result_text % name if "%s" in result_text else result_text}}
    if n % 2 or action_type in ("USER.ACCESS_ALLOWED", "PASSWORD.CHECK_FAILED", "PASSWORD.RESET"):
        admin_id = stable_uuid("admin", n % 2)
        acting = user if action_type in ("USER.ACCESS_ALLOWED", "PASSWORD.CHECK_FAILED", "PASSWORD.RESET") else "admin%d@example.com" % (n % 2)
        acting_id = user_id if acting == user else admin_id
        activity["actors"]["user"] = {"id": acting_id, "name": acting, "environment": {"id": env}, "population": {"id": POPULATION},
                                      "href": "%s/users/%s" % (api, acting_id), "type": "USER"}
    return activity


def make_event(n, event_id, t):  # replaced in configure() once the environment id is known
    return {"id": event_id}


if __name__ == "__main__":
    lookalike.serve(PingOne(), make_event, [
        lambda p: p.add_argument("--client-id", required=True),
        lambda p: p.add_argument("--client-secret", required=True),
        lambda p: p.add_argument("--env-id", default="7f3c2b1a-9e8d-4c7b-a6f5-0e1d2c3b4a59"),
        lambda p: p.add_argument("--denied-client", help="worker app (same secret unless --denied-secret) without a role that reads audit activities"),
        lambda p: p.add_argument("--denied-secret"),
        lambda p: p.add_argument("--auth-method", choices=["basic", "post"], default="basic", help="the app's token endpoint auth method"),
        lambda p: p.add_argument("--token-lifetime", type=float, default=3600.0),
    ])
