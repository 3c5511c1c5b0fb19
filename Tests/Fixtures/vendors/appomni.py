"""AppOmni audit log look-alike: GET /api/v1/core/auditlogs/ (the unslashed path is served too)
with a static `Authorization: Bearer <token>` (Settings > API Settings). A Django REST Framework
list: filters `since` (inclusive) / `before` (exclusive) on `action_at`, `limit`/`offset`
pagination answering {"count", "next", "previous", "results"} where `next`/`previous` are absolute
URLs (DRF's replace_query_param: every query parameter kept, sorted, limit and offset replaced).
Newest first by default, as AppOmni's published example is; `ordering=action_at` (ascending) and
`ordering=-action_at` are honoured, any other ordering value is ignored as DRF's OrderingFilter
does. Unknown query parameters are ignored (django-filter) and listed in /_stats "ignored_params".
Every answer carries AppOmni's `X-RateLimit: <used>/<limit>` header.

Records follow AppOmni's published API example (`identifier`, `action_at` ending in Z); with
`--record-style sink` they follow the event-sink/EMM shape instead (`log_id`, `org_id`,
`omnitab_user_id`, `action_data.md_kind`, `action_at` ending in +00:00). /_stats ids are those UUIDs.

Errors (DRF envelopes): no Authorization -> 401 {"detail": "Authentication credentials were not
provided."}; wrong token -> 401 {"detail": "Invalid token."}; --denied-token -> 403 {"detail": "You do
not have permission to perform this action."}; a bad datetime -> 400 {"since": ["Enter a valid
date/time."]}; offset past the end -> 200 with empty results (DRF LimitOffsetPagination).

Options: --time-param since|action_at|created selects the filter pair (since/before,
action_at__gte/action_at__lt, created__gte/created__lt); --page-style cursor switches to DRF
CursorPagination ({"next", "previous", "results"}, opaque `cursor`, no count); --record-style
api|sink; --default-order desc|asc; --ignore-ordering; --max-limit (silent clamp, default 500);
--default-limit (50); --null-next-string (the last page says "next": "null" as AppOmni's example does).

Vendor faults: "badcursor" waits for a request carrying offset>0 or a cursor and answers it 404
{"detail": "Invalid page."} ({"detail": "Invalid cursor"} in cursor style); "throttle" answers 429
{"detail": "Request was throttled. Expected available in 7 seconds."} with Retry-After: 7. The shared
"expire" fault makes the static token invalid: that request and every later one is 401 "Invalid token.".
/_stats adds "ignored_params", "orderings", "ignored_orderings", "unslashed_requests", "clamped_limits".

Command line: appomni.py --events N --span S [--newest-age A] --token T [--denied-token D]
                         [--page-delay s] [--time-param NAME] [--page-style offset|cursor] ...
"""
import base64
import calendar
import datetime
import re
import urllib.parse

import lookalike

PATHS = ("/api/v1/core/auditlogs/", "/api/v1/core/auditlogs")
TIME_PARAMS = {"since": ("since", "before"), "action_at": ("action_at__gte", "action_at__lt"),
               "created": ("created__gte", "created__lt")}
# Filters the documented endpoint accepts besides the time pair (ignored here, but not "unknown").
KNOWN_FILTERS = {"monitored_service", "monitored_service__in", "user", "user__in", "policy", "policy__in",
                 "action_type", "action_type__in", "ordering", "limit", "offset", "cursor", "format"}
RATE_LIMIT = 2000
DATETIME_ERROR = "Enter a valid date/time."
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?"
                 r"\s*(Z|[+-]\d{2}:?\d{2})?$")

