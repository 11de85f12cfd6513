"""Every setting a service reads can be set for it through the chart's values.

The fields of each service's settings class (pydantic-settings, prefix ``RADAR_``) are compared
with what its Deployment receives when the chart is rendered with ``all-options.yaml``: plain
settings from the ConfigMaps (``envFrom``) and inline ``env``, credentials from the Secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, get_args

import pytest
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from radar_common.settings import setting_names
from radar_console.settings import ConsoleSettings
from radar_inference.settings import InferenceSettings
from radar_ingestion.settings import IngestionSettings
from radar_normalizer.settings import NormalizerSettings
from radar_notifier.routing import RoutingTable
from radar_notifier.settings import NotifierSettings
from radar_watcher.settings import WatcherSettings

from .rendering import (
    CHART,
    SERVICES,
    WITHOUT_NATS,
    env_of,
    render,
    render_with,
    variables_of,
)

pytestmark = pytest.mark.usefixtures("helm_binary")

SETTINGS: dict[str, type[BaseSettings]] = {
    "ingestion": IngestionSettings,
    "normalizer": NormalizerSettings,
    "inference": InferenceSettings,
    "notifier": NotifierSettings,
    "console": ConsoleSettings,
    "watcher": WatcherSettings,
}

# Settings the chart deliberately does not expose, and why.
NOT_EXPOSED: dict[str, str] = {
    # Lets a loopback test server stand in for SNS (plain http, any port); never in a cluster.
    "sns_allow_http": "test-only",
    # Lets tests move the date the notice scheduler sees; a cluster uses the system clock.
    "clock_file": "test-only",
}

# Settings the chart renders with its own value rather than one taken from the values.
CHART_FIXED: dict[str, str] = {
    "http_host": "0.0.0.0: the pod must listen on its own IP",
    "http_port": "the container port, which the probes and the Service point at",
    "service_name": "the Deployment's service name (logs, metrics, traces)",
    # One topology per release (topology.*): the KEDA scalers and the bootstrap Job read the
    # same prefixes, so they are release-wide, not per service; all-options keeps the default.
    "stream_prefix": "topology.streamPrefix, release-wide",
    "subject_prefix": "topology.subjectPrefix, release-wide",
}


# Credentials typed as plain str (or str | None); SecretStr fields are credentials too.
CREDENTIALS = {"database_url", "api_keys", "webhook_secret", "mailgun_signing_key", "webhook_url"}

# Values from all-options.yaml as each service parses them.
SPOT_CHECKS: dict[str, dict[str, object]] = {
    "ingestion": {"max_body_bytes": 31457280, "task_retention_seconds": 1209600},
    "normalizer": {"llm_model": "openai/gpt-4o-mini-extract", "catalog_match": True},
    "inference": {"ltb_safety": Decimal("0.15"), "llm_base_url": "http://llm-crew.internal/v1"},
    "notifier": {
        "smtp_to": "ops@example.com,buyers@example.com",
        "digest_hour_utc": 7,
        # The flat RADAR_SLACK_RATE_PER_SECOND / _BURST fill the nested per-channel rate.
        "slack": {"rate_per_second": 0.5, "burst": 2},
    },
    "console": {
        "console_task_list_limit": 100,
        "oidc_roles": "radar-admins=admin,radar-engineers=engineer",
    },
    "watcher": {"watcher_interval_seconds": 43200.0, "digikey_locale_site": "DE"},
}


def fields_of(service: str) -> list[str]:
    """The settings a service reads: its settings class's fields. A service that never
    connects to NATS reads none of the NATS connection settings it inherits."""
    return [
        f
        for f in setting_names(SETTINGS[service])
        if not (service in WITHOUT_NATS and f.startswith("nats_"))
    ]


def env_name(field: str) -> str:
    return f"RADAR_{field.upper()}"


def variables(values_set: str, service: str) -> dict[str, str | None]:
    return variables_of(render(values_set), "Deployment", f"radar-{service}")


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_reaches_its_service(service: str) -> None:
    rendered = variables("all-options", service)
    fields = fields_of(service)
    missing = [env_name(f) for f in fields if f not in NOT_EXPOSED and env_name(f) not in rendered]
    assert not missing, f"{service}: settings the chart cannot set: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_settings_come_from_the_values(service: str) -> None:
    """A non-secret setting differs from the default rendering: it follows the values file."""
    default, chosen = variables("default", service), variables("all-options", service)
    ignored = [
        env_name(f)
        for f in fields_of(service)
        if f not in NOT_EXPOSED
        and f not in CHART_FIXED
        # A secret's value is not in the manifests (None): the Secret test covers it.
        and chosen.get(env_name(f)) is not None
        and chosen[env_name(f)] == default.get(env_name(f))
    ]
    assert not ignored, f"{service}: all-options.yaml leaves these at the default: {ignored}"


def test_allow_lists_name_real_settings_the_chart_leaves_out() -> None:
    every = {f for cls in SETTINGS.values() for f in cls.model_fields}
    assert set(NOT_EXPOSED) <= every
    assert set(CHART_FIXED) <= every
    for service, cls in SETTINGS.items():
        rendered = variables("all-options", service)
        for field in set(NOT_EXPOSED) & set(cls.model_fields):
            assert env_name(field) not in rendered, f"{field} is exposed: drop it from the list"


@pytest.mark.parametrize("service", SERVICES)
def test_schema_lists_only_real_settings(service: str) -> None:
    """Each `<service>.settings` key in values.schema.json is a field the service reads."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    (own,) = [p for p in schema["properties"][service]["allOf"] if "properties" in p]
    keys = own["properties"]["settings"]["properties"]
    fields = {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() for key in keys}
    assert fields, service
    unknown = fields - set(fields_of(service))
    assert not unknown, f"{service}.settings keys no setting reads: {unknown}"


