"""Salesforce look-alike: the REST query resource (SOQL) and the OAuth 2.0 token endpoint.

  POST /services/oauth2/token
       grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>: iss = --client-id,
         sub = a known username, aud = this server's URL as the client addressed it, exp ahead and
         at most 5 minutes out, signed by --public-key-pem's key
       grant_type=client_credentials&client_id&client_secret
       -> 200 {"access_token", "instance_url", "id", "token_type": "Bearer", "issued_at", "signature"} (no expires_in,
          as Salesforce: the session lasts until it times out, then queries answer 401 INVALID_SESSION_ID)
  GET  /services/data/v62.0/query?q=<SOQL>   (Authorization: Bearer)
       SetupAuditTrail: `SELECT … FROM SetupAuditTrail WHERE CreatedDate >= A AND CreatedDate < B
         [AND (CreatedDate > T OR (CreatedDate = T AND Id > 'X'))] ORDER BY CreatedDate, Id LIMIT N`
       event storage (big objects): `SELECT FIELDS(STANDARD) FROM <Object> WHERE EventDate >= A AND
         EventDate < B ORDER BY EventDate DESC`, in batches of the `Sforce-Query-Options: batchSize=N`
         header (default 2000) with `nextRecordsUrl` (/services/data/v62.0/query/<locator>-<offset>) until done
       Other SOQL is a bad request (400 MALFORMED_QUERY). Every answer carries
       `Sforce-Limit-Info: api-usage=<used>/<--allocation>` (used starts at --used, +1 a request).
Rows: n % 2 == 0 SetupAuditTrail (id `Id`), else LoginEvent (id `EventIdentifier`, `Id` empty as big
objects return it); /_stats ids are those ids.

  EventLogFile: `SELECT Id, EventType, LogDate, CreatedDate, LogFile, LogFileLength, Interval FROM EventLogFile
         WHERE CreatedDate >= A AND CreatedDate < B AND Interval = 'Daily' AND EventType IN ('Login', …) [keyset]
         ORDER BY CreatedDate, Id LIMIT N`; GET /services/data/v62.0/sobjects/EventLogFile/<Id>/LogFile is the CSV.
         --log-files N files over the span, --rows-per-file rows each; /_stats elf_ids are `<Id>:<row>`.

Vendor extras:
  --unlicensed OBJECT     queries on it answer 400 INVALID_TYPE (an object the org has no licence for)
  --denied-user U         a user whose token works but whose queries answer 403 INSUFFICIENT_ACCESS
  faults "limit" (403 REQUEST_LIMIT_EXCEEDED, usage at the allocation), "badcursor" (a query-locator
         request answered 400 INVALID_QUERY_LOCATOR; others leave it queued), "expire" (sessions end: 401)
"""
import re
import secrets
import threading
import time
import urllib.parse
import uuid

import lookalike
from okta import b64url_decode, load_rsa_public_key, rs256_verify

import json

API = "/services/data/v62.0"
ALLOCATION = 15000
AUDIT = re.compile(r"^SELECT (?P<fields>.+) FROM SetupAuditTrail WHERE CreatedDate >= (?P<a>\S+) AND CreatedDate < (?P<b>\S+)"
                   r"(?: AND \(CreatedDate > (?P<t>\S+) OR \(CreatedDate = (?P<t2>\S+) AND Id > '(?P<id>\w+)'\)\))?"
                   r" ORDER BY CreatedDate, Id LIMIT (?P<limit>\d+)$")
LOG_FILES = re.compile(r"^SELECT Id, EventType, LogDate, CreatedDate, LogFile, LogFileLength, Interval FROM EventLogFile"
                       r" WHERE CreatedDate >= (?P<a>\S+) AND CreatedDate < (?P<b>\S+) AND Interval = '(?P<interval>Daily|Hourly)'"
                       r" AND EventType IN \((?P<types>'\w+'(?:, '\w+')*)\)"
                       r"(?: AND \(CreatedDate > (?P<t>\S+) OR \(CreatedDate = (?P<t2>\S+) AND Id > '(?P<id>\w+)'\)\))?"
                       r" ORDER BY CreatedDate, Id LIMIT (?P<limit>\d+)$")
