"""Settings shared by every service.

Each service subclasses :class:`RadarSettings` once, builds it once at start and passes it down.
Every variable uses the ``RADAR_`` prefix; the shared names are the same in every service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
S = TypeVar("S", bound=BaseSettings)


def _empty_is_unset(value: object) -> object:
    # Charts and .env files set a variable to "" (or blanks) to mean "off".
    return None if isinstance(value, str) and not value.strip() else value


#: Optional settings where an empty variable means unset (None), not an empty value.
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_empty_is_unset)]
OptionalPath = Annotated[Path | None, BeforeValidator(_empty_is_unset)]
OptionalText = Annotated[str | None, BeforeValidator(_empty_is_unset)]


class RadarSettings(BaseSettings):
    """Settings every service has (env prefix ``RADAR_``)."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", extra="ignore", frozen=True)

    service_name: str = "radar"
    nats_url: str = "nats://127.0.0.1:4222"
    # NATS credentials and TLS (radar_common.bus.credentials); files come from mounted Secrets.
    nats_user: str = ""
    nats_password: SecretStr = SecretStr("")
    nats_token: SecretStr = SecretStr("")
    nats_creds_file: str = ""
    nats_nkey_seed_file: str = ""
    nats_tls_ca_file: str = ""
    nats_tls_cert_file: str = ""
    nats_tls_key_file: str = ""
    database_url: str = "postgresql://postgres@127.0.0.1:5432/radar"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # /metrics on a port of its own (so a NetworkPolicy can open it to Prometheus only);
    # 0 = on RADAR_HTTP_PORT with the API or the ops endpoints (one port per process, dev).
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Bounds on a request head (radar_common.http_limits): its size, its number of header
    # fields, and the seconds a connection has to send it.
    http_max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    http_max_headers: int = Field(default=100, ge=10)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    log_level: LogLevel = "INFO"
    # Logs as JSON lines (production) or as readable text (a developer's terminal).
    log_json: bool = True
    # Base URL at which callers reach the ingestion API (used in status links and alerts).
    public_url: str = "http://127.0.0.1:8080"
    # The JetStream domain of this deployment: stream and subject names are derived from it
    # so that tests can run several isolated pipelines on one server.
    stream_prefix: str = "RADAR"
    subject_prefix: str = "radar"


class BacklogSettings(RadarSettings):
    """Settings of a service that exports the JetStream backlog gauges (radar_common.bus.lag)."""

    # Seconds between backlog polls; a scrape interval is enough for KEDA and the dashboards.
    backlog_poll_seconds: float = Field(default=15.0, ge=0.1)


class WorkerSettings(BacklogSettings):
    """Settings of a pull-consumer worker."""

    fetch_batch: int = Field(default=10, ge=1, le=1000)
    fetch_timeout_seconds: float = Field(default=1.0, gt=0)
    concurrency: int = Field(default=10, ge=1, le=1000)
    max_deliver: int = Field(default=5, ge=1)
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    # Delay before a message that failed transiently is delivered again: base * 2**(n-1), capped.
    retry_base_seconds: float = Field(default=0.5, ge=0)
    retry_max_seconds: float = Field(default=30.0, ge=0)
    shutdown_grace_seconds: float = Field(default=25.0, gt=0)
    # A handler running longer is cancelled and retried; at the last delivery the task FAILS.
    step_timeout_seconds: float = Field(default=300.0, ge=0)


def setting_names(settings: type[BaseSettings]) -> list[str]:
    """Every setting a class reads, spelled as its variable after the ``RADAR_`` prefix.

    A nested model (the notifier's per-channel rates, read with the delimiter ``_``) counts
    once per field: ``slack`` gives ``slack_rate_per_second`` and ``slack_burst``.

    Args:
        settings: A settings class (not an instance).

    Returns:
        Lower-case names in field order; ``RADAR_`` + the upper-cased name is the variable.
    """
    names: list[str] = []
    for name, info in settings.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += [f"{name}_{sub}" for sub in kind.model_fields]
        else:
            names.append(name)
    return names


def load_settings(settings: type[S]) -> S:
    """Build a service's settings once, from the environment, at start.

    Every ``main()`` calls this and passes the result down; nothing builds settings again.

    Args:
        settings: The service's settings class.

    Returns:
        The validated settings.

    Raises:
        SystemExit: A setting is invalid or a required one is missing ("refusing to start").
    """
    try:
        return settings()
    except ValidationError as exc:
        raise SystemExit(f"refusing to start: {exc}") from exc
