"""Snowflake look-alike: the SQL API (`/api/v2/statements`) with key-pair JWT authentication, serving
the SNOWFLAKE.ACCOUNT_USAGE views LOGIN_HISTORY, QUERY_HISTORY, SESSIONS, ACCESS_HISTORY and
GRANTS_TO_USERS from the generated store.

  POST /api/v2/statements  {"statement", "bindings", "database", "schema", "warehouse", "role", "timeout"}
       Headers: Authorization: Bearer <JWT>, X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT.
       The JWT must be RS256 signed with the key whose public half is --public-key-pem, with
       iss = ACCOUNT.USER.SHA256:<fingerprint> (--fingerprint, else computed from the PEM's DER),
       sub = ACCOUNT.USER, iat not in the future, exp ahead and at most an hour after iat.
       -> 401 {"code": "390144", "message": "JWT token is invalid. …"} otherwise.
       The statement must be the keyset query this source sends:
         SELECT *[, <id expression> AS <ID>] FROM <VIEW> WHERE <T> >= TO_TIMESTAMP_TZ(?) AND <T> < TO_TIMESTAMP_TZ(?)
           [AND (<T> > TO_TIMESTAMP_TZ(?) OR (<T> = TO_TIMESTAMP_TZ(?) AND <ID> > ?))] ORDER BY <T>, <ID> LIMIT n
       with every time and keyset value a binding (a statement carrying a literal time or id, or
       bindings that do not match its placeholders, is refused 422 and counted in bad_requests);
       database SNOWFLAKE, schema ACCOUNT_USAGE, the configured warehouse.
       -> 200 ResultSet {resultSetMetaData: {numRows, format: jsonv2, rowType, partitionInfo}, data,
          statementHandle, statementStatusUrl}: rows as arrays of strings (TIMESTAMP_LTZ as epoch
          seconds with nine decimals, numbers as digits, VARIANT as JSON text), --partition-rows a
          partition, partition 0 inline;
          202 {"code": "333334", statementHandle, statementStatusUrl} for every --async-every'th
          statement (the result is then served on the handle);
          422 {"code": "002003", "message": "SQL compilation error:\nObject 'SNOWFLAKE.ACCOUNT_USAGE.<VIEW>'
          does not exist or not authorized."} for --denied-role.
  GET  /api/v2/statements/{handle}[?partition=N]   the statement's result, or partition N's {"data"}.
Every statement, status and partition request is a data request (faults apply to each).

Times: each row's time is its store time in nanoseconds (sub-millisecond digits made up per
row), or with --tie-seconds S rounded down to S seconds, so many rows share one timestamp.
Ids: LOGIN_HISTORY.EVENT_ID and SESSIONS.SESSION_ID are numbers (the store id's integer),
QUERY_HISTORY/ACCESS_HISTORY.QUERY_ID the store id, GRANTS_TO_USERS is keyed by GRANTEE_NAME/ROLE
with ROLE = "R_" + the store id. Each store event is a row of one of --views (round robin).

Vendor faults: "429sf" (429, code 390505-ish, no Retry-After), "async" (the next statement answers
202), "badkeyset" (the next statement carrying a keyset is refused 422 100035: Snowflake cannot
read the stored time; others leave it queued), "expire" (every JWT seen so far is refused as expired).
/_stats adds "statements", "async_statements", "status_polls", "partition_fetches", "jwts"
(distinct JWTs accepted), "keyset_statements", "statements_by_view".

Command line: snowflake.py --events N --span S --account A --user U --public-key-pem FILE
              [--fingerprint SHA256FP] [--warehouse W] [--denied-role R] [--views LOGIN_HISTORY,…]
              [--partition-rows 20] [--async-every 3] [--tie-seconds 0] [--page-delay s]
"""
import base64
import hashlib
import json
import re
import threading
import time
import urllib.parse
import uuid

import lookalike
from okta import b64url_decode, load_rsa_public_key, rs256_verify

