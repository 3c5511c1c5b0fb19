"""Google Workspace look-alike: the Admin SDK Reports API (activities.list) and Google's OAuth 2.0
token endpoint for service accounts with domain-wide delegation.

  POST /token  (application/x-www-form-urlencoded)
       grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>
       claims: iss = --client-email, sub = the admin to impersonate, scope (space separated) holding
       https://www.googleapis.com/auth/admin.reports.audit.readonly, aud = this token URL as the
       client addressed it (http://127.0.0.1:PORT/token), iat, exp (exp - iat <= 3600, exp ahead).
       -> 200 {"access_token", "expires_in", "token_type": "Bearer"}
       -> 400 {"error": "invalid_grant", "error_description": ...} (Google's wording), see below.
  GET  /admin/reports/v1/activity/users/all/applications/{applicationName}
       with `Authorization: Bearer <access_token>`; startTime (inclusive), endTime (exclusive),
       maxResults 1..1000 (default 1000), pageToken, customerId. Newest first; nextPageToken is
       absent on the last page, items absent when there are none.

Store events are spread over the eleven applications by n % 11; /_stats "ids" are the
id.uniqueQualifier values (signed 64-bit decimal strings).

Vendor extras:
  POST /_late {"count": N, "age": S}   events dated S seconds ago that only become visible now
  faults "429g" (429 RESOURCE_EXHAUSTED, no Retry-After: Google documents none for quota errors),
         "badcursor" (a request carrying pageToken is answered 400 Invalid pageToken; a request
         without one leaves the fault queued), "expire" (every access token becomes invalid: 401).

Command line: google_workspace.py --events N --span S [--newest-age A] --client-email E
              --public-key-pem FILE --subject ADMIN [--denied-subject D] [--page-delay s]
              [--token-lifetime 3600] [--customer my_customer]
"""
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse

import lookalike
from okta import b64url, b64url_decode, load_rsa_public_key, rs256_verify

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
GRANTED_SCOPES = {SCOPE, "https://www.googleapis.com/auth/admin.reports.usage.readonly"}  # the delegation
TOKEN_PATH = "/token"
ACTIVITY_PREFIX = "/admin/reports/v1/activity/users/"
CUSTOMER_ID = "C01abc"
APPLICATIONS = ["login", "admin", "token", "saml", "drive", "groups", "user_accounts", "access_transparency",
                "context_aware_access", "mobile", "rules"]
APPLICATION_PATTERN = "|".join("(%s)" % name for name in sorted(APPLICATIONS))
LOOKBACK = 180 * 86400  # Google keeps activity reports for 180 days

SHORT_LIVED = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
               "Check your iat and exp values in the JWT claim.")
UNAUTHORIZED_CLIENT = ("Client is unauthorized to retrieve access tokens using this method, or client not "
                       "authorized for any of the scopes requested.")
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                   "other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")
NOT_AUTHORIZED = "Not Authorized to access this resource/api"


def google_error(code, status, message, reason):
    """Google's JSON error envelope (the v1 `errors` list next to the gRPC-style `status`)."""
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}],
                      "status": status}}


def unique_qualifier(n):
    """A distinct signed 64-bit decimal for every n (multiplication by an odd constant is a bijection mod 2**64)."""
    value = ((n + 1) * 0x9E3779B97F4A7C15) % (1 << 64)
    return str(value - (1 << 64) if value >= 1 << 63 else value)


class GoogleStore(lookalike.Store):
    """The shared Store, with uniqueQualifiers as event ids (so /_stats lists them)."""

    def _append(self, t):
        n = len(self.events)
        event_id = unique_qualifier(n)
        self.events.append((t, event_id, self.make_event(n, event_id, t)))


