#!/usr/bin/env bash
# The credential-free demo: replays recorded vendor events through the whole pipeline
# (normalize -> enrich -> spool -> stdout) and prints one normalized record per line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
swift build -c release --product auditrelay >&2
# The demo starts from an empty spool each time (its cursor would otherwise say: all sent).
rm -rf .build/demo-spool
exec .build/release/auditrelay run --config Config/demo.yaml --once