VIEWS = {
    # view: (time column, id column, id expression, id is a number)
    "LOGIN_HISTORY": ("EVENT_TIMESTAMP", "EVENT_ID", None, True),
    "QUERY_HISTORY": ("START_TIME", "QUERY_ID", None, False),
    "SESSIONS": ("CREATED_ON", "SESSION_ID", None, True),
    "ACCESS_HISTORY": ("QUERY_START_TIME", "QUERY_ID", None, False),
    "GRANTS_TO_USERS": ("CREATED_ON", "GRANT_KEY", "GRANTEE_NAME || '/' || ROLE", False),
}
COLUMNS = {
    "LOGIN_HISTORY": [("EVENT_ID", "FIXED"), ("EVENT_TIMESTAMP", "TIMESTAMP_LTZ"), ("EVENT_TYPE", "TEXT"), ("USER_NAME", "TEXT"),
                      ("CLIENT_IP", "TEXT"), ("REPORTED_CLIENT_TYPE", "TEXT"), ("FIRST_AUTHENTICATION_FACTOR", "TEXT"),
                      ("SECOND_AUTHENTICATION_FACTOR", "TEXT"), ("IS_SUCCESS", "TEXT"), ("ERROR_CODE", "FIXED"), ("ERROR_MESSAGE", "TEXT")],
    "QUERY_HISTORY": [("QUERY_ID", "TEXT"), ("QUERY_TEXT", "TEXT"), ("DATABASE_NAME", "TEXT"), ("QUERY_TYPE", "TEXT"), ("SESSION_ID", "FIXED"),
                      ("USER_NAME", "TEXT"), ("ROLE_NAME", "TEXT"), ("WAREHOUSE_NAME", "TEXT"), ("EXECUTION_STATUS", "TEXT"),
                      ("START_TIME", "TIMESTAMP_LTZ"), ("END_TIME", "TIMESTAMP_LTZ"), ("TOTAL_ELAPSED_TIME", "FIXED"),
                      ("CREDITS_USED_CLOUD_SERVICES", "FIXED"), ("IS_CLIENT_GENERATED_STATEMENT", "BOOLEAN"), ("QUERY_TAG", "TEXT")],
    "SESSIONS": [("SESSION_ID", "FIXED"), ("CREATED_ON", "TIMESTAMP_LTZ"), ("USER_NAME", "TEXT"), ("AUTHENTICATION_METHOD", "TEXT"),
                 ("LOGIN_EVENT_ID", "FIXED"), ("CLIENT_APPLICATION_ID", "TEXT"), ("CLIENT_ENVIRONMENT", "TEXT"), ("CLOSED_REASON", "TEXT")],
    "ACCESS_HISTORY": [("QUERY_ID", "TEXT"), ("QUERY_START_TIME", "TIMESTAMP_LTZ"), ("USER_NAME", "TEXT"),
                       ("DIRECT_OBJECTS_ACCESSED", "ARRAY"), ("BASE_OBJECTS_ACCESSED", "ARRAY"), ("OBJECTS_MODIFIED", "ARRAY"),
                       ("POLICIES_REFERENCED", "ARRAY"), ("PARENT_QUERY_ID", "TEXT")],
    "GRANTS_TO_USERS": [("CREATED_ON", "TIMESTAMP_LTZ"), ("DELETED_ON", "TIMESTAMP_LTZ"), ("ROLE", "TEXT"), ("GRANTED_TO", "TEXT"),
                        ("GRANTEE_NAME", "TEXT"), ("GRANTED_BY", "TEXT")],
}
PEOPLE = ["ANA", "JUERGEN", "ZOE", "KWAME", "PRIYA", "SVC_ETL"]
STATEMENTS = ["SELECT * FROM SALES.PUBLIC.ORDERS WHERE REGION = 'EMEA'", "ALTER USER ZOE SET MINS_TO_BYPASS_MFA = 10",
              "GRANT ROLE ANALYST TO USER KWAME", "CREATE USER TEMP_CONTRACTOR PASSWORD = '***'", "COPY INTO @EXPORT FROM SALES.PUBLIC.ORDERS"]
