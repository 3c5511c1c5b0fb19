"""ServiceNow look-alike: the Table API and the OAuth token endpoint.

  POST /oauth_token.do  grant_type=client_credentials, client_id, client_secret
       -> 200 {"access_token", "scope", "token_type": "Bearer", "expires_in"}; 401 {"error": "access_denied", ...}
  GET  /api/now/table/{table}?sysparm_query=…&sysparm_display_value=false&sysparm_exclude_reference_link=true&sysparm_limit=N
       `Authorization: Basic` (--username/--password) or `Bearer <token>`. The encoded query is
       evaluated: `^NQ` separates OR'ed queries, `^` ANDs conditions `field>=v`, `field>v`, `field<v`,
       `field=v`, and `^ORDERBYf` orders (must be sys_created_on then sys_id; anything else is a
       bad request). Values compare as strings (`YYYY-MM-DD HH:MM:SS` sorts as time). A client that
       pages with sysparm_offset is a bad request too (offsets skip rows when the table changes).
       -> 200 {"result": [rows]}; 401 {"error": {"message": "User Not Authenticated", ...}, "status": "failure"};
          403 for --denied-user / --denied-client {"error": {"message": "User Not Authorized", ...}}
Rows have whole-second `sys_created_on` (UTC) and 32-hex `sys_id`; tables by n % 4. /_stats ids are sys_ids.

Vendor extras:
  faults "hibernate" (200 text/html, the hibernation page), "429sn" (429 with X-RateLimit-Reset epoch,
         X-RateLimit-Limit and X-RateLimit-Rule), "badcursor" (a continuation query, one holding ^NQ,
         answered 400 Invalid query; others leave it queued), "expire" (OAuth tokens invalid: 401)

Command line: servicenow.py --events N --span S [--username U --password P] [--client-id C --client-secret S]
              [--denied-user D] [--denied-client D] [--token-lifetime 1800] [--page-delay s]
"""
import hmac
import secrets
import threading
import time
import urllib.parse
import uuid

import lookalike

TABLES = ["sys_audit", "sysevent", "sys_user_has_role", "isc_export_event"]
ORDER = ["sys_created_on", "sys_id"]
OPERATORS = [">=", "<=", ">", "<", "="]
HIBERNATING = (b"<html><head><title>Instance Hibernating page</title></head><body><h1>Your instance is hibernating</h1>"
               b"<p>Sign in to the developer portal to wake it up.</p></body></html>")


def sn_time(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t)))


class ServiceNowStore(lookalike.Store):
    """Whole-second times (ServiceNow's precision, so rows share seconds) and sys_ids as ids."""

    def _append(self, t):
        n = len(self.events)
        event_id = uuid.UUID(int=(n + 1) * 0x9E3779B97F4A7C15 % (1 << 128)).hex
        self.events.append((float(int(t)), event_id, self.make_event(n, event_id, int(t))))


def parse_query(text):
    """([[(field, op, value)]], order) or raises ValueError."""
    alternatives, order = [], []
    for part in text.split("^NQ"):
        conditions = []
        for term in part.split("^"):
            if not term:
                continue
            if term.startswith("ORDERBY"):
                order.append(term[len("ORDERBY"):])
                continue
            for operator in OPERATORS:
                field, found, value = term.partition(operator)
                if found and field and field.isidentifier():
                    conditions.append((field, operator, value))
                    break
            else:
                raise ValueError("cannot read condition %r" % term)
        alternatives.append(conditions)
    return alternatives, order


def matches(row, conditions):
    for field, operator, value in conditions:
        actual = str(row.get(field, ""))
        if not {">=": actual >= value, "<=": actual <= value, ">": actual > value, "<": actual < value, "=": actual == value}[operator]:
            return False
    return True


