"""Watcher settings (env prefix ``RADAR_``): which sources, how often, how fast, and where to send.

Each remote source is on when it is named in ``RADAR_WATCHER_SOURCES``; it then needs its
credentials (the settings refuse to build without them). The catalog source needs nothing and
always runs. Rate limits default to what each provider documents for its standard plan.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from radar_common.settings import OptionalSecret, RadarSettings

REMOTE_SOURCES = ("nexar", "siliconexpert", "digikey", "mouser")


class WatcherSettings(RadarSettings):
    service_name: str = "watcher"
    http_port: int = 8085  # the ops port; the console has 8084

    # Remote sources to poll, comma-separated: nexar, siliconexpert, digikey, mouser.
    watcher_sources: str = ""
    # One cycle checks every catalog part once per source; remote cycles start this far apart.
    watcher_interval_seconds: float = Field(default=86400.0, gt=0)
    # A remote cycle's requests are spread evenly over this share of the interval.
    watcher_spread: float = Field(default=0.9, gt=0, le=1)
    # The catalog source compares imports with what it saw; cheap, so it runs more often.
    watcher_catalog_interval_seconds: float = Field(default=60.0, gt=0)
    # Parts recorded together (one transaction) for a source that answers one part a request.
    watcher_page_parts: int = Field(default=100, ge=1, le=1000)
    # Leader lease: one replica polls; the others take over this long after it stops renewing.
    watcher_lease_seconds: float = Field(default=30.0, gt=0)
    # Wait before trying a page again after its source failed (auth, outage) for good.
    watcher_error_backoff_seconds: float = Field(default=300.0, gt=0)

    # Where changes go: ingestion's POST /v1/ingest/component-alert (empty: RADAR_PUBLIC_URL).
    ingest_url: str = ""
    watcher_api_key: OptionalSecret = None
    ingest_attempts: int = Field(default=6, ge=1, le=50)
    # Provider and ingestion HTTP calls.
    http_timeout_seconds: float = Field(default=30.0, gt=0)
    # Tries of one request on 429 / 5xx / network errors before the page waits for the backoff.
    provider_attempts: int = Field(default=5, ge=1, le=50)
    retry_max_seconds: float = Field(default=120.0, gt=0)

    # Nexar (Octopart data): GraphQL with a client-credentials token.
    nexar_client_id: str = ""
    nexar_client_secret: OptionalSecret = None
    nexar_url: str = "https://api.nexar.com/graphql"
    nexar_token_url: str = "https://identity.nexar.com/connect/token"  # noqa: S105 - a URL
    nexar_requests_per_minute: float = Field(default=60.0, gt=0)
    # Parts the plan may return per calendar month (0: not limited here).
    nexar_part_limit: int = Field(default=0, ge=0)

    # SiliconExpert ProductAPI: session from authenticateUser, then listPartSearch.
    siliconexpert_login: str = ""
    siliconexpert_api_key: OptionalSecret = None
    siliconexpert_url: str = "https://api.siliconexpert.com/ProductAPI"
    siliconexpert_requests_per_minute: float = Field(default=60.0, gt=0)
    siliconexpert_requests_per_day: int = Field(default=0, ge=0)

    # Digi-Key Product Information v4: OAuth2 client credentials.
    digikey_client_id: str = ""
    digikey_client_secret: OptionalSecret = None
    digikey_url: str = "https://api.digikey.com"
    digikey_locale_site: str = "US"
    digikey_requests_per_minute: float = Field(default=120.0, gt=0)
    digikey_requests_per_day: int = Field(default=1000, ge=0)

    # Mouser Search API: an API key.
    mouser_api_key: OptionalSecret = None
    mouser_url: str = "https://api.mouser.com/api/v1"
    mouser_requests_per_minute: float = Field(default=30.0, gt=0)
    mouser_requests_per_day: int = Field(default=1000, ge=0)

    @model_validator(mode="after")
    def _sources_have_credentials(self) -> Self:
        unknown = [s for s in self.remote_sources() if s not in REMOTE_SOURCES]
        if unknown:
            raise ValueError(
                f"RADAR_WATCHER_SOURCES names unknown sources {unknown}; known: {REMOTE_SOURCES}"
            )
        needs = {
            "nexar": ("RADAR_NEXAR_CLIENT_ID", "RADAR_NEXAR_CLIENT_SECRET"),
            "siliconexpert": ("RADAR_SILICONEXPERT_LOGIN", "RADAR_SILICONEXPERT_API_KEY"),
            "digikey": ("RADAR_DIGIKEY_CLIENT_ID", "RADAR_DIGIKEY_CLIENT_SECRET"),
            "mouser": ("RADAR_MOUSER_API_KEY",),
        }
        for source in self.remote_sources():
            missing = [v for v in needs[source] if not getattr(self, v[6:].lower())]
            if missing:
                raise ValueError(f"source {source} is on but {', '.join(missing)} is not set")
        return self

    def remote_sources(self) -> list[str]:
        """The remote sources to poll, in the order given."""
        names = (s.strip().lower() for s in self.watcher_sources.split(","))
        return list(dict.fromkeys(n for n in names if n))

    def ingest_base_url(self) -> str:
        return (self.ingest_url or self.public_url).rstrip("/")