class GoogleWorkspace:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.client_email = arguments.client_email
        with open(arguments.public_key_pem) as handle:
            self.public_key = load_rsa_public_key(handle.read())
        self.subject = arguments.subject
        self.denied_subject = arguments.denied_subject
        self.token_lifetime = arguments.token_lifetime
        self.customers = {arguments.customer, "my_customer", CUSTOMER_ID}
        self.scheme = "https" if arguments.tls else "http"
        self.access_tokens = {}  # token -> (expiry, subject)
        self.cursor_key = secrets.token_bytes(16)

    def expire_tokens(self):
        with self.lock:
            self.access_tokens.clear()

    # --- OAuth 2.0 token endpoint (service account, JWT bearer grant).

    def audience_matches(self, handler, audience):
        parsed = urllib.parse.urlsplit(audience)
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        try:
            port = parsed.port
        except ValueError:
            return False
        return (parsed.scheme == self.scheme and port == handler.server.server_address[1] and parsed.path == TOKEN_PATH
                and parsed.hostname in {"127.0.0.1", "localhost", host} and not parsed.query and not parsed.fragment)

    def check_assertion(self, handler, assertion):
        """(status, error, description, reason) when refused, else (None, claims)."""
        bad_signature = "Invalid JWT Signature."
        parts = assertion.split(".")
        if len(parts) != 3:
            return (400, "invalid_grant", bad_signature, "assertion is not a compact JWS"), None
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            return (400, "invalid_grant", bad_signature, "assertion is not base64url JSON"), None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return (400, "invalid_grant", bad_signature, "assertion header or claims are not objects"), None
        if header.get("alg") != "RS256":
            return (400, "invalid_grant", bad_signature, "alg %r is not RS256" % header.get("alg")), None
        if not rs256_verify(self.public_key, (parts[0] + "." + parts[1]).encode(), signature):
            return (400, "invalid_grant", bad_signature, "signature does not verify"), None
        if claims.get("iss") != self.client_email:
            # Google looks the key up by iss: a foreign iss fails the signature check.
            return (400, "invalid_grant", bad_signature, "iss %r is not %s" % (claims.get("iss"), self.client_email)), None
        audience = claims.get("aud")
        if not isinstance(audience, str) or not self.audience_matches(handler, audience):
            return (400, "invalid_grant", "Invalid JWT: Failed audience check.",
                    "aud %r is not %s%s" % (audience, handler.base_url(), TOKEN_PATH)), None
        now = time.time()
        exp, iat = claims.get("exp"), claims.get("iat")
        for name, value in (("exp", exp), ("iat", iat)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return (400, "invalid_grant", SHORT_LIVED, "%s is missing or not a number" % name), None
        if exp <= now or exp - iat > 3600 or iat > now + 300 or exp <= iat:
            return (400, "invalid_grant", SHORT_LIVED, "iat %s / exp %s (now %d)" % (iat, exp, now)), None
        scope = claims.get("scope")
        scopes = scope.split() if isinstance(scope, str) else []
        if not scopes:
            return (400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.", "no scope claim"), None
        if SCOPE not in scopes or any(s not in GRANTED_SCOPES for s in scopes):
            return (401, "unauthorized_client", UNAUTHORIZED_CLIENT, "scope %r" % scope), None
        subject = claims.get("sub")
        if subject is not None and subject not in (self.subject, self.denied_subject):
            return (400, "invalid_grant", "Invalid email or User ID", "sub %r is not a user of the domain" % subject), None
        return None, claims

    def handle_token(self, handler, method, body):
        self.store.count("token_requests")
        if method != "POST":
            handler.send_json(405, {"error": "invalid_request", "error_description": "Only POST is supported"})
            return True
        content_type = handler.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            self.store.bad_request("token: Content-Type %r" % content_type)
            handler.send_json(400, {"error": "invalid_request", "error_description": "Bad Request"})
            return True
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != GRANT_TYPE:
            self.store.bad_request("token: grant_type %r" % form.get("grant_type"))
            handler.send_json(400, {"error": "unsupported_grant_type",
                                    "error_description": "Invalid grant_type: %s" % (form.get("grant_type") or "")})
            return True
        if not form.get("assertion"):
            self.store.bad_request("token: no assertion")
            handler.send_json(400, {"error": "invalid_request", "error_description": "Missing required parameter: assertion"})
            return True
        refusal, claims = self.check_assertion(handler, form["assertion"])
        if refusal:
            status, error, description, reason = refusal
            self.store.bad_request("token: " + reason)
            handler.send_json(status, {"error": error, "error_description": description})
            return True
        subject = claims.get("sub")
        if subject is None:
            self.store.bad_request("token: no sub (the service account itself cannot read reports)")
        token = "ya29.lookalike-" + secrets.token_urlsafe(48)
        with self.lock:
            self.access_tokens[token] = (time.time() + self.token_lifetime, subject)
        handler.send_json(200, {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"},
                          {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"})
        return True

    # --- activities.list.

    def authorize(self, handler):
        """The subject the bearer token stands for; answers 401 and returns False when there is none."""
        scheme, _, credential = handler.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            with self.lock:
                entry = self.access_tokens.get(credential.strip())
            if entry is not None and entry[0] > time.time():
                return entry[1] or ""
        self.store.count("auth_failures")
        handler.send_json(401, {"error": {"code": 401, "message": UNAUTHENTICATED,
                                          "errors": [{"message": "Invalid Credentials", "domain": "global",
                                                      "reason": "authError", "location": "Authorization",
                                                      "locationType": "header"}],
                                          "status": "UNAUTHENTICATED"}},
                          {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'})
        return False

    def fault(self, handler, name):
        if name == "429g":
            message = ("Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service "
                       "'admin.googleapis.com' for consumer 'project_number:123456789012'.")
            handler.send_json(429, google_error(429, "RESOURCE_EXHAUSTED", message, "rateLimitExceeded"))
            return True
        if name == "badcursor":
            if not getattr(handler, "google_parameters", {}).get("pageToken"):
                return self.store.requeue(name)  # nothing to invalidate: stays queued for the next paged request
            handler.send_json(400, google_error(400, "INVALID_ARGUMENT", "Invalid pageToken", "invalid"))
            return True
        raise ValueError("unknown fault %r" % name)

    def invalid(self, handler, reason, message):
        self.store.bad_request("activities: " + reason)
        handler.send_json(400, google_error(400, "INVALID_ARGUMENT", message, "invalid"))
        return True

    def make_token(self, fields):
        raw = json.dumps(fields, separators=(",", ":")).encode()
        mac = hmac.new(self.cursor_key, raw, hashlib.sha256).digest()[:12]
        return b64url(raw + mac)

    def read_token(self, text):
        try:
            data = b64url_decode(text)
        except ValueError:
            return None
        raw, mac = data[:-12], data[-12:]
        if len(data) <= 12 or not hmac.compare_digest(hmac.new(self.cursor_key, raw, hashlib.sha256).digest()[:12], mac):
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def handle_activities(self, handler, method, path, query):
        self.store.count("data_requests")
        parameters = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        handler.google_parameters = parameters
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()  # tokens die before the auth check sees this request
        subject = self.authorize(handler)
        if subject is False:
            return True
        if method != "GET":
            handler.send_json(405, google_error(405, "METHOD_NOT_ALLOWED", "Method not allowed", "httpMethodNotAllowed"))
            return True
        if subject != self.subject:  # the denied subject, or the service account itself (no sub)
            self.store.count("auth_failures")
            handler.send_json(403, google_error(403, "PERMISSION_DENIED", NOT_AUTHORIZED, "forbidden"))
            return True
        if handler.apply_fault():
            return True
        rest = path[len(ACTIVITY_PREFIX):].split("/")
        if len(rest) != 3 or rest[1] != "applications":
            return False
        user_key, application = urllib.parse.unquote(rest[0]), urllib.parse.unquote(rest[2])
        if user_key != "all":
            return self.invalid(handler, "userKey %r (only all is served)" % user_key, "Bad Request")
        if application not in APPLICATIONS:
            return self.invalid(handler, "applicationName %r" % application,
                                "Invalid value '%s'. Values must match the following regular expression: '%s'"
                                % (application, APPLICATION_PATTERN))
        unknown = set(parameters) - {"startTime", "endTime", "maxResults", "pageToken", "customerId", "alt",
                                     "prettyPrint", "fields"}
        if unknown:
            self.store.bad_request("activities: unexpected parameters %s" % sorted(unknown))
        customer = parameters.get("customerId")
        if customer is not None and customer not in self.customers:
            self.store.bad_request("activities: customerId %r" % customer)
            handler.send_json(403, google_error(403, "PERMISSION_DENIED", NOT_AUTHORIZED, "forbidden"))
            return True
        limit_text = parameters.get("maxResults", "1000")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            return self.invalid(handler, "maxResults %r" % limit_text,
                                "Invalid value '%s'. Values must be within the range: [1, 1000]" % limit_text)
        limit = int(limit_text)
        now_us = int(time.time() * 1e6)
        bounds = {}
        for name in ("startTime", "endTime"):
            if name in parameters:
                value = lookalike.parse_iso_us(parameters[name])
                if value is None:
                    return self.invalid(handler, "%s %r is not RFC 3339" % (name, parameters[name]),
                                        "Invalid value '%s' for %s. Expected an RFC 3339 date-time such as "
                                        "2010-10-28T10:26:35.000Z." % (parameters[name], name))
                bounds[name] = value
        start_us = bounds.get("startTime", now_us - LOOKBACK * 1000000)
        end_us = bounds.get("endTime", now_us)
        if start_us > end_us:
            return self.invalid(handler, "startTime after endTime", "Invalid request: Start time is after end time.")
        after = None  # (ms, uniqueQualifier) of the last item already served
        token_text = parameters.get("pageToken")
        if token_text:
            token = self.read_token(token_text)
            if token is None:
                return self.invalid(handler, "pageToken %r is forged or foreign" % token_text[:40], "Invalid pageToken")
            if token.get("a") != application or token.get("s") != parameters.get("startTime") \
                    or token.get("e") != parameters.get("endTime"):
                return self.invalid(handler, "pageToken used with other parameters (%s)" % token, "Invalid pageToken")
            end_us = token["end"]  # the window the first page fixed
            after = (token["t"], int(token["u"]))
        with self.store.lock:
            candidates = [e for e in self.store.events if e[2]["id"]["applicationName"] == application
                          and start_us <= lookalike.event_ms(e) * 1000 < end_us]
        candidates.sort(key=lambda e: (lookalike.event_ms(e), int(e[1])), reverse=True)
        if after is not None:
            candidates = [e for e in candidates if (lookalike.event_ms(e), int(e[1])) < tuple(after)]
        page = candidates[:limit]
        response = {"kind": "admin#reports#activities"}
        if page:
            response["items"] = [e[2] for e in page]
        if len(candidates) > limit:
            last = page[-1]
            response["nextPageToken"] = self.make_token({"a": application, "s": parameters.get("startTime"),
                                                         "e": parameters.get("endTime"), "end": end_us,
                                                         "t": lookalike.event_ms(last), "u": last[1]})
        digest = hashlib.sha1(json.dumps([e[1] for e in page]).encode()).digest()
        response["etag"] = '"%s/%s"' % (b64url(digest[:18]), b64url(digest[10:20]))
        handler.page_delay()
        handler.send_json(200, response)
        return True

    def handle(self, handler, method, path, query, body):
        if path == TOKEN_PATH:
            return self.handle_token(handler, method, body)
        if path.startswith(ACTIVITY_PREFIX):
            return self.handle_activities(handler, method, path, query)
        return False


# --- Events.

PEOPLE = ["ana.perez", "juergen.weiss", "zoe.chen", "kwame.mensah", "priya.raman", "it.admin"]


def p(name, value):
    """One parameter in the shape Google uses for its type: value / boolValue / intValue / multiValue."""
    if isinstance(value, bool):
        return {"name": name, "boolValue": value}
    if isinstance(value, int):
        return {"name": name, "intValue": str(value)}
    if isinstance(value, list):
        return {"name": name, "multiValue": value}
    return {"name": name, "value": value}


def activity(application, k, n):
    """(type, name, parameters) for the k-th event of `application` (n is the store index)."""
    user = PEOPLE[(n + 1) % len(PEOPLE)] + "@example.com"
    doc = "1" + hashlib.sha1(("doc-%d" % (k % 7)).encode()).hexdigest()[:27]
    if application == "login":
        name = ["login_success", "login_failure", "logout"][k % 3]
        params = [p("login_type", "google_password")]
        if name != "logout":
            params.append(p("login_challenge_method", ["password"] if k % 2 else ["password", "totp"]))
        if name == "login_failure":
            params.append(p("login_failure_type", "login_failure_invalid_password"))
        params.append(p("is_suspicious", k % 5 == 1))
        return "login", name, params
    if application == "admin":
        return [("USER_SETTINGS", "CREATE_USER", [p("USER_EMAIL", user)]),
                ("USER_SETTINGS", "DELETE_USER", [p("USER_EMAIL", user)]),
                ("DELEGATED_ADMIN_SETTINGS", "ASSIGN_ROLE",
                 [p("ROLE_NAME", "Help Desk Admin"), p("ROLE_ID", "43792651651651557"), p("USER_EMAIL", user)])][k % 3]
    if application == "token":
        name = ["authorize", "revoke"][k % 2]
        return "auth", name, [p("client_id", "1234567890-abc.apps.googleusercontent.com"), p("app_name", "Example CRM"),
                              p("client_type", "WEB"),
                              p("scope", ["https://www.googleapis.com/auth/drive.readonly", "openid", "email"])]
    if application == "saml":
        name = ["login_success", "login_failure"][k % 2]
        params = [p("application_name", "Example SSO App"), p("initiated_by", ["idp", "sp"][k % 2]),
                  p("orgunit_path", "/Engineering"), p("saml_status_code", "SUCCESS_URI" if name == "login_success" else "REQUESTER_URI")]
        if name == "login_failure":
            params.append(p("failure_type", "failure_app_not_configured_for_user"))
        return "login", name, params
    if application == "drive":
        name = ["download", "edit", "view"][k % 3]
        return "access", name, [p("primary_event", True), p("billable", True), p("owner_is_shared_drive", False),
                                p("owner", PEOPLE[k % len(PEOPLE)] + "@example.com"), p("doc_id", doc),
                                p("doc_type", ["document", "spreadsheet", "pdf"][k % 3]), p("is_encrypted", False),
                                p("doc_title", "Quarterly plan %d" % (k % 7)),
                                p("visibility", ["private", "shared_internally", "shared_externally"][k % 3]),
                                p("actor_is_collaborator_account", False), p("owner_is_team_drive", False)]
    if application == "groups":
        name = ["add_user", "remove_user"][k % 2]
        return "user_change", name, [p("group_email", ["eng", "finance", "all"][k % 3] + "@example.com"),
                                     p("user_email", user), p("member_role", "MEMBER")]
    if application == "user_accounts":
        return [("2sv_change", "2sv_enroll", []), ("password_change", "password_edit", []),
                ("recovery_info_change", "recovery_phone_edit", [])][k % 3]
    if application == "access_transparency":
        return "GSUITE_RESOURCE", "ACCESS", [p("ACTOR_HOME_OFFICE", "Google Ireland"),
                                             p("JUSTIFICATIONS", ["CUSTOMER_INITIATED_SUPPORT"]),
                                             p("PRODUCT_CATEGORY", "Drive"), p("RESOURCE_NAME", doc),
                                             p("OWNER_EMAIL", user), p("TICKET_NUMBER", "%08d" % (k * 37 % 10 ** 8))]
    if application == "context_aware_access":
        return "CONTEXT_AWARE_ACCESS_USER_EVENT", "ACCESS_DENY_EVENT", [
            p("CAA_ACCESS_LEVEL_UNSATISFIED", ["corp_device_only"]), p("CAA_APPLICATION", "Gmail"),
            p("CAA_DEVICE_ID", "dev-%04d" % (k % 97)), p("CAA_DEVICE_STATE", "Device not managed")]
    if application == "mobile":
        return "device_updates", "DEVICE_REGISTER_UNREGISTER_EVENT", [
            p("DEVICE_ID", "android-%06d" % (k % 1000)), p("DEVICE_MODEL", "Pixel 8"), p("OS_VERSION", "Android 14"),
            p("USER_EMAIL", user), p("REGISTER_PRIVILEGE", "Device Administrator"), p("ACCOUNT_STATE", "REGISTERED")]
    # rules
    return "rule_trigger_type", "rule_trigger", [p("rule_name", "Block external sharing of PII"),
                                                 p("rule_id", "%d" % (1000 + k % 5)), p("data_source", "DRIVE"),
                                                 p("resource_id", doc), p("resource_title", "Customer list %d" % (k % 7)),
                                                 p("triggered_actions", ["DRIVE_BLOCK_EXTERNAL_SHARING"])]


def make_event(n, event_id, t):
    application = APPLICATIONS[n % len(APPLICATIONS)]
    k = n // len(APPLICATIONS)
    event_type, name, parameters = activity(application, k, n)
    actor = PEOPLE[n % len(PEOPLE)]
    if n % 3 == 2:
        ip = "2001:db8::%x" % (n % 65535 + 1)
    else:
        ip = "%s.%d" % (["198.51.100", "203.0.113"][n % 2], n % 254 + 1)
    etag_seed = hashlib.sha1(("etag-%s" % event_id).encode()).digest()
    event = {
        "kind": "admin#reports#activity",
        "id": {"time": lookalike.iso_ms(int(round(t * 1000))), "uniqueQualifier": event_id,
               "applicationName": application, "customerId": CUSTOMER_ID},
        "etag": '"%s/%s"' % (b64url(etag_seed[:18]), b64url(etag_seed[5:17])),
        "actor": {"callerType": "USER", "email": actor + "@example.com",
                  "profileId": str(100000000000000000000 + int(hashlib.sha1(actor.encode()).hexdigest()[:15], 16))},
        "ipAddress": ip,
        "events": [{"type": event_type, "name": name}],
    }
    if parameters:
        event["events"][0]["parameters"] = parameters
    if application in ("drive", "admin"):
        event["ownerDomain"] = "example.com"
    return event


if __name__ == "__main__":
    lookalike.Store = GoogleStore  # ids are uniqueQualifiers
    lookalike.serve(GoogleWorkspace(), make_event, [
        lambda parser: parser.add_argument("--client-email", required=True, help="service account email (JWT iss)"),
        lambda parser: parser.add_argument("--public-key-pem", required=True, help="PEM public key of the service account key"),
        lambda parser: parser.add_argument("--subject", required=True, help="admin the service account impersonates (JWT sub)"),
        lambda parser: parser.add_argument("--denied-subject", help="a user without the Reports privilege: token yes, data 403"),
        lambda parser: parser.add_argument("--token-lifetime", type=int, default=3600),
        lambda parser: parser.add_argument("--customer", default="my_customer", help="customerId accepted besides C01abc"),
    ])
