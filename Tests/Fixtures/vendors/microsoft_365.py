"""Microsoft 365 look-alike: the Office 365 Management Activity API (subscriptions, content listing,
content blobs) and the Microsoft identity platform's client-credentials token endpoint.

  POST /{tenant}/oauth2/v2.0/token  (application/x-www-form-urlencoded)
       grant_type=client_credentials, client_id, scope=https://manage.office.com/.default, and either
       client_secret, or client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
       with client_assertion: an RS256 JWT whose header carries x5t (--x5t) and whose claims are
       iss = sub = client_id, aud = this token URL as the client addressed it, exp ahead, nbf past.
       -> 200 {"token_type": "Bearer", "expires_in", "access_token"}; 400/401 {"error", "error_description": "AADSTS…"}
  POST /api/v1.0/{tenant}/activity/feed/subscriptions/start?contentType=…&PublisherIdentifier=…
       -> 200 {"contentType", "status": "enabled", "webhook": null}; 400 AF20024 when already enabled
  GET  /api/v1.0/{tenant}/activity/feed/subscriptions/content?contentType&startTime&endTime[&nextPage]
       startTime/endTime both given, at most 24 h apart, start no more than 7 days back (else 400
       AF20030); no or a disabled subscription: 400 AF20022. A JSON array of
       {contentType, contentId, contentUri, contentCreated, contentExpiration} with contentCreated in
       [startTime, endTime), in creation order, --listing-page entries a page; a `NextPageUri` header
       (a signed nextPage keyset token) while more remain.
  GET  /api/v1.0/{tenant}/activity/feed/audit/{contentId}
       -> the blob: a JSON array of audit records; 400 AF20051 once expired.
All data requests need `Authorization: Bearer <token>`; a client without the ActivityFeed.Read
permission (--denied-client) gets a token but 401 AF10001 on every data request.

Blobs: events not yet in a blob are grouped when a listing is asked for, per content type (n % 5),
--blob-size events a blob, contentCreated one second after the blob's newest event. Events added late
(/_late) therefore land in new blobs created in the past that only become visible now: Microsoft's
late publishing, which the client's lookback must re-list. Overlapping windows list the same blobs
again; /_stats "blob_fetches" counts fetches per contentId.

Vendor extras:
  POST /_expire {"listed": N, "fetch": M}   the N oldest unfetched blobs are listed as expired, the next M
                                            unfetched ones are listed as valid but answered AF20051
  faults "429ms" (429 AF429, no Retry-After), "disable" (this request's content type subscription is
         disabled and the request answered 400 AF20023), "badcursor" (a listing carrying nextPage is
         answered 400 AF20031; requests without one leave it queued), "expire" (tokens invalid: 401)

Command line: microsoft_365.py --events N --span S --tenant T --client-id C --client-secret X
              [--denied-client D] [--public-key-pem FILE --x5t THUMB] [--listing-page 10] [--blob-size 7]
              [--token-lifetime 3599] [--heavy CONTENT_TYPE] [--page-delay s]
"""
import calendar
import hashlib
import hmac
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse

import lookalike
from okta import b64url, b64url_decode, load_rsa_public_key, rs256_verify

CONTENT_TYPES = ["Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"]
SCOPE = "https://manage.office.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RETENTION = 7 * 86400
FEED = re.compile(r"^/api/v1\.0/([^/]+)/activity/feed/(subscriptions/start|subscriptions/content|audit/([^/?]+))$")
TOKEN = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?)?Z?$")


def af_error(code, message):
    return {"error": {"code": code, "message": message}}


def parse_time(text):
    """Seconds since the epoch for the formats the API takes (YYYY-MM-DD[THH:MM[:SS]], UTC), or None."""
    match = TIME.match(text or "")
    if not match:
        return None
    day, clock, seconds = match.groups()
    stamp = "%sT%s:%s" % (day, clock or "00:00", seconds or "00")
    try:
        return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def ms_time(t):
    return lookalike.iso_ms(int(round(t * 1000)))


class Blob:
    def __init__(self, content_type, content_id, created, entries):
        self.content_type = content_type
        self.content_id = content_id
        self.created = created
        self.entries = entries  # store entries (t, id, event)
        self.expired_listed = False
        self.expire_on_fetch = False


