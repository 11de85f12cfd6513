"""The console's start-up checks, number formats, role mapping and vendored htmx."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from radar_console.auth.roles import Role, parse_role_map, role_from_claims
from radar_console.settings import ConsoleSettings
from radar_console.web.formatting import money, percent, quantity
from radar_console.web.frame import STATIC_DIR, TEMPLATES_DIR, vendored
from radar_console.web.navigation import safe_next

SECRET = "s" * 40
OIDC = {"oidc_issuer": "https://login.example.com", "oidc_client_id": "radar"}


def settings(**values: Any) -> ConsoleSettings:
    return ConsoleSettings(_env_file=None, **{"console_session_secret": SECRET, **values})


def test_a_correct_production_configuration_starts() -> None:
    ok = settings(console_url="https://radar.example.com", **OIDC)
    assert ok.oidc_enabled
    assert not ok.console_dev_sign_in


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({**OIDC, "console_session_secret": "short"}, "at least 32 characters"),
        ({}, "no sign-in configured"),
        (
            {
                "console_dev_sign_in": True,
                "console_dev_token": "t" * 20,
                "console_url": "https://radar.example.com",
            },
            "not on loopback",
        ),
        ({"console_dev_sign_in": True, "console_dev_token": "short"}, "RADAR_CONSOLE_DEV_TOKEN"),
        (
            {**OIDC, "console_cookie_secure": False, "console_url": "https://radar.example.com"},
            "COOKIE_SECURE",
        ),
        ({**OIDC, "oidc_issuer": "http://login.example.com"}, "https://"),
        ({**OIDC, "oidc_roles": "radar-admins=root"}, "not a role"),
    ],
)
def test_unsafe_configurations_refuse_to_start(values: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        settings(**values)


def test_dev_sign_in_on_a_remote_console_only_when_said_explicitly() -> None:
    remote = settings(
        console_dev_sign_in=True,
        console_dev_token="t" * 20,
        console_url="https://radar.example.com",
        console_dev_sign_in_remote=True,
    )
    assert remote.dev_users()["admin@radar.dev"] is Role.ADMIN


def test_roles_come_from_a_mapped_claim_and_the_highest_wins() -> None:
    mapping = parse_role_map("radar-admins=admin,radar-engineers=engineer,staff=viewer")
    assert (
        role_from_claims({"groups": ["staff", "radar-engineers"]}, "groups", mapping, None)
        is Role.ENGINEER
    )
    assert role_from_claims({"groups": "staff"}, "groups", mapping, None) is Role.VIEWER
    assert role_from_claims({"groups": ["other"]}, "groups", mapping, None) is None
    assert role_from_claims({}, "groups", mapping, Role.VIEWER) is Role.VIEWER
    # Without a mapping the claim's values are role names.
    assert role_from_claims({"roles": ["admin"]}, "roles", {}, None) is Role.ADMIN


def test_quantities_and_money_carry_separators_and_currency() -> None:
    assert quantity(14400) == "14,400"
    assert quantity(Decimal("1234.50")) == "1,234.5"
    assert quantity("45000") == "45,000"
    assert money("20160") == "USD 20,160.00"
    assert money(Decimal("1296000.005"), "EUR") == "EUR 1,296,000.01"
    assert money("n/a") == "n/a"
    assert percent(37) == "37%"


def test_after_sign_in_only_local_paths() -> None:
    assert safe_next("/catalog?x=1") == "/catalog?x=1"
    for hostile in ("https://evil.example", "//evil.example", "/\\evil.example", "catalog"):
        assert safe_next(hostile) == "/"


def test_vendored_htmx_matches_its_record_and_the_page() -> None:
    record = vendored()["htmx.org"]
    data = (STATIC_DIR / "vendor" / record["file"]).read_bytes()
    assert record["sri"] == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    lock = json.loads((STATIC_DIR.parents[2] / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/htmx.org"]["version"] == record["version"]
    assert lock["packages"]["node_modules/htmx.org"]["integrity"] == record["npm_integrity"]
    frame = (TEMPLATES_DIR / "frame.html").read_text()
    assert 'integrity="{{ htmx.sri }}"' in frame
    # No inline script or style anywhere: the Content-Security-Policy allows neither.
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text()
        assert "<script>" not in text
        assert "style=" not in text
        assert "<style" not in text
