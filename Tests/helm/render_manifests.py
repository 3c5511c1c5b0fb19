"""Write the chart's manifests, rendered for the test value sets, to a folder (for scanners).

    python Tests/helm/render_manifests.py OUT_DIR

One sub-folder per value set: default, full (ci/full-values.yaml), cluster (ci/cluster-values.yaml),
no-persistence, sidecar.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import helm_python
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "Helm" / "auditrelay"


def value_sets() -> dict[str, dict]:
    full = yaml.safe_load((CHART_DIR / "ci" / "full-values.yaml").read_text())
    cluster = yaml.safe_load((CHART_DIR / "ci" / "cluster-values.yaml").read_text())
    return {
        "default": {},
        "full": full,
        "cluster": cluster,
        "no-persistence": {"persistence": {"enabled": False}},
        "sidecar": {"mode": "sidecar"},
    }


def main(out_dir: Path) -> None:
    shutil.rmtree(out_dir, ignore_errors=True)
    with helm_python.Chart.load(str(CHART_DIR)) as chart:
        for name, values in value_sets().items():
            target = out_dir / name
            target.mkdir(parents=True)
            for path, text in chart.render(values, name="ar", namespace="siem").items():
                if path.endswith(".yaml") and text.strip():
                    (target / Path(path).name).write_text(text)
            if name == "sidecar":
                # Scan the snippet as a pod, the way a user would paste it.
                files = chart.render(values, name="ar", namespace="siem")
                data = yaml.safe_load(files["auditrelay/templates/sidecar-configmap.yaml"])["data"]
                pod = {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "host-with-auditrelay", "namespace": "siem"},
                    "spec": {
                        **yaml.safe_load(data["podSpec.yaml"]),
                        "automountServiceAccountToken": False,
                        "initContainers": yaml.safe_load(data["container.yaml"]),
                        "containers": [],
                        "volumes": yaml.safe_load(data["volumes.yaml"]),
                    },
                }
                (target / "pod-with-sidecar.yaml").write_text(yaml.safe_dump(pod))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
