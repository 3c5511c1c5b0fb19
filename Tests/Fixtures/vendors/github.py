"""GitHub audit log look-alike: GET /orgs/{org}/audit-log and GET /enterprises/{enterprise}/audit-log.

Auth: `Authorization: Bearer <token>` or `Authorization: token <token>` (a classic PAT).
  wrong/missing token   401 {"message":"Bad credentials","documentation_url":...}
  --denied-token        403 {"message":"Must have admin rights to Repository.",...}, with
                        X-OAuth-Scopes/X-Accepted-OAuth-Scopes and X-RateLimit-Remaining > 0
  wrong org/enterprise  404 {"message":"Not Found","documentation_url":...}
Query parameters:
  phrase     audit-log search syntax; must hold both `created:>=<ISO 8601 Z>` and
             `created:<<ISO 8601 Z>` (a missing bound is recorded as a bad request and defaults to
             now-90 days / no end, as GitHub searches only three months without `created`); other
             qualifiers (action:, actor:, ...) are recorded and ignored. An unparseable date -> 422.
  include    web (default: the Store's events) | git (M git.clone/git.fetch/git.push events, only
             those of the last 7 days exist) | all (both, merged by time); other values -> 422
  order      asc is required (anything else is recorded as a bad request and served ascending)
  per_page   1..100, default 30; above 100 (or not an integer) -> 422 {"message": ...}
  after      opaque cursor from the Link header: base64("<ms as %.12e>|<_document_id>"), the last
             event served; the next page starts strictly after it in (@timestamp, _document_id)
             order. A cursor this server cannot read -> 422 {"message":"Invalid cursor"}.
Answer: a JSON array ascending by `@timestamp` (epoch ms). Link header:
  <base/orgs/acme/audit-log?<request params minus after>&after=CURSOR>; rel="next",
  <base/orgs/acme/audit-log?<request params minus after>&after=>; rel="first"
  (rel="next" only when more events match; all values percent-encoded, base from the Host header).
Rate limit: every audit-log answer carries X-RateLimit-Limit (--rate-limit, 1750 by default),
  -Remaining, -Reset (epoch s, end of the 1-hour window opened by the first request), -Used and
  X-RateLimit-Resource: audit_log. A request past the limit -> 403 {"message":"API rate limit
  exceeded for user ID 12345678. ..."} with X-RateLimit-Remaining: 0 (stats "rate_limited").
Vendor faults: "403limit" (403, remaining 0, reset now+3), "429gh" (429 secondary limit,
  Retry-After: 2), "badcursor" (a request carrying `after` gets 422 Invalid cursor; stays queued
  until one does), "expire" (the PAT is revoked: 401 Bad credentials from then on).
Stats: "ids" are web event ids (_document_id), "git_ids" the git events' ids.

Command line: github.py --events N --span S [--newest-age A] --token T [--denied-token D]
                        [--org acme] [--enterprise acme-ent] [--rate-limit 1750] [--page-delay s]
                        [--git-events M]
"""
import base64
import hashlib
import math
import re
import threading
import time
import urllib.parse

import lookalike

DOCS = "https://docs.github.com/rest"
AUDIT_DOCS = "https://docs.github.com/rest/orgs/orgs#get-the-audit-log-for-an-organization"
ENTERPRISE_DOCS = "https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/audit-log#get-the-audit-log-for-an-enterprise"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
GIT_RETENTION = 7 * 86400
DEFAULT_LOOKBACK = 90 * 86400
KNOWN_PARAMETERS = {"phrase", "include", "order", "per_page", "after", "before", "page"}
ORG_PATH = re.compile(r"^/orgs/([^/]+)/audit-log/?$")
ENTERPRISE_PATH = re.compile(r"^/enterprises/([^/]+)/audit-log/?$")
CREATED = re.compile(r"^created:(>=|>|<=|<)(.+)$")
USER_ID = 12345678


def b64url_id(seed):
    return base64.urlsafe_b64encode(hashlib.md5(seed.encode()).digest()).decode().rstrip("=")


