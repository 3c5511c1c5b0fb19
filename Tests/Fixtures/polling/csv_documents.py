"""A list-then-fetch API of CSV documents for the polling kit's tests, shaped like Salesforce's
EventLogFile: a keyset-paged listing of documents and each document's CSV at a relative URL.
Threaded HTTP/1.1 on 127.0.0.1 (ephemeral port, printed as `PORT n`); exits when stdin closes.

Data:
  GET /query?from=F&to=T&limit=N[&t=TIME&id=ID]  documents with F <= created < T, after (TIME, ID)
      when given, ordered by (created, id), at most N: {"records":[{"Id","CreatedDate","LogFile",
      "LogFileLength"}],"done":true}. Times are compared as text (all in one format).
  GET /files/<id>                                the document's CSV (text/csv, Content-Length)
Control (no auth):
  POST /_documents {"documents":[{"id","created","csv": "<text>"}
                                 | {"id","created","generate": {"rows": N}}]}
      `generate` streams N fixed-width rows computed as they are sent (never held in memory):
      header EVENT_TYPE,TIMESTAMP,REQUEST_ID,ROW,URI,MESSAGE, row n (from 1) has ROW = n padded
      to 10 digits and a quoted MESSAGE holding a comma, a doubled quote and a CRLF.
  POST /_faults {"<id>": [500, 404, ...]}       the next fetches of that document answer these
  GET  /_stats  {"listing_requests": n, "fetches": {"<id>": n}, "bad_requests": [...]}
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
DOCUMENTS = {}  # id -> {"id", "created", "csv" bytes | "rows" int}
FAULTS = {}
STATS = {"listing_requests": 0, "fetches": {}, "bad_requests": []}

HEADER = b"EVENT_TYPE,TIMESTAMP,REQUEST_ID,ROW,URI,MESSAGE\r\n"


def generated_row(n):
    # Every row has the same length, so the size is known before sending.
    return (b'API,2026-03-01T10:00:00.000Z,REQ%010d,%010d,/services/data/v62.0/query,'
            b'"row %010d, with ""quotes"" and a\r\nline break in its message field padding padding padding padding"\r\n'
            % (n % 1000, n, n))


ROW_LENGTH = len(generated_row(1))


def document_length(document):
    if "csv" in document:
        return len(document["csv"])
    return len(HEADER) + ROW_LENGTH * document["rows"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        path = urlparse(self.path).path
        with LOCK:
            if path == "/_documents":
                for item in body["documents"]:
                    document = {"id": item["id"], "created": item["created"]}
                    if "csv" in item:
                        document["csv"] = item["csv"].encode("utf-8")
                    else:
                        document["rows"] = int(item["generate"]["rows"])
                    DOCUMENTS[item["id"]] = document
            elif path == "/_faults":
                for key, statuses in body.items():
                    FAULTS.setdefault(key, []).extend(statuses)
            else:
                return self.answer(404, b"{}")
        self.answer(200, b"{}")

    def do_GET(self):
        parsed = urlparse(self.path)
        if parsed.path == "/_stats":
            with LOCK:
                return self.answer(200, json.dumps(STATS).encode())
        if parsed.path == "/query":
            return self.listing(parse_qs(parsed.query))
        if parsed.path.startswith("/files/"):
            return self.document(parsed.path[len("/files/"):])
        self.answer(404, b'{"error":"not found"}')

    def listing(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values else None
        start, end, limit = one("from"), one("to"), one("limit")
        if start is None or end is None or limit is None:
            with LOCK:
                STATS["bad_requests"].append(self.path)
            return self.answer(400, b'{"error":"from, to and limit are required"}')
        after = (one("t"), one("id") or "") if one("t") is not None else None
        with LOCK:
            STATS["listing_requests"] += 1
            rows = sorted(DOCUMENTS.values(), key=lambda d: (d["created"], d["id"]))
            rows = [d for d in rows if start <= d["created"] < end and (after is None or (d["created"], d["id"]) > after)]
            records = [{"attributes": {"type": "EventLogFile"}, "Id": d["id"], "CreatedDate": d["created"],
                        "LogFile": "/files/" + d["id"], "LogFileLength": document_length(d)} for d in rows[:int(limit)]]
        self.answer(200, json.dumps({"records": records, "done": True, "totalSize": len(records)}).encode())

    def document(self, document_id):
        with LOCK:
            document = DOCUMENTS.get(document_id)
            STATS["fetches"][document_id] = STATS["fetches"].get(document_id, 0) + 1
            queued = FAULTS.get(document_id)
            fault = queued.pop(0) if queued else None
        if fault is not None:
            return self.answer(fault, json.dumps({"error": "fault %d" % fault}).encode())
        if document is None:
            return self.answer(404, b'{"error":"no such document"}')
        if "csv" in document:
            return self.answer(200, document["csv"], "text/csv")
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(document_length(document)))
        self.end_headers()
        self.wfile.write(HEADER)
        batch = []
        for n in range(1, document["rows"] + 1):
            batch.append(generated_row(n))
            if len(batch) == 2000:
                self.wfile.write(b"".join(batch))
                batch = []
        if batch:
            self.wfile.write(b"".join(batch))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client aborting a download it finds too large is part of the tests, not an error.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the test closed our stdin (or died): stop


if __name__ == "__main__":
    main()
