"""Services, the optional ServiceMonitor and PrometheusRule, and the ServiceAccount."""

from __future__ import annotations

import re

import pytest

from conftest import RELEASE, REPO_ROOT


def selects(selector: dict, labels: dict) -> bool:
    return selector.items() <= labels.items()


def test_default_render_has_no_prometheus_operator_objects(default_render) -> None:
    assert default_render.kinds == [
        "ConfigMap", "NetworkPolicy", "Service", "Service", "ServiceAccount", "StatefulSet"
    ]
    assert default_render.of_kind("ServiceMonitor") == []
    assert default_render.of_kind("PrometheusRule") == []


def test_every_object_is_namespaced_to_the_release(default_render, full_render) -> None:
    for rendered in (default_render, full_render):
        for doc in rendered.docs:
            assert doc["metadata"]["namespace"] == "siem", doc["kind"]
            assert len(doc["metadata"]["name"]) <= 63


def test_services_select_the_pods_on_the_http_port(default_render) -> None:
    pod_labels = default_render.statefulset["spec"]["template"]["metadata"]["labels"]
    headless = default_render.one("Service", f"{RELEASE}-auditrelay-headless")
    metrics = default_render.one("Service", f"{RELEASE}-auditrelay")
    assert headless["spec"]["clusterIP"] == "None"
    assert default_render.statefulset["spec"]["serviceName"] == headless["metadata"]["name"]
    for service in (headless, metrics):
        assert selects(service["spec"]["selector"], pod_labels)
        assert service["spec"]["ports"] == [{"name": "http", "port": 8686, "targetPort": "http", "protocol": "TCP"}]


def test_metrics_service_can_be_disabled(render) -> None:
    services = render({"service": {"enabled": False}}).of_kind("Service")
    assert [s["metadata"]["name"] for s in services] == [f"{RELEASE}-auditrelay-headless"]


def test_service_monitor_scrapes_metrics_from_exactly_one_service(full_render) -> None:
    monitor = full_render.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] == "http"
    assert endpoint["interval"] == "15s"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["siem"]}
    selector = monitor["spec"]["selector"]["matchLabels"]
    matched = [s for s in full_render.of_kind("Service") if selects(selector, s["metadata"]["labels"])]
    # Matching the headless Service as well would scrape every pod twice.
    assert [s["metadata"]["name"] for s in matched] == ["auditrelay-prod"]
    assert "http" in {p["name"] for p in matched[0]["spec"]["ports"]}


def test_service_monitor_only_when_enabled(render) -> None:
    enabled = render({"metrics": {"serviceMonitor": {"enabled": True}}})
    assert len(enabled.of_kind("ServiceMonitor")) == 1
    assert render({"metrics": {"serviceMonitor": {"enabled": False}}}).of_kind("ServiceMonitor") == []


def test_prometheus_rule_carries_the_configured_groups(full_render, full_values) -> None:
    rule = full_render.one("PrometheusRule")
    builtin, *extra = rule["spec"]["groups"]
    assert builtin["name"] == "auditrelay"
    assert extra == full_values["metrics"]["prometheusRule"]["groups"]


# The metric names the binary exports, read from the Swift source so that renaming a metric there
# without updating the chart's alerts fails these tests.
METRIC_NAME_SWIFT = REPO_ROOT / "Sources" / "RelayCore" / "MetricName.swift"
EXPORTED_METRICS = set(
    re.findall(r'public static let \w+\s*=\s*"(auditrelay_[a-z0-9_]+)"', METRIC_NAME_SWIFT.read_text())
)
# Labels auditrelay puts on its series (MetricName.swift's doc comment), plus the target labels a
# Prometheus Operator scrape adds.
KNOWN_LABELS = {"source", "sink", "kind", "event", "namespace", "pod", "instance", "job"}
BUILTIN_ALERTS = {
    "AuditrelaySpoolBacklog": "auditrelay_spool_oldest_unacknowledged_age_seconds",
    "AuditrelaySpoolNotWritable": "auditrelay_spool_writable",
    "AuditrelaySpoolDroppedRecords": "auditrelay_spool_dropped_records_total",
    "AuditrelaySinkFailing": "auditrelay_sink_records_failed_total",
    "AuditrelaySourceLagHigh": "auditrelay_source_lag_seconds",
    "AuditrelaySourceNotPolling": "auditrelay_source_last_success_timestamp_seconds",
    "AuditrelaySourceGap": "auditrelay_source_gaps_total",
    "AuditrelayUnclassifiedEventsRising": "auditrelay_normalize_unclassified_total",
}


def builtin_rules(rendered) -> dict[str, dict]:
    (group,) = [g for g in rendered.one("PrometheusRule")["spec"]["groups"] if g["name"] == "auditrelay"]
    return {rule["alert"]: rule for rule in group["rules"]}


def test_metric_name_parsing_finds_the_exported_metrics() -> None:
    # Guards the regex: an empty or tiny set would make the next test pass vacuously.
    assert len(EXPORTED_METRICS) > 40
    assert "auditrelay_spool_oldest_unacknowledged_age_seconds" in EXPORTED_METRICS