class ServiceNow:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.users = {}
        if arguments.username:
            self.users[arguments.username] = arguments.password
        if arguments.denied_user:
            self.users[arguments.denied_user] = arguments.password
        self.clients = {}
        if arguments.client_id:
            self.clients[arguments.client_id] = arguments.client_secret
        if arguments.denied_client:
            self.clients[arguments.denied_client] = arguments.client_secret
        self.denied = {arguments.denied_user, arguments.denied_client} - {None}
        self.token_lifetime = arguments.token_lifetime
        self.access_tokens = {}

    def expire_tokens(self):
        with self.lock:
            self.access_tokens.clear()

    def handle_token(self, handler, method, body):
        self.store.count("token_requests")
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        client = form.get("client_id")
        if method != "POST" or form.get("grant_type") != "client_credentials":
            self.store.bad_request("token: grant_type %r" % form.get("grant_type"))
            handler.send_json(400, {"error_description": "access_denied", "error": "server_error"})
            return True
        if client not in self.clients or not hmac.compare_digest(form.get("client_secret", ""), self.clients[client]):
            handler.send_json(401, {"error_description": "access_denied", "error": "server_error"})
            return True
        token = secrets.token_urlsafe(64)
        with self.lock:
            self.access_tokens[token] = (time.time() + self.token_lifetime, client)
        handler.send_json(200, {"access_token": token, "scope": "useraccount", "token_type": "Bearer", "expires_in": self.token_lifetime})
        return True

    def principal(self, handler):
        """The user or client behind the request, or None after answering 401."""
        scheme, _, credential = handler.headers.get("Authorization", "").partition(" ")
        who = None
        if scheme.lower() == "basic":
            import base64
            try:
                user, _, password = base64.b64decode(credential).decode().partition(":")
            except ValueError:
                user, password = None, None
            if user in self.users and hmac.compare_digest(password or "", self.users[user]):
                who = user
        elif scheme.lower() == "bearer":
            with self.lock:
                entry = self.access_tokens.get(credential.strip())
            if entry and entry[0] > time.time():
                who = entry[1]
        if who is None:
            self.store.count("auth_failures")
            handler.send_json(401, {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                                    "status": "failure"})
        return who

    def fault(self, handler, name):
        if name == "hibernate":
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html;charset=UTF-8")
            handler.send_header("Content-Length", str(len(HIBERNATING)))
            handler.end_headers()
            handler.wfile.write(HIBERNATING)
            return True
        if name == "429sn":
            handler.send_json(429, {"error": {"message": "Rate limit exceeded", "detail": "Rate limit of 5000 requests per hour exceeded"},
                                    "status": "failure"},
                              {"X-RateLimit-Limit": "5000", "X-RateLimit-Reset": str(int(time.time()) + 9), "X-RateLimit-Rule": "auditrelay"})
            return True
        if name == "badcursor":
            if "^NQ" not in getattr(handler, "sn_query", ""):
                return self.store.requeue(name)
            handler.send_json(400, {"error": {"message": "Invalid query", "detail": "The query could not be parsed"}, "status": "failure"})
            return True
        raise ValueError("unknown fault %r" % name)

    def handle_table(self, handler, table, query):
        self.store.count("data_requests")
        parameters = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        handler.sn_query = parameters.get("sysparm_query", "")
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        who = self.principal(handler)
        if who is None or handler.apply_fault():
            return True
        if who in self.denied:
            handler.send_json(403, {"error": {"message": "User Not Authorized", "detail": "Required to provide Auth information"},
                                    "status": "failure"})
            return True
        if table not in TABLES:
            handler.send_json(400, {"error": {"message": "Invalid table %s" % table, "detail": None}, "status": "failure"})
            return True
        if parameters.get("sysparm_display_value") != "false" or parameters.get("sysparm_exclude_reference_link") != "true":
            self.store.bad_request("table: display values or reference links asked for")
        if "sysparm_offset" in parameters:
            self.store.bad_request("table: sysparm_offset paging")
        try:
            alternatives, order = parse_query(parameters.get("sysparm_query", ""))
            limit = int(parameters.get("sysparm_limit", "10000"))
        except ValueError as error:
            self.store.bad_request("table: %s" % error)
            handler.send_json(400, {"error": {"message": "Invalid query", "detail": str(error)}, "status": "failure"})
            return True
        if order != ORDER:
            self.store.bad_request("table: order %r" % order)
        with self.store.lock:
            rows = [e[2] for e in self.store.events if e[2]["_table"] == table]
        selected = [r for r in rows if any(matches(r, conditions) for conditions in alternatives)]
        selected.sort(key=lambda r: (r["sys_created_on"], r["sys_id"]))
        page = [{k: v for k, v in r.items() if not k.startswith("_")} for r in selected[:max(1, min(limit, 10000))]]
        handler.page_delay()
        handler.send_json(200, {"result": page}, {"X-Total-Count": str(len(selected))})
        return True

    def handle(self, handler, method, path, query, body):
        if path == "/oauth_token.do":
            return self.handle_token(handler, method, body)
        if path.startswith("/api/now/table/") and method == "GET":
            return self.handle_table(handler, path[len("/api/now/table/"):], query)
        return False


PEOPLE = ["ana.perez", "juergen.weiss", "zoe.chen", "kwame.mensah", "priya.raman", "admin"]


def make_event(n, event_id, t):
    table = TABLES[n % len(TABLES)]
    person = PEOPLE[n % len(PEOPLE)]
    common = {"_table": table, "sys_id": event_id, "sys_created_on": sn_time(t), "sys_created_by": person,
              "sys_updated_on": sn_time(t), "sys_mod_count": "0"}
    k = n // len(TABLES)
    if table == "sys_audit":
        field, old, new, target = [("roles", "", "itil", "sys_user"), ("active", "true", "false", "sys_user"),
                                   ("password", "", "*****", "sys_user"), ("DELETED", "", "", "sys_user_group")][k % 4]
        common.update({"tablename": target, "fieldname": field, "oldvalue": old, "newvalue": new, "user": person,
                       "documentkey": uuid.UUID(int=n + 7).hex, "reason": "", "record_checkpoint": str(k % 9 + 1)})
    elif table == "sysevent":
        name = ["login", "login.failed", "logout"][k % 3]
        ip = "198.51.100.%d" % (n % 254 + 1) if n % 3 else "2001:db8::%x" % (n + 1)
        common.update({"name": name, "parm1": person, "parm2": ip, "queue": "", "state": "processed", "user_name": person,
                       "table": "", "instance": ""})
    elif table == "sys_user_has_role":
        common.update({"user": uuid.UUID(int=n + 11).hex, "role": uuid.UUID(int=k % 5 + 100).hex, "state": "active",
                       "inherited": "false", "granted_by": "", "operation": ["insert", "delete"][k % 2], "changed_by": person})
    else:
        common.update({"table": ["incident", "sys_user", "cmdb_ci"][k % 3], "records": str(k * 17 % 500 + 1), "user_name": person,
                       "user": uuid.UUID(int=n + 13).hex, "format": "CSV"})
    return common


if __name__ == "__main__":
    lookalike.Store = ServiceNowStore
    lookalike.serve(ServiceNow(), make_event, [
        lambda parser: parser.add_argument("--username"),
        lambda parser: parser.add_argument("--password"),
        lambda parser: parser.add_argument("--client-id"),
        lambda parser: parser.add_argument("--client-secret"),
        lambda parser: parser.add_argument("--denied-user"),
        lambda parser: parser.add_argument("--denied-client"),
        lambda parser: parser.add_argument("--token-lifetime", type=int, default=1800),
    ])
