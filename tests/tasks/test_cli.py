"""Where ``radar task`` finds the API: option, then environment, then .radar/dev.env."""

from __future__ import annotations

from pathlib import Path

import pytest

from radar_cli.commands.task import DEFAULT_API_URL, api_client


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RADAR_API_URL", raising=False)
    monkeypatch.delenv("RADAR_API_KEY", raising=False)
    return tmp_path


def test_without_anything_the_local_default_is_used(workdir: Path) -> None:
    with api_client(None, None) as client:
        assert str(client.base_url).rstrip("/") == DEFAULT_API_URL
        assert "X-API-Key" not in client.headers


def test_the_file_written_by_radar_dev_is_read(workdir: Path) -> None:
    (workdir / ".radar").mkdir()
    (workdir / ".radar" / "dev.env").write_text(
        "RADAR_API_URL=http://127.0.0.1:18080\nRADAR_API_KEY=from-file\n"
    )
    with api_client(None, None) as client:
        assert str(client.base_url).rstrip("/") == "http://127.0.0.1:18080"
        assert client.headers["X-API-Key"] == "from-file"


def test_environment_beats_the_file_and_options_beat_both(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".radar").mkdir()
    (workdir / ".radar" / "dev.env").write_text("RADAR_API_URL=http://file\nRADAR_API_KEY=f\n")
    monkeypatch.setenv("RADAR_API_URL", "http://env")
    monkeypatch.setenv("RADAR_API_KEY", "e")
    with api_client(None, None) as client:
        assert (str(client.base_url).rstrip("/"), client.headers["X-API-Key"]) == (
            "http://env",
            "e",
        )
    with api_client("http://option", "o") as client:
        assert (str(client.base_url).rstrip("/"), client.headers["X-API-Key"]) == (
            "http://option",
            "o",
        )
