"""The optional Grafana dashboard ConfigMap: off by default, labelled for Grafana's sidecar, and
every query names only metrics the binary exports (read from MetricName.swift)."""

from __future__ import annotations

import json
import re

from conftest import RELEASE
from test_chart_monitoring import EXPORTED_METRICS, KNOWN_LABELS

DASHBOARD = f"{RELEASE}-auditrelay-dashboard"
# Labels the dashboard groups by beyond the alerts' ones: a stream of a source, a GeoIP database.
DASHBOARD_LABELS = KNOWN_LABELS | {"stream", "database"}
# What the dashboard is for (issue #22): each of these must be on some panel.
REQUIRED_METRICS = {
    "auditrelay_source_events_total",               # events in per source
    "auditrelay_sink_records_acknowledged_total",   # events out per sink
    "auditrelay_source_lag_seconds",
    "auditrelay_source_backfill_progress_ratio",
    "auditrelay_source_errors_total",
    "auditrelay_source_gaps_total",
    "auditrelay_sink_backlog_records",
    "auditrelay_sink_backlog_age_seconds",
    "auditrelay_sink_records_failed_total",
    "auditrelay_spool_bytes",
    "auditrelay_spool_oldest_unacknowledged_age_seconds",
    "auditrelay_normalize_unclassified_total",
    "auditrelay_geoip_database_build_epoch_seconds",
}


def dashboard(rendered) -> dict:
    configmap = rendered.one("ConfigMap", DASHBOARD)
    assert set(configmap["data"]) == {"auditrelay.json"}
    return json.loads(configmap["data"]["auditrelay.json"])


def queries(board: dict) -> list[tuple[str, str]]:
    found = []
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            found.append((panel["title"], target["expr"]))
    for variable in board["templating"]["list"]:
        if isinstance(variable.get("query"), dict):
            found.append((variable["name"], variable["query"]["query"]))
    return found


def test_dashboard_is_off_by_default(default_render, render) -> None:
    assert [c for c in default_render.of_kind("ConfigMap") if c["metadata"]["name"] == DASHBOARD] == []
    assert [c for c in render({"mode": "sidecar"}).of_kind("ConfigMap") if c["metadata"]["name"] == DASHBOARD] == []
    assert [c for c in render({"grafanaDashboard": {"enabled": False}}).of_kind("ConfigMap")
            if c["metadata"]["name"] == DASHBOARD] == []


def test_dashboard_configmap_carries_the_sidecar_label_and_configured_metadata(render) -> None:
    rendered = render({"grafanaDashboard": {"enabled": True}})
    configmap = rendered.one("ConfigMap", DASHBOARD)
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert configmap["metadata"]["namespace"] == "siem"
    moved = render({"grafanaDashboard": {"enabled": True, "namespace": "monitoring",
                                         "labels": {"dashboards": "siem"}, "annotations": {"grafana_folder": "SIEM"}}})
    configmap = moved.one("ConfigMap", DASHBOARD)
    assert configmap["metadata"]["namespace"] == "monitoring"
    assert configmap["metadata"]["labels"]["dashboards"] == "siem"
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"  # Helm merges maps: the default stays
    assert configmap["metadata"]["annotations"] == {"grafana_folder": "SIEM"}
    # Rendered in sidecar mode too: the host pods export the same metrics.
    assert render({"mode": "sidecar", "grafanaDashboard": {"enabled": True}}).one("ConfigMap", DASHBOARD)


def test_every_query_names_only_metrics_the_binary_exports(render) -> None:
    board = dashboard(render({"grafanaDashboard": {"enabled": True}}))
    used_everywhere: set[str] = set()
    found = queries(board)
    assert len(found) >= 15
    for title, expr in found:
        used = set(re.findall(r"\bauditrelay_[a-z0-9_]+", expr))
        assert used, f"{title}: no auditrelay metric in {expr!r}"
        assert used <= EXPORTED_METRICS, f"{title} uses metrics auditrelay does not export: {used - EXPORTED_METRICS}"
        for labels in re.findall(r"\bby \(([^)]*)\)", expr):
            assert {label.strip() for label in labels.split(",")} <= DASHBOARD_LABELS, f"{title}: {labels}"
        used_everywhere |= used
    assert REQUIRED_METRICS <= used_everywhere, REQUIRED_METRICS - used_everywhere
    # Panel descriptions name real metrics too (they are what an operator searches for).
    for panel in board["panels"]:
        for metric in re.findall(r"\bauditrelay_[a-z0-9_]+", panel.get("description", "")):
            assert metric in EXPORTED_METRICS, f"{panel['title']}'s description names {metric}"


def test_dashboard_is_well_formed_for_grafana(render) -> None:
    board = dashboard(render({"grafanaDashboard": {"enabled": True}}))
    assert board["uid"] == "auditrelay"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {variable["name"] for variable in board["templating"]["list"]}
    assert variables == {"datasource", "namespace", "pod"}
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            # Every series is scoped to the chosen namespace and pod.
            assert 'namespace=~"$namespace"' in target["expr"] and 'pod=~"$pod"' in target["expr"], panel["title"]
