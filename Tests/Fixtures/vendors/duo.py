"""Duo Admin API look-alike (log endpoints). Every request is signed the Duo way and checked from
the request as received; nothing is served to a request that does not verify.

Signing (Authorization: Basic base64("<ikey>:<lowercase hex HMAC>"), date in `X-Duo-Date` if
present, else `Date`; both versions):
  v2 (HMAC-SHA1; HMAC-SHA512 over the same string is accepted too):
      date \n METHOD \n host \n path \n canonical params
  v5 (HMAC-SHA512): the v2 lines, then \n sha512hex(body) \n sha512hex(X-Duo-* headers: names
      lower-cased and sorted, name\0value\0name\0value...; the X-Duo-Date header may be in it or not)
  canonical params: key and value percent-encoded as UTF-8 (only A-Z a-z 0-9 - . _ ~ left
  unescaped, %XX upper case, space as %20), pairs sorted by encoded key then encoded value
  (byte order), joined `k=v` with `&`. The raw query string must be exactly that string.
  host: the Host header lower-cased, with or without its `:port`.
  --sig-version picks what the server checks (2 by default).

Endpoints (GET):
  /admin/v2/logs/authentication  mintime, maxtime (ms, both required, mintime < maxtime),
      limit (default 100, 1..1000), sort ts:asc | ts:desc (default ts:desc), next_offset as
      `<ms>,<txid>` (or two next_offset values, as duo_client_python sends the list);
      {"stat":"OK","response":{"authlogs":[...],"metadata":{"next_offset":["<ms>","<txid>"] | null,
      "total_objects":N}}}. A maxtime later than now-120 s is recorded as a bad request and events
      of the last 2 minutes are not served (Duo's intentional two-minute delay).
  /admin/v1/logs/administrator   mintime (seconds, optional); at most the 1000 earliest events
      with timestamp >= mintime, ascending: {"stat":"OK","response":[...]}
  /admin/v2/logs/telephony, /admin/v2/logs/activity   mintime, maxtime (ms), limit, sort,
      next_offset "<ms>,<id>"; {"stat":"OK","response":{"items":[...],"metadata":{"next_offset":
      "<ms>,<id>" | null,"total_objects":{"value":N,"relation":"eq"}}}}
Control (no auth): POST /_late {"count": N, "age": S} adds N authentication events at now - S.
Vendor faults: "429duo", "badoffset" (stays queued until a request carries next_offset), "skew".
"""
import base64
import calendar
import email.utils
import hashlib
import hmac
import json
import time
import urllib.parse
import uuid

import lookalike

TIMESTAMP_WINDOW = 300  # seconds of clock difference tolerated in the request date
LOG_DELAY_MS = 120_000  # Duo's intentional two-minute delay
MAX_AGE_MS = 180 * 86400 * 1000
HOSTNAME = "api-lookalike.duosecurity.com"


def fail(code, message, detail=None):
    body = {"stat": "FAIL", "code": code, "message": message}
    if detail is not None:
        body["message_detail"] = detail
    return body


# ---------------------------------------------------------------- signing (also used by tests)

def encode(text):
    return urllib.parse.quote(text.encode("utf-8"), safe="~")


def canon_params(pairs):
    """pairs: [(name, value)] of str, repeats allowed."""
    return "&".join("%s=%s" % pair for pair in sorted((encode(k), encode(v)) for k, v in pairs))


def canon_x_duo_headers(headers):
    """headers: [(name, value)] whose names start with X-Duo- (any case)."""
    lowered = sorted((name.lower(), value) for name, value in headers)
    return hashlib.sha512("\x00".join(part for pair in lowered for part in pair).encode("utf-8")).hexdigest()


def canonical(version, date, method, host, path, params, body=b"", x_duo_headers=()):
    lines = [date, method.upper(), host.lower(), path, params]
    if version == 5:
        lines += [hashlib.sha512(body).hexdigest(), canon_x_duo_headers(x_duo_headers)]
    return "\n".join(lines)


def sign(skey, text, digest):
    return hmac.new(skey.encode("utf-8"), text.encode("utf-8"), digest).hexdigest()


def authorization(ikey, signature):
    return "Basic " + base64.b64encode(("%s:%s" % (ikey, signature)).encode("utf-8")).decode()


def iso(t, fraction=True):
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return base + (".%06d" % (int(round(t * 1e6)) % 1000000) if fraction else "") + "+00:00"


# ---------------------------------------------------------------- events