# action_data keys of AppOmni's published API example (Postman "Get audit logs").
API_DATA_KEYS = [
    "rule_id", "rule_name", "ruleexception_id", "ruleevent_id", "message", "expiration", "instance_id", "assignee_id",
    "assignee_username", "policy_id", "policy_name", "exception_data", "policy_assessment_id",
    "policy_assessment_completion_date", "workflow_instance_id", "workflow_instance_name", "platform_ingest_job_id",
    "file_id", "third_party_application_id", "third_party_application_name", "oauth_application_id",
    "refresh_token_id", "access_token_id", "external_entity_id", "group_id", "group_name", "tag_id", "tag_name",
    "type_str", "reason_str", "detail_str", "error_str", "user_ip", "user_agent", "unified_identity_id",
    "unified_identity_email", "target_user_id", "target_user_username", "user_username", "setting_name", "old_value",
    "new_value", "scim_mapping_id", "scim_attribute", "scim_attribute_value", "scim_group_targets", "sink_id",
    "sink_name", "detection_rule_id", "detection_rule_name", "detection_ruleset_id", "detection_ruleset_name",
    "detection_alert_id", "detection_alert_count", "destination_id", "destination_name", "destination_hash",
    "destination_type", "external_connection_id", "external_connection_name", "external_connection_provider_type",
    "external_connection_auth_type", "eventsource_id", "eventsource_name", "eventsource_type", "eventsource_dataset",
    "investigation_id", "investigation_subject", "element_list_id", "element_id", "element_type",
    "global_value_list_collection_id", "email_addresses", "email_identifier", "email_reason", "insight_name",
    "thread_name", "occurrence_name", "insight_id", "thread_id", "occurrence_id"]
# action_data keys of the event-sink samples (Tests/NormalizersTests/Fixtures/emm/appomni.auditlogs.jsonl).
SINK_DATA_KEYS = [
    "access_token_id", "detail_str", "detection_alert_id", "detection_rule_id", "detection_rule_name",
    "detection_ruleset_id", "detection_ruleset_name", "element_id", "element_list_id", "element_type",
    "email_addresses", "email_identifier", "email_reason", "error_str", "external_entity_id", "file_id",
    "global_value_list_collection_id", "group_id", "group_name", "md_kind", "md_version", "new_value",
    "oauth_application_id", "old_value", "platform_ingest_job_id", "policy_assessment_completion_date",
    "policy_assessment_id", "policy_id", "policy_name", "reason_str", "refresh_token_id", "rule_id", "ruleevent_id",
    "ruleexception_id", "setting_name", "sink_id", "sink_name", "tag_id", "tag_name", "target_user_id",
    "target_user_username", "third_party_application_id", "third_party_application_name", "type_str",
    "unified_identity_email", "unified_identity_id", "user_agent", "user_ip", "user_username", "workflow_instance_id",
    "workflow_instance_name"]

AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36"
USERS = ["jane@example.com", "mallory@example.com", "bob@example.com", "john@example.com"]


class BadDate(ValueError):
    pass


def parse_datetime(text):
    """Django's DateTimeField input (ISO 8601, optional fraction, Z/+hh:mm; naive means UTC) in microseconds."""
    match = ISO.match(text.strip())
    if not match:
        raise BadDate(text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                   int((fraction or "0").ljust(6, "0")), tzinfo=datetime.timezone.utc)
    except ValueError:
        raise BadDate(text)
    seconds = calendar.timegm(moment.utctimetuple())
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * 1000000 + moment.microsecond


def micros(t):
    """An event time in whole microseconds, exactly as its action_at text shows it."""
    return int(t) * 1000000 + int(round((t % 1) * 1e6)) % 1000000


def timestamp(t, sink):
    text = lookalike.rfc3339(t)
    return text[:-1] + "+00:00" if sink else text