class GitHub:
    def configure(self, arguments, store):
        self.store = store
        self.lock = threading.Lock()
        self.token = arguments.token
        self.denied_token = arguments.denied_token
        self.org = arguments.org
        self.enterprise = arguments.enterprise
        self.rate_limit = arguments.rate_limit
        self.revoked = False
        self.window_end = 0.0
        self.window_count = 0
        now = time.time()
        span = min(arguments.span, GIT_RETENTION - 3600)
        count = arguments.git_events
        self.git_events = []  # (time_seconds, id, event), sorted by time
        for n in range(count):
            t = round(lookalike.spread_time(now, n, count, span, arguments.newest_age), 3)
            event_id = b64url_id("git-%d" % n)
            self.git_events.append((t, event_id, make_git_event(n, event_id, t)))
        with store.lock:
            store.stats["rate_limited"] = 0
            store.stats["git_ids"] = [e[1] for e in self.git_events]

    def expire_tokens(self):
        with self.lock:
            self.revoked = True  # a PAT cannot be refreshed: this models a revoked token

    # --- Rate limit.

    def rate(self, consume=True):
        """(headers, over the limit) for this request; `consume` counts it in the 1-hour window."""
        with self.lock:
            now = time.time()
            if now >= self.window_end:
                self.window_end = now + 3600
                self.window_count = 0
            if consume:
                self.window_count += 1
            remaining = self.rate_limit - self.window_count
            headers = {"X-RateLimit-Limit": str(self.rate_limit),
                       "X-RateLimit-Remaining": str(max(remaining, 0)),
                       "X-RateLimit-Reset": str(int(math.ceil(self.window_end))),
                       "X-RateLimit-Used": str(min(self.window_count, self.rate_limit)),
                       "X-RateLimit-Resource": "audit_log",
                       "X-GitHub-Media-Type": "github.v3; format=json",
                       "X-GitHub-Api-Version-Selected": "2022-11-28"}
            return headers, remaining < 0

    # --- Faults.

    def fault(self, handler, name):
        if name == "403limit":
            headers, _ = self.rate(consume=False)
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Used": str(self.rate_limit),
                            "X-RateLimit-Reset": str(int(time.time()) + 3)})
            handler.send_json(403, {"message": "API rate limit exceeded for user ID %d. If you reach out to GitHub "
                                               "Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
                                               % USER_ID, "documentation_url": RATE_DOCS, "status": "403"}, headers)
            return True
        if name == "429gh":
            headers, _ = self.rate(consume=False)
            headers["Retry-After"] = "2"
            handler.send_json(429, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                                               "before you try again. If you reach out to GitHub Support for help, "
                                               "please include the request ID 0000:0000:0000000:0000000:00000000.",
                                    "documentation_url": RATE_DOCS + "#about-secondary-rate-limits", "status": "429"}, headers)
            return True
        if name == "badcursor":
            if getattr(handler, "github_parameters", {}).get("after"):
                headers, _ = self.rate(consume=False)
                handler.send_json(422, {"message": "Invalid cursor", "documentation_url": AUDIT_DOCS, "status": "422"}, headers)
                return True
            return self.store.requeue(name)  # not consumed: waits for a request that carries `after`
        raise ValueError("unknown fault %r" % name)

    # --- Requests.

    def authorize(self, handler):
        """True when the token may read the audit log; otherwise answers 401/403 and returns False."""
        value = handler.headers.get("Authorization") or ""
        scheme, _, credential = value.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() in ("bearer", "token") and credential:
            with self.lock:
                revoked = self.revoked
            if credential == self.token and not revoked:
                return True
            if self.denied_token and credential == self.denied_token:
                self.store.count("auth_failures")
                headers, _ = self.rate()
                if headers["X-RateLimit-Remaining"] == "0":
                    headers["X-RateLimit-Remaining"] = "1"  # a permission 403 never looks like a rate limit
                headers["X-OAuth-Scopes"] = "repo"
                headers["X-Accepted-OAuth-Scopes"] = "read:audit_log"
                handler.send_json(403, {"message": "Must have admin rights to Repository.",
                                        "documentation_url": AUDIT_DOCS, "status": "403"}, headers)
                return False
        self.store.count("auth_failures")
        headers, _ = self.rate(consume=False)
        handler.send_json(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, headers)
        return False

    def unprocessable(self, handler, headers, message, reason):
        self.store.bad_request(reason)
        handler.send_json(422, {"message": message, "documentation_url": AUDIT_DOCS, "status": "422"}, headers)
        return True

    def parse_phrase(self, phrase):
        """(start_ms, end_ms, problems, error): the created bounds the phrase gives."""
        start = end = None
        problems = []
        for term in phrase.split():
            match = CREATED.match(term)
            if not match:
                problems.append("phrase term %r is not implemented by the look-alike (ignored)" % term)
                continue
            operator, text = match.groups()
            us = lookalike.parse_iso_us(text)
            if us is None:
                return None, None, problems, "created:%s%s is not an ISO 8601 date-time" % (operator, text)
            if not text.endswith("Z"):
                problems.append("created:%s%s is not in UTC with a Z" % (operator, text))
            floor_ms, ceil_ms = us // 1000, -(-us // 1000)
            if operator == ">=":
                start = ceil_ms
            elif operator == "<":
                end = ceil_ms
            else:
                problems.append("created:%s used (created:>= and created:< expected)" % operator)
                if operator == ">":
                    start = floor_ms + 1
                else:
                    end = floor_ms + 1
        return start, end, problems, None

    def handle(self, handler, method, path, query, body):
        org_match, ent_match = ORG_PATH.match(path), ENTERPRISE_PATH.match(path)
        if not org_match and not ent_match:
            if path.startswith("/orgs/") or path.startswith("/enterprises/"):
                handler.send_json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
                return True
            return False
        self.store.count("data_requests")
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        parameters = dict(pairs)
        handler.github_parameters = parameters
        with self.store.lock:
            expire_next = self.store.faults[:1] == ["expire"]
        if expire_next:
            handler.apply_fault()  # the token is revoked before the auth check sees this request
        if not self.authorize(handler):
            return True
        if handler.apply_fault():
            return True
        headers, limited = self.rate()
        if limited:
            self.store.count("rate_limited")
            handler.send_json(403, {"message": "API rate limit exceeded for user ID %d. If you reach out to GitHub "
                                               "Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
                                               % USER_ID, "documentation_url": RATE_DOCS, "status": "403"}, headers)
            return True
        if method != "GET":
            handler.send_json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, headers)
            return True
        if (org_match and org_match.group(1).lower() != self.org.lower()) or \
                (ent_match and ent_match.group(1).lower() != self.enterprise.lower()):
            self.store.bad_request("audit-log: unknown %s" % path)
            handler.send_json(404, {"message": "Not Found",
                                    "documentation_url": AUDIT_DOCS if org_match else ENTERPRISE_DOCS, "status": "404"}, headers)
            return True

        for name in parameters:
            if name not in KNOWN_PARAMETERS:
                self.store.bad_request("audit-log: unknown parameter %r" % name)
            elif name in ("before", "page") and parameters[name]:
                self.store.bad_request("audit-log: %s is not implemented by the look-alike (ignored)" % name)
        per_page_text = parameters.get("per_page", "30")
        if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= 100:
            return self.unprocessable(handler, headers, "per_page must be an integer between 1 and 100 (got %s)" % per_page_text,
                                      "audit-log: per_page=%r" % per_page_text)
        per_page = int(per_page_text)
        include = parameters.get("include", "web") or "web"
        if include not in ("web", "git", "all"):
            return self.unprocessable(handler, headers, "include must be one of: web, git, all",
                                      "audit-log: include=%r" % include)
        if parameters.get("order") != "asc":
            self.store.bad_request("audit-log: order=%r (asc required; served ascending)" % parameters.get("order"))
        start, end, problems, error = self.parse_phrase(parameters.get("phrase", ""))
        if error:
            return self.unprocessable(handler, headers, "Invalid phrase: " + error, "audit-log: " + error)
        for problem in problems:
            self.store.bad_request("audit-log: " + problem)
        now = time.time()
        if start is None:
            self.store.bad_request("audit-log: phrase has no created:>= bound")
            start = int((now - DEFAULT_LOOKBACK) * 1000)
        if end is None:
            self.store.bad_request("audit-log: phrase has no created:< bound")
            end = 1 << 62
        after = None
        if parameters.get("after"):
            after = parse_cursor(parameters["after"])
            if after is None:
                return self.unprocessable(handler, headers, "Invalid cursor",
                                          "audit-log: after=%r is not a cursor this server issued" % parameters["after"])

        entries = []
        if include in ("web", "all"):
            with self.store.lock:
                entries.extend(self.store.events)
        if include in ("git", "all"):
            entries.extend(e for e in self.git_events if e[0] >= now - GIT_RETENTION)
        keyed = sorted(((lookalike.event_ms(e), e[1]), e[2]) for e in entries if start <= lookalike.event_ms(e) < end)
        if after is not None:
            keyed = [k for k in keyed if k[0] > after]
        page = keyed[:per_page]

        base = handler.base_url() + path
        kept = [(k, v) for k, v in pairs if k != "after"]
        links = []
        if len(keyed) > per_page:
            cursor = make_cursor(*page[-1][0])
            links.append('<%s?%s>; rel="next"' % (base, urllib.parse.urlencode(kept + [("after", cursor)], quote_via=urllib.parse.quote)))
        links.append('<%s?%s>; rel="first"' % (base, urllib.parse.urlencode(kept + [("after", "")], quote_via=urllib.parse.quote)))
        headers["Link"] = ", ".join(links)
        handler.page_delay()
        handler.send_json(200, [event for _, event in page], headers)
        return True


