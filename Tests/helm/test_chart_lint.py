"""`helm lint` (Helm's own linter) passes for the default values and the full-featured values."""

from __future__ import annotations

import shutil

import helm_python

from conftest import CHART_DIR

ERROR = 3
WARNING = 2


def problems(report: dict) -> list[dict]:
    """Lint messages at warning level or above (info such as 'icon is recommended' is fine)."""
    return [m for m in report["messages"] if m["severity"] >= WARNING]


def test_lint_default_values_is_clean() -> None:
    report = helm_python.lint(str(CHART_DIR), None, strict=True, namespace="siem")
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    assert problems(report) == []


def test_lint_full_values_is_clean(full_values) -> None:
    report = helm_python.lint(str(CHART_DIR), full_values, strict=True, namespace="siem")
    assert report["errors"] == []
    assert problems(report) == []


def test_lint_sidecar_mode_is_clean() -> None:
    report = helm_python.lint(str(CHART_DIR), {"mode": "sidecar"}, strict=True)
    assert report["errors"] == []
    assert problems(report) == []


def test_lint_catches_a_broken_template(tmp_path) -> None:
    # Proves the assertions above can fail: the same lint call on a copy with a bad template.
    broken = tmp_path / "auditrelay"
    shutil.copytree(CHART_DIR, broken)
    path = broken / "templates" / "service.yaml"
    path.write_text(path.read_text().replace("{{ .Values.service.port }}", "{{ .Values.service.port "))
    report = helm_python.lint(str(broken), None, strict=True)
    assert any(m["severity"] == ERROR for m in report["messages"]), report


def test_chart_metadata(chart) -> None:
    metadata = chart.metadata
    assert metadata["apiVersion"] == "v2"
    assert metadata["name"] == "auditrelay"
    assert metadata["appVersion"] == "0.1.0"


def test_values_file_documents_every_top_level_key() -> None:
    # values.yaml is the chart's documentation: every top-level key has a comment right above it.
    lines = (CHART_DIR / "values.yaml").read_text().splitlines()
    keys = [i for i, line in enumerate(lines) if line and line[0].isalpha() and ":" in line]
    assert len(keys) > 20
    undocumented = [lines[i] for i in keys if not lines[i - 1].startswith("#")]
    assert undocumented == []
