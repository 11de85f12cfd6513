"""`radar dev --port` / RADAR_HTTP_PORT: the API's port, and a port of its own for every service."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from radar_cli.commands import dev
from radar_cli.infra import free_port
from radar_cli.main import app


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_the_api_gets_the_port_asked_for_and_every_service_its_own() -> None:
    api = free_port()
    ports = dev.choose_ports(api)
    assert ports["ingestion"] == api
    assert set(ports) == set(dev.PREFERRED_PORTS)
    assert len(set(ports.values())) == len(ports), ports


def test_a_service_whose_usual_port_is_the_apis_moves_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = free_port()
    monkeypatch.setitem(dev.PREFERRED_PORTS, "normalizer", api)
    ports = dev.choose_ports(api)
    assert ports["ingestion"] == api
    assert ports["normalizer"] != api
    assert len(set(ports.values())) == len(ports), ports


def test_a_port_in_use_is_refused_before_anything_starts(busy_port: int) -> None:
    with pytest.raises(typer.BadParameter, match=f"port {busy_port} is in use"):
        dev.choose_ports(busy_port)


def test_the_exported_variable_is_the_option(busy_port: int) -> None:
    """RADAR_HTTP_PORT reaches `--port`: the same refusal, from the environment."""
    result = CliRunner().invoke(app, ["dev"], env={"RADAR_HTTP_PORT": str(busy_port)})
    assert result.exit_code == 2
    assert f"port {busy_port} is in use" in result.output
    result = CliRunner().invoke(app, ["dev", "--port", str(busy_port)])
    assert result.exit_code == 2
    assert "--port" in result.output
