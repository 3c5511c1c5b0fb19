"""Okta System Log look-alike: GET /api/v1/logs with `Authorization: SSWS <token>` or an OAuth
access token (`POST /oauth2/v1/token`, client_credentials with an RS256 private_key_jwt client
assertion, scope okta.logs.read, then `Authorization: Bearer <token>`).

Polling requests (no `until`) filter `since` on persistence time and always answer two Link
headers, rel="self" and rel="next" (next == self on an empty page); the `after` cursor is a
persistence position. Bounded requests (`until` given) filter on `published` and drop the next
link after the last page. Every /api/v1/logs answer carries X-Rate-Limit-Limit/-Remaining/-Reset
(a 60 s window; 429 E0000047 past the limit).

Vendor extras:
  POST /_late {"count": N, "age": S}   appends N events published S seconds ago but persisted now
                                       (they sort after everything a cursor has already passed)
  faults "429okta" (429 E0000047, remaining 0, reset now+3), "badcursor" (a request carrying
  `after` is answered 400 as an invalid cursor), "expire" (OAuth access tokens become invalid;
  SSWS tokens stay valid).

Command line: okta.py --events N --span S [--newest-age A] [--token T] [--token-prefix P] [--denied-token D]
                      [--client-id C --public-key-pem FILE] [--rate-limit L] [--page-delay s]
                      [--client-ips A,B,...] (client.ipAddress and the first ipChain entry)
"""
import base64
import bisect
import datetime
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
import urllib.parse

import lookalike

SCOPE = "okta.logs.read"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/oauth2/v1/token"
LOGS_PATH = "/api/v1/logs"
LIMIT_ERROR = "must be an integer between 0 and 1000"
DATE_ERROR = "The date format in your query is not recognized. Please enter dates using ISO8601 string format."
CURSOR_ERROR = "The cursor is invalid or has expired."  # Okta's own wording for this case is not documented
KNOWN_PARAMETERS = {"since", "until", "after", "limit", "sortOrder", "filter", "q"}
ERROR_SUMMARIES = {
    "E0000001": "Api validation failed: {0}",
    "E0000006": "You do not have permission to perform the requested action",
    "E0000011": "Invalid token provided",
    "E0000022": "The endpoint does not support the provided HTTP method",
    "E0000047": "API call exceeded rate limit due to too many requests.",
}


class HeaderList(list):
    """(name, value) pairs that lookalike.Handler.send_json can take in place of a dict, so the
    same header name (Link) can be sent twice."""

    def items(self):
        return iter(self)


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- RSA public key (PEM SubjectPublicKeyInfo or PKCS#1) and RS256 verification, standard library only.

def _der_read(data, position):
    """One DER TLV at `position`: (tag, value bytes, position after it)."""
    tag = data[position]
    length = data[position + 1]
    position += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[position:position + count], "big")
        position += count
    return tag, data[position:position + length], position + length


def _der_integers(sequence):
    values, position = [], 0
    while position < len(sequence):
        tag, value, position = _der_read(sequence, position)
        if tag != 0x02:
            raise ValueError("expected an INTEGER")
        values.append(int.from_bytes(value, "big"))
    return values


def load_rsa_public_key(pem_text):
    """(n, e) from a `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS#1) PEM."""
    lines = [line.strip() for line in pem_text.strip().splitlines()]
    kind = lines[0]
    der = base64.b64decode("".join(line for line in lines if line and not line.startswith("-----")))
    tag, body, _ = _der_read(der, 0)
    if tag != 0x30:
        raise ValueError("not a DER SEQUENCE")
    if "RSA PUBLIC KEY" in kind:
        n, e = _der_integers(body)[:2]
        return n, e
    tag, algorithm, position = _der_read(body, 0)
    if tag != 0x30 or b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" not in algorithm:
        raise ValueError("not an rsaEncryption key")
    tag, bits, _ = _der_read(body, position)
    if tag != 0x03:
        raise ValueError("expected a BIT STRING")
    tag, rsa_key, _ = _der_read(bits[1:], 0)  # bits[0] is the unused-bits count
    n, e = _der_integers(rsa_key)[:2]
    return n, e


SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256_verify(public_key, message, signature):
    """RSASSA-PKCS1-v1_5 with SHA-256."""
    n, e = public_key
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    value = int.from_bytes(signature, "big")
    if value >= n:
        return False
    encoded = pow(value, e, n).to_bytes(size, "big")
    digest = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    return hmac.compare_digest(encoded, expected)


# --- Time formats.

def okta_time(t):
    """`published` as Okta writes it: UTC, milliseconds, Z."""
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def parse_iso8601(text):
    """Epoch seconds of an ISO 8601 date-time (Z, ±HH:MM or ±HHMM, optional fraction) or date; None if invalid."""
    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
            return moment.timestamp()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
            text = text[:-2] + ":" + text[-2:]
        moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()
    except ValueError:
        return None


class Okta:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.ssws_token = arguments.token
        self.token_prefix = arguments.token_prefix
        self.denied_token = arguments.denied_token
        self.client_id = arguments.client_id
        self.public_key = None
        if arguments.public_key_pem:
            with open(arguments.public_key_pem) as handle:
                self.public_key = load_rsa_public_key(handle.read())
        self.rate_limit = arguments.rate_limit
        self.scheme = "https" if arguments.tls else "http"
        self.access_tokens = {}  # token -> expiry (epoch seconds)
        self.used_jti = set()
        self.persisted = []  # persistence time of store.events[i], nondecreasing
        self.cursor_key = secrets.token_bytes(16)
        self.window_end = 0.0
        self.window_count = 0
        for key in ("rate_limited", "late_events"):
            store.stats[key] = 0

    def expire_tokens(self):
        with self.lock:
            self.access_tokens.clear()

    # --- Helpers.

    def send_error(self, handler, status, code, detail=None, causes=None, headers=None):
        summary = ERROR_SUMMARIES[code].format(detail or "")
        body = {"errorCode": code, "errorSummary": summary, "errorLink": code,
                "errorId": "oae" + secrets.token_urlsafe(16)[:22],
                "errorCauses": [{"errorSummary": cause} for cause in causes or []]}
        handler.send_json(status, body, headers)
        return True

    def sync_persistence(self):
        """Extends the persistence list to every event in the store (call with store.lock held).
        Events the shared Store added count as persisted at their published time."""
        for index in range(len(self.persisted), len(self.store.events)):
            last = self.persisted[-1] if self.persisted else 0.0
            self.persisted.append(max(self.store.events[index][0], last))

    def cursor(self, mode, index, stamp):
        raw = "%d_%d" % (int(round(stamp * 1000)), index)
        mac = hmac.new(self.cursor_key, (mode + raw).encode(), hashlib.sha256).hexdigest()[:12]
        return "%s_%s" % (raw, mac)

    def parse_cursor(self, mode, text, stamps):
        """The position a cursor stands for, or None when it is forged, foreign or unknown."""
        parts = text.split("_")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        raw = "%s_%s" % (parts[0], parts[1])
        mac = hmac.new(self.cursor_key, (mode + raw).encode(), hashlib.sha256).hexdigest()[:12]
        index = int(parts[1])
        if not hmac.compare_digest(mac, parts[2]) or not 1 <= index <= len(stamps):
            return None
        if int(round(stamps[index - 1] * 1000)) != int(parts[0]):
            return None
        return index

    def rate_headers(self):
        """Counts this request in the current 60 s window: (headers, over the limit)."""
        with self.lock:
            now = time.time()
            if now >= self.window_end:
                self.window_end = now + 60
                self.window_count = 0
            self.window_count += 1
            remaining = self.rate_limit - self.window_count
            headers = HeaderList([("X-Rate-Limit-Limit", str(self.rate_limit)),
                                  ("X-Rate-Limit-Remaining", str(max(remaining, 0))),
                                  ("X-Rate-Limit-Reset", str(int(math.ceil(self.window_end))))])
            return headers, remaining < 0

    # --- OAuth 2.0 token endpoint.

    def check_assertion(self, handler, form):
        """(status, error, reason) when the token request is refused, else None."""
        if not self.client_id or not self.public_key:
            return 401, "invalid_client", "no OAuth client is configured"
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            return 401, "invalid_client", "no client assertion (client_assertion_type %r)" % form.get("client_assertion_type")
        if form.get("client_id") not in (None, self.client_id):
            return 401, "invalid_client", "client_id %r is not the assertion's client" % form.get("client_id")
        parts = form["client_assertion"].split(".")
        if len(parts) != 3:
            return 401, "invalid_client", "client assertion is not a compact JWS"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            return 401, "invalid_client", "client assertion is not base64url JSON"
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return 401, "invalid_client", "client assertion header or claims are not objects"
        if header.get("alg") != "RS256":
            return 401, "invalid_client", "alg %r is not RS256" % header.get("alg")
        if not rs256_verify(self.public_key, (parts[0] + "." + parts[1]).encode(), signature):
            return 401, "invalid_client", "client assertion signature does not verify"
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return 401, "invalid_client", "iss %r / sub %r are not the client id" % (claims.get("iss"), claims.get("sub"))
        expected = handler.base_url() + TOKEN_PATH
        audience = claims.get("aud")
        if not isinstance(audience, str) or not self.audience_matches(handler, audience):
            return 401, "invalid_client", "aud %r is not %s" % (audience, expected)
        now = time.time()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            return 401, "invalid_client", "exp is missing or not a number"
        if exp <= now:
            return 401, "invalid_client", "client assertion expired (exp %s, now %d)" % (exp, now)
        if iat is not None and (not isinstance(iat, (int, float)) or iat > now + 60 or exp - iat > 3600):
            return 401, "invalid_client", "iat %r is in the future or more than 1 h before exp" % iat
        if iat is None and exp - now > 3600 + 5:
            return 401, "invalid_client", "exp is more than 1 h in the future"
        if nbf is not None and (not isinstance(nbf, (int, float)) or nbf > now + 60):
            return 401, "invalid_client", "nbf %r is in the future" % nbf
        jti = claims.get("jti")
        with self.lock:
            if jti is not None and jti in self.used_jti:
                return 401, "invalid_client", "jti %r was already used" % jti
            if jti is not None:
                self.used_jti.add(jti)
        return None

    def audience_matches(self, handler, audience):
        parsed = urllib.parse.urlsplit(audience)
        port = handler.server.server_address[1]
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        try:
            audience_port = parsed.port
        except ValueError:
            return False
        return (parsed.scheme == self.scheme and audience_port == port and parsed.path == TOKEN_PATH
                and parsed.hostname in {"127.0.0.1", "localhost", host} and not parsed.query and not parsed.fragment)

    def handle_token(self, handler, method, body):
        self.store.count("token_requests")
        if method != "POST":
            return self.send_error(handler, 405, "E0000022")
        content_type = handler.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            self.store.bad_request("token: Content-Type %r" % content_type)
            handler.send_json(400, {"error": "invalid_request", "error_description": "The request body must be form encoded."})
            return True
        if handler.headers.get("Authorization"):
            self.store.bad_request("token: Authorization header next to a client assertion")
            handler.send_json(400, {"error": "invalid_request",
                                    "error_description": "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body."})
            return True
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            self.store.bad_request("token: grant_type %r" % form.get("grant_type"))
            handler.send_json(400, {"error": "unsupported_grant_type",
                                    "error_description": "The authorization grant type is not supported by the authorization server."})
            return True
        refusal = self.check_assertion(handler, form)
        if refusal:
            status, error, reason = refusal
            self.store.bad_request("token: " + reason)
            handler.send_json(status, {"error": error, "error_description": "The client_assertion token is invalid: " + reason})
            return True
        scopes = form.get("scope", "").split()
        if SCOPE not in scopes or any(scope != SCOPE for scope in scopes):
            self.store.bad_request("token: scope %r" % form.get("scope"))
            handler.send_json(400, {"error": "invalid_scope",
                                    "error_description": "The following scopes are not allowed: %s; the client is granted only %s." % (form.get("scope"), SCOPE)})
            return True
        now = int(time.time())
        claims = {"ver": 1, "jti": "AT." + secrets.token_urlsafe(24), "iss": handler.base_url(),
                  "aud": handler.base_url(), "iat": now, "exp": now + 3600, "cid": self.client_id,
                  "sub": self.client_id, "scp": [SCOPE]}
        token = ".".join([b64url(json.dumps({"kid": "lookalike", "alg": "RS256"}).encode()),
                          b64url(json.dumps(claims).encode()), b64url(secrets.token_bytes(256))])
        with self.lock:
            self.access_tokens[token] = now + 3600
        handler.send_json(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token, "scope": SCOPE})
        return True

    # --- System Log.

    def authorize(self, handler, rate):
        """True when the request may go on; otherwise answers 401/403 and returns False."""
        authorization = handler.headers.get("Authorization", "")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme == "SSWS" and self.ssws_token and credential == self.ssws_token:
            return True
        if scheme == "SSWS" and self.token_prefix and credential.startswith(self.token_prefix):
            handler.request_label = credential[len(self.token_prefix):]
            return True
        if scheme == "Bearer":
            with self.lock:
                expiry = self.access_tokens.get(credential)
            if expiry is not None and expiry > time.time():
                return True
        self.store.count("auth_failures")
        if scheme == "SSWS" and self.denied_token and credential == self.denied_token:
            self.send_error(handler, 403, "E0000006", headers=rate)
            return False
        headers = HeaderList(rate)
        if scheme == "Bearer":
            base = handler.base_url()
            headers.append(("WWW-Authenticate",
                            'Bearer authorization_uri="%s/oauth2/v1/authorize", realm="%s", scope="%s", '
                            'error="invalid_token", error_description="The access token is invalid.", resource="%s"'
                            % (base, base, SCOPE, LOGS_PATH)))
        self.send_error(handler, 401, "E0000011", headers=headers)
        return False

    def fault(self, handler, name):
        if name == "429okta":
            headers = HeaderList([("X-Rate-Limit-Limit", str(self.rate_limit)), ("X-Rate-Limit-Remaining", "0"),
                                  ("X-Rate-Limit-Reset", str(int(time.time()) + 3))])
            return self.send_error(handler, 429, "E0000047", headers=headers)
        if name == "badcursor":
            if "after" not in getattr(handler, "okta_parameters", {}):
                return False  # nothing to invalidate: served normally
            return self.send_error(handler, 400, "E0000001", "'after': " + CURSOR_ERROR, ["after: " + CURSOR_ERROR],
                                   headers=handler.okta_rate)
        raise ValueError("unknown fault %r" % name)

    def invalid(self, handler, rate, reason, name, cause):
        """400 E0000001 in the form Okta documents for a bad date: summary "'name': cause", cause "name: cause"."""
        self.store.bad_request("logs: " + reason)
        return self.send_error(handler, 400, "E0000001", "'%s': %s" % (name, cause), ["%s: %s" % (name, cause)], headers=rate)

    def handle_logs(self, handler, method, query):
        started = time.time()
        handler.request_label = None
        try:
            return self.serve_logs(handler, method, query)
        finally:
            if handler.request_label is not None:
                self.store.record_request(handler.request_label, started, time.time())

    def serve_logs(self, handler, method, query):
        self.store.count("data_requests")
        rate, limited = self.rate_headers()
        if method != "GET":
            return self.send_error(handler, 405, "E0000022", headers=rate)
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        parameters = dict(pairs)
        handler.okta_parameters, handler.okta_rate = parameters, rate
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()  # OAuth tokens die before the auth check sees this request
        if not self.authorize(handler, rate):
            return True
        if handler.apply_fault():
            return True
        if limited:
            self.store.count("rate_limited")
            return self.send_error(handler, 429, "E0000047", headers=rate)

        for name in parameters:
            if name not in KNOWN_PARAMETERS:
                self.store.bad_request("logs: unknown parameter %r" % name)
            elif name in ("filter", "q"):
                self.store.bad_request("logs: %s is not implemented by the look-alike (served unfiltered)" % name)
        limit_text = parameters.get("limit", "100")
        if not limit_text.isdigit():
            return self.invalid(handler, rate, "limit=%r" % limit_text, "limit", LIMIT_ERROR)
        limit = int(limit_text)
        if limit > 1000:
            return self.invalid(handler, rate, "limit=%d" % limit, "limit", LIMIT_ERROR)
        if parameters.get("sortOrder") != "ASCENDING":
            return self.invalid(handler, rate, "sortOrder=%r (ASCENDING required)" % parameters.get("sortOrder"),
                                "sortOrder", "this look-alike serves only ASCENDING")
        bounds = {}
        for name in ("since", "until"):
            if name in parameters and parameters[name] != "":
                value = parse_iso8601(parameters[name])
                if value is None:
                    return self.invalid(handler, rate, "%s=%r" % (name, parameters[name]), name, DATE_ERROR)
                bounds[name] = value
        polling = "until" not in bounds
        mode = "p" if polling else "b"

        with self.store.lock:
            self.sync_persistence()
            if polling:
                events = list(self.store.events)
                stamps = list(self.persisted)
            else:
                until = bounds["until"]
                since = bounds.get("since", until - 7 * 86400)
                chosen = sorted((e[0], i) for i, e in enumerate(self.store.events) if since <= e[0] < until)
                events = [self.store.events[i] for _, i in chosen]
                stamps = [t for t, _ in chosen]
        if "after" in parameters:
            start = self.parse_cursor(mode, parameters["after"], stamps)
            if start is None:
                return self.invalid(handler, rate, "after=%r is not a cursor this server issued" % parameters["after"],
                                    "after", CURSOR_ERROR)
        elif polling:
            since = bounds.get("since", time.time() - 7 * 86400)
            start = bisect.bisect_left(stamps, since)
        else:
            start = 0
        page = events[start:start + limit]
        end = start + len(page)

        base = handler.base_url() + LOGS_PATH
        self_link = base + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
        headers = HeaderList(rate)
        headers.append(("Link", "<%s>; rel=\"self\"" % self_link))
        if page and (polling or end < len(events)):
            next_pairs = [(k, v) for k, v in pairs if k != "after"] + [("after", self.cursor(mode, end, stamps[end - 1]))]
            headers.append(("Link", "<%s?%s>; rel=\"next\"" % (base, urllib.parse.urlencode(next_pairs, quote_via=urllib.parse.quote))))
        elif polling:
            headers.append(("Link", "<%s>; rel=\"next\"" % self_link))
        handler.page_delay()
        handler.send_json(200, [e[2] for e in page], headers)
        return True

    # Late events (POST /_late, handled by lookalike.py) keep their arrival order: they are stored
    # now, so they come after every cursor already handed out.
    late_sorted = False

    def late_added(self, ids, now):
        """Called with store.lock held, after the late events were appended."""
        self.sync_persistence()
        del self.persisted[len(self.store.events) - len(ids):]  # stored now, not when published
        for _ in ids:
            self.persisted.append(max(now, self.persisted[-1] if self.persisted else 0.0))

    def handle(self, handler, method, path, query, body):
        if path == TOKEN_PATH:
            return self.handle_token(handler, method, body)
        if path == LOGS_PATH:
            return self.handle_logs(handler, method, query)
        return False