QUERY_TYPES = ["SELECT", "ALTER_USER", "GRANT", "CREATE_USER", "UNLOAD"]
T = r"([A-Z_]+)"
PLACE = r"TO_TIMESTAMP_TZ\(\?\)"
STATEMENT = re.compile(
    r"^SELECT \*(?:, (?P<expr>.+?) AS (?P<alias>[A-Z_]+))? FROM (?P<view>[A-Z_]+)"
    r" WHERE (?P<t1>[A-Z_]+) >= " + PLACE + r" AND (?P<t2>[A-Z_]+) < " + PLACE +
    r"(?P<keyset> AND \((?P<t3>[A-Z_]+) > " + PLACE + r" OR \((?P<t4>[A-Z_]+) = " + PLACE + r" AND (?P<id1>.+?) > \?\)\))?"
    r" ORDER BY (?P<t5>[A-Z_]+), (?P<id2>.+?) LIMIT (?P<limit>\d+)$")
ISO_NS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


def parse_iso_ns(text):
    """Nanoseconds since the epoch for an RFC 3339 time with up to nine fraction digits, or None."""
    match = ISO_NS.match(text or "")
    if not match:
        return None
    import calendar
    try:
        seconds = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    zone = match.group(3)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * 10**9 + int(((match.group(2) or "") + "000000000")[:9])