def make_cursor(ms, document_id):
    return base64.b64encode(("%.12e|%s" % (ms, document_id)).encode()).decode()


def parse_cursor(text):
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
        stamp, document_id = decoded.split("|", 1)
        return int(round(float(stamp))), document_id
    except (ValueError, UnicodeDecodeError):
        return None


# --- Events (field names as in Tests/NormalizersTests/Fixtures/emm/github.audit_log.jsonl).

PEOPLE = [("john.doe", 12345678), ("alice.brown", 95659676), ("gh-automate-prod", 92325258),
          ("zoë.müller", 40211873), ("kwame.mensah", 71230045)]
COUNTRIES = ["US", "DE", "GB", "CA", "IN"]
REPOS = [("acme/example-repo", 100056789), ("acme/payments", 641582886), ("acme/ÜberTool", 522113401)]
TEAMS = ["acme/dev-leads", "acme/approvers", "acme/security"]
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36",
          "python-requests/2.25.0", "GitHub-Hookshot/5a7b4a1"]
# action, operation_type
WEB_ACTIONS = [("org.add_member", "create"), ("repo.create", "create"), ("team.add_member", "modify"),
               ("protected_branch.update", "modify"), ("oauth_application.create", "create"),
               ("org.remove_member", "remove"), ("repo.destroy", "remove"), ("team.update_repository_permission", "modify"),
               ("hook.destroy", "remove"), ("org.sso_response", "authentication"), ("repo.add_member", "create"),
               ("workflows.created_workflow_run", "create")]
