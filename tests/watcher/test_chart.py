"""The chart deploys the watcher: a singleton with a standby, least network and secrets."""

from __future__ import annotations

import pytest

from tests.deploy.rendering import (
    INSTALL_HINT,
    HelmError,
    env_of,
    render,
    render_with,
    tool,
    variables_of,
)


@pytest.fixture(scope="module", autouse=True)
def _helm_installed() -> None:
    if tool("helm") is None:
        pytest.skip(f"helm not installed: {INSTALL_HINT}")


def test_a_fixed_pair_never_autoscaled_in_any_values_set() -> None:
    for name in ("default", "production", "dev", "keda-detected"):
        rendered = render(name)
        deploy = rendered.get("Deployment", "radar-watcher")
        assert deploy["spec"]["replicas"] == 2, "one polls, one stands by"
        assert "radar-watcher" not in rendered.names("ScaledObject")
        assert "radar-watcher" not in rendered.names("HorizontalPodAutoscaler")
    assert "radar-watcher" not in render_with(["watcher.enabled=false"]).names("Deployment")


def test_posts_to_ingestion_in_the_cluster_and_reaches_only_what_it_needs() -> None:
    rendered = render("production")
    variables = variables_of(rendered, "Deployment", "radar-watcher")
    # Not the public URL: the egress policy lets the watcher reach the ingestion pods only.
    assert variables["RADAR_INGEST_URL"] == "http://radar-ingestion.radar.svc:80"
    policy = rendered.get("NetworkPolicy", "radar-watcher")["spec"]
    assert len(policy["ingress"]) == 1, "metrics only: the watcher takes no requests"
    to_ingestion = [
        rule
        for rule in policy["egress"]
        if any(
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
            == "ingestion"
            for peer in rule.get("to", [])
        )
    ]
    assert [p["port"] for r in to_ingestion for p in r["ports"]] == ["http"]
    ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert 443 in ports, "the providers' HTTPS APIs"
    assert 4222 not in ports, "no NATS"


def test_credentials_only_from_the_secret() -> None:
    rendered = render_with(
        [
            "secrets.values.RADAR_WATCHER_API_KEY=k",
            "secrets.values.RADAR_MOUSER_API_KEY=m",
            "watcher.settings.watcherSources=mouser",
        ]
    )
    (c,) = rendered.get("Deployment", "radar-watcher")["spec"]["template"]["spec"]["containers"]
    env = env_of(c)
    for name in (
        "RADAR_DATABASE_URL",
        "RADAR_WATCHER_API_KEY",
        "RADAR_NEXAR_CLIENT_SECRET",
        "RADAR_SILICONEXPERT_API_KEY",
        "RADAR_DIGIKEY_CLIENT_SECRET",
        "RADAR_MOUSER_API_KEY",
    ):
        assert env[name]["secretKeyRef"]["name"] == "radar-secrets", name
    config = rendered.get("ConfigMap", "radar-watcher-config")["data"]
    assert config["RADAR_WATCHER_SOURCES"] == "mouser"
    assert not any("KEY" in k or "SECRET" in k for k in config)
    # Other services never receive the watcher's provider credentials.
    for service in ("ingestion", "normalizer", "inference", "notifier"):
        (other,) = rendered.get("Deployment", f"radar-{service}")["spec"]["template"]["spec"][
            "containers"
        ]
        assert "RADAR_MOUSER_API_KEY" not in env_of(other), service


def test_the_schema_refuses_an_unknown_source_and_autoscaling() -> None:
    for flag in ("watcher.settings.watcherSources=octopus", "watcher.autoscaling.enabled=true"):
        with pytest.raises(HelmError, match=r"values don't meet the specifications|schema"):
            render_with([flag])