def make_event(n, event_id, t):
    """Style-neutral facts of one audit record; AppOmni.render shapes them per --record-style."""
    kind = n % 11
    user = USERS[n % len(USERS)]
    ip = "198.51.100.%d" % (1 + n % 5)
    top = {"user_id": 3187, "service_id": None, "service_type": None, "service_name": None, "policy_id": None,
           "perspective_id": None, "perspective_name": None}
    data = {"user_agent": AGENT, "user_ip": ip, "user_username": user}
    if kind == 0:
        action = "user_login_failed"
        top["user_id"] = None
        data["user_username"] = "pmcandrew+test%d" % n
    elif kind == 1:
        action = "user_mfa_disabled"
        top["user_id"] = 12893
        data.update(user_username="pmcandrew_test10", target_user_id=12893, target_user_username="pmcandrew_test10",
                    new_value="+1 856-981-2588")
    elif kind == 2:
        action = "ao_sys_setting_change"
        data.update(setting_name="Direct Auth Enabled", old_value="False", new_value="True")
    elif kind == 3:
        action = "user_created"
        data.update(target_user_id=13000 + n, target_user_username="user%d@example.com" % n)
    elif kind == 4:
        action = "ms_detection_ingestion_disabled"
        top.update(service_id=35781, service_name="AppOmni", service_type="box")
        data = {"user_username": user}
    elif kind == 5:
        action = "policy_created"
        top.update(policy_id=442431 + n, service_type="box")
        data.update(policy_id=442431 + n, policy_name="EMM Test Policy %d" % n)
    elif kind == 6:
        action = "user_logout"
    elif kind == 7:
        action = "user_disabled"
        data.update(target_user_id=12893, target_user_username="pmcandrew_test10")
    elif kind == 8:
        action = "user_login_google"
    elif kind == 9:
        action = "policy_scan_ended"
        top.update(user_id=None, policy_id=311371)
        data = {"policy_id": 311371, "policy_name": "LP1", "detail_str": "Completion Status: Success"}
    else:
        action = "user_login_saml"
        top["user_id"] = 21
        data["user_username"] = "John Doe"
    return {"id": event_id, "action_type": action, "top": top, "data": data}


