"""The service refuses to start without a way to authenticate callers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from radar_ingestion.app import create_app
from radar_ingestion.settings import IngestionSettings


def test_no_key_and_no_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RADAR_API_KEYS", "RADAR_WEBHOOK_SECRET", "RADAR_AUTH_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="no credentials configured"):
        IngestionSettings()
    with pytest.raises(ValidationError):
        IngestionSettings(api_keys=" , ")


def test_create_app_refuses_unvalidated_settings_without_credentials() -> None:
    settings = IngestionSettings.model_construct(api_keys="", webhook_secret="")
    with pytest.raises(ValueError, match="refusing to start"):
        create_app(settings)


@pytest.mark.parametrize(
    "values",
    [{"api_keys": "k1,k2"}, {"webhook_secret": "whsec_c2VjcmV0"}, {"auth_disabled": True}],
)
def test_any_credential_or_an_explicit_opt_out_starts(values: dict[str, object]) -> None:
    settings = IngestionSettings(**values)  # type: ignore[arg-type]
    assert create_app(settings).title == "Obsolescence Radar"


def test_keys_are_split_and_trimmed() -> None:
    keys = IngestionSettings(api_keys=" a, b ,,c").api_key_entries()
    assert [k.key for k in keys] == ["a", "b", "c"]
