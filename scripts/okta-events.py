#!/usr/bin/env python3
"""Writes N Okta System Log events as NDJSON, made by the Okta look-alike's own generator
(Tests/Fixtures/vendors/okta.py), with client addresses that the MaxMind test City and ASN databases
both resolve (lookalike.MMDB_TEST_CLIENT_IPS), so every event can be enriched. The output is the
same for the same arguments (ids, times and addresses follow the event number).

Variants:
  2k  the look-alike's events as served (~1.87 KiB average, 1.6-2.1 KiB)
  1k  the same events without Okta's own geo and context objects (client and ipChain
      geographicalContext, securityContext, authenticationContext, debugContext): ~1.0 KiB average

Usage: scripts/okta-events.py --events 1000000 --variant 1k --out events.ndjson
Prints "<events> <bytes>" on stdout when done.
"""
import argparse
import json
import os
import sys
import uuid

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Tests/Fixtures/vendors"))
import lookalike  # noqa: E402
import okta  # noqa: E402

# 2026-12-01T00:00:00Z; events are 10 ms apart, so 1M events span under three hours.
FIRST_EVENT_TIME = 1_796_083_200.0
SLIM_DROPPED_KEYS = ("securityContext", "authenticationContext", "debugContext")


def slim(event):
    """The ~1 KiB variant: the event without Okta's own enrichment and context objects."""
    event["client"].pop("geographicalContext", None)
    for hop in event["request"]["ipChain"]:
        hop.pop("geographicalContext", None)
    for key in SLIM_DROPPED_KEYS:
        event.pop(key, None)
    return event


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--variant", choices=["1k", "2k"], required=True)
    parser.add_argument("--out", required=True, help="NDJSON file to write (replaced atomically)")
    arguments = parser.parse_args()
    if arguments.events < 1:
        parser.error("--events must be positive")
    lookalike.CLIENT_IPS[:] = lookalike.MMDB_TEST_CLIENT_IPS
    partial = arguments.out + ".partial"
    size = 0
    with open(partial, "wb") as out:
        for n in range(arguments.events):
            event = okta.make_event(n, str(uuid.UUID(int=n + 1)), FIRST_EVENT_TIME + n / 100)
            if arguments.variant == "1k":
                event = slim(event)
            line = (json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
            size += len(line)
            out.write(line)
    os.replace(partial, arguments.out)
    print(arguments.events, size)


if __name__ == "__main__":
    main()
