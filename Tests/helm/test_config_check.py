"""The configs the image and the chart ship are accepted by `auditrelay check` itself.

Uses an already built binary (AUDITRELAY_BIN, or the newest .build/*/auditrelay); these tests
never build Swift code themselves and are skipped when no binary exists.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT


def auditrelay_binary() -> Path | None:
    if os.environ.get("AUDITRELAY_BIN"):
        return Path(os.environ["AUDITRELAY_BIN"])
    candidates = [p for p in (REPO_ROOT / ".build").glob("*/*/auditrelay") if p.is_file()]
    candidates += [p for p in (REPO_ROOT / ".build").glob("*/auditrelay") if p.is_file()]
    return max(candidates, key=lambda p: p.stat().st_mtime, default=None)


BINARY = auditrelay_binary()
needs_binary = pytest.mark.skipif(BINARY is None, reason="no built auditrelay binary (swift build first)")


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=60
    )


@needs_binary
def test_image_default_config_passes_check() -> None:
    result = check(REPO_ROOT / "Config" / "container.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_binary
@pytest.mark.parametrize(
    "values", [{}, {"persistence": {"enabled": False}}, {"http": {"port": 9100}}, {"mode": "sidecar"}]
)
def test_chart_rendered_config_passes_check(values, render, tmp_path) -> None:
    path = tmp_path / "auditrelay.yaml"
    path.write_text(render(values).config_text)
    result = check(path)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_binary
def test_check_rejects_what_the_chart_would_catch_too(tmp_path) -> None:
    # Shows these tests can fail: an unknown key is an error for auditrelay as for the schema.
    path = tmp_path / "bad.yaml"
    path.write_text((REPO_ROOT / "Config" / "container.yaml").read_text() + "persistance: {}\n")
    assert check(path).returncode != 0
