"""Endor Labs look-alike: POST /v1/auth/api-key {"key","secret"} -> {"token"}, then
GET /v1/namespaces/{ns}/audit-logs with list_parameters.filter on meta.create_time, sort.path/order,
page_size and page_id (uuid of the last object) / page_token; next_page_id in list.response."""
import re
import secrets
import urllib.parse
import json

import lookalike

FILTER = re.compile(r"^meta\.create_time >= date\((.+?)\) and meta\.create_time < date\((.+?)\)$")


class EndorLabs:
    def configure(self, arguments, store):
        self.key, self.secret, self.namespace = arguments.key, arguments.secret, arguments.namespace
        self.store = store
        self.tokens = set()

    def expire_tokens(self):
        self.tokens.clear()

    def handle(self, handler, method, path, query, body):
        if path == "/v1/auth/api-key" and method == "POST":
            self.store.count("token_requests")
            request = json.loads(body or b"{}")
            if request.get("key") != self.key or request.get("secret") != self.secret:
                handler.send_json(401, {"code": 16, "message": "invalid api key"})
                return True
            token = "endr-session-" + secrets.token_hex(12)
            self.tokens.add(token)
            handler.send_json(200, {"token": token})
            return True
        if path != "/v1/namespaces/%s/audit-logs" % self.namespace or method != "GET":
            return False
        self.store.count("data_requests")
        fault_first = self.store.faults[:1] == ["expire"]
        if fault_first:
            handler.apply_fault()
        authorization = handler.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            self.store.count("auth_failures")
            handler.send_json(401, {"code": 16, "message": "unauthenticated"})
            return True
        if handler.apply_fault():
            return True
        params = dict(urllib.parse.parse_qsl(query))
        match = FILTER.match(params.get("list_parameters.filter", ""))
        if not match or params.get("list_parameters.sort.path") != "meta.create_time" or params.get("list_parameters.sort.order") != "SORT_ENTRY_ORDER_ASC":
            self.store.stats["bad_requests"].append(query)
            handler.send_json(400, {"code": 3, "message": "bad list parameters"})
            return True
        events = self.store.window(lookalike.parse_rfc3339(match.group(1)), lookalike.parse_rfc3339(match.group(2)))
        size = int(params.get("list_parameters.page_size", "100"))
        start = 0
        if "list_parameters.page_id" in params:
            ids = [e[1] for e in events]
            start = ids.index(params["list_parameters.page_id"]) + 1 if params["list_parameters.page_id"] in ids else len(ids)
        elif "list_parameters.page_token" in params:
            start = int(params["list_parameters.page_token"])
        page = events[start:start + size]
        response = {}
        if start + size < len(events) and page:
            # Alternate the two styles so the client must handle both.
            if (start // size) % 2 == 0:
                response["next_page_id"] = page[-1][1]
            else:
                response["next_page_token"] = start + size
        handler.send_json(200, {"list": {"objects": [e[2] for e in page], "response": response}})
        return True


def make_event(n, event_id, t):
    return {"uuid": event_id, "tenant_meta": {"namespace": "acme"},
            "meta": {"create_time": lookalike.rfc3339(t), "name": "audit", "kind": "AuditLog", "created_by": "user-%d@x509" % (n % 5)},
            "spec": {"operation": "OPERATION_UPDATE", "claims": ["email=user%d@example.com" % (n % 5)], "remote_address": "203.0.113.%d" % (n % 250 + 1),
                     "message_kind": "Project", "message_uuid": "m-%d" % n}}


if __name__ == "__main__":
    lookalike.serve(EndorLabs(), make_event, [
        lambda p: p.add_argument("--key", required=True),
        lambda p: p.add_argument("--secret", required=True),
        lambda p: p.add_argument("--namespace", required=True),
    ])