def epoch_text(ns):
    return "%d.%09d" % (ns // 10**9, ns % 10**9)


def sf_error(code, message, handle=None):
    body = {"code": code, "message": message, "sqlState": "42S02" if code == "002003" else "08001"}
    if handle:
        body["statementHandle"] = handle
    return body


class Snowflake:
    late_sorted = True

    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.account = arguments.account.upper()
        self.user = arguments.user.upper()
        with open(arguments.public_key_pem) as handle:
            pem = handle.read()
        self.public_key = load_rsa_public_key(pem)
        der = base64.b64decode("".join(line.strip() for line in pem.strip().splitlines() if not line.startswith("-----")))
        self.fingerprint = arguments.fingerprint or base64.b64encode(hashlib.sha256(der).digest()).decode()
        self.warehouse = arguments.warehouse
        self.denied_role = arguments.denied_role
        self.views = [v.strip().upper() for v in arguments.views.split(",") if v.strip()]
        self.partition_rows = arguments.partition_rows
        self.async_every = arguments.async_every
        self.tie_seconds = arguments.tie_seconds
        self.expired = set()   # JWTs refused as expired
        self.accepted = set()  # JWTs accepted so far
        self.results = {}      # handle -> (metadata, partitions, served)
        self.force_async = False
        store.stats.update({"statements": 0, "async_statements": 0, "status_polls": 0, "partition_fetches": 0, "jwts": 0,
                            "keyset_statements": 0, "statements_by_view": {}, "jwt_claims": []})

    def expire_tokens(self):
        with self.lock:
            self.expired |= self.accepted

    # --- Rows.

    def view_of(self, entry):
        index = int(uuid.UUID(entry[1])) - 1
        return self.views[index % len(self.views)], index

    def row_time(self, entry):
        ns = int(round(entry[0] * 1000)) * 10**6
        if self.tie_seconds:
            step = int(self.tie_seconds * 10**9)
            return ns // step * step
        return ns + int(hashlib.sha256(entry[1].encode()).hexdigest()[:6], 16) % 10**6

    def row(self, view, entry, index):
        """The row of `entry` in `view` as a dict of column -> Python value (time as nanoseconds)."""
        ns = self.row_time(entry)
        person = PEOPLE[index % len(PEOPLE)]
        number = int(uuid.UUID(entry[1]))
        if view == "LOGIN_HISTORY":
            failed = index % 9 == 4
            return {"EVENT_ID": number, "EVENT_TIMESTAMP": ns, "EVENT_TYPE": "LOGIN", "USER_NAME": person,
                    "CLIENT_IP": "198.51.100.%d" % (index % 254 + 1), "REPORTED_CLIENT_TYPE": ["SNOWFLAKE_UI", "JDBC_DRIVER", "PYTHON_DRIVER"][index % 3],
                    "FIRST_AUTHENTICATION_FACTOR": "RSA_KEYPAIR" if person == "SVC_ETL" else "PASSWORD",
                    "SECOND_AUTHENTICATION_FACTOR": "DUO_PUSH" if index % 4 == 1 else None, "IS_SUCCESS": "NO" if failed else "YES",
                    "ERROR_CODE": 390100 if failed else None, "ERROR_MESSAGE": "INCORRECT_USERNAME_PASSWORD" if failed else None}
        if view == "QUERY_HISTORY":
            return {"QUERY_ID": entry[1], "QUERY_TEXT": STATEMENTS[index % len(STATEMENTS)], "DATABASE_NAME": "SALES",
                    "QUERY_TYPE": QUERY_TYPES[index % len(QUERY_TYPES)], "SESSION_ID": 1000 + index, "USER_NAME": person, "ROLE_NAME": "ANALYST",
                    "WAREHOUSE_NAME": "COMPUTE_WH", "EXECUTION_STATUS": "SUCCESS", "START_TIME": ns, "END_TIME": ns + 1234567890,
                    "TOTAL_ELAPSED_TIME": 1234, "CREDITS_USED_CLOUD_SERVICES": "0.000123", "IS_CLIENT_GENERATED_STATEMENT": index % 2 == 0,
                    "QUERY_TAG": ""}
        if view == "SESSIONS":
            return {"SESSION_ID": number, "CREATED_ON": ns, "USER_NAME": person, "AUTHENTICATION_METHOD": "Password",
                    "LOGIN_EVENT_ID": number + 7, "CLIENT_APPLICATION_ID": "JDBC 3.14.4",
                    "CLIENT_ENVIRONMENT": json.dumps({"OS": "Linux", "OCSP_MODE": "FAIL_OPEN"}), "CLOSED_REASON": None}
        if view == "ACCESS_HISTORY":
            objects = [{"objectDomain": "Table", "objectName": "SALES.PUBLIC.ORDERS", "objectId": 1041 + index % 3,
                        "columns": [{"columnName": "AMOUNT", "columnId": 7}]}]
            return {"QUERY_ID": entry[1], "QUERY_START_TIME": ns, "USER_NAME": person, "DIRECT_OBJECTS_ACCESSED": objects,
                    "BASE_OBJECTS_ACCESSED": objects, "OBJECTS_MODIFIED": [], "POLICIES_REFERENCED": [], "PARENT_QUERY_ID": None}
        return {"CREATED_ON": ns, "DELETED_ON": ns + 3600 * 10**9 if index % 5 == 0 else None, "ROLE": "R_" + entry[1],
                "GRANTED_TO": "USER", "GRANTEE_NAME": person, "GRANTED_BY": "SECURITYADMIN"}

    @staticmethod
    def cell(value, kind):
        if value is None:
            return None
        if kind == "TIMESTAMP_LTZ":
            return epoch_text(value)
        if kind == "BOOLEAN":
            return "true" if value else "false"
        if kind in ("ARRAY", "OBJECT", "VARIANT"):
            return json.dumps(value, indent=2)  # Snowflake pretty-prints semi-structured values
        return str(value)

    # --- Auth.

    def check_jwt(self, handler):
        """None when the request carries an acceptable JWT, else the answer already sent (True)."""
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        refusal = None
        if scheme != "Bearer" or token.count(".") != 2:
            refusal = "no bearer JWT"
        elif handler.headers.get("X-Snowflake-Authorization-Token-Type") != "KEYPAIR_JWT":
            refusal = "token type header %r" % handler.headers.get("X-Snowflake-Authorization-Token-Type")
        else:
            parts = token.split(".")
            try:
                header = json.loads(b64url_decode(parts[0]))
                claims = json.loads(b64url_decode(parts[1]))
                signature = b64url_decode(parts[2])
            except ValueError:
                header, claims, signature = {}, {}, b""
            now = time.time()
            with self.lock:
                expired = token in self.expired
            if header.get("alg") != "RS256" or not rs256_verify(self.public_key, (parts[0] + "." + parts[1]).encode(), signature):
                refusal = "signature or alg %r" % header.get("alg")
            elif claims.get("iss") != "%s.%s.SHA256:%s" % (self.account, self.user, self.fingerprint):
                refusal = "iss %r" % claims.get("iss")
            elif claims.get("sub") != "%s.%s" % (self.account, self.user):
                refusal = "sub %r" % claims.get("sub")
            elif not isinstance(claims.get("iat"), int) or not isinstance(claims.get("exp"), int) or claims["iat"] > now + 60 \
                    or claims["exp"] - claims["iat"] > 3600:
                refusal = "iat/exp %r/%r" % (claims.get("iat"), claims.get("exp"))
            elif expired or claims["exp"] <= now:
                self.store.count("auth_failures")
                handler.send_json(401, sf_error("390144", "JWT token is invalid. [%s]" % uuid.uuid4()))
                return True
            else:
                with self.lock:
                    if token not in self.accepted:
                        self.accepted.add(token)
                        self.store.stats["jwts"] += 1
                        self.store.stats["jwt_claims"].append(claims)
                return None
        self.store.count("auth_failures")
        self.store.bad_request("jwt: " + refusal)
        handler.send_json(401, sf_error("390144", "JWT token is invalid. [%s]" % uuid.uuid4()))
        return True

    # --- Faults.

    def fault(self, handler, name):
        if name == "429sf":
            handler.send_json(429, sf_error("390505", "Too many requests. Please retry later."))
            return True
        if name == "async":
            if getattr(handler, "sf_kind", None) != "statement":
                return self.store.requeue(name)
            self.force_async = True
            return False
        if name == "badkeyset":
            keyset = getattr(handler, "sf_keyset", None)
            if not keyset:
                return self.store.requeue(name)
            handler.send_json(422, sf_error("100035", "Timestamp '%s' is not recognized" % keyset))
            return True
        raise ValueError("unknown fault %r" % name)

    def requeue(self, name):
        return self.store.requeue(name)

    # --- Statements.

    def refuse(self, handler, reason):
        self.store.bad_request("statement: " + reason)
        handler.send_json(422, sf_error("001003", "SQL compilation error: " + reason))
        return True

    def handle_statement(self, handler, body):
        self.store.count("data_requests")
        handler.sf_kind = "statement"
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        statement = request.get("statement") or ""
        bindings = request.get("bindings") or {}
        handler.sf_keyset = bindings.get("3", {}).get("value") if isinstance(bindings, dict) else None
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        if self.check_jwt(handler) or handler.apply_fault():
            return True
        with self.store.lock:
            self.store.stats["statements"] += 1
        if request.get("database") != "SNOWFLAKE" or request.get("schema") != "ACCOUNT_USAGE":
            return self.refuse(handler, "database/schema %r/%r" % (request.get("database"), request.get("schema")))
        if request.get("warehouse") != self.warehouse or not isinstance(request.get("timeout"), int):
            return self.refuse(handler, "warehouse %r timeout %r" % (request.get("warehouse"), request.get("timeout")))
        match = STATEMENT.match(statement)
        if not match:
            return self.refuse(handler, "not the keyset query: %r" % statement[:300])
        view = match.group("view")
        if self.denied_role and request.get("role") == self.denied_role:
            handler.send_json(422, sf_error("002003", "SQL compilation error:\nObject 'SNOWFLAKE.ACCOUNT_USAGE.%s' does not exist or not authorized." % view,
                                            str(uuid.uuid4())))
            return True
        if view not in VIEWS:
            return self.refuse(handler, "unknown view %s" % view)
        time_column, id_column, id_expression, id_number = VIEWS[view]
        times = [match.group(k) for k in ("t1", "t2", "t5")] + ([match.group("t3"), match.group("t4")] if match.group("keyset") else [])
        ids = [match.group("id2")] + ([match.group("id1")] if match.group("keyset") else [])
        if any(t != time_column for t in times) or any(i != (id_expression or id_column) for i in ids):
            return self.refuse(handler, "columns %r %r for %s" % (times, ids, view))
        if id_expression and (match.group("expr") != id_expression or match.group("alias") != id_column):
            return self.refuse(handler, "id expression %r AS %r" % (match.group("expr"), match.group("alias")))
        if not id_expression and match.group("expr"):
            return self.refuse(handler, "unexpected extra column %r" % match.group("expr"))
        # Values come as bindings only: a literal time or number in the text is string-built SQL.
        checked = statement.replace(id_expression, "") if id_expression else statement
        if "'" in checked or re.search(r"\d{4}-\d{2}-\d{2}|[<>=] *[0-9]", checked):
            return self.refuse(handler, "literal value in the statement")
        expected = 5 if match.group("keyset") else 2
        if not isinstance(bindings, dict) or sorted(bindings) != [str(i) for i in range(1, expected + 1)]:
            return self.refuse(handler, "bindings %r for %d placeholders" % (bindings, expected))
        values = []
        for position in range(1, expected + 1):
            binding = bindings[str(position)]
            kind, value = binding.get("type"), binding.get("value")
            wants = "FIXED" if position == 5 and id_number else "TEXT"
            if kind != wants or not isinstance(value, str):
                return self.refuse(handler, "binding %d is %r, expected %s" % (position, binding, wants))
            if position <= 4:
                ns = parse_iso_ns(value)
                if ns is None:
                    handler.send_json(422, sf_error("100035", "Timestamp '%s' is not recognized" % value))
                    return True
                values.append(ns)
            else:
                if id_number and not re.fullmatch(r"\d+", value):
                    handler.send_json(422, sf_error("100038", "Numeric value '%s' is not recognized" % value))
                    return True
                values.append(int(value) if id_number else value)
        limit = int(match.group("limit"))
        start, end = values[0], values[1]
        after = (values[2], values[4]) if match.group("keyset") else None
        if match.group("keyset"):
            with self.store.lock:
                self.store.stats["keyset_statements"] += 1
        with self.store.lock:
            snapshot = list(self.store.events)
            by_view = self.store.stats["statements_by_view"]
            by_view[view] = by_view.get(view, 0) + 1
        rows = []
        for entry in snapshot:
            entry_view, index = self.view_of(entry)
            if entry_view != view:
                continue
            row = self.row(view, entry, index)
            t = row[time_column]
            key = row[id_column] if not id_expression else "%s/%s" % (row["GRANTEE_NAME"], row["ROLE"])
            if not start <= t < end:
                continue
            if after and not (t > after[0] or (t == after[0] and key > after[1])):
                continue
            rows.append(((t, key), row))
        rows.sort(key=lambda r: r[0])
        rows = [r[1] for r in rows[:limit]]
        columns = COLUMNS[view] + ([(id_column, "TEXT")] if id_expression else [])
        data = []
        for row in rows:
            if id_expression:
                row = dict(row, **{id_column: "%s/%s" % (row["GRANTEE_NAME"], row["ROLE"])})
            data.append([self.cell(row[name], kind) for name, kind in columns])
        partitions = [data[i:i + self.partition_rows] for i in range(0, len(data), self.partition_rows)] or [[]]
        metadata = {"numRows": len(data), "format": "jsonv2",
                    "rowType": [{"name": name, "database": "SNOWFLAKE", "schema": "ACCOUNT_USAGE", "table": view, "type": kind.lower(),
                                 "scale": 9 if kind == "TIMESTAMP_LTZ" else 0, "precision": 38 if kind == "FIXED" else None,
                                 "nullable": True, "byteLength": None, "length": None, "collation": None} for name, kind in columns],
                    "partitionInfo": [{"rowCount": len(p), "uncompressedSize": len(json.dumps(p))} for p in partitions]}
        handle = str(uuid.uuid4())
        with self.lock:
            self.results[handle] = (metadata, partitions)
            asynchronous = self.force_async or (self.async_every and self.store.stats["statements"] % self.async_every == 0)
            self.force_async = False
        handler.page_delay()
        status_url = "/api/v2/statements/%s" % handle
        if asynchronous:
            with self.store.lock:
                self.store.stats["async_statements"] += 1
            handler.send_json(202, {"code": "333334", "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                                    "statementHandle": handle, "statementStatusUrl": status_url})
            return True
        handler.send_json(200, self.result_set(handle, metadata, partitions))
        return True

    @staticmethod
    def result_set(handle, metadata, partitions):
        return {"resultSetMetaData": metadata, "data": partitions[0], "code": "090001", "statementStatusUrl": "/api/v2/statements/%s" % handle,
                "requestId": str(uuid.uuid4()), "sqlState": "00000", "statementHandle": handle,
                "message": "Statement executed successfully.", "createdOn": int(time.time() * 1000)}

    def handle_status(self, handler, handle, query):
        self.store.count("data_requests")
        handler.sf_kind = "status"
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        if self.check_jwt(handler) or handler.apply_fault():
            return True
        with self.lock:
            result = self.results.get(handle)
        if result is None:
            handler.send_json(422, sf_error("000709", "Statement %s not found" % handle))
            return True
        metadata, partitions = result
        parameters = dict(urllib.parse.parse_qsl(query))
        if "partition" in parameters:
            number = int(parameters["partition"]) if parameters["partition"].isdigit() else -1
            if not 0 <= number < len(partitions):
                self.store.bad_request("partition %r of %d" % (parameters["partition"], len(partitions)))
                handler.send_json(422, sf_error("000709", "Partition %s not found" % parameters["partition"]))
                return True
            with self.store.lock:
                self.store.stats["partition_fetches"] += 1
            handler.send_json(200, {"data": partitions[number]})
            return True
        with self.store.lock:
            self.store.stats["status_polls"] += 1
        handler.send_json(200, self.result_set(handle, metadata, partitions))
        return True

    def handle(self, handler, method, path, query, body):
        if path == "/api/v2/statements" and method == "POST":
            return self.handle_statement(handler, body)
        match = re.match(r"^/api/v2/statements/([0-9a-f-]+)$", path)
        if match and method == "GET":
            return self.handle_status(handler, match.group(1), query)
        return False


def make_event(n, event_id, t):
    return {"n": n}  # rows are rendered per view at query time (see Snowflake.row)


if __name__ == "__main__":
    lookalike.serve(Snowflake(), make_event, [
        lambda parser: parser.add_argument("--account", required=True),
        lambda parser: parser.add_argument("--user", required=True),
        lambda parser: parser.add_argument("--public-key-pem", required=True),
        lambda parser: parser.add_argument("--fingerprint", help="expected base64 SHA-256 of the public key DER (else computed)"),
        lambda parser: parser.add_argument("--warehouse", default="AUDIT_WH"),
        lambda parser: parser.add_argument("--denied-role"),
        lambda parser: parser.add_argument("--views", default=",".join(VIEWS)),
        lambda parser: parser.add_argument("--partition-rows", type=int, default=20),
        lambda parser: parser.add_argument("--async-every", type=int, default=3),
        lambda parser: parser.add_argument("--tie-seconds", type=float, default=0.0),
    ])