# --- Events.

def okta_id(prefix, seed, length=20):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = int.from_bytes(hashlib.sha1(seed.encode()).digest(), "big")
    text = ""
    while len(text) < length - len(prefix):
        value, digit = divmod(value, 62)
        text += alphabet[digit]
    return prefix + text


PEOPLE = [("Ana Pérez", "ana.perez"), ("Jürgen Weiß", "juergen.weiss"), ("Zoë Chen", "zoe.chen"),
          ("Kwame Mensah", "kwame.mensah"), ("Priya Raman", "priya.raman"), ("Okta Admin", "okta.admin")]
PLACES = [{"city": "Portland", "state": "Oregon", "country": "United States", "postalCode": "97201",
           "geolocation": {"lat": 45.5152, "lon": -122.6784}},
          {"city": "München", "state": "Bayern", "country": "Germany", "postalCode": "80331",
           "geolocation": {"lat": 48.1372, "lon": 11.5756}},
          {"city": "Toronto", "state": "Ontario", "country": "Canada", "postalCode": "M5H",
           "geolocation": {"lat": 43.6532, "lon": -79.3832}}]
AGENTS = [("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
           "Mac OS X", "CHROME"),
          ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "Windows 10", "FIREFOX"),
          ("okta-sdk-java/8.2.5 java/17.0.9 Linux/6.1.0", "Linux", "UNKNOWN")]
