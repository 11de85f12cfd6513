"""The chart closes what it says it closes: metrics port, egress peers, an authenticated bus.

- /metrics is served on its own port (``metrics``, RADAR_METRICS_PORT): the NetworkPolicy's
  ``metricsFrom`` applies to that port only, the API port follows ``apiFrom``, and the
  ServiceMonitor scrapes ``metrics``.
- Egress to PostgreSQL, to the OTLP collector and to outbound destinations (LLM, Slack,
  Teams, webhooks) goes to the peers and ports in the values; the open default is a
  first-install convenience, documented as such.
- NATS credentials and TLS come from Secrets: variables (user, password, token) by
  ``secrets.refs``/``values``, files (creds, nkey seed, CA bundle, client certificate)
  mounted read-only; a URL carrying credentials lives in the Secret, not the ConfigMap.
"""

from __future__ import annotations

from typing import Any

import pytest

from .rendering import SERVICES, HelmError, Rendered, env_of, render, render_with, variables_of

pytestmark = pytest.mark.usefixtures("helm_binary")

METRICS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}


def container(rendered: Rendered, kind: str, name: str) -> dict[str, Any]:
    (c,) = rendered.get(kind, name)["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = c
    return found


def pod(rendered: Rendered, kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = rendered.get(kind, name)["spec"]["template"]["spec"]
    return spec


def rule_ports(rule: dict[str, Any]) -> set[Any]:
    return {p["port"] for p in rule.get("ports", [])}


@pytest.mark.parametrize("values_set", ["default", "production", "keda-detected"])
def test_metrics_have_their_own_port_and_only_metrics_from_reaches_it(values_set: str) -> None:
    rendered = render(values_set)
    for service in SERVICES:
        c = container(rendered, "Deployment", f"radar-{service}")
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports["metrics"] != ports["http"], service
        env = variables_of(rendered, "Deployment", f"radar-{service}")
        assert env["RADAR_METRICS_PORT"] == str(ports["metrics"]), service
        svc_ports = {
            p["name"] for p in rendered.get("Service", f"radar-{service}")["spec"]["ports"]
        }
        assert "metrics" in svc_ports, service
        policy = rendered.get("NetworkPolicy", f"radar-{service}")["spec"]
        for rule in policy["ingress"]:
            peers = rule.get("from", [])
            if METRICS_PEER in peers:
                assert rule_ports(rule) == {"metrics"}, (service, rule)
            else:  # the API and the console, from apiFrom (anyone when empty)
                assert service in ("ingestion", "console"), (service, rule)
                assert rule_ports(rule) == {"http"}, rule
        assert any(METRICS_PEER in r.get("from", []) for r in policy["ingress"]), service
    if rendered.of_kind("ServiceMonitor"):
        (endpoint,) = rendered.get("ServiceMonitor", "radar")["spec"]["endpoints"]
        assert endpoint["port"] == "metrics"


def egress_rule(rendered: Rendered, service: str, port: int) -> dict[str, Any]:
    policy = rendered.get("NetworkPolicy", f"radar-{service}")["spec"]
    (rule,) = [r for r in policy["egress"] if port in rule_ports(r)]
    found: dict[str, Any] = rule
    return found


def test_egress_peers_and_ports_follow_the_values() -> None:
    rendered = render_with(
        [
            "database.networkPeers[0].ipBlock.cidr=10.20.0.5/32",
            "networkPolicy.externalEgress[0].ipBlock.cidr=203.0.113.0/24",
            "networkPolicy.externalPorts={443}",
            "config.otlpEndpoint=http://otel.observability:4318",
            "networkPolicy.otlpTo[0].namespaceSelector.matchLabels.team=observability",
        ]
    )
    for service in SERVICES:
        db = egress_rule(rendered, service, 5432)
        assert db["to"] == [{"ipBlock": {"cidr": "10.20.0.5/32"}}], service
        otlp = egress_rule(rendered, service, 4318)
        assert otlp["to"] == [{"namespaceSelector": {"matchLabels": {"team": "observability"}}}]
    for service in ("inference", "notifier"):
        policy = rendered.get("NetworkPolicy", f"radar-{service}")["spec"]
        (outbound,) = [r for r in policy["egress"] if 443 in rule_ports(r)]
        assert rule_ports(outbound) == {443}, "port 80 was not asked for"
        assert outbound["to"] == [{"ipBlock": {"cidr": "203.0.113.0/24"}}]


def test_the_open_default_is_what_the_values_say() -> None:
    """First installs: database and outbound egress open to any address (documented)."""
    rendered = render("default")
    db = egress_rule(rendered, "notifier", 5432)
    assert db["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    policy = rendered.get("NetworkPolicy", "radar-notifier")["spec"]
    (outbound,) = [r for r in policy["egress"] if 443 in rule_ports(r)]
    assert rule_ports(outbound) == {443, 80}


NATS_FILES = [
    "nats.tls.secretName=nats-client-tls",
    "nats.tls.caKey=ca.crt",
    "nats.tls.certKey=tls.crt",
    "nats.tls.keyKey=tls.key",
    "nats.credentials.secretName=nats-radar",
    "nats.credentials.credsKey=radar.creds",
    "nats.url=tls://nats.nats.svc.cluster.local:4222",
]


@pytest.mark.parametrize(
    "workload", [*(("Deployment", f"radar-{s}") for s in SERVICES), ("Job", "radar-bootstrap")]
)
def test_nats_tls_and_credentials_files_are_mounted_from_secrets(workload: tuple[str, str]) -> None:
    rendered = render_with(NATS_FILES)
    kind, name = workload
    c, spec = container(rendered, kind, name), pod(rendered, kind, name)
    env = {e["name"]: e.get("value") for e in c["env"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    for volume, secret, variables in (
        (
            "nats-tls",
            "nats-client-tls",
            {
                "RADAR_NATS_TLS_CA_FILE": "ca.crt",
                "RADAR_NATS_TLS_CERT_FILE": "tls.crt",
                "RADAR_NATS_TLS_KEY_FILE": "tls.key",
            },
        ),
        ("nats-credentials", "nats-radar", {"RADAR_NATS_CREDS_FILE": "radar.creds"}),
    ):
        assert volumes[volume]["secret"]["secretName"] == secret
        assert volumes[volume]["secret"]["defaultMode"] == 0o440
        assert mounts[volume]["readOnly"] is True
        for variable, key in variables.items():
            assert env[variable] == f"{mounts[volume]['mountPath']}/{key}", (name, variable)


def test_nats_user_and_password_come_from_a_secret() -> None:
    rendered = render_with(
        [
            "secrets.refs.RADAR_NATS_USER.name=nats-radar",
            "secrets.refs.RADAR_NATS_USER.key=user",
            "secrets.refs.RADAR_NATS_PASSWORD.name=nats-radar",
            "secrets.refs.RADAR_NATS_PASSWORD.key=password",
        ]
    )
    for kind, name in [
        *(("Deployment", f"radar-{s}") for s in SERVICES),
        ("Job", "radar-bootstrap"),
    ]:
        env = env_of(container(rendered, kind, name))
        assert env["RADAR_NATS_PASSWORD"]["secretKeyRef"]["name"] == "nats-radar", name
        assert env["RADAR_NATS_PASSWORD"]["secretKeyRef"]["key"] == "password", name
        assert env["RADAR_NATS_USER"]["secretKeyRef"]["key"] == "user", name


def test_a_nats_url_with_credentials_lives_in_the_secret() -> None:
    rendered = render_with(
        ["nats.urlFromSecret=true", "secrets.values.RADAR_NATS_URL=nats://u:p@nats:4222"]
    )
    for cm in rendered.of_kind("ConfigMap"):
        assert "RADAR_NATS_URL" not in (cm.get("data") or {}), cm["metadata"]["name"]
    for kind, name in [
        *(("Deployment", f"radar-{s}") for s in SERVICES),
        ("Job", "radar-bootstrap"),
    ]:
        env = env_of(container(rendered, kind, name))
        assert "secretKeyRef" in env["RADAR_NATS_URL"], name
    with pytest.raises(HelmError, match="urlFromSecret"):
        render_with(["nats.url=nats://radar:hunter2@nats.nats.svc:4222"])