class AppOmni:
    def configure(self, arguments, store):
        self.token = arguments.token
        self.denied_token = arguments.denied_token
        self.store = store
        self.expired = False
        self.since_name, self.before_name = TIME_PARAMS[arguments.time_param]
        self.cursor_style = arguments.page_style == "cursor"
        self.sink = arguments.record_style == "sink"
        self.default_desc = arguments.default_order == "desc"
        self.ignore_ordering = arguments.ignore_ordering
        self.max_limit = arguments.max_limit
        self.default_limit = arguments.default_limit
        self.null_next_string = arguments.null_next_string
        with store.lock:
            store.stats.update({"ignored_params": [], "ignored_orderings": [], "unslashed_requests": 0,
                                "clamped_limits": 0, "orderings": []})

    def expire_tokens(self):
        self.expired = True  # a static API token cannot be renewed: every later request is 401

    # ------------------------------------------------------------------ rendering

    def render(self, t, event):
        if self.sink:
            data = {key: None for key in SINK_DATA_KEYS}
            data.update(md_kind="core.aoaudit.auditdata", md_version=1)
            data.update({k: v for k, v in event["data"].items() if k in data})
            top = event["top"]
            record = {"action_at": timestamp(t, True), "action_data": data, "action_type": event["action_type"],
                      "log_id": event["id"], "omnitab_user_id": None, "org_id": 176}
            record.update({k: top[k] for k in ("perspective_id", "perspective_name", "policy_id", "service_id",
                                               "service_name")})
            record["service_type"] = top["service_type"] or "None"
            record["user_id"] = top["user_id"]
            return record
        data = {key: None for key in API_DATA_KEYS}
        data.update(event["data"])
        top = event["top"]
        return {"identifier": event["id"], "user_id": top["user_id"], "action_at": timestamp(t, False),
                "action_type": event["action_type"], "service_id": top["service_id"],
                "service_type": top["service_type"], "service_name": top["service_name"], "policy_id": top["policy_id"],
                "perspective_id": top["perspective_id"], "perspective_name": top["perspective_name"],
                "action_data": data}

    # ------------------------------------------------------------------ faults

    def fault(self, handler, name):
        if name == "throttle":
            handler.send_json(429, {"detail": "Request was throttled. Expected available in 7 seconds."},
                              {"Retry-After": "7"})
            return True
        if name == "badcursor":
            params = getattr(handler, "appomni_params", {})
            paging = params.get("cursor") if self.cursor_style else self.positive(params.get("offset"), strict=False, default=0)
            if paging:
                handler.send_json(404, {"detail": "Invalid cursor" if self.cursor_style else "Invalid page."},
                                  self.rate_header())
                return True
            return self.store.requeue(name)  # not consumed: waits for a request that carries offset>0 or a cursor
        raise ValueError("unknown fault %r" % name)

    # ------------------------------------------------------------------ requests

    def rate_header(self):
        with self.store.lock:
            used = self.store.stats["data_requests"]
        return {"X-RateLimit": "%d/%d" % (used, RATE_LIMIT)}

    @staticmethod
    def positive(text, strict, default, cutoff=None):
        """DRF's _positive_int: an invalid (or, when strict, zero) value falls back to the default."""
        try:
            value = int(text)
            if value < 0 or (strict and value == 0):
                raise ValueError
        except (TypeError, ValueError):
            return default
        return min(value, cutoff) if cutoff else value

    def handle(self, handler, method, path, query, body):
        if path not in PATHS:
            return False
        if method != "GET":
            handler.send_json(405, {"detail": 'Method "%s" not allowed.' % method})
            return True
        self.store.count("data_requests")
        if path != PATHS[0]:
            self.store.count("unslashed_requests")
        rate = self.rate_header()
        authorization = handler.headers.get("Authorization")
        if not authorization:
            self.store.count("auth_failures")
            handler.send_json(401, {"detail": "Authentication credentials were not provided."},
                              dict(rate, **{"WWW-Authenticate": 'Bearer realm="api"'}))
            return True
        if self.denied_token and authorization == "Bearer " + self.denied_token:
            self.store.count("auth_failures")
            handler.send_json(403, {"detail": "You do not have permission to perform this action."}, rate)
            return True
        if authorization != "Bearer " + self.token or self.expired:
            self.store.count("auth_failures")
            handler.send_json(401, {"detail": "Invalid token."}, dict(rate, **{"WWW-Authenticate": 'Bearer realm="api"'}))
            return True
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        handler.appomni_params = params
        if handler.apply_fault():
            return True
        if self.expired:  # the "expire" fault: this very request is already refused
            self.store.count("auth_failures")
            handler.send_json(401, {"detail": "Invalid token."}, dict(rate, **{"WWW-Authenticate": 'Bearer realm="api"'}))
            return True

        known = KNOWN_FILTERS | {self.since_name, self.before_name}
        with self.store.lock:
            for name in params:
                if name not in known and name not in self.store.stats["ignored_params"]:
                    self.store.stats["ignored_params"].append(name)
        bounds = []
        for name in (self.since_name, self.before_name):
            value = params.get(name)
            if value is None or value == "":
                bounds.append(None)
                continue
            try:
                bounds.append(parse_datetime(value))
            except BadDate:
                self.store.bad_request("%s=%r is not a date/time" % (name, value))
                handler.send_json(400, {name: [DATETIME_ERROR]}, rate)
                return True
        start = bounds[0] if bounds[0] is not None else float("-inf")
        end = bounds[1] if bounds[1] is not None else float("inf")

        descending = self.default_desc
        ordering = params.get("ordering")
        if ordering is not None:
            with self.store.lock:
                if ordering not in self.store.stats["orderings"]:
                    self.store.stats["orderings"].append(ordering)
            fields = [f.strip() for f in ordering.split(",") if f.strip()]
            valid = [f for f in fields if f.lstrip("-") == "action_at"]
            if valid and not self.ignore_ordering:
                descending = valid[0].startswith("-")
            elif not valid:
                with self.store.lock:
                    if ordering not in self.store.stats["ignored_orderings"]:
                        self.store.stats["ignored_orderings"].append(ordering)

        with self.store.lock:
            events = [e for e in self.store.events if start <= micros(e[0]) < end]
        events.sort(key=lambda e: (e[0], e[1]), reverse=descending)

        requested = params.get("limit")
        limit = self.positive(requested, strict=True, default=self.default_limit, cutoff=self.max_limit)
        if requested is not None and self.positive(requested, strict=True, default=None) not in (None, limit):
            self.store.count("clamped_limits")

        base = "%s%s" % (handler.base_url(), path)
        if self.cursor_style:
            return self.cursor_page(handler, base, pairs, params, events, limit, descending, rate)

        offset = self.positive(params.get("offset"), strict=False, default=0)
        count = len(events)
        page = events[offset:offset + limit]
        next_url = None
        if offset + limit < count:
            next_url = self.link(base, pairs, {"limit": str(limit), "offset": str(offset + limit)})
        previous_url = None
        if offset > 0:
            if offset - limit <= 0:
                previous_url = self.link(base, pairs, {"limit": str(limit)}, drop=("offset",))
            else:
                previous_url = self.link(base, pairs, {"limit": str(limit), "offset": str(offset - limit)})
        if next_url is None and self.null_next_string:
            next_url = "null"
        handler.page_delay()
        handler.send_json(200, {"count": count, "next": next_url, "previous": previous_url,
                                "results": [self.render(e[0], e[2]) for e in page]}, rate)
        return True

    @staticmethod
    def link(base, pairs, replace, drop=()):
        """DRF replace_query_param/remove_query_param: keys sorted, the given ones replaced."""
        query = {}
        for key, value in pairs:
            query.setdefault(key, []).append(value)
        for key in drop:
            query.pop(key, None)
        for key, value in replace.items():
            query[key] = [value]
        return base + "?" + urllib.parse.urlencode(sorted(query.items()), doseq=True)

    def cursor_page(self, handler, base, pairs, params, events, limit, descending, rate):
        """DRF CursorPagination: an opaque base64 cursor naming the last position served."""
        cursor = params.get("cursor")
        position = None
        if cursor:
            try:
                decoded = dict(urllib.parse.parse_qsl(base64.b64decode(cursor.encode(), validate=True).decode()))
                position = (float(decoded["p"]), decoded["i"])
            except Exception:
                self.store.bad_request("undecodable cursor %r" % cursor)
                handler.send_json(404, {"detail": "Invalid cursor"}, rate)
                return True
        if position is not None:
            if descending:
                events = [e for e in events if (e[0], e[1]) < position]
            else:
                events = [e for e in events if (e[0], e[1]) > position]
        page = events[:limit]
        next_url = None
        if len(events) > limit:
            last = page[-1]
            token = base64.b64encode(urllib.parse.urlencode({"p": repr(last[0]), "i": last[1]}).encode()).decode()
            next_url = self.link(base, pairs, {"cursor": token})
        if next_url is None and self.null_next_string:
            next_url = "null"
        handler.page_delay()
        handler.send_json(200, {"next": next_url, "previous": None,
                                "results": [self.render(e[0], e[2]) for e in page]}, rate)
        return True


def arguments(parser):
    parser.add_argument("--token", required=True)
    parser.add_argument("--denied-token")
    parser.add_argument("--time-param", choices=sorted(TIME_PARAMS), default="since")
    parser.add_argument("--page-style", choices=["offset", "cursor"], default="offset")
    parser.add_argument("--record-style", choices=["api", "sink"], default="api")
    parser.add_argument("--default-order", choices=["desc", "asc"], default="desc")
    parser.add_argument("--ignore-ordering", action="store_true")
    parser.add_argument("--max-limit", type=int, default=500)
    parser.add_argument("--default-limit", type=int, default=50)
    parser.add_argument("--null-next-string", action="store_true")


if __name__ == "__main__":
    lookalike.serve(AppOmni(), make_event, [arguments])
