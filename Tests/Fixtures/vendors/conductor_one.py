"""ConductorOne look-alike: POST /auth/v1/token (form; client_credentials with an EdDSA JWT
client assertion, verified with the client's Ed25519 public key), then
POST /api/v1/systemlog/events {pageSize, pageToken, since, until} -> {list, nextPageToken}."""
import base64
import json
import secrets
import time
import urllib.parse

import ed25519_verify
import lookalike


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConductorOne:
    def configure(self, arguments, store):
        self.client_id = arguments.client_id
        self.public_key = b64url_decode(arguments.public_key)
        self.store = store
        self.tokens = set()
        self.used_jti = set()

    def expire_tokens(self):
        self.tokens.clear()

    def check_assertion(self, form):
        """The reason the assertion is rejected, or None."""
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id:
            return "bad grant or client_id"
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "bad assertion type"
        parts = form.get("client_assertion", "").split(".")
        if len(parts) != 3:
            return "assertion is not a JWS"
        header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
        if header.get("alg") != "EdDSA" or not header.get("nonce"):
            return "bad header"
        if not ed25519_verify.verify(self.public_key, (parts[0] + "." + parts[1]).encode(), b64url_decode(parts[2])):
            return "bad signature"
        now = time.time()
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id or claims.get("aud") != "127.0.0.1":
            return "bad iss/sub/aud"
        if not (claims.get("nbf", now + 1) <= now + 5 and claims.get("exp", 0) >= now - 5 and claims.get("exp", 0) - now <= 300):
            return "bad validity"
        if claims.get("jti") in self.used_jti:
            return "replayed assertion"
        self.used_jti.add(claims.get("jti"))
        return None

    def handle(self, handler, method, path, query, body):
        if path == "/auth/v1/token" and method == "POST":
            self.store.count("token_requests")
            if handler.headers.get("Authorization"):
                handler.send_json(400, {"error": "invalid_request", "error_description": "credentials go in the body"})
                return True
            form = dict(urllib.parse.parse_qsl(body.decode()))
            reason = self.check_assertion(form)
            if reason:
                self.store.stats["bad_requests"].append(reason)
                handler.send_json(401, {"error": "invalid_client", "error_description": reason})
                return True
            token = "c1-at-" + secrets.token_hex(16)
            self.tokens.add(token)
            handler.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
            return True
        if path != "/api/v1/systemlog/events" or method != "POST":
            return False
        self.store.count("data_requests")
        if self.store.faults[:1] == ["expire"]:
            handler.apply_fault()
        authorization = handler.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            self.store.count("auth_failures")
            handler.send_json(401, {"code": 16, "message": "unauthenticated"})
            return True
        if handler.apply_fault():
            return True
        request = json.loads(body or b"{}")
        size = int(request.get("pageSize", 100))
        if size > 100 or request.get("sortDirection") != "SORT_DIRECTION_ASC":
            self.store.stats["bad_requests"].append(json.dumps(request))
            handler.send_json(400, {"code": 3, "message": "bad page size or sort"})
            return True
        events = self.store.window(lookalike.parse_rfc3339(request["since"]), lookalike.parse_rfc3339(request["until"]))
        start = int(base64.urlsafe_b64decode(request["pageToken"]).decode()) if request.get("pageToken") else 0
        page = events[start:start + size]
        next_token = base64.urlsafe_b64encode(str(start + size).encode()).decode() if start + size < len(events) else ""
        handler.send_json(200, {"list": [e[2] for e in page], "nextPageToken": next_token})
        return True


def make_event(n, event_id, t):
    return {"activity_id": 1 + n % 4, "activity_name": "Create", "category_uid": 6, "class_uid": 6003, "class_name": "API Activity",
            "type_uid": 600301, "severity_id": 1, "status": "Success", "status_id": 1, "time": int(t * 1000),
            "metadata": {"uid": event_id, "version": "1.1.0", "product": {"name": "ConductorOne"}},
            "actor": {"user": {"uid": "u-%d" % (n % 3), "email_addr": "admin%d@example.com" % (n % 3), "type": "User"}},
            "api": {"operation": "c1.api.app.v1.Apps/Update", "response": {"code": 200}},
            "http_request": {"http_method": "POST", "url": {"path": "/api/v1/apps"}, "user_agent": "Mozilla/5.0"},
            "src_endpoint": {"ip": "198.51.100.%d" % (n % 250 + 1)}}


if __name__ == "__main__":
    lookalike.serve(ConductorOne(), make_event, [
        lambda p: p.add_argument("--client-id", required=True),
        lambda p: p.add_argument("--public-key", required=True, help="base64url Ed25519 public key"),
    ])