# eventType, displayMessage, legacyEventType, request URI, target kinds
EVENT_TYPES = [
    ("user.session.start", "User login to Okta", "core.user_auth.login_success", "/idp/idx/identify", []),
    ("user.authentication.auth_via_mfa", "Authentication of user via MFA", "core.user.factor.attempt_success",
     "/idp/idx/challenge/answer", ["factor"]),
    ("user.account.update_password", "User update password for Okta", "core.user.config.password_update.success",
     "/api/v1/users/me/credentials/change_password", ["user"]),
    ("group.user_membership.add", "Add user to group membership", "core.user_group_member.user_add",
     "/api/v1/groups/members", ["user", "group"]),
    ("application.user_membership.add", "Add user to application membership", "app.generic.provision.assign_user_to_app",
     "/api/v1/apps/users", ["appuser", "app"]),
    ("user.lifecycle.create", "Create Okta user", "core.user.config.user_creation.success", "/api/v1/users", ["user"]),
    ("policy.lifecycle.update", "Update policy", None, "/api/v1/policies", ["policy"]),
    ("user.authentication.sso", "User single sign on to app", "app.auth.sso", "/app/example_app/sso/saml", ["app"]),
    ("user.session.end", "User logout from Okta", "core.user_auth.logout_success", "/login/signout", []),
    ("user.account.lock", "Max sign in attempts exceeded", "core.user_auth.account_locked", "/idp/idx/identify", ["user"]),
]


