"""The rendered auditrelay config, its checksum annotation, and the chart's render-time checks."""

from __future__ import annotations

import hashlib

import helm_python
import pytest
import yaml

from conftest import REPO_ROOT

ALLOWED_TOP_LEVEL_KEYS = {"workspaceID", "sources", "sinks", "spool", "geoip", "http", "log", "cluster"}


def checksum(rendered) -> str:
    return rendered.statefulset["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_default_config_matches_the_image_default() -> None:
    # The chart's default config and the image's Config/container.yaml describe the same process.
    chart_values = yaml.safe_load((REPO_ROOT / "Helm/auditrelay/values.yaml").read_text())
    image_config = yaml.safe_load((REPO_ROOT / "Config/container.yaml").read_text())
    expected = dict(chart_values["config"], http={"listen": "0.0.0.0:8686"})
    assert expected == image_config


@pytest.mark.parametrize("which", ["default_render", "full_render"])
def test_config_uses_only_known_top_level_keys(which, request) -> None:
    config = request.getfixturevalue(which).config
    assert set(config) <= ALLOWED_TOP_LEVEL_KEYS
    assert {"workspaceID", "sources", "sinks", "spool", "http"} <= set(config)


def test_config_is_passed_through_verbatim(full_render, full_values) -> None:
    config = full_render.config
    for key in ("workspaceID", "sources", "sinks", "spool", "log"):
        assert config[key] == full_values["config"][key]
    # Secret references stay references: the chart never resolves or inlines them.
    assert "${file:/run/secrets/okta-api-token/token}" in full_render.config_text
    assert "${file:/run/secrets/slack-token/token}" in full_render.config_text


def test_config_map_is_mounted_at_the_config_path(default_render) -> None:
    volume = default_render.volume("auditrelay-config")
    assert volume["configMap"]["items"] == [{"key": "auditrelay.yaml", "path": "auditrelay.yaml"}]
    assert default_render.mount("auditrelay-config") == {
        "name": "auditrelay-config",
        "mountPath": "/etc/auditrelay",
        "readOnly": True,
    }


def test_checksum_is_the_sha256_of_the_rendered_config(default_render, full_render) -> None:
    for rendered in (default_render, full_render):
        # The ConfigMap's block scalar adds the one trailing newline that toYaml strips.
        digest = hashlib.sha256(rendered.config_text.rstrip("\n").encode()).hexdigest()
        assert checksum(rendered) == digest


def test_checksum_changes_when_the_config_changes(render, default_render) -> None:
    changed = render({"config": {"workspaceID": "other"}})
    assert changed.config["workspaceID"] == "other"
    assert checksum(changed) != checksum(default_render)
    # Derived keys count too: a new port changes http.listen and so the checksum.
    assert checksum(render({"http": {"port": 9100}})) != checksum(default_render)


def test_checksum_is_stable_for_unrelated_changes(render, default_render) -> None:
    # Only a config change should roll the pods.
    again = render({"resources": {"limits": {"memory": "1Gi"}}, "podLabels": {"x": "y"}})
    assert checksum(again) == checksum(default_render)
    assert checksum(render({})) == checksum(default_render)


def test_explicit_geoip_config_wins_over_the_derived_paths(render) -> None:
    rendered = render(
        {
            "geoip": {"enabled": True, "existingClaim": "geo"},
            "config": {"geoip": {"databases": ["/usr/share/GeoIP/custom.mmdb"]}},
        }
    )
    assert rendered.config["geoip"] == {"databases": ["/usr/share/GeoIP/custom.mmdb"]}


def test_explicit_listen_on_the_same_port_is_kept(render) -> None:
    rendered = render({"config": {"http": {"listen": "[::]:8686"}}})
    assert rendered.config["http"]["listen"] == "[::]:8686"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"config": {"spool": {"dir": "/data/spool"}}}, "config.spool.dir must be under /var/lib/auditrelay"),
        ({"config": {"spool": {"dir": "/var/lib/auditrelayx"}}}, "config.spool.dir must be under"),
        ({"config": {"http": {"listen": "0.0.0.0:9999"}}}, 'config.http.listen "0.0.0.0:9999" does not use http.port 8686'),
        ({"geoip": {"enabled": True}}, "geoip.enabled needs exactly one of"),
        (
            {"geoip": {"enabled": True, "existingClaim": "a", "hostPath": {"path": "/b"}}},
            "2 are set",
        ),
        (
            {"service": {"enabled": False}, "metrics": {"serviceMonitor": {"enabled": True}}},
            "metrics.serviceMonitor.enabled needs service.enabled",
        ),
    ],
)
def test_values_that_cannot_work_fail_the_render(values, message, render) -> None:
    with pytest.raises(helm_python.HelmRenderError) as failure:
        render(values)
    assert message in str(failure.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mode": "daemonset"}, "at '/mode': value must be one of 'statefulset', 'sidecar'"),
        ({"persistance": {"enabled": False}}, "additional properties 'persistance' not allowed"),
        ({"secrets": [{"items": []}]}, "at '/secrets/0': missing property 'name'"),
        ({"replicaCount": 0}, "at '/replicaCount'"),
        ({"http": {"port": 70000}}, "at '/http/port'"),
        ({"image": {"digest": "latest"}}, "at '/image/digest'"),
        (
            {"metrics": {"prometheusRule": {"alerts": {"spoolBacklog": {"ageSeconds": "10 minutes"}}}}},
            "at '/metrics/prometheusRule/alerts/spoolBacklog/ageSeconds'",
        ),
        (
            {"metrics": {"prometheusRule": {"alerts": {"sinkFailures": {"window": "ten minutes"}}}}},
            "at '/metrics/prometheusRule/alerts/sinkFailures/window'",
        ),
        (
            {"metrics": {"prometheusRule": {"alerts": {"spoolBacklogg": {}}}}},
            "additional properties 'spoolBacklogg' not allowed",
        ),
    ],
)
def test_values_schema_rejects_typos_and_bad_types(values, message, render) -> None:
    with pytest.raises(helm_python.HelmValuesError) as failure:
        render(values)
    assert message in str(failure.value)


def test_lint_applies_the_values_schema() -> None:
    report = helm_python.lint(str(REPO_ROOT / "Helm/auditrelay"), {"mode": "daemonset"}, strict=True)
    assert any("/mode" in m["error"] for m in report["messages"] if m["severity"] == 3), report
