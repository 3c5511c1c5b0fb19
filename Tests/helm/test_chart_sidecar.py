"""mode: sidecar renders the container and volume snippets for an existing pod."""

from __future__ import annotations

import hashlib

import yaml


def snippets(rendered) -> dict:
    found = [c for c in rendered.of_kind("ConfigMap") if c["metadata"]["name"].endswith("-sidecar")]
    assert len(found) == 1
    data = found[0]["data"]
    assert set(data) == {"container.yaml", "volumes.yaml", "podAnnotations.yaml", "podSpec.yaml"}
    return {key: yaml.safe_load(text) for key, text in data.items()}


def test_sidecar_mode_renders_only_config_maps(render) -> None:
    rendered = render({"mode": "sidecar"})
    assert rendered.kinds == ["ConfigMap", "ConfigMap"]
    assert "auditrelay.yaml" in rendered.one("ConfigMap", "ar-auditrelay")["data"]


def test_sidecar_container_is_the_statefulset_container(render, full_values) -> None:
    # The snippet and the StatefulSet share one named template, so they cannot drift apart.
    standalone = render(full_values)
    sidecar = render({**full_values, "mode": "sidecar"})
    (container,) = snippets(sidecar)["container.yaml"]
    assert container.pop("restartPolicy") == "Always"  # a native sidecar (initContainers)
    # Only the port name differs: the host pod may already have a port named "http".
    assert container["ports"] == [{"name": "auditrelay", "containerPort": 8686, "protocol": "TCP"}]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "auditrelay"
        container[probe]["httpGet"]["port"] = "http"
    container["ports"][0]["name"] = "http"
    assert container == standalone.container


def test_sidecar_volumes_back_every_mount(render, full_values) -> None:
    parts = snippets(render({**full_values, "mode": "sidecar"}))
    (container,) = parts["container.yaml"]
    volumes = {v["name"]: v for v in parts["volumes.yaml"]}
    assert {m["name"] for m in container["volumeMounts"]} == set(volumes)
    assert volumes["auditrelay-spool"]["emptyDir"] == {"sizeLimit": "2Gi"}
    assert volumes["auditrelay-secret-2"]["secret"]["secretName"] == "kafka-client-tls"


def test_sidecar_snippet_carries_checksum_and_pod_settings(render) -> None:
    sidecar = render({"mode": "sidecar"})
    parts = snippets(sidecar)
    # The checksum is of the sidecar's own config (which differs from the StatefulSet's in
    # http.readiness); the ConfigMap's block scalar adds the newline toYaml strips.
    digest = hashlib.sha256(sidecar.config_text.rstrip("\n").encode()).hexdigest()
    assert parts["podAnnotations.yaml"] == {"checksum/config": digest}
    assert parts["podSpec.yaml"]["terminationGracePeriodSeconds"] == 60
    assert parts["podSpec.yaml"]["securityContext"]["fsGroup"] == 10001


def test_plain_container_and_external_spool(render) -> None:
    parts = snippets(render({"mode": "sidecar", "sidecar": {"native": False, "spoolEmptyDir": False}}))
    (container,) = parts["container.yaml"]
    assert "restartPolicy" not in container
    assert "auditrelay-spool" not in {v["name"] for v in parts["volumes.yaml"]}
    assert "auditrelay-spool" in {m["name"] for m in container["volumeMounts"]}


def test_sidecar_notes_print_the_snippet_and_the_emptydir_warning(render) -> None:
    notes = render({"mode": "sidecar"}).notes
    assert "# spec.template.spec.initContainers:" in notes
    body = notes.split("# spec.template.spec.initContainers:\n", 1)[1].split("\n\n", 1)[0]
    (container,) = yaml.safe_load(body)
    assert container["name"] == "auditrelay"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "WARNING: the sidecar's spool is an emptyDir" in notes


def test_sidecar_readiness_is_the_process_statefulset_keeps_pipeline(render, full_values) -> None:
    # A sidecar's readiness gates its host pod's Service: a sink backlog must not take the
    # application out of it, so the snippet's config answers /readyz for the process only.
    sidecar = render({"mode": "sidecar"})
    assert sidecar.config["http"] == {"listen": "0.0.0.0:8686", "readiness": "process"}
    (container,) = snippets(sidecar)["container.yaml"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "auditrelay", "scheme": "HTTP"}
    # The config the container mounts is that ConfigMap.
    volumes = {v["name"]: v for v in snippets(sidecar)["volumes.yaml"]}
    assert volumes["auditrelay-config"]["configMap"]["name"] == sidecar.one("ConfigMap", "ar-auditrelay")["metadata"]["name"]
    # The StatefulSet keeps auditrelay's default (pipeline): the key is absent.
    for standalone in (render({}), render(full_values)):
        assert "readiness" not in standalone.config["http"]
        assert standalone.container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # An explicit choice wins in either mode.
    explicit = render({"mode": "sidecar", "config": {"http": {"readiness": "pipeline"}}})
    assert explicit.config["http"]["readiness"] == "pipeline"