class Microsoft365:
    late_sorted = True

    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.tenant = arguments.tenant
        self.credentials, self.denied = lookalike.client_credentials(arguments)
        self.public_key = None
        if arguments.public_key_pem:
            with open(arguments.public_key_pem) as handle:
                self.public_key = load_rsa_public_key(handle.read())
        self.x5t = arguments.x5t
        self.listing_page = arguments.listing_page
        self.blob_size = arguments.blob_size
        self.token_lifetime = arguments.token_lifetime
        self.scheme = "https" if arguments.tls else "http"
        self.access_tokens = {}  # token -> (expiry, client id)
        self.subscriptions = {}  # content type -> "enabled" | "disabled"
        self.blobs = []
        self.assigned = set()
        self.key = secrets.token_bytes(16)
        store.stats.update({"blob_fetches": {}, "subscription_starts": {}, "listing_requests": 0})

    def expire_tokens(self):
        with self.lock:
            self.access_tokens.clear()

    # --- Blobs.

    def sync(self):
        """Puts events that are in no blob yet into new blobs (store lock held by the caller)."""
        fresh = {}
        for entry in self.store.events:
            if entry[1] in self.assigned:
                continue
            self.assigned.add(entry[1])
            fresh.setdefault(entry[2]["_contentType"], []).append(entry)
        for content_type, entries in fresh.items():
            entries.sort(key=lambda e: e[0])
            for start in range(0, len(entries), self.blob_size):
                chunk = entries[start:start + self.blob_size]
                created = round(chunk[-1][0] + 1, 3)
                stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(created)) + "%03d" % (int(created * 1000) % 1000)
                content_id = "%s000000$%s000000$%s$%s$emea0%03d" % (
                    stamp, stamp, content_type.lower().replace(".", "_"), content_type.replace(".", "_"), len(self.blobs) % 1000)
                self.blobs.append(Blob(content_type, content_id, created, chunk))
        self.blobs.sort(key=lambda b: (b.created, b.content_id))

    def expire_blobs(self, listed, fetch):
        with self.store.lock:
            self.sync()
            fetched = self.store.stats["blob_fetches"]
            candidates = [b for b in self.blobs if b.content_id not in fetched and not b.expired_listed and not b.expire_on_fetch]
            for blob in candidates[:listed]:
                blob.expired_listed = True
            for blob in candidates[listed:listed + fetch]:
                blob.expire_on_fetch = True
            return [e[1] for b in candidates[:listed + fetch] for e in b.entries]

    # --- Token endpoint.

    def audience_matches(self, handler, audience, tenant):
        parsed = urllib.parse.urlsplit(audience)
        try:
            port = parsed.port
        except ValueError:
            return False
        return (parsed.scheme == self.scheme and port == handler.server.server_address[1]
                and parsed.path == "/%s/oauth2/v2.0/token" % tenant and parsed.hostname in {"127.0.0.1", "localhost"})

    def check_assertion(self, handler, form, tenant):
        """The refusal reason, or None when the client assertion is good."""
        if self.public_key is None:
            return "certificate credentials are not configured"
        parts = form.get("client_assertion", "").split(".")
        if len(parts) != 3:
            return "client_assertion is not a compact JWS"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            return "client_assertion does not decode"
        if header.get("alg") != "RS256" or header.get("x5t") != self.x5t:
            return "header alg %r x5t %r" % (header.get("alg"), header.get("x5t"))
        if not rs256_verify(self.public_key, (parts[0] + "." + parts[1]).encode(), signature):
            return "signature"
        now = time.time()
        client = form.get("client_id")
        if claims.get("iss") != client or claims.get("sub") != client:
            return "iss/sub %r/%r" % (claims.get("iss"), claims.get("sub"))
        if not self.audience_matches(handler, claims.get("aud", ""), tenant):
            return "aud %r" % claims.get("aud")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < now or claims.get("nbf", 0) > now + 60 or not claims.get("jti"):
            return "exp/nbf/jti"
        return None

    def handle_token(self, handler, method, tenant, body):
        self.store.count("token_requests")
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if method != "POST" or form.get("grant_type") != "client_credentials":
            self.store.bad_request("token: grant_type %r" % form.get("grant_type"))
            handler.send_json(400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: The app requested an unsupported grant type."})
            return True
        if tenant != self.tenant:
            handler.send_json(400, {"error": "invalid_request", "error_description": "AADSTS90002: Tenant '%s' not found." % tenant})
            return True
        if form.get("scope") != SCOPE:
            self.store.bad_request("token: scope %r" % form.get("scope"))
            handler.send_json(400, {"error": "invalid_scope", "error_description": "AADSTS70011: The provided value for the input parameter 'scope' is not valid."})
            return True
        client = form.get("client_id")
        if client not in self.credentials:
            handler.send_json(400, {"error": "unauthorized_client", "error_description": "AADSTS700016: Application with identifier '%s' was not found." % client})
            return True
        if "client_assertion" in form:
            refusal = form.get("client_assertion_type") != ASSERTION_TYPE and "assertion type" or self.check_assertion(handler, form, tenant)
            if refusal:
                self.store.bad_request("token: " + refusal)
                handler.send_json(401, {"error": "invalid_client", "error_description": "AADSTS700027: Client assertion failed signature validation."})
                return True
        elif not hmac.compare_digest(form.get("client_secret", ""), self.credentials[client]):
            handler.send_json(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
            return True
        token = "eyJ0eXAiOiJKV1Qi.lookalike." + secrets.token_urlsafe(40)
        with self.lock:
            self.access_tokens[token] = (time.time() + self.token_lifetime, client)
        handler.send_json(200, {"token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime, "access_token": token})
        return True

    def authorize(self, handler):
        """The client the bearer token was issued to; answers 401 and returns None when there is none."""
        scheme, _, credential = handler.headers.get("Authorization", "").partition(" ")
        entry = None
        if scheme.lower() == "bearer":
            with self.lock:
                entry = self.access_tokens.get(credential.strip())
        if entry is None or entry[0] <= time.time():
            self.store.count("auth_failures")
            handler.send_json(401, af_error("AF10002", "The authentication token is invalid or expired."))
            return None
        if entry[1] in self.denied:
            self.store.count("auth_failures")
            handler.send_json(401, af_error("AF10001", "The permission set (ActivityFeed.ReadServiceHealth) sent in the request does not include the expected permission."))
            return None
        return entry[1]

    # --- Faults.

    def fault(self, handler, name):
        if name == "429ms":
            handler.send_json(429, af_error("AF429", "Too many requests. Method=GetBlob, PublisherId=%s" % self.tenant))
            return True
        if name == "disable":
            content_type = getattr(handler, "m365_content_type", None)
            if content_type is None:  # a blob request: stays queued for the next listing
                return self.store.requeue(name)
            with self.lock:
                self.subscriptions[content_type] = "disabled"
            handler.send_json(400, af_error("AF20023", "The subscription was disabled by Microsoft."))
            return True
        if name == "badcursor":
            if not getattr(handler, "m365_next_page", None):
                return self.store.requeue(name)
            handler.send_json(400, af_error("AF20031", "Invalid nextPage Input: %s." % handler.m365_next_page))
            return True
        raise ValueError("unknown fault %r" % name)

    def requeue(self, name):
        return self.store.requeue(name)

    # --- API.

    def handle_start(self, handler, method, query):
        if method != "POST":
            handler.send_json(405, af_error("AF20000", "The requested resource does not support http method '%s'." % method))
            return True
        parameters = dict(urllib.parse.parse_qsl(query))
        content_type = parameters.get("contentType")
        if content_type not in CONTENT_TYPES:
            self.store.bad_request("start: contentType %r" % content_type)
            handler.send_json(400, af_error("AF20020", "The specified content type is not valid."))
            return True
        if self.authorize(handler) is None:
            return True
        with self.lock:
            already = self.subscriptions.get(content_type) == "enabled"
            self.subscriptions[content_type] = "enabled"
        with self.store.lock:
            starts = self.store.stats["subscription_starts"]
            starts[content_type] = starts.get(content_type, 0) + 1
        if already:
            handler.send_json(400, af_error("AF20024", "The subscription is already enabled. No property change."))
        else:
            handler.send_json(200, {"contentType": content_type, "status": "enabled", "webhook": None})
        return True

    def sign(self, fields):
        raw = json.dumps(fields, separators=(",", ":")).encode()
        return b64url(raw + hmac.new(self.key, raw, hashlib.sha256).digest()[:12])

    def unsign(self, text):
        try:
            data = b64url_decode(text)
        except ValueError:
            return None
        raw, mac = data[:-12], data[-12:]
        if len(data) <= 12 or not hmac.compare_digest(hmac.new(self.key, raw, hashlib.sha256).digest()[:12], mac):
            return None
        return json.loads(raw)

    def handle_listing(self, handler, query):
        self.store.count("data_requests")
        self.store.count("listing_requests")
        parameters = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        content_type = parameters.get("contentType")
        handler.m365_content_type = content_type
        handler.m365_next_page = parameters.get("nextPage")
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        if self.authorize(handler) is None or handler.apply_fault():
            return True
        if content_type not in CONTENT_TYPES:
            self.store.bad_request("listing: contentType %r" % content_type)
            handler.send_json(400, af_error("AF20020", "The specified content type is not valid."))
            return True
        if parameters.get("PublisherIdentifier") != self.tenant:
            self.store.bad_request("listing: PublisherIdentifier %r" % parameters.get("PublisherIdentifier"))
        start, end, now = parse_time(parameters.get("startTime")), parse_time(parameters.get("endTime")), time.time()
        if start is None or end is None or not start < end or end - start > 86400 or start < now - RETENTION:
            self.store.bad_request("listing: window %r..%r" % (parameters.get("startTime"), parameters.get("endTime")))
            handler.send_json(400, af_error("AF20030", "Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past."))
            return True
        with self.lock:
            state = self.subscriptions.get(content_type)
        if state != "enabled":
            handler.send_json(400, af_error("AF20022", "No subscription found for the specified content type."))
            return True
        after = None
        if parameters.get("nextPage"):
            token = self.unsign(parameters["nextPage"])
            if token is None or token.get("c") != content_type or token.get("s") != parameters["startTime"] or token.get("e") != parameters["endTime"]:
                handler.send_json(400, af_error("AF20031", "Invalid nextPage Input: %s." % parameters["nextPage"]))
                return True
            after = tuple(token["a"])
        with self.store.lock:
            self.sync()
            listed = [b for b in self.blobs if b.content_type == content_type and start <= b.created < end
                      and (after is None or (b.created, b.content_id) > after)]
        page = listed[:self.listing_page]
        base = handler.base_url()
        feed = "%s/api/v1.0/%s/activity/feed" % (base, self.tenant)
        body = [{"contentType": b.content_type, "contentId": b.content_id,
                 "contentUri": "%s/audit/%s" % (feed, b.content_id),
                 "contentCreated": ms_time(b.created),
                 "contentExpiration": ms_time(now - 1 if b.expired_listed else b.created + RETENTION)} for b in page]
        headers = {}
        if len(listed) > len(page):
            last = page[-1]
            items = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != "nextPage"]
            items.append(("nextPage", self.sign({"c": content_type, "s": parameters["startTime"], "e": parameters["endTime"],
                                                   "a": [last.created, last.content_id]})))
            headers["NextPageUri"] = "%s/subscriptions/content?%s" % (feed, urllib.parse.urlencode(items))
        handler.page_delay()
        handler.send_json(200, body, headers)
        return True

    def handle_blob(self, handler, content_id):
        self.store.count("data_requests")
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()
        if self.authorize(handler) is None or handler.apply_fault():
            return True
        with self.store.lock:
            blob = next((b for b in self.blobs if b.content_id == content_id), None)
            if blob is not None:
                fetches = self.store.stats["blob_fetches"]
                fetches[content_id] = fetches.get(content_id, 0) + 1
        if blob is None:
            handler.send_json(404, af_error("AF20050", "The specified content (%s) does not exist." % content_id))
            return True
        if blob.expired_listed or blob.expire_on_fetch:
            handler.send_json(400, af_error("AF20051", "Content requested with the key %s has already expired. Content older than 7 days cannot be retrieved." % content_id))
            return True
        handler.page_delay()
        handler.send_json(200, [{k: v for k, v in e[2].items() if not k.startswith("_")} for e in blob.entries])
        return True

    def handle(self, handler, method, path, query, body):
        if path == "/_expire" and method == "POST":
            request = json.loads(body or b"{}")
            handler.send_json(200, {"ids": self.expire_blobs(int(request.get("listed", 0)), int(request.get("fetch", 0)))})
            return True
        match = TOKEN.match(path)
        if match:
            return self.handle_token(handler, method, match.group(1), body)
        match = FEED.match(path)
        if not match:
            return False
        if match.group(1) != self.tenant:
            handler.send_json(400, af_error("AF20010", "The tenant ID passed in the URL (%s) does not match the tenant ID passed in the access token." % match.group(1)))
            return True
        if match.group(2) == "subscriptions/start":
            return self.handle_start(handler, method, query)
        if match.group(2) == "subscriptions/content":
            return self.handle_listing(handler, query)
        return self.handle_blob(handler, urllib.parse.unquote(match.group(3)))


# --- Events.

PEOPLE = ["ana.perez", "juergen.weiss", "zoe.chen", "kwame.mensah", "priya.raman", "it.admin"]
OPERATIONS = {
    "Audit.AzureActiveDirectory": [("UserLoggedIn", 15, "AzureActiveDirectory"), ("UserLoginFailed", 15, "AzureActiveDirectory"),
                                   ("Add member to role.", 8, "AzureActiveDirectory")],
    "Audit.Exchange": [("MailItemsAccessed", 50, "Exchange"), ("New-InboxRule", 1, "Exchange"), ("Set-Mailbox", 1, "Exchange")],
    "Audit.SharePoint": [("FileDownloaded", 6, "SharePoint"), ("SharingSet", 14, "OneDrive"), ("FileAccessed", 6, "SharePoint")],
    "Audit.General": [("TeamCreated", 25, "MicrosoftTeams"), ("MemberAdded", 25, "MicrosoftTeams"), ("MessagesExported", 25, "MicrosoftTeams")],
    "DLP.All": [("DlpRuleMatch", 11, "Exchange"), ("DlpRuleMatch", 13, "SharePoint")],
}


# --heavy CONTENT_TYPE: six events in ten go to that content type (a tenant whose Exchange log
# dwarfs the rest). Read here because the store makes its events before the arguments are parsed.
HEAVY = sys.argv[sys.argv.index("--heavy") + 1] if "--heavy" in sys.argv else None


def make_event(n, event_id, t):
    content_type = HEAVY if HEAVY and n % 10 < 6 else CONTENT_TYPES[n % len(CONTENT_TYPES)]
    operation, record_type, workload = OPERATIONS[content_type][(n // len(CONTENT_TYPES)) % len(OPERATIONS[content_type])]
    person = PEOPLE[n % len(PEOPLE)]
    ip = "2001:db8::%x" % (n % 65535 + 1) if n % 3 == 2 else "%s.%d" % (["198.51.100", "203.0.113"][n % 2], n % 254 + 1)
    event = {
        "_contentType": content_type,
        "CreationTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)),
        "Id": event_id,
        "Operation": operation,
        "OrganizationId": "b7e1c0de-1111-4222-8333-444455556666",
        "RecordType": record_type,
        "ResultStatus": "Failed" if operation == "UserLoginFailed" else "Succeeded",
        "UserKey": "1003200%08X" % (n * 7919 % (1 << 32)),
        "UserType": 0,
        "Version": 1,
        "Workload": workload,
        "ClientIP": ip,
        "ObjectId": "https://contoso.sharepoint.com/sites/finance/doc%d.xlsx" % n if workload in ("SharePoint", "OneDrive") else person + "@contoso.com",
        "UserId": person + "@contoso.com",
    }
    if content_type == "DLP.All":
        event["PolicyDetails"] = [{"PolicyId": "0f5e1a2b-0000-4000-8000-%012d" % (n % 7), "PolicyName": "PCI data", "Rules": [
            {"RuleId": "r-%d" % (n % 3), "RuleName": "Credit card numbers", "Severity": "High", "Actions": ["NotifyUser"]}]}]
    return event


if __name__ == "__main__":
    lookalike.serve(Microsoft365(), make_event, [
        lambda parser: parser.add_argument("--tenant", required=True),
        lambda parser: parser.add_argument("--client-id", required=True),
        lambda parser: parser.add_argument("--client-secret", required=True),
        lambda parser: parser.add_argument("--denied-client"),
        lambda parser: parser.add_argument("--denied-secret"),
        lambda parser: parser.add_argument("--public-key-pem", help="PEM public key of the app's certificate (client assertions)"),
        lambda parser: parser.add_argument("--x5t", help="base64url SHA-1 thumbprint the assertion header must carry"),
        lambda parser: parser.add_argument("--listing-page", type=int, default=10),
        lambda parser: parser.add_argument("--blob-size", type=int, default=7),
        lambda parser: parser.add_argument("--token-lifetime", type=int, default=3599),
        lambda parser: parser.add_argument("--heavy", choices=CONTENT_TYPES),
    ])