def secret_fields(cls: type[BaseSettings]) -> set[str]:
    return {
        f
        for f, info in cls.model_fields.items()
        if f in CREDENTIALS or SecretStr in _types(info.annotation)
    }


def _types(annotation: object) -> tuple[object, ...]:
    return (annotation, *get_args(annotation))


@pytest.mark.parametrize("service", SERVICES)
def test_secrets_come_from_the_secret_only(service: str) -> None:
    (container,) = render("all-options").get("Deployment", f"radar-{service}")["spec"]["template"][
        "spec"
    ]["containers"]
    env = env_of(container)
    assert secret_fields(SETTINGS[service]) >= {"database_url"}
    for field in secret_fields(SETTINGS[service]) & set(fields_of(service)):
        assert "secretKeyRef" in env[env_name(field)], f"{service}: {field} is not a secret"
    for cm in render("all-options").of_kind("ConfigMap"):
        leaked = {env_name(f) for f in secret_fields(SETTINGS[service])} & set(cm.get("data", {}))
        assert not leaked, cm["metadata"]["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_services_accept_the_rendered_settings(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the chart renders parses: ints print as ints, decimals keep their digits."""
    for name in list(os.environ):
        if name.startswith("RADAR_"):
            monkeypatch.delenv(name)
    for name, value in variables("all-options", service).items():
        # A Secret's value is not in the manifests: any string stands in for it.
        # (Long enough for the console's session secret and sign-in token checks.)
        monkeypatch.setenv(name, value if value is not None else "from-the-secret-" * 3)
    settings: Mapping[str, object] = SETTINGS[service]().model_dump()
    assert settings["service_name"] == service
    assert settings["http_host"] == "0.0.0.0"
    expected = SPOT_CHECKS[service]
    assert {k: settings[k] for k in expected} == expected


def notifier_pod(values_set: str | None = None, sets: tuple[str, ...] = ()) -> dict[str, Any]:
    rendered = render(values_set) if values_set else render_with(sets)
    spec: dict[str, Any] = rendered.get("Deployment", "radar-notifier")["spec"]["template"]["spec"]
    return spec


def test_routing_table_is_mounted_read_only_and_loads() -> None:
    rendered = render("all-options")
    pod = notifier_pod("all-options")
    (container,) = pod["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "routes"]
    assert mount["readOnly"] is True
    path = variables("all-options", "notifier")["RADAR_ROUTES_FILE"]
    assert path == f"{mount['mountPath']}/routes.yaml"
    (volume,) = [v for v in pod["volumes"] if v["name"] == "routes"]
    name = volume["configMap"]["name"]
    assert volume["configMap"]["items"] == [{"key": "routes.yaml", "path": "routes.yaml"}]
    table = RoutingTable.model_validate(
        yaml.safe_load(rendered.get("ConfigMap", name)["data"]["routes.yaml"])
    )
    assert [r.name for r in table.routes] == ["sensors-to-slack", "daily-digest"]
    assert table.has_digests


def test_routing_table_from_an_existing_config_map() -> None:
    sets = ("notifier.routing.existingConfigMap=ops-routes", "notifier.routing.key=radar.yaml")
    pod = notifier_pod(sets=sets)
    (volume,) = [v for v in pod["volumes"] if v["name"] == "routes"]
    assert volume["configMap"] == {
        "name": "ops-routes",
        "items": [{"key": "radar.yaml", "path": "routes.yaml"}],
    }
    assert "radar-notifier-routes" not in render_with(sets).names("ConfigMap")


def test_no_routing_table_means_no_routes_file() -> None:
    pod = notifier_pod("default")
    assert all(v["name"] != "routes" for v in pod["volumes"])
    assert "RADAR_ROUTES_FILE" not in variables("default", "notifier")


def test_empty_values_are_left_unset() -> None:
    """An empty value is left out: to pydantic "" is a value (RADAR_SMTP_FROM="" is no sender)."""
    rendered = render_with(
        [
            "notifier.settings.smtpFrom=",
            "notifier.settings.smtpTo=ops@example.com",
            "inference.llm.model=",
            "config.llm.baseUrl=",
        ]
    )
    notifier = variables_of(rendered, "Deployment", "radar-notifier")
    assert "RADAR_SMTP_FROM" not in notifier
    assert notifier["RADAR_SMTP_TO"] == "ops@example.com"
    inference = variables_of(rendered, "Deployment", "radar-inference")
    assert "RADAR_LLM_MODEL" not in inference
    assert "RADAR_LLM_BASE_URL" not in inference


def test_normalizer_llm_is_opt_in() -> None:
    off = variables("default", "normalizer")
    assert not {"RADAR_LLM_MODEL", "RADAR_LLM_API_KEY"} & set(off)
    on = variables_of(
        render_with(["normalizer.llm.enabled=true", "config.llm.model=openai/gpt-4o-mini"]),
        "Deployment",
        "radar-normalizer",
    )
    assert on["RADAR_LLM_MODEL"] == "openai/gpt-4o-mini"
    assert "RADAR_LLM_API_KEY" in on
