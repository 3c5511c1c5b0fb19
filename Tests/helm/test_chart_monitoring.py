"""Services, the optional ServiceMonitor and PrometheusRule, and the ServiceAccount."""

from __future__ import annotations

from conftest import RELEASE


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
    assert rule["spec"]["groups"] == full_values["metrics"]["prometheusRule"]["groups"]


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
