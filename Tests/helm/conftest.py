"""Shared fixtures for the packaging tests: the chart, rendered with Helm's own engine.

helm-python-sdk (import name ``helm_python``) binds Helm v4's Go library, so rendering and linting
here are what ``helm template`` / ``helm lint`` do, without a helm binary or a cluster.
Run through scripts/test-helm.sh, which installs the pinned dependencies.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "Helm" / "auditrelay"
FULL_VALUES_FILE = CHART_DIR / "ci" / "full-values.yaml"
RELEASE = "ar"
NAMESPACE = "siem"
NOTES = "auditrelay/templates/NOTES.txt"


class Rendered:
    """The manifests of one render, parsed, plus the NOTES text."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.notes = files.get(NOTES, "")
        self.docs: list[dict[str, Any]] = []
        for name, text in files.items():
            if name == NOTES:
                continue
            for doc in yaml.safe_load_all(text):
                if doc:
                    self.docs.append(doc)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [doc for doc in self.docs if doc.get("kind") == kind]

    def one(self, kind: str, name: str | None = None) -> dict[str, Any]:
        found = [d for d in self.of_kind(kind) if name is None or d["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
        return found[0]

    @property
    def kinds(self) -> list[str]:
        return sorted(doc["kind"] for doc in self.docs)

    # Shortcuts into the StatefulSet.
    @property
    def statefulset(self) -> dict[str, Any]:
        return self.one("StatefulSet")

    @property
    def pod_spec(self) -> dict[str, Any]:
        return self.statefulset["spec"]["template"]["spec"]

    @property
    def container(self) -> dict[str, Any]:
        containers = self.pod_spec["containers"]
        assert len(containers) == 1
        return containers[0]

    def volume(self, name: str) -> dict[str, Any]:
        found = [v for v in self.pod_spec["volumes"] if v["name"] == name]
        assert len(found) == 1, f"expected one volume {name}, found {len(found)}"
        return found[0]

    def mount(self, name: str) -> dict[str, Any]:
        found = [m for m in self.container["volumeMounts"] if m["name"] == name]
        assert len(found) == 1, f"expected one volumeMount {name}, found {len(found)}"
        return found[0]

    @property
    def config_text(self) -> str:
        configmaps = [c for c in self.of_kind("ConfigMap") if "auditrelay.yaml" in c["data"]]
        assert len(configmaps) == 1
        return configmaps[0]["data"]["auditrelay.yaml"]

    @property
    def config(self) -> dict[str, Any]:
        return yaml.safe_load(self.config_text)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge like Helm merges a values file over another (maps merge, everything else replaces)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture(scope="session")
def chart() -> helm_python.Chart:
    loaded = helm_python.Chart.load(str(CHART_DIR))
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def full_values() -> dict[str, Any]:
    with FULL_VALUES_FILE.open() as handle:
        values: dict[str, Any] = yaml.safe_load(handle)
    return values


@pytest.fixture(scope="session")
def render(chart: helm_python.Chart):
    def _render(values: dict[str, Any] | None = None) -> Rendered:
        files = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE)
        return Rendered(files)

    return _render


@pytest.fixture(scope="session")
def default_render(render) -> Rendered:
    return render({})


@pytest.fixture(scope="session")
def full_render(render, full_values) -> Rendered:
    return render(full_values)
