#!/usr/bin/env python3
"""A GitHub webhook sender for the process-level tests: real HTTP over real sockets, signed like
GitHub signs (X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>). Every command prints
one JSON object on stdout.

  send      one delivery (optionally chunked, unsigned or badly signed)
  burst     N deliveries at once, each on its own connection
  oversize  a body larger than the limit, streamed until the server answers
  slow      a slowloris client: headers or body one byte at a time
"""
import argparse
import hashlib
import hmac
import json
import socket
import sys
import threading
import time


def payload(delivery, size=0):
    event = {"action": "created", "sender": {"login": "octo", "id": 1},
             "repository": {"full_name": "acme/app"}, "delivery_under_test": delivery}
    if size:
        event["padding"] = "x" * max(0, size - len(json.dumps(event)) - 20)
    return json.dumps(event, separators=(",", ":")).encode()


def sign(body, secret):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def connect(args):
    """A connection to the sidecar: TLS, verified against --cafile, when it is given."""
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=60)
    if args.cafile:
        import ssl
        context = ssl.create_default_context(cafile=args.cafile)
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    return sock


def request_head(args, body_length=None, chunked=False, signature=None, event="repository", delivery=None):
    lines = [f"POST /webhooks/{args.source} HTTP/1.1", f"Host: 127.0.0.1:{args.port}",
             "Content-Type: application/json", f"X-GitHub-Event: {event}", "X-GitHub-Hook-ID: 4242",
             "User-Agent: GitHub-Hookshot/test"]
    if delivery:
        lines.append(f"X-GitHub-Delivery: {delivery}")
    if signature:
        lines.append(f"X-Hub-Signature-256: {signature}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif body_length is not None:
        lines.append(f"Content-Length: {body_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock, timeout=30):
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep and head.startswith(b"HTTP/1.1 100"):
                data = rest
                continue
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if len(rest) >= length:
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    return parse(data)


def parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        return {"status": 0, "headers": {}, "body": ""}
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return {"status": int(lines[0].split()[1]), "headers": headers, "body": body.decode(errors="replace")}


def deliver(args, delivery, body, signature, chunked=False, event="repository"):
    with connect(args) as sock:
        if chunked:
            sock.sendall(request_head(args, chunked=True, signature=signature, event=event, delivery=delivery))
            for start in range(0, len(body), 1000):
                piece = body[start:start + 1000]
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        else:
            sock.sendall(request_head(args, len(body), signature=signature, event=event, delivery=delivery) + body)
        return read_response(sock)


def send(args):
    body = payload(args.delivery, args.size)
    secret = args.secret
    signature = None if args.unsigned else sign(body, secret)
    if args.tamper:
        body = body.replace(b"octo", b"evil")
    result = deliver(args, args.delivery, body, signature, chunked=args.chunked, event=args.event)
    print(json.dumps(result))


def burst(args):
    results = [None] * args.count
    barrier = threading.Barrier(args.count)

    def one(index):
        delivery = f"{args.prefix}-{index % args.distinct if args.distinct else index}"
        body = payload(delivery)
        try:
            barrier.wait(timeout=60)
            results[index] = deliver(args, delivery, body, sign(body, args.secret))["status"]
        except Exception as error:  # reported, counted as a failure by the test
            results[index] = f"{type(error).__name__}: {error}"

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = {}
    for status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    print(json.dumps({"statuses": statuses, "seconds": round(time.monotonic() - started, 3)}))


def oversize(args):
    """Streams a body of args.bytes until the server answers (or 60 s pass)."""
    sock = connect(args)
    signature = "sha256=" + "0" * 64
    sock.sendall(request_head(args, None if args.chunked else args.bytes, chunked=args.chunked, signature=signature,
                              delivery="oversize"))
    sent = 0
    chunk = b"y" * 65536
    response = b""
    sock.setblocking(False)
    deadline = time.monotonic() + 60
    import select
    while time.monotonic() < deadline:
        readable, writable, _ = select.select([sock], [sock] if sent < args.bytes else [], [], 1)
        if readable:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            response += data
            if not data or b"\r\n\r\n" in response:
                break
        if writable:
            piece = chunk[:min(len(chunk), args.bytes - sent)]
            framed = (b"%x\r\n" % len(piece) + piece + b"\r\n") if args.chunked else piece
            try:
                written = sock.send(framed)
                # Chunk framing is only ever sent whole or the test treats it as cut off.
                sent += len(piece) if args.chunked and written == len(framed) else (written if not args.chunked else 0)
                if args.chunked and written != len(framed):
                    break
            except (BrokenPipeError, ConnectionResetError):
                break
            except BlockingIOError:
                pass
    sock.close()
    result = parse(response)
    result["sent"] = sent
    print(json.dumps(result))


def slow(args):
    """Sends the request one byte every args.interval seconds; reports when the server gave up."""
    body = payload("slow", args.size)
    data = request_head(args, len(body), signature=sign(body, args.secret), delivery="slow")
    if args.mode == "body":
        prefix, trickle = data, body
    else:
        prefix, trickle = b"", data + body
    sock = connect(args)
    started = time.monotonic()
    sock.sendall(prefix)
    sent = 0
    response = b""
    sock.settimeout(args.interval)
    closed_after = None
    while sent < len(trickle) and time.monotonic() - started < args.give_up:
        try:
            sock.sendall(trickle[sent:sent + 1])
            sent += 1
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - started
            break
        try:
            data = sock.recv(65536)
            if not data:
                closed_after = time.monotonic() - started
                break
            response += data
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed_after = time.monotonic() - started
            break
    result = parse(response)
    result["closedAfter"] = closed_after
    result["bytesSent"] = sent
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["send", "burst", "oversize", "slow"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", default="gh")
    parser.add_argument("--cafile", help="speak TLS, trusting this CA (the sidecar's webhooks.tls certificate)")
    parser.add_argument("--secret", default="")
    parser.add_argument("--delivery", default="d-1")
    parser.add_argument("--event", default="repository")
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--unsigned", action="store_true")
    parser.add_argument("--tamper", action="store_true")
    parser.add_argument("--chunked", action="store_true")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--prefix", default="burst")
    parser.add_argument("--distinct", type=int, default=0, help="burst: only this many delivery ids (the rest are twins)")
    parser.add_argument("--bytes", type=int, default=30 << 20)
    parser.add_argument("--mode", choices=["headers", "body"], default="headers")
    parser.add_argument("--interval", type=float, default=0.3)
    parser.add_argument("--give-up", dest="give_up", type=float, default=30)
    args = parser.parse_args()
    {"send": send, "burst": burst, "oversize": oversize, "slow": slow}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
