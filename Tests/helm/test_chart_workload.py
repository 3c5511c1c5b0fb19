"""The StatefulSet: probes, security context, spool storage, secret and GeoIP mounts."""

from __future__ import annotations

import re

import pytest

from conftest import RELEASE

SPOOL = "/var/lib/auditrelay"


def named_port(container: dict, name: str) -> int:
    ports = [p["containerPort"] for p in container["ports"] if p["name"] == name]
    assert len(ports) == 1
    return ports[0]


def listen_port(rendered) -> int:
    return int(rendered.config["http"]["listen"].rsplit(":", 1)[1])


@pytest.mark.parametrize("which", ["default_render", "full_render"])
def test_probes_target_the_health_endpoints_on_the_listen_port(which, request) -> None:
    rendered = request.getfixturevalue(which)
    container = rendered.container
    expected = {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, path in expected.items():
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path, probe
        assert http_get["port"] == "http", probe
    # The named port, the config's listen address and the image's default all agree on 8686.
    assert named_port(container, "http") == 8686
    assert listen_port(rendered) == 8686
    assert rendered.config["http"]["listen"] == "0.0.0.0:8686"


def test_startup_probe_allows_a_long_spool_recovery(default_render) -> None:
    probe = default_render.container["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 300


def test_http_port_moves_container_port_probes_and_listen_together(render) -> None:
    rendered = render({"http": {"port": 9100}})
    assert named_port(rendered.container, "http") == 9100
    assert rendered.config["http"]["listen"] == "0.0.0.0:9100"
    services = rendered.of_kind("Service")
    assert {s["spec"]["ports"][0]["targetPort"] for s in services} == {"http"}


def test_probes_can_be_switched_off(render) -> None:
    container = render({"probes": {"startup": {"enabled": False}}}).container
    assert "startupProbe" not in container
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("which", ["default_render", "full_render"])
def test_security_context_is_locked_down(which, request) -> None:
    rendered = request.getfixturevalue(which)
    pod = rendered.pod_spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == 10001
    assert pod["fsGroup"] == 10001
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    ctx = rendered.container["securityContext"]
    assert ctx["runAsNonRoot"] is True
    assert ctx["runAsUser"] == 10001
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert "add" not in ctx["capabilities"]
    assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
    assert rendered.pod_spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("which", ["default_render", "full_render"])
def test_only_the_spool_and_tmp_mounts_are_writable(which, request) -> None:
    # With a read-only root filesystem these are the only places the process can write.
    rendered = request.getfixturevalue(which)
    writable = {m["mountPath"] for m in rendered.container["volumeMounts"] if not m.get("readOnly")}
    assert writable == {SPOOL, "/tmp"}
    env = {e["name"]: e.get("value") for e in rendered.container["env"]}
    assert env["TMPDIR"] == "/tmp"
    assert rendered.config["spool"]["dir"].startswith(SPOOL + "/")


@pytest.mark.parametrize("values", [{}, {"persistence": {"enabled": False}}, "full"])
def test_every_mount_has_a_volume_or_claim_template(values, render, full_values) -> None:
    rendered = render(full_values if values == "full" else values)
    volumes = [v["name"] for v in rendered.pod_spec["volumes"]]
    templates = [t["metadata"]["name"] for t in rendered.statefulset["spec"].get("volumeClaimTemplates", [])]
    available = volumes + templates
    assert len(available) == len(set(available)), "a volume name is defined twice"
    for mount in rendered.container["volumeMounts"]:
        assert mount["name"] in available, mount
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", mount["name"]), mount["name"]


def test_spool_is_a_pvc_template_by_default(default_render) -> None:
    spec = default_render.statefulset["spec"]
    (template,) = spec["volumeClaimTemplates"]
    assert template["metadata"]["name"] == "auditrelay-spool"
    assert template["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert template["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert "storageClassName" not in template["spec"]  # the cluster default
    assert default_render.mount("auditrelay-spool")["mountPath"] == SPOOL
    assert all(v["name"] != "auditrelay-spool" for v in default_render.pod_spec["volumes"])
    assert "WARNING" not in default_render.notes


def test_pvc_template_takes_size_class_and_retention(full_render) -> None:
    spec = full_render.statefulset["spec"]
    template = spec["volumeClaimTemplates"][0]
    assert template["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert template["spec"]["storageClassName"] == "fast-ssd"
    assert template["metadata"]["annotations"] == {"backup.example.com/skip": "true"}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}


def test_storage_class_dash_disables_dynamic_provisioning(render) -> None:
    template = render({"persistence": {"storageClass": "-"}}).statefulset["spec"]["volumeClaimTemplates"][0]
    assert template["spec"]["storageClassName"] == ""


def test_persistence_disabled_uses_an_empty_dir_and_warns(render) -> None:
    rendered = render({"persistence": {"enabled": False}})
    assert "volumeClaimTemplates" not in rendered.statefulset["spec"]
    assert rendered.volume("auditrelay-spool")["emptyDir"] == {"sizeLimit": "2Gi"}
    assert rendered.mount("auditrelay-spool")["mountPath"] == SPOOL
    assert "WARNING: persistence.enabled=false" in rendered.notes


def test_secrets_are_mounted_as_files_under_run_secrets(full_render, full_values) -> None:
    assert len(full_values["secrets"]) == 3
    for index, secret in enumerate(full_values["secrets"]):
        volume = full_render.volume(f"auditrelay-secret-{index}")
        assert volume["secret"]["secretName"] == secret["name"]
        assert volume["secret"]["defaultMode"] == 0o440
        assert volume["secret"].get("items") == secret.get("items")
        mount = full_render.mount(f"auditrelay-secret-{index}")
        assert mount["mountPath"] == f"/run/secrets/{secret['name']}"
        assert mount["readOnly"] is True


def test_file_references_in_the_config_resolve_to_mounted_secret_files(full_render) -> None:
    # Every ${file:/run/secrets/NAME/KEY} in the full example points into a mounted secret and,
    # where the secret projects only some keys, at one of the projected paths.
    mounts = {m["mountPath"]: m["name"] for m in full_render.container["volumeMounts"]}
    references = re.findall(r"\$\{file:(/run/secrets/[^}]+)\}", full_render.config_text)
    references += re.findall(r"(/run/secrets/[\w./-]+)", full_render.config_text)
    assert len(references) >= 4
    for path in references:
        directory, _, filename = path.rpartition("/")
        assert directory in mounts, path
        secret = full_render.volume(mounts[directory])["secret"]
        if "items" in secret:
            assert filename in {item["path"] for item in secret["items"]}, path


def test_extra_env_follows_tmpdir(full_render, full_values) -> None:
    env = full_render.container["env"]
    assert env[0] == {"name": "TMPDIR", "value": "/tmp"}
    assert env[1:] == full_values["extraEnv"]


def test_geoip_claim_is_mounted_read_only_and_fills_the_config(full_render) -> None:
    volume = full_render.volume("auditrelay-geoip")
    assert volume["persistentVolumeClaim"] == {"claimName": "geoip-databases", "readOnly": True}
    mount = full_render.mount("auditrelay-geoip")
    assert mount == {"name": "auditrelay-geoip", "mountPath": "/usr/share/GeoIP", "readOnly": True}
    assert full_render.config["geoip"]["databases"] == [
        "/usr/share/GeoIP/GeoLite2-City.mmdb",
        "/usr/share/GeoIP/GeoLite2-ASN.mmdb",
    ]


@pytest.mark.parametrize(
    ("geoip", "expected"),
    [
        ({"hostPath": {"path": "/srv/geoip"}}, {"hostPath": {"path": "/srv/geoip", "type": "Directory"}}),
        ({"image": {"reference": "geoip:2026-11"}}, {"image": {"reference": "geoip:2026-11", "pullPolicy": "IfNotPresent"}}),
        ({"volume": {"nfs": {"server": "nfs.local", "path": "/geoip"}}}, {"nfs": {"server": "nfs.local", "path": "/geoip"}}),
    ],
)
def test_geoip_volume_sources(geoip, expected, render) -> None:
    volume = render({"geoip": {"enabled": True, **geoip}}).volume("auditrelay-geoip")
    del volume["name"]
    assert volume == expected


def test_geoip_is_absent_by_default(default_render) -> None:
    assert all(v["name"] != "auditrelay-geoip" for v in default_render.pod_spec["volumes"])
    assert "geoip" not in default_render.config


def test_defaults_for_lifecycle_and_image(default_render) -> None:
    assert default_render.pod_spec["terminationGracePeriodSeconds"] == 60
    assert default_render.container["image"] == "auditrelay/auditrelay:0.1.0"
    assert default_render.container["args"] == ["run", "--config", "/etc/auditrelay/auditrelay.yaml"]
    assert default_render.statefulset["spec"]["replicas"] == 1
    assert default_render.statefulset["spec"]["serviceName"] == f"{RELEASE}-auditrelay-headless"


def test_full_values_reach_the_pod(full_render) -> None:
    pod = full_render.pod_spec
    assert full_render.container["image"].endswith("@sha256:4f0c1ba2e0d6c1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912")
    assert pod["terminationGracePeriodSeconds"] == 120
    assert pod["serviceAccountName"] == "auditrelay"
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["tolerations"][0]["key"] == "dedicated"
    assert "podAntiAffinity" in pod["affinity"]
    assert pod["priorityClassName"] == "high-priority"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert full_render.container["resources"]["limits"]["memory"] == "512Mi"
    labels = full_render.statefulset["spec"]["template"]["metadata"]["labels"]
    selector = full_render.statefulset["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert labels["tier"] == "security"


def test_many_replicas_warn_about_duplicate_polling(render) -> None:
    assert "WARNING: replicaCount=2" in render({"replicaCount": 2}).notes


def test_webhook_port_is_off_by_default(default_render) -> None:
    assert "webhooks" not in default_render.config
    assert all(port["name"] != "webhooks" for port in default_render.container["ports"])
    assert [s["metadata"]["name"] for s in default_render.of_kind("Service") if s["metadata"]["name"].endswith("-webhooks")] == []


def test_webhook_port_gets_a_service_a_policy_rule_and_the_listen_address(render) -> None:
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
    rendered = render({"webhooks": {"enabled": True, "port": 9443, "ingressFrom": peers}})
    assert named_port(rendered.container, "webhooks") == 9443
    assert rendered.config["webhooks"]["listen"] == "0.0.0.0:9443"
    service = rendered.one("Service", "ar-auditrelay-webhooks")
    assert service["spec"]["ports"] == [{"name": "webhooks", "port": 8443, "targetPort": "webhooks", "protocol": "TCP"}]
    rules = rendered.one("NetworkPolicy")["spec"]["ingress"]
    assert rules[1] == {"ports": [{"port": "webhooks", "protocol": "TCP"}], "from": peers}
    # The health/metrics port is unchanged and stays private to its own peers.
    assert rules[0]["ports"] == [{"port": "http", "protocol": "TCP"}]


def test_webhook_listen_must_use_the_webhook_port(render) -> None:
    with pytest.raises(Exception, match="does not use webhooks.port"):
        render({"webhooks": {"enabled": True}, "config": {"webhooks": {"listen": "0.0.0.0:9999"}}})
