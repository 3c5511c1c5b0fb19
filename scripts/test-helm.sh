#!/usr/bin/env bash
# Packaging tests: lint and render the Helm chart with Helm's own engine (helm-python-sdk, no helm
# binary or cluster needed), assert on the manifests, and review the Dockerfile.
#
#   scripts/test-helm.sh                 # run the tests
#   scripts/test-helm.sh -k sidecar      # extra arguments go to pytest
#   AUDITRELAY_CHECKOV=1 scripts/test-helm.sh   # also scan the rendered manifests with checkov
#
# Installs what it needs idempotently into .cache/helm-venv (git-ignored). Exits non-zero on failure.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

venv=".cache/helm-venv"
requirements="Tests/helm/requirements.txt"
stamp="$venv/.requirements.sha256"

if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    # Debian's python3 ships venv/ensurepip separately.
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
    echo "test-helm: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi

"$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/helm "$@"

if [[ "${AUDITRELAY_CHECKOV:-0}" == "1" ]]; then
    # Optional: checkov is large (~40 s to install) and not needed for the assertions above.
    checkov_venv=".cache/checkov-venv"
    if [[ ! -x "$checkov_venv/bin/checkov" ]]; then
        python3 -m venv "$checkov_venv"
        "$checkov_venv/bin/python" -m pip install --quiet --disable-pip-version-check checkov==3.3.30
    fi
    "$venv/bin/python" Tests/helm/render_manifests.py .cache/helm-rendered
    # Skipped on purpose (the full-values render, which pins a digest, passes both):
    #   CKV_K8S_43 image digest / CKV_K8S_15 pullPolicy Always: the default values use the
    #   immutable version tag because no digest exists before an image is published.
    BC_SKIP_MAPPING=TRUE "$checkov_venv/bin/checkov" -d .cache/helm-rendered --framework kubernetes \
        --compact --quiet --skip-download --skip-check CKV_K8S_43,CKV_K8S_15
fi