@pytest.mark.parametrize("mode", ["statefulset", "sidecar"])
def test_builtin_alerts_use_only_metrics_the_binary_exports(render, mode) -> None:
    rules = builtin_rules(render({"mode": mode, "metrics": {"prometheusRule": {"enabled": True}}}))
    assert set(rules) == set(BUILTIN_ALERTS)
    for name, rule in rules.items():
        expr = rule["expr"]
        used = set(re.findall(r"\bauditrelay_[a-z0-9_]+", expr))
        assert used, f"{name}: no auditrelay metric in {expr!r}"
        assert used <= EXPORTED_METRICS, f"{name} uses metrics auditrelay does not export: {used - EXPORTED_METRICS}"
        assert BUILTIN_ALERTS[name] in used, name
        for labels in re.findall(r"\bby \(([^)]*)\)", expr):
            assert {label.strip() for label in labels.split(",")} <= KNOWN_LABELS, f"{name}: {labels}"
        # Runbook-style annotations: what it means and what to check, with real metric names.
        description = rule["annotations"]["description"]
        assert len(description) > 150, name
        for metric in re.findall(r"\bauditrelay_[a-z0-9_]+", description):
            assert metric in EXPORTED_METRICS, f"{name}'s description names {metric}"
        assert rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}


def test_builtin_alert_thresholds_come_from_values(render) -> None:
    rules = builtin_rules(render({"metrics": {"prometheusRule": {"enabled": True}}}))
    assert rules["AuditrelaySpoolBacklog"]["expr"] == (
        "max by (namespace, pod) (auditrelay_spool_oldest_unacknowledged_age_seconds) > 600"
    )
    assert rules["AuditrelaySpoolBacklog"]["for"] == "5m"
    assert rules["AuditrelaySinkFailing"]["expr"] == (
        "sum by (namespace, pod, sink) (increase(auditrelay_sink_records_failed_total[10m])) > 0"
    )
    # Prometheus's own template syntax reaches the rule unexpanded by Helm.
    assert "{{ $labels.pod }}" in rules["AuditrelaySpoolBacklog"]["annotations"]["summary"]
    tuned = builtin_rules(render({"metrics": {"prometheusRule": {"enabled": True, "alerts": {
        "selector": 'namespace="siem"',
        "spoolBacklog": {"ageSeconds": 120, "for": "1m"},
        "sourceLag": {"enabled": False},
    }}}}))
    assert tuned["AuditrelaySpoolBacklog"]["expr"] == (
        'max by (namespace, pod) (auditrelay_spool_oldest_unacknowledged_age_seconds{namespace="siem"}) > 120'
    )
    assert tuned["AuditrelaySpoolBacklog"]["for"] == "1m"
    assert "AuditrelaySourceLagHigh" not in tuned
    assert 'auditrelay_source_gaps_total{namespace="siem"}[1h]' in tuned["AuditrelaySourceGap"]["expr"]


def test_prometheus_rule_is_off_by_default_and_can_carry_only_custom_groups(render, default_render) -> None:
    assert default_render.of_kind("PrometheusRule") == []
    assert render({"mode": "sidecar"}).of_kind("PrometheusRule") == []
    custom = [{"name": "mine", "rules": [{"alert": "X", "expr": "vector(1)"}]}]
    only_custom = render({"metrics": {"prometheusRule": {"enabled": True, "alerts": {"enabled": False}, "groups": custom}}})
    assert only_custom.one("PrometheusRule")["spec"]["groups"] == custom
    assert render({"metrics": {"prometheusRule": {"enabled": True, "alerts": {"enabled": False}}}}).of_kind("PrometheusRule") == []


def test_service_account_has_no_api_token(default_render, full_render) -> None:
    account = default_render.one("ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert default_render.pod_spec["serviceAccountName"] == account["metadata"]["name"]
    full_account = full_render.one("ServiceAccount")
    assert full_account["metadata"]["name"] == "auditrelay"
    assert full_account["metadata"]["annotations"] == {"iam.example.com/role": "auditrelay"}


def test_existing_service_account(render) -> None:
    rendered = render({"serviceAccount": {"create": False, "name": "shared"}})
    assert rendered.of_kind("ServiceAccount") == []
    assert rendered.pod_spec["serviceAccountName"] == "shared"


def test_network_policy_admits_only_the_http_port(default_render, full_render, render) -> None:
    policy = default_render.one("NetworkPolicy")
    pod_labels = default_render.statefulset["spec"]["template"]["metadata"]["labels"]
    assert selects(policy["spec"]["podSelector"]["matchLabels"], pod_labels)
    assert policy["spec"]["policyTypes"] == ["Ingress"]  # egress stays open by default
    assert policy["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
    full = full_render.one("NetworkPolicy")
    assert full["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert full["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }
    assert {p["port"] for rule in full["spec"]["egress"] for p in rule["ports"]} == {53, 443, 9093}
    assert render({"networkPolicy": {"enabled": False}}).of_kind("NetworkPolicy") == []