def make_event(n, event_id, t):
    event_type, message, legacy, request_uri, target_kinds = EVENT_TYPES[n % len(EVENT_TYPES)]
    name, login = PEOPLE[n % len(PEOPLE)]
    subject_name, subject_login = PEOPLE[(n + 2) % len(PEOPLE)]
    place = PLACES[n % len(PLACES)]
    agent, os_name, browser = AGENTS[n % len(AGENTS)]
    if n % 3 == 0:
        ip, version = "198.51.100.%d" % (n % 254 + 1), "V4"
    elif n % 3 == 1:
        ip, version = "203.0.113.%d" % (n % 254 + 1), "V4"
    else:
        ip, version = "2001:db8::%x" % (n % 65535 + 1), "V6"
    ip = lookalike.client_ip(n, ip)
    version = "V6" if ":" in ip else "V4"
    transaction_id = b64url(hashlib.sha1(("tx-%d" % n).encode()).digest())[:27]
    failed = event_type in ("user.session.start", "user.authentication.auth_via_mfa") and n % 7 == 3
    outcome = {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"} if failed else {"result": "SUCCESS", "reason": None}
    if event_type == "user.account.lock":
        outcome = {"result": "DENY", "reason": "LOCKED_OUT"}
    subject = {"id": okta_id("00u", subject_login), "type": "User", "alternateId": subject_login + "@example.com",
               "displayName": subject_name, "detailEntry": None}
    targets = {
        "user": subject,
        "factor": {"id": okta_id("mbl", login), "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                   "displayName": "Okta Verify", "detailEntry": None},
        "group": {"id": okta_id("00g", "group-%d" % (n % 4)), "type": "UserGroup", "alternateId": "unknown",
                  "displayName": ["Engineering", "Finance", "Everyone", "Contractors"][n % 4], "detailEntry": None},
        "appuser": {"id": okta_id("0ua", subject_login), "type": "AppUser", "alternateId": subject_login + "@example.com",
                    "displayName": subject_name, "detailEntry": None},
        "app": {"id": okta_id("0oa", "app-%d" % (n % 3)), "type": "AppInstance", "alternateId": "Example App %d" % (n % 3),
                "displayName": "Example App %d" % (n % 3), "detailEntry": {"signOnModeType": "SAML_2_0"}},
        "policy": {"id": okta_id("00p", "policy-%d" % (n % 2)), "type": "PolicyEntity", "alternateId": "unknown",
                   "displayName": "Default Policy", "detailEntry": {"policyType": "OKTA_SIGN_ON"},
                   "changeDetails": {"from": {"priority": 2}, "to": {"priority": 1}}},
    }
    ip_chain = [{"ip": ip, "geographicalContext": place, "version": version, "source": None}]
    if n % 5 == 0:
        ip_chain.append({"ip": "203.0.113.250", "geographicalContext": None, "version": "V4", "source": None})
    event = {
        "uuid": event_id,
        "published": okta_time(t),
        "eventType": event_type,
        "version": "0",
        "severity": "WARN" if outcome["result"] in ("FAILURE", "DENY") else "INFO",
        "legacyEventType": legacy,
        "displayMessage": message,
        "actor": {"id": okta_id("00u", login), "type": "User", "alternateId": login + "@example.com",
                  "displayName": name, "detailEntry": None},
        "client": {"userAgent": {"rawUserAgent": agent, "os": os_name, "browser": browser},
                   "zone": "null", "device": "Computer" if browser != "UNKNOWN" else "Unknown", "id": None,
                   "ipAddress": ip, "geographicalContext": place},
        "device": None,
        "authenticationContext": {"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER" if n % 2 else None,
                                  "credentialProvider": None, "credentialType": "PASSWORD" if n % 2 else None,
                                  "issuer": None, "interface": None, "authenticationStep": 0,
                                  "externalSessionId": "102" + b64url(hashlib.sha1(login.encode()).digest())[:22]},
        "outcome": outcome,
        "target": [targets[kind] for kind in target_kinds] or None,
        "transaction": {"type": "JOB" if event_type == "user.lifecycle.create" and n % 2 else "WEB",
                        "id": transaction_id, "detail": {}},
        "debugContext": {"debugData": {"requestId": transaction_id, "requestUri": request_uri,
                                       "url": request_uri + "?", "threatSuspected": "false",
                                       "dtHash": hashlib.sha256(event_id.encode()).hexdigest()}},
        "securityContext": {"asNumber": 64496 + n % 16, "asOrg": "example transit", "isp": "example isp",
                            "domain": "example.net", "isProxy": n % 5 == 0},
        "request": {"ipChain": ip_chain},
    }
    return event


if __name__ == "__main__":
    lookalike.serve(Okta(), make_event, [
        lambda p: p.add_argument("--token", help="SSWS API token that may read the System Log"),
        lambda p: p.add_argument("--token-prefix", help="every SSWS token starting with this is accepted, and the rest of it labels "
                                 "the request in GET /_requests (e.g. <replica>/<source>: which replica polled which source when)"),
        lambda p: p.add_argument("--denied-token", help="SSWS API token without permission (403 E0000006)"),
        lambda p: p.add_argument("--client-id", help="OAuth service app client id"),
        lambda p: p.add_argument("--public-key-pem", help="PEM public key of the service app's RS256 signing key"),
        lambda p: p.add_argument("--rate-limit", type=int, default=600, help="/api/v1/logs requests per 60 s window"),
    ])