FACTORS = ["duo_push", "phone_call", "passcode", "sms_passcode", "hardware_token", "not_available", "duo_push", "remembered_device"]
OUTCOMES = [("success", "user_approved"), ("denied", "user_marked_fraud"), ("success", "valid_passcode"),
            ("denied", "deny_unenrolled_user"), ("fraud", "user_marked_fraud"), ("denied", "no_response"),
            ("success", "trusted_network")]
CITIES = [("Ann Arbor", "Michigan", "United States"), ("Berlin", "Berlin", "Germany"), ("Osaka", "Osaka", "Japan")]
ADMIN_ACTIONS = ["admin_login", "user_create", "user_update", "admin_factor_restrictions_update", "integration_create",
                 "bypass_create", "group_update", "phone_delete"]


def make_event(n, event_id, t):
    result, reason = OUTCOMES[n % len(OUTCOMES)]
    city, state, country = CITIES[n % len(CITIES)]
    enrollment = n % 11 == 5
    user = "user%d" % (n % 9)
    return {
        "txid": event_id, "timestamp": int(t), "isotimestamp": iso(t),
        "event_type": "enrollment" if enrollment else "authentication",
        "factor": "not_available" if enrollment else FACTORS[n % len(FACTORS)],
        "result": "success" if enrollment else result, "reason": "" if enrollment else reason,
        "user": {"name": user, "key": "DU%018d" % (n % 9), "groups": ["Staff", "VPN users"][: 1 + n % 2]},
        "alias": "", "email": "%s@example.com" % user,
        "access_device": {"ip": "198.51.100.%d" % (n % 250 + 1), "location": {"city": city, "state": state, "country": country},
                          "browser": "Chrome", "browser_version": "120.0.6099.109", "os": "Mac OS X", "os_version": "14.2",
                          "hostname": None, "epkey": None, "flash_version": "uninstalled", "java_version": "uninstalled",
                          "is_encryption_enabled": "unknown", "is_firewall_enabled": "unknown", "is_password_set": "unknown",
                          "security_agents": "unknown"},
        "auth_device": {"ip": "203.0.113.%d" % (n % 250 + 1), "location": {"city": city, "state": state, "country": country},
                        "name": "+1 734-555-%04d" % (n % 10000), "key": "DP%018d" % (n % 5)},
        "application": {"name": ["Acme VPN", "Microsoft 365", "Jira"][n % 3], "key": "DI%018d" % (n % 3)},
        "ood_software": None, "trusted_endpoint_status": "not trusted",
        "adaptive_trust_assessments": {"more_secure_auth": {"features_version": "3.0", "model_version": "2022.07.19.001",
                                                            "policy_enabled": False, "reason": "Normal level of trust; no detection of known attack pattern",
                                                            "trust_level": "NORMAL"},
                                       "remember_me": {"features_version": "3.0", "model_version": "2022.07.19.001",
                                                       "policy_enabled": False, "reason": "Remembered device", "trust_level": "NORMAL"}},
    }


def make_admin_events(count, span, newest_age):
    now = time.time()
    events = []
    for i in range(count):
        group = i - i % 3  # three events share each timestamp second (boundary dedupe)
        t = int(lookalike.spread_time(now, group, count, span, newest_age))
        action = ADMIN_ACTIONS[i % len(ADMIN_ACTIONS)]
        description = json.dumps({"index": i, "role": "Owner" if i % 4 == 0 else "Help Desk", "email": "user%d@example.com" % i},
                                 sort_keys=True)
        events.append({"action": action, "description": description, "isotimestamp": iso(t, fraction=False),
                       "object": "object-%d" % i, "timestamp": t, "username": "admin%d" % (i % 4), "host": HOSTNAME})
    events.sort(key=lambda e: e["timestamp"])
    return events


def make_telephony(count, span, newest_age):
    now = time.time()
    items = []
    for i in range(count):
        t = round(lookalike.spread_time(now, i, count, span, newest_age), 3)
        items.append({"context": ["authentication", "enrollment", "administrator login"][i % 3], "credits": 1 + i % 2,
                      "phone": "+1734555%04d" % i, "telephony_id": str(uuid.UUID(int=0x7E1E0000 + i)), "ts": iso(t),
                      "txid": str(uuid.UUID(int=0x7E1E8000 + i)), "type": "sms" if i % 2 else "phone"})
    return items


