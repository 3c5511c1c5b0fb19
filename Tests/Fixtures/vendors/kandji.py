"""Kandji look-alike: GET /api/v1/audit/events with a static Bearer token, `limit` (max 500),
`start_date`/`end_date`, `sort_by=occurred_at`, and `next` as a full URL carrying a cursor."""
import base64
import json
import urllib.parse

import lookalike


class Kandji:
    def configure(self, arguments, store):
        self.token = arguments.token
        self.store = store
        self.expired = False
        self.scheme = "https" if arguments.tls else "http"

    def expire_tokens(self):
        self.expired = True  # a static token cannot be renewed: every later request is 401

    def handle(self, handler, method, path, query, body):
        if path != "/api/v1/audit/events" or method != "GET":
            return False
        self.store.count("data_requests")
        if handler.headers.get("Authorization") != "Bearer " + self.token or self.expired:
            self.store.count("auth_failures")
            handler.send_json(401, {"detail": "Invalid token."})
            return True
        if handler.apply_fault():
            return True
        params = dict(urllib.parse.parse_qsl(query))
        limit = int(params.get("limit", "300"))
        if limit > 500 or params.get("sort_by") != "occurred_at":
            self.store.stats["bad_requests"].append(query)
            handler.send_json(400, {"detail": "bad limit or sort"})
            return True
        start = lookalike.parse_rfc3339(params["start_date"])
        end = lookalike.parse_rfc3339(params["end_date"])
        offset = int(base64.urlsafe_b64decode(params["cursor"]).decode()) if "cursor" in params else 0
        events = self.store.window(start, end)
        page = events[offset:offset + limit]
        next_url = None
        if offset + limit < len(events):
            next_params = dict(params)
            next_params["cursor"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
            next_url = "%s://%s%s?%s" % (self.scheme, handler.headers.get("Host"), path, urllib.parse.urlencode(next_params))
        handler.send_json(200, {"next": next_url, "previous": None, "results": [e[2] for e in page]})
        return True


def make_event(n, event_id, t):
    return {"id": event_id, "action": "device_lock" if n % 2 else "blueprint_update", "occurred_at": lookalike.rfc3339(t),
            "actor_id": "user-%d" % (n % 7), "actor_type": "user", "target_id": "dev-%d" % n, "target_type": "device",
            "target_component": "Devices", "new_state": {"locked": True}, "metadata": {"n": n}}


if __name__ == "__main__":
    lookalike.serve(Kandji(), make_event, [lambda p: p.add_argument("--token", required=True)])
