#!/usr/bin/env bash
# Behavior labels: the per-vendor catalogue coverage table and the honest generalization figure
# (EMM halves; the other half's names held out) that the README quotes.
# Usage: scripts/behavior-coverage.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
swift build --build-tests >/dev/null
swift test --skip-build --filter 'CatalogueCoverageTests/atLeast95|GeneralizationTests' 2>/dev/null \
    | grep -E '^[|]|^generalization' || true