GIT_ACTIONS = [("git.clone", "access"), ("git.fetch", "access"), ("git.push", "modify")]


def org_event(n, event_id, t, actions, ip_prefix):
    """The fields every audit-log entry of the org carries, for the n-th event of `actions`."""
    action, operation = actions[n % len(actions)]
    actor, actor_id = PEOPLE[n % len(PEOPLE)]
    repo, repo_id = REPOS[n % len(REPOS)]
    ms = int(round(t * 1000))
    return {
        "@timestamp": ms,
        "_document_id": event_id,
        "action": action,
        "actor": actor,
        "actor_id": actor_id,
        "actor_ip": lookalike.client_ip(n, "%s.%d" % (ip_prefix, n % 254 + 1)),
        "actor_location": {"country_code": COUNTRIES[n % len(COUNTRIES)]},
        "business": "acme-ent",
        "business_id": 1122,
        "created_at": ms,
        "operation_type": operation,
        "org": "acme",
        "org_id": 1234000,
        "repo": repo,
        "repo_id": repo_id,
    }


def make_event(n, event_id, t):
    event = org_event(n, event_id, t, WEB_ACTIONS, "198.51.100")
    action = event["action"]
    user, user_id = PEOPLE[(n + 1) % len(PEOPLE)]
    event.update({"public_repo": n % 4 == 0, "user": user, "user_id": user_id, "user_agent": AGENTS[n % len(AGENTS)]})
    if action.startswith("team."):
        event["team"] = TEAMS[n % len(TEAMS)]
    if action in ("org.add_member", "repo.add_member"):
        event["permission"] = "write" if n % 2 else "read"
    if action == "protected_branch.update":
        event["branch"] = "refs/heads/main"
    if action == "oauth_application.create":
        event["oauth_application"] = "acme-ci"
    if n % 3 == 1:
        event["programmatic_access_type"] = "Personal access token (classic)"
        event["hashed_token"] = base64.b64encode(hashlib.sha256(("token-%d" % (n % 5)).encode()).digest()).decode()
        event["token_id"] = 720527199 + n % 5
    return event


def make_git_event(n, event_id, t):
    event = org_event(n, event_id, t, GIT_ACTIONS, "203.0.113")
    event.update({"repository": event["repo"], "repository_public": False,
                  "transport_protocol": 2 if n % 2 else 1, "transport_protocol_name": "ssh" if n % 2 else "http",
                  "user": event["actor"], "user_id": event["actor_id"]})
    return event


if __name__ == "__main__":
    lookalike.serve(GitHub(), make_event, [
        lambda p: p.add_argument("--token", required=True, help="classic PAT with read:audit_log"),
        lambda p: p.add_argument("--denied-token", help="PAT without the scope (403, not a rate limit)"),
        lambda p: p.add_argument("--org", default="acme"),
        lambda p: p.add_argument("--enterprise", default="acme-ent"),
        lambda p: p.add_argument("--rate-limit", type=int, default=1750, help="audit-log requests per 1-hour window"),
        lambda p: p.add_argument("--git-events", type=int, default=0, help="git.clone/fetch/push events of the last 7 days"),
    ])
