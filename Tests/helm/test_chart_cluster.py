"""Cluster mode: N replicas of the StatefulSet sharing the sources through Kafka (issue #21)."""

from __future__ import annotations

import helm_python
import pytest
import yaml

from conftest import CHART_DIR

CLUSTER_VALUES_FILE = CHART_DIR / "ci" / "cluster-values.yaml"


@pytest.fixture(scope="module")
def cluster_values() -> dict:
    return yaml.safe_load(CLUSTER_VALUES_FILE.read_text())


@pytest.fixture(scope="module")
def cluster_render(render, cluster_values):
    return render(cluster_values)


def test_cluster_mode_is_off_by_default(default_render) -> None:
    assert "cluster" not in default_render.config
    assert default_render.of_kind("PodDisruptionBudget") == []
    assert default_render.statefulset["spec"]["replicas"] == 1


def test_n_replicas_each_with_its_own_spool_volume(cluster_render) -> None:
    spec = cluster_render.statefulset["spec"]
    assert spec["replicas"] == 3
    # One PVC per replica: the spool stays local to the replica that wrote it.
    claims = spec["volumeClaimTemplates"]
    assert [claim["metadata"]["name"] for claim in claims] == ["auditrelay-spool"]
    assert cluster_render.mount("auditrelay-spool")["mountPath"] == "/var/lib/auditrelay"
    assert all(volume["name"] != "auditrelay-spool" for volume in cluster_render.pod_spec["volumes"])


def test_the_config_gets_the_cluster_block_in_the_keys_auditrelay_reads(cluster_render, cluster_values) -> None:
    assert cluster_render.config["cluster"] == {
        "kafka": {
            "brokers": ["kafka-0.kafka:9093", "kafka-1.kafka:9093"],
            "librdkafka": cluster_values["cluster"]["kafka"]["librdkafka"],
        },
        "group": "auditrelay-prod",
        "stateTopic": "auditrelay-state",
        "coordinationTopic": "auditrelay-coordination",
    }
    # The rest of the config is untouched.
    assert cluster_render.config["sources"] == cluster_values["config"]["sources"]


def test_the_group_defaults_to_the_release_and_librdkafka_is_left_out_when_empty(render) -> None:
    rendered = render(
        {
            "replicaCount": 2,
            "cluster": {
                "enabled": True,
                "kafka": {"brokers": ["k:9092"]},
                "stateTopic": "ar-state",
                "coordinationTopic": "ar-work",
            },
        }
    )
    assert rendered.config["cluster"] == {
        "kafka": {"brokers": ["k:9092"]},
        "group": "ar-auditrelay",
        "stateTopic": "ar-state",
        "coordinationTopic": "ar-work",
    }


def test_a_cluster_config_change_rolls_the_pods(render, cluster_values) -> None:
    def checksum(values):
        return render(values).statefulset["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    moved = {**cluster_values, "cluster": {**cluster_values["cluster"], "group": "other"}}
    assert checksum(moved) != checksum(cluster_values)


def test_a_pod_disruption_budget_guards_more_than_one_replica(cluster_render, render, cluster_values) -> None:
    budget = cluster_render.one("PodDisruptionBudget")
    assert budget["apiVersion"] == "policy/v1"
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == cluster_render.statefulset["spec"]["selector"]["matchLabels"]
    single = render({**cluster_values, "replicaCount": 1})
    assert single.of_kind("PodDisruptionBudget") == []  # a PDB on one replica would block every drain
    off = render({**cluster_values, "cluster": {**cluster_values["cluster"], "podDisruptionBudget": {"enabled": False}}})
    assert off.of_kind("PodDisruptionBudget") == []


def test_secret_references_stay_references(cluster_render) -> None:
    # librdkafka credentials are mounted files; the chart never inlines a secret.
    assert cluster_render.config["cluster"]["kafka"]["librdkafka"]["ssl.key.location"] == "/run/secrets/kafka-client-tls/client.key"
    assert "${file:/run/secrets/okta-api-token/token}" in cluster_render.config_text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cluster": {"enabled": True}}, "cluster.enabled needs cluster.kafka.brokers"),
        (
            {"cluster": {"enabled": True, "kafka": {"brokers": ["k:9092"]}}, "config": {"cluster": {"group": "g"}}},
            "remove config.cluster",
        ),
        (
            {"cluster": {"enabled": True, "kafka": {"brokers": ["k:9092"]}, "stateTopic": "t", "coordinationTopic": "t"}},
            'cluster.stateTopic and cluster.coordinationTopic must differ (both are "t")',
        ),
    ],
)
def test_cluster_values_that_cannot_work_fail_the_render(values, message, render) -> None:
    with pytest.raises(helm_python.HelmRenderError) as failure:
        render(values)
    assert message in str(failure.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cluster": {"enabeld": True}}, "additional properties 'enabeld' not allowed"),
        ({"cluster": {"kafka": {"brokers": "k:9092"}}}, "at '/cluster/kafka/brokers'"),
        ({"cluster": {"stateTopic": ""}}, "at '/cluster/stateTopic'"),
    ],
)
def test_cluster_values_schema_rejects_typos_and_bad_types(values, message, render) -> None:
    with pytest.raises(helm_python.HelmValuesError) as failure:
        render(values)
    assert message in str(failure.value)


def test_notes_describe_cluster_mode_instead_of_warning_about_duplicates(cluster_render, render) -> None:
    assert "WARNING: replicaCount" not in cluster_render.notes
    assert "consumer group auditrelay-prod" in cluster_render.notes
    assert "Enable cluster mode (cluster.enabled)" in render({"replicaCount": 2}).notes