LOG_FILE_PATH = re.compile(r"^" + API + r"/sobjects/EventLogFile/(\w+)/LogFile$")
LOG_TYPES = ["Login", "API", "Report", "URI", "Logout"]
STORAGE = re.compile(r"^SELECT FIELDS\(STANDARD\) FROM (?P<object>\w+) WHERE EventDate >= (?P<a>\S+) AND EventDate < (?P<b>\S+)"
                     r" ORDER BY EventDate DESC$")
SOQL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")


def sf_time(ms):
    """Salesforce's REST datetime: 2024-01-01T00:00:00.000+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03d+0000" % (ms % 1000)


def literal_ms(text):
    """Milliseconds of a SOQL datetime literal, or None when it is not one."""
    if not SOQL_TIME.match(text or ""):
        return None
    return lookalike.parse_iso_us(text) // 1000


class SalesforceStore(lookalike.Store):
    def _append(self, t):
        n = len(self.events)
        event_id = ("0Ym5e%013d" % (n + 1)) if n % 2 == 0 else str(uuid.UUID(int=(n + 1) * 0x9E3779B97F4A7C15 % (1 << 128)))
        ms = int(round(t * 1000))
        self.events.append((ms / 1000.0, event_id, self.make_event(n, event_id, ms)))


class Salesforce:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.client_id = arguments.client_id
        self.client_secret = arguments.client_secret
        self.usernames = {arguments.username} | ({arguments.denied_user} if arguments.denied_user else set())
        self.denied = {arguments.denied_user, arguments.denied_client} - {None}
        self.clients = {arguments.client_id: arguments.client_secret}
        if arguments.denied_client:
            self.clients[arguments.denied_client] = arguments.client_secret
        self.public_key = None
        if arguments.public_key_pem:
            with open(arguments.public_key_pem) as handle:
                self.public_key = load_rsa_public_key(handle.read())
        self.unlicensed = set(arguments.unlicensed or [])
        self.sessions = {}
        self.locators = {}
        self.used = arguments.used
        self.allocation = arguments.allocation
        store.stats.update({"locator_requests": 0, "invalid_type_answers": 0, "log_file_downloads": 0})
        # EventLogFile: files created over the span, each a CSV of --rows-per-file rows.
        now = time.time()
        self.log_files = []
        for index in range(arguments.log_files):
            created = int(lookalike.spread_time(now, index, arguments.log_files, arguments.span, arguments.newest_age) * 1000)
            self.log_files.append(self.log_file(index, created, arguments.rows_per_file))
        store.stats["elf_ids"] = [row_id for f in self.log_files for row_id in f["_row_ids"]]

    def expire_tokens(self):
        with self.lock:
            self.sessions.clear()

    def headers(self):
        with self.lock:
            self.used += 1
            return {"Sforce-Limit-Info": "api-usage=%d/%d" % (self.used, self.allocation)}

    def errors(self, handler, status, code, message):
        handler.send_json(status, [{"message": message, "errorCode": code}], self.headers())
        return True

    # --- OAuth.

    def handle_token(self, handler, body):
        self.store.count("token_requests")
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        grant = form.get("grant_type")
        who = None
        if grant == "client_credentials":
            client = form.get("client_id")
            if client in self.clients and secrets.compare_digest(form.get("client_secret", ""), self.clients[client]):
                who = client
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            who = self.check_assertion(handler, form.get("assertion", ""))
        else:
            self.store.bad_request("token: grant_type %r" % grant)
        if who is None:
            handler.send_json(400, {"error": "invalid_grant", "error_description": "authentication failure"})
            return True
        token = "00D5e000000Look!" + secrets.token_urlsafe(48)
        with self.lock:
            self.sessions[token] = who
        handler.send_json(200, {"access_token": token, "instance_url": handler.base_url(), "token_type": "Bearer",
                                "id": "%s/id/00D5e0000000001/0055e0000000001" % handler.base_url(),
                                "issued_at": str(int(time.time() * 1000)), "signature": "c2lnbmF0dXJl"})
        return True

    def check_assertion(self, handler, assertion):
        """The username the assertion stands for, or None (recorded as a bad request)."""
        parts = assertion.split(".")
        if self.public_key is None or len(parts) != 3:
            self.store.bad_request("token: not a JWT or no key configured")
            return None
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            self.store.bad_request("token: assertion does not decode")
            return None
        now = time.time()
        reason = None
        if header.get("alg") != "RS256" or not rs256_verify(self.public_key, (parts[0] + "." + parts[1]).encode(), signature):
            reason = "signature"
        elif claims.get("iss") != self.client_id:
            reason = "iss %r" % claims.get("iss")
        elif claims.get("sub") not in self.usernames:
            reason = "sub %r" % claims.get("sub")
        elif claims.get("aud") != handler.base_url():
            reason = "aud %r (expected %s)" % (claims.get("aud"), handler.base_url())
        elif not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + 300:
            reason = "exp %r" % claims.get("exp")
        if reason:
            self.store.bad_request("token: " + reason)
            return None
        return claims["sub"]

    def session(self, handler):
        scheme, _, credential = handler.headers.get("Authorization", "").partition(" ")
        with self.lock:
            who = self.sessions.get(credential.strip()) if scheme.lower() == "bearer" else None
        if who is None:
            self.store.count("auth_failures")
            self.errors(handler, 401, "INVALID_SESSION_ID", "Session expired or invalid")
        return who

    # --- Queries.

    def fault(self, handler, name):
        if name == "limit":
            handler.send_json(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                              {"Sforce-Limit-Info": "api-usage=%d/%d" % (self.allocation, self.allocation)})
            return True
        if name == "badcursor":
            if not getattr(handler, "sf_locator", False):
                return self.store.requeue(name)
            return self.errors(handler, 400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        raise ValueError("unknown fault %r" % name)

    def gate(self, handler):
        """Auth, faults and permission; True when the request was answered."""
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        who = self.session(handler)
        if who is None or handler.apply_fault():
            return True
        if who in self.denied:
            return self.errors(handler, 403, "INSUFFICIENT_ACCESS", "insufficient access rights on object id")
        return False

    def log_file(self, index, created, rows):
        """One EventLogFile record and its CSV: every field quoted as Salesforce writes them, with
        commas, doubled quotes and line breaks inside fields, and REQUEST_IDs that repeat."""
        file_id = "0AT5e%013d" % (index + 1)
        event_type = LOG_TYPES[index % len(LOG_TYPES)]
        columns = ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID", "URI", "USER_NAME", "CLIENT_IP",
                   "LOGIN_STATUS", "QUERY", "TIMESTAMP_DERIVED", "USER_ID_DERIVED", "SOURCE_IP"]
        lines = [",".join('"%s"' % c for c in columns)]
        for row in range(rows):
            ms = created - 3600 * 1000 + row * 10
            fields = [event_type, time.strftime("%Y%m%d%H%M%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000),
                      "4exLFFQZ1234%04d" % (row // 3), "00D5e0000000001", "0055e%010d" % (row % 9),
                      "/services/data/v62.0/query", PEOPLE[row % len(PEOPLE)] + "@acme.com",
                      "198.51.100.%d" % (row % 254 + 1), "LOGIN_NO_ERROR" if row % 7 else "LOGIN_ERROR_INVALID_PASSWORD",
                      ["SELECT Id, Name FROM Account", 'SELECT Id FROM Contact WHERE Name = "O\'Brien, Pat"',
                       "SELECT Id\nFROM Opportunity\r\nWHERE Amount > 100"][row % 3],
                      time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000),
                      "0055e000000%07d" % (row % 9), "198.51.100.%d" % (row % 254 + 1)]
            lines.append(",".join('"%s"' % f.replace('"', '""') for f in fields))
        body = ("\n".join(lines) + "\n").encode()
        return {"_ms": created, "_csv": body, "_row_ids": ["%s:%d" % (file_id, r + 1) for r in range(rows)],
                "attributes": {"type": "EventLogFile", "url": "%s/sobjects/EventLogFile/%s" % (API, file_id)},
                "Id": file_id, "EventType": event_type, "LogDate": time.strftime("%Y-%m-%dT00:00:00.000+0000", time.gmtime(created // 1000)),
                "CreatedDate": sf_time(created), "LogFile": "%s/sobjects/EventLogFile/%s/LogFile" % (API, file_id),
                "LogFileLength": float(len(body)), "Interval": "Daily"}

    def handle_log_file(self, handler, file_id):
        self.store.count("data_requests")
        handler.sf_locator = False
        if self.gate(handler):
            return True
        entry = next((f for f in self.log_files if f["Id"] == file_id), None)
        if entry is None:
            return self.errors(handler, 404, "NOT_FOUND", "The requested resource does not exist")
        self.store.count("log_file_downloads")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.send_header("Content-Length", str(len(entry["_csv"])))
        for name, value in self.headers().items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(entry["_csv"])
        return True

    def batch(self, handler, rows, offset, batch_size, locator):
        page = rows[offset:offset + batch_size]
        body = {"totalSize": len(rows), "done": offset + len(page) >= len(rows), "records": page}
        if not body["done"]:
            with self.lock:
                self.locators[locator] = (rows, batch_size)
            body["nextRecordsUrl"] = "%s/query/%s-%d" % (API, locator, offset + len(page))
        handler.page_delay()
        handler.send_json(200, body, self.headers())
        return True

    def handle_query(self, handler, query):
        self.store.count("data_requests")
        handler.sf_locator = False
        if self.gate(handler):
            return True
        soql = dict(urllib.parse.parse_qsl(query)).get("q", "")
        match = AUDIT.match(soql)
        if match:
            a, b = literal_ms(match["a"]), literal_ms(match["b"])
            if a is None or b is None or (match["t"] and (match["t"] != match["t2"] or literal_ms(match["t"]) is None)):
                self.store.bad_request("soql: datetime literal in %r" % soql)
                return self.errors(handler, 400, "MALFORMED_QUERY", "line 1:1 no viable alternative")
            after = (literal_ms(match["t"]), match["id"]) if match["t"] else None
            with self.store.lock:
                rows = [e for e in self.store.events if e[2]["attributes"]["type"] == "SetupAuditTrail"]
            keyed = sorted(((e[2]["_ms"], e[2]["Id"], e[2]) for e in rows), key=lambda k: (k[0], k[1]))
            chosen = [r for ms, rid, r in keyed if a <= ms < b and (after is None or (ms, rid) > after)]
            page = [{k: v for k, v in r.items() if not k.startswith("_")} for r in chosen[:int(match["limit"])]]
            handler.page_delay()
            handler.send_json(200, {"totalSize": len(page), "done": True, "records": page}, self.headers())
            return True
        match = LOG_FILES.match(soql)
        if match:
            a, b = literal_ms(match["a"]), literal_ms(match["b"])
            if a is None or b is None or (match["t"] and (match["t"] != match["t2"] or literal_ms(match["t"]) is None)):
                self.store.bad_request("soql: datetime literal in %r" % soql)
                return self.errors(handler, 400, "MALFORMED_QUERY", "line 1:1 no viable alternative")
            types = set(re.findall(r"'(\w+)'", match["types"]))
            after = (literal_ms(match["t"]), match["id"]) if match["t"] else None
            chosen = sorted((f for f in self.log_files if a <= f["_ms"] < b and f["EventType"] in types
                             and match["interval"] == f["Interval"] and (after is None or (f["_ms"], f["Id"]) > after)),
                            key=lambda f: (f["_ms"], f["Id"]))
            page = [{k: v for k, v in f.items() if not k.startswith("_")} for f in chosen[:int(match["limit"])]]
            handler.page_delay()
            handler.send_json(200, {"totalSize": len(page), "done": True, "records": page}, self.headers())
            return True
        match = STORAGE.match(soql)
        if match:
            if match["object"] in self.unlicensed:
                with self.store.lock:
                    self.store.stats["invalid_type_answers"] += 1
                return self.errors(handler, 400, "INVALID_TYPE", "sObject type '%s' is not supported." % match["object"])
            a, b = literal_ms(match["a"]), literal_ms(match["b"])
            if a is None or b is None:
                self.store.bad_request("soql: datetime literal in %r" % soql)
                return self.errors(handler, 400, "MALFORMED_QUERY", "line 1:1 no viable alternative")
            options = handler.headers.get("Sforce-Query-Options", "")
            size = re.search(r"batchSize=(\d+)", options)
            batch_size = int(size.group(1)) if size else 2000
            if not 200 <= batch_size <= 2000:
                self.store.bad_request("batchSize %d" % batch_size)
            with self.store.lock:
                rows = [e[2] for e in self.store.events if e[2]["attributes"]["type"] == match["object"] and a <= e[2]["_ms"] < b]
            rows.sort(key=lambda r: r["_ms"], reverse=True)
            rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
            return self.batch(handler, rows, 0, batch_size, "0r85e" + secrets.token_hex(6))
        self.store.bad_request("soql: %r" % soql)
        return self.errors(handler, 400, "MALFORMED_QUERY", "unexpected token")

    def handle_locator(self, handler, rest):
        self.store.count("data_requests")
        self.store.count("locator_requests")
        handler.sf_locator = True
        if self.gate(handler):
            return True
        locator, _, offset = rest.rpartition("-")
        with self.lock:
            entry = self.locators.get(locator)
        if entry is None or not offset.isdigit():
            return self.errors(handler, 400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, batch_size = entry
        return self.batch(handler, rows, int(offset), batch_size, locator)

    def handle(self, handler, method, path, query, body):
        if path == "/services/oauth2/token" and method == "POST":
            return self.handle_token(handler, body)
        if path == API + "/query" and method == "GET":
            return self.handle_query(handler, query)
        match = LOG_FILE_PATH.match(path)
        if match and method == "GET":
            return self.handle_log_file(handler, match.group(1))
        if path.startswith(API + "/query/") and method == "GET":
            return self.handle_locator(handler, path[len(API + "/query/"):])
        return False


PEOPLE = ["ana.perez", "juergen.weiss", "zoe.chen", "kwame.mensah", "priya.raman", "admin"]
ACTIONS = [("PermSetAssign", "Manage Users", "Permission set Modify All Data: assigned to {u}"),
           ("deactivateduser", "Manage Users", "Deactivated user {u}"),
           ("changedprofileforuser", "Manage Users", "Changed profile for user {u} from Standard User to System Administrator"),
           ("createduser", "Manage Users", "Created new user {u}")]


def make_event(n, event_id, ms):
    person = PEOPLE[n % len(PEOPLE)] + "@acme.com"
    if n % 2 == 0:
        action, section, display = ACTIONS[(n // 2) % len(ACTIONS)]
        return {"_ms": ms, "attributes": {"type": "SetupAuditTrail", "url": "%s/sobjects/SetupAuditTrail/%s" % (API, event_id)},
                "Id": event_id, "Action": action, "Section": section, "CreatedDate": sf_time(ms),
                "CreatedById": "0055e%013d" % (n % 7), "CreatedBy": {"attributes": {"type": "User"}, "Username": person},
                "CreatedByContext": None, "CreatedByIssuer": None, "DelegateUser": None,
                "Display": display.format(u=PEOPLE[(n + 1) % len(PEOPLE)] + "@acme.com"), "ResponsibleNamespacePrefix": None}
    ip = "198.51.100.%d" % (n % 254 + 1) if n % 3 else "2001:db8::%x" % (n + 1)
    return {"_ms": ms, "attributes": {"type": "LoginEvent", "url": "%s/sobjects/LoginEvent/000000000000000AAA" % API},
            "Id": "000000000000000AAA", "EventIdentifier": event_id, "EventDate": sf_time(ms), "CreatedDate": sf_time(ms),
            "UserId": "0055e%013d" % (n % 7), "Username": person, "SourceIp": ip, "LoginType": "Application",
            "Status": "Success" if n % 5 else "Invalid Password", "Application": "Browser", "Browser": "Chrome 131",
            "Platform": "Mac OSX", "LoginUrl": "acme.my.salesforce.com", "CountryIso": "DE", "City": "Berlin",
            "SessionKey": "vMASKIU6AxEr+Op5", "LoginKey": "QfNecrLXSII6fsBq"}


if __name__ == "__main__":
    lookalike.Store = SalesforceStore
    lookalike.serve(Salesforce(), make_event, [
        lambda parser: parser.add_argument("--client-id", required=True),
        lambda parser: parser.add_argument("--client-secret", required=True),
        lambda parser: parser.add_argument("--username", default="integration@acme.com"),
        lambda parser: parser.add_argument("--denied-user"),
        lambda parser: parser.add_argument("--denied-client"),
        lambda parser: parser.add_argument("--public-key-pem"),
        lambda parser: parser.add_argument("--unlicensed", action="append"),
        lambda parser: parser.add_argument("--allocation", type=int, default=ALLOCATION, help="the org's daily API allocation"),
        lambda parser: parser.add_argument("--used", type=int, default=100, help="API requests already used today"),
        lambda parser: parser.add_argument("--log-files", type=int, default=0, help="EventLogFile records over the span"),
        lambda parser: parser.add_argument("--rows-per-file", type=int, default=100),
    ])
