"""Console settings (env prefix ``RADAR_``), checked at start so a console never runs half-open.

The console refuses to start:
- without a session secret of at least 32 characters (``RADAR_CONSOLE_SESSION_SECRET``);
- without a way to sign in: OpenID Connect (``RADAR_OIDC_ISSUER`` + ``RADAR_OIDC_CLIENT_ID``)
  or, for development only, ``RADAR_CONSOLE_DEV_SIGN_IN=true`` with a token;
- with development sign-in on a console URL that is not loopback, unless
  ``RADAR_CONSOLE_DEV_SIGN_IN_REMOTE=true`` says so explicitly;
- with cookies not marked Secure (``RADAR_CONSOLE_COOKIE_SECURE=false``) anywhere but on a
  loopback ``http://`` URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from radar_common.notices.clock import Clock, clock_of
from radar_common.notices.reminders import parse_offsets
from radar_common.settings import RadarSettings
from radar_console.auth.roles import Role, parse_role_map

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MIN_SECRET_LENGTH = 32


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


class ConsoleSettings(RadarSettings):
    service_name: str = "console"
    http_port: int = 8084
    # Where people reach the console: sign-in redirects, and the links alerts carry.
    console_url: str = "http://127.0.0.1:8084"
    console_session_secret: SecretStr = SecretStr("")
    console_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    # Secure cookies (HTTPS only). Off only for a console on http://127.0.0.1 / localhost.
    console_cookie_secure: bool = True
    console_max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    # Tasks listed on the operations page, newest first.
    console_task_list_limit: int = Field(default=50, ge=1, le=1000)
    # OpenID Connect (authorization code with PKCE).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scopes: str = "openid email profile"
    # The claim that carries groups or roles, and how its values map to console roles:
    # "radar-admins=admin,radar-engineers=engineer,staff=viewer". Empty: the values are the
    # role names themselves (viewer, engineer, admin).
    oidc_role_claim: str = "groups"
    oidc_roles: str = ""
    # The role of a person whose claim maps to none ("" refuses them).
    oidc_default_role: str = ""
    # Development sign-in: no identity provider, a token printed by `radar dev`.
    console_dev_sign_in: bool = False
    console_dev_token: SecretStr = SecretStr("")
    # email:role pairs the development sign-in offers.
    console_dev_users: str = (
        "admin@radar.dev:admin,engineer@radar.dev:engineer,viewer@radar.dev:viewer"
    )
    console_dev_sign_in_remote: bool = False
    # The day the inbox counts "days left" from, and the reminder offsets it shows: the same
    # settings (and variables) as inference's, so both see the same day and reminders.
    clock_file: str = ""
    reminder_offsets_days: str = "90,30,7"

    @property
    def clock(self) -> Clock:
        return clock_of(Path(self.clock_file) if self.clock_file.strip() else None)

    @property
    def reminder_offsets(self) -> tuple[int, ...]:
        return parse_offsets(self.reminder_offsets_days)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        try:
            parse_offsets(self.reminder_offsets_days)
        except ValueError as exc:
            problems.append(f"RADAR_REMINDER_OFFSETS_DAYS: {exc}")
        if len(self.console_session_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            problems.append(
                f"RADAR_CONSOLE_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            )
        if not (self.oidc_enabled or self.console_dev_sign_in):
            problems.append(
                "no sign-in configured: set RADAR_OIDC_ISSUER and RADAR_OIDC_CLIENT_ID "
                "(or RADAR_CONSOLE_DEV_SIGN_IN=true for development)"
            )
        if self.console_dev_sign_in:
            if len(self.console_dev_token.get_secret_value()) < 16:
                problems.append("RADAR_CONSOLE_DEV_TOKEN must be at least 16 characters")
            if not is_loopback(self.console_url) and not self.console_dev_sign_in_remote:
                problems.append(
                    "development sign-in on a console that is not on loopback: "
                    "set RADAR_CONSOLE_DEV_SIGN_IN_REMOTE=true if you really mean it"
                )
            try:
                self.dev_users()
            except ValueError as exc:
                problems.append(str(exc))
        if not self.console_cookie_secure and not (
            is_loopback(self.console_url) and self.console_url.startswith("http://")
        ):
            problems.append("RADAR_CONSOLE_COOKIE_SECURE=false is allowed on http://localhost only")
        if self.oidc_enabled and not (
            self.oidc_issuer.startswith("https://") or is_loopback(self.oidc_issuer)
        ):
            problems.append("RADAR_OIDC_ISSUER must be an https:// URL")
        try:
            parse_role_map(self.oidc_roles)
            if self.oidc_default_role:
                Role.named(self.oidc_default_role)
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def base_url(self) -> str:
        return self.console_url.rstrip("/")

    def dev_users(self) -> dict[str, Role]:
        """The development sign-in's people: email → role."""
        users: dict[str, Role] = {}
        for item in self.console_dev_users.split(","):
            if not item.strip():
                continue
            email, sep, role = item.strip().rpartition(":")
            if not sep or not email:
                raise ValueError(f"RADAR_CONSOLE_DEV_USERS: {item!r} is not email:role")
            users[email] = Role.named(role)
        if not users:
            raise ValueError("RADAR_CONSOLE_DEV_USERS names nobody")
        return users
