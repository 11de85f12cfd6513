"""k8s/: kind + ctlptl config, the third-party stack values, the one-shot script, the tools."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .kube_schemas import strict_errors
from .rendering import ROOT, render

K8S = ROOT / "k8s"


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_kind_cluster_with_local_registry_and_zones() -> None:
    (kind,) = load_all(K8S / "kind-config.yaml")
    assert kind["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    registry, cluster = load_all(K8S / "ctlptl.yaml")
    assert registry["kind"] == "Registry"
    assert cluster["kind"] == "Cluster"
    assert cluster["product"] == "kind"
    assert cluster["registry"] == registry["name"]
    embedded = cluster["kindV1Alpha4Cluster"]
    # Tilt only deploys to the context this names (allow_k8s_contexts("kind-radar")).
    assert embedded["name"] == kind["name"] == "radar"
    assert "kind-radar" in (ROOT / "Tiltfile").read_text()
    zones = {n.get("labels", {}).get("topology.kubernetes.io/zone") for n in embedded["nodes"]}
    assert {"zone-a", "zone-b"} <= zones


def test_nats_values_give_a_three_node_jetstream_cluster() -> None:
    (values,) = load_all(K8S / "stack" / "nats-values.yaml")
    config = values["config"]
    assert config["jetstream"]["enabled"] is True
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    assert config["monitor"]["port"] == 8222
    # The chart's KEDA endpoint is the headless Service of that release on that port.
    for so in render("dev").of_kind("ScaledObject"):
        for trigger in so["spec"]["triggers"]:
            endpoint = trigger["metadata"]["natsServerMonitoringEndpoint"]
            assert endpoint == "nats-headless.radar.svc.cluster.local:8222"


@pytest.mark.parametrize("manifest", ["namespaces.yaml", "postgres.yaml"])
def test_stack_manifests_validate_strictly(manifest: str) -> None:
    for doc in load_all(K8S / "stack" / manifest):
        assert not strict_errors(doc, "1.30"), doc["metadata"]["name"]


def test_dev_postgres_matches_the_dev_database_url() -> None:
    docs = load_all(K8S / "stack" / "postgres.yaml")
    service = next(d for d in docs if d["kind"] == "Service")
    url = render("dev").get("Secret", "radar-secrets")["stringData"]["RADAR_DATABASE_URL"]
    assert f"@{service['metadata']['name']}.{service['metadata']['namespace']}.svc" in url


def test_shell_scripts_parse() -> None:
    for script in (ROOT / "scripts" / "install-tools.sh", K8S / "stack-up.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_install_tools_is_idempotent_and_quiet() -> None:
    """A second run (tools present) installs nothing and prints nothing."""
    if not (ROOT / ".tools" / "bin" / "helm").exists():
        pytest.skip("tools not installed: run `make tools`")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-tools.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""