def make_activity(count, span, newest_age):
    now = time.time()
    items = []
    for i in range(count):
        t = round(lookalike.spread_time(now, i, count, span, newest_age), 3)
        items.append({"access_device": {"browser": "Chrome", "browser_version": "120.0", "ip": {"address": "198.51.100.%d" % (i + 1)},
                                        "location": {"city": "Ann Arbor", "country": "United States", "state": "Michigan"},
                                        "os": "Mac OS X", "os_version": "14.2"},
                      "action": ["phone_activation_succeeded", "admin_login", "user_update"][i % 3],
                      "activity_id": str(uuid.UUID(int=0xAC710000 + i)),
                      "actor": {"details": None, "key": "DU%018d" % i, "name": "user%d" % i, "type": "user"},
                      "akey": "DA%018d" % 1,
                      "application": {"key": "DI%018d" % 1, "name": "Acme VPN", "type": "Cisco AnyConnect"},
                      "target": {"details": None, "key": "DP%018d" % i, "name": "phone%d" % i, "type": "phone"},
                      "ts": iso(t)})
    return items


def ms_of_iso(text):
    return int(round(calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + float("0" + text[19:26]) * 1000))


# ---------------------------------------------------------------- the vendor

class Duo:
    def configure(self, arguments, store):
        self.store = store
        self.ikey = arguments.ikey
        self.skey = arguments.skey
        self.denied_ikey = arguments.denied_ikey
        self.version = arguments.sig_version
        self.host_form = arguments.host_form
        self.admin_events = make_admin_events(arguments.admin_events, arguments.span, arguments.newest_age)
        self.telephony = make_telephony(arguments.telephony_events, arguments.span, arguments.newest_age)
        self.activity = make_activity(arguments.activity_events, arguments.span, arguments.newest_age)
        store.stats.update({"admin_events": [json.dumps(e, sort_keys=True) for e in self.admin_events],
                            "telephony_ids": [e["telephony_id"] for e in self.telephony],
                            "activity_ids": [e["activity_id"] for e in self.activity],
                            "signatures": {}, "forbidden_requests": 0})

    def expire_tokens(self):
        pass  # HMAC signing has no token to expire: the "expire" fault serves the request normally

    # -------------------------------------------------------------- authentication

    def reject(self, handler, status, body, reason):
        with self.store.lock:
            self.store.stats["bad_requests"].append(reason)
            self.store.stats["auth_failures"] += 1
        handler.send_json(status, body)
        return False

    def authenticate(self, handler, method, path, query, body):
        """True when the request verifies; otherwise the rejection has been sent."""
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return self.reject(handler, 401, fail(40101, "Missing request credentials"), "missing Authorization: Basic")
        try:
            ikey, _, signature = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except ValueError:
            return self.reject(handler, 401, fail(40101, "Missing request credentials"), "Authorization is not base64 ikey:signature")
        if ikey not in (self.ikey, self.denied_ikey) or not ikey:
            return self.reject(handler, 401, fail(40102, "Invalid integration key in request credentials"), "unknown ikey %r" % ikey)
        date = handler.headers.get("X-Duo-Date") or handler.headers.get("Date")
        if not date:
            return self.reject(handler, 401, fail(40105, "Missing request timestamp"), "no Date or X-Duo-Date header")
        parsed = email.utils.parsedate_tz(date)
        if parsed is None:
            return self.reject(handler, 401, fail(40105, "Bad request timestamp"), "unparsable date %r" % date)
        skew = email.utils.mktime_tz(parsed) - time.time()
        if abs(skew) > TIMESTAMP_WINDOW:
            return self.reject(handler, 401, fail(40105, "Bad request timestamp"), "date %r is %.0f s from server time" % (date, skew))
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        params = canon_params(pairs)
        host = handler.headers.get("Host", "")
        hosts = {host.lower(), host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()}
        if self.host_form == "with-port":
            hosts = {host.lower()}  # a server that signs its Host header as received
        elif self.host_form == "without-port":
            hosts = {host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()}
        x_duo = [(k, v) for k, v in handler.headers.items() if k.lower().startswith("x-duo-")]
        variants = []
        for h in hosts:
            if self.version == 5:
                for headers in (x_duo, [(k, v) for k, v in x_duo if k.lower() != "x-duo-date"]):
                    variants.append(("v5-sha512", canonical(5, date, method, h, path, params, body, headers), hashlib.sha512))
            else:
                text = canonical(2, date, method, h, path, params)
                variants += [("v2-sha1", text, hashlib.sha1), ("v2-sha512", text, hashlib.sha512)]
        matched = next((name for name, text, digest in variants if hmac.compare_digest(sign(self.skey, text, digest), signature)), None)
        if matched is None:
            return self.reject(handler, 401, fail(40103, "Invalid signature in request credentials"),
                               "signature does not verify (v%d): %s %s?%s date=%r host=%r" % (self.version, method, path, query, date, host))
        if query != params:
            return self.reject(handler, 401, fail(40103, "Invalid signature in request credentials"),
                               "query string is not the signed canonical form: %r, expected %r" % (query, params))
        with self.store.lock:
            self.store.stats["signatures"][matched] = self.store.stats["signatures"].get(matched, 0) + 1
        if ikey == self.denied_ikey:
            with self.store.lock:
                self.store.stats["forbidden_requests"] += 1
            handler.send_json(403, fail(40301, "Access forbidden"))
            return False
        return True

    # -------------------------------------------------------------- faults

    def fault(self, handler, name):
        if name == "429duo":
            handler.send_json(429, fail(42901, "Too Many Requests"))
            return True
        if name == "skew":
            handler.send_json(401, fail(40105, "Bad request timestamp"))
            return True
        if name == "badoffset":
            if "next_offset=" in handler.path:
                handler.send_json(400, fail(40002, "Invalid request parameters", "next_offset"))
                return True
            return self.store.requeue(name)  # not consumed: waits for a request that carries next_offset
        raise ValueError("unknown fault %r" % name)

    # -------------------------------------------------------------- requests

    def bad(self, handler, detail, reason):
        with self.store.lock:
            self.store.stats["bad_requests"].append(reason)
        handler.send_json(400, fail(40002, "Invalid request parameters", detail))
        return True

    def handle(self, handler, method, path, query, body):
        routes = {"/admin/v2/logs/authentication": self.authentication, "/admin/v1/logs/administrator": self.administrator,
                  "/admin/v2/logs/telephony": self.telephony_log, "/admin/v2/logs/activity": self.activity_log}
        if path not in routes or method != "GET":
            return False
        self.store.count("data_requests")
        if not self.authenticate(handler, method, path, query, body):
            return True
        if handler.apply_fault():
            return True
        return routes[path](handler, query)

    def v2_window(self, handler, query, allowed):
        """(params, mintime, maxtime, limit, descending, offset_values) or None after a 400."""
        params = {}
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, []).append(value)
        unknown = set(params) - allowed
        if unknown:
            self.bad(handler, ", ".join(sorted(unknown)), "unknown parameters %s in %s" % (sorted(unknown), query))
            return None
        for key in ("mintime", "maxtime"):
            if key not in params or len(params[key]) != 1 or not params[key][0].isdigit() or len(params[key][0]) != 13:
                self.bad(handler, "'%s' must be a timestamp in milliseconds" % key, "%s missing or not 13-digit ms: %s" % (key, query))
                return None
        mintime, maxtime = int(params["mintime"][0]), int(params["maxtime"][0])
        now_ms = int(time.time() * 1000)
        if mintime >= maxtime:
            self.bad(handler, "mintime must be less than maxtime", "mintime >= maxtime: %s" % query)
            return None
        if mintime < now_ms - MAX_AGE_MS:
            self.bad(handler, "mintime must be within the past 180 days", "mintime older than 180 days: %s" % query)
            return None
        if maxtime > now_ms - LOG_DELAY_MS:
            with self.store.lock:  # served (Duo answers), but the client must never ask for the last 2 minutes
                self.store.stats["bad_requests"].append("maxtime %d is within the last 2 minutes (now %d): %s" % (maxtime, now_ms, query))
        limit = params.get("limit", ["100"])
        if len(limit) != 1 or not limit[0].isdigit() or not 1 <= int(limit[0]) <= 1000:
            self.bad(handler, "limit", "bad limit: %s" % query)
            return None
        sort = params.get("sort", ["ts:desc"])
        if len(sort) != 1 or sort[0] not in ("ts:asc", "ts:desc"):
            self.bad(handler, "sort", "bad sort: %s" % query)
            return None
        visible_max = min(maxtime, now_ms - LOG_DELAY_MS)
        return params, mintime, visible_max, int(limit[0]), sort[0] == "ts:desc", params.get("next_offset")

    def page(self, keyed, mintime, maxtime, limit, descending, offset):
        """keyed: [((ms, id), item)] unsorted. Returns (page, more, total)."""
        rows = sorted((row for row in keyed if mintime <= row[0][0] <= maxtime), key=lambda row: row[0], reverse=descending)
        total = len(rows)
        if offset is not None:
            rows = [row for row in rows if (row[0] < offset if descending else row[0] > offset)]
        return rows[:limit], len(rows) > limit, total

    def authentication(self, handler, query):
        allowed = {"mintime", "maxtime", "limit", "sort", "next_offset", "users", "groups", "applications", "results", "reasons",
                   "factors", "event_types", "assessment", "detections", "account_id"}
        window = self.v2_window(handler, query, allowed)
        if window is None:
            return True
        _, mintime, maxtime, limit, descending, offset_values = window
        offset = None
        if offset_values is not None:
            parts = offset_values[0].split(",") if len(offset_values) == 1 else list(offset_values)
            stamps = [p for p in parts if p.isdigit() and len(p) == 13]
            others = [p for p in parts if p not in stamps]
            if len(parts) != 2 or len(stamps) != 1 or len(others) != 1:
                return self.bad(handler, "next_offset", "bad next_offset %r" % offset_values)
            offset = (int(stamps[0]), others[0])
        with self.store.lock:
            keyed = [((int(round(t * 1000)), event_id), event) for t, event_id, event in self.store.events]
        rows, more, total = self.page(keyed, mintime, maxtime, limit, descending, offset)
        next_offset = [str(rows[-1][0][0]), rows[-1][0][1]] if more else None
        handler.page_delay()
        handler.send_json(200, {"stat": "OK", "response": {"authlogs": [row[1] for row in rows],
                                                           "metadata": {"next_offset": next_offset, "total_objects": total}}})
        return True

    def administrator(self, handler, query):
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        unknown = set(params) - {"mintime", "account_id"}
        mintime = params.get("mintime", ["0"])
        if unknown or len(mintime) != 1 or not mintime[0].isdigit():
            return self.bad(handler, "mintime", "bad administrator log query %r" % query)
        if len(mintime[0]) > 11:
            return self.bad(handler, "mintime", "administrator log mintime looks like milliseconds: %r" % query)
        events = [e for e in self.admin_events if e["timestamp"] >= int(mintime[0])][:1000]
        handler.page_delay()
        handler.send_json(200, {"stat": "OK", "response": events})
        return True

    def items_log(self, handler, query, items, id_field):
        allowed = {"mintime", "maxtime", "limit", "sort", "next_offset", "account_id", "filters"}
        window = self.v2_window(handler, query, allowed)
        if window is None:
            return True
        _, mintime, maxtime, limit, descending, offset_values = window
        offset = None
        if offset_values is not None:
            parts = offset_values[0].split(",") if len(offset_values) == 1 else []
            if len(parts) != 2 or not parts[0].isdigit():
                return self.bad(handler, "next_offset", "bad next_offset %r" % offset_values)
            offset = (int(parts[0]), parts[1])
        keyed = [((ms_of_iso(item["ts"]), item[id_field]), item) for item in items]
        rows, more, total = self.page(keyed, mintime, maxtime, limit, descending, offset)
        next_offset = "%d,%s" % rows[-1][0] if more else None
        handler.page_delay()
        handler.send_json(200, {"stat": "OK", "response": {"items": [row[1] for row in rows],
                                                           "metadata": {"next_offset": next_offset,
                                                                        "total_objects": {"value": total, "relation": "eq"}}}})
        return True

    def telephony_log(self, handler, query):
        return self.items_log(handler, query, self.telephony, "telephony_id")

    def activity_log(self, handler, query):
        return self.items_log(handler, query, self.activity, "activity_id")


if __name__ == "__main__":
    lookalike.serve(Duo(), make_event, [
        lambda p: p.add_argument("--ikey", required=True),
        lambda p: p.add_argument("--skey", required=True),
        lambda p: p.add_argument("--sig-version", type=int, choices=(2, 5), default=2),
        lambda p: p.add_argument("--denied-ikey", default="", help="authenticates with --skey but lacks Grant read log: 403"),
        lambda p: p.add_argument("--admin-events", type=int, default=0),
        lambda p: p.add_argument("--host-form", choices=("either", "with-port", "without-port"), default="either",
                                 help="which signed host is accepted: the Host header as received, without its port, or either"),
        lambda p: p.add_argument("--telephony-events", type=int, default=5),
        lambda p: p.add_argument("--activity-events", type=int, default=5),
    ])
