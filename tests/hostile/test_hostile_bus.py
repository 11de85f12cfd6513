"""The bus is closed: NATS with TLS (a CA the test makes) and credentials, used by a service.

A nats-server with TLS and authentication (user + password for one user, an nkey for another)
is started on a free port with a certificate made here. A real ingestion process connects to
it with the CA bundle and the password from its settings and accepts an event; a client
without the password, without the CA, or with a wrong nkey is refused; and no credential
reaches a log line, even when it was put in RADAR_NATS_URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import logging
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nkeys  # type: ignore[import-untyped]
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from radar_cli.infra import free_port, nats_server_binary, wait_for_port
from radar_cli.stack import Stack
from radar_common.bus.connection import Bus
from radar_common.bus.credentials import NatsCredentials, redact_url
from radar_common.bus.topology import Topology
from radar_common.settings import RadarSettings
from radar_common.worker_host import connect_bus

pytestmark = pytest.mark.integration

USER, PASSWORD = "radar-svc", "s3cret-bus-password-9f2c"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def make_pki(root: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key) files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("radar test CA"))
        .issuer_name(_name("radar test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = root / "ca.pem", root / "server.pem", root / "server-key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_file)
    return ca_file, cert_file, key_file


@dataclass(frozen=True)
class SecureNats:
    port: int
    ca_file: Path
    nkey_seed_file: Path
    root: Path

    @property
    def url(self) -> str:
        return f"tls://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def secure_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureNats]:
    root = tmp_path_factory.mktemp("secure-nats")
    ca_file, cert_file, key_file = make_pki(root)
    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    public = nkeys.from_seed(bytearray(seed)).public_key.decode()
    seed_file = root / "user.nk"
    seed_file.write_bytes(seed + b"\n")
    seed_file.chmod(0o600)
    port, monitor = free_port(), free_port()
    config = root / "nats.conf"
    config.write_text(
        f"""
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor}
jetstream {{ store_dir: "{root / "js"}" }}
tls {{ cert_file: "{cert_file}", key_file: "{key_file}", ca_file: "{ca_file}", timeout: 5 }}
authorization {{
  users: [
    {{ user: "{USER}", password: "{PASSWORD}" }}
    {{ nkey: "{public}" }}
  ]
}}
"""
    )
    log = open(root / "nats.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [nats_server_binary(), "-c", str(config)], stdout=log, stderr=log, start_new_session=True
    )
    try:
        wait_for_port(port)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true").is_success:
                    break
            time.sleep(0.05)
        yield SecureNats(port, ca_file, seed_file, root)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


async def _try(url: str, credentials: NatsCredentials) -> Bus:
    return await Bus.connect(
        url, Topology(), name="hostile-bus", connect_timeout=2.0, credentials=credentials
    )


async def _refused(url: str, credentials: NatsCredentials) -> None:
    try:
        bus = await _try(url, credentials)
    except Exception:  # nats-py raises several kinds (auth, TLS verification, no servers)
        return
    await bus.close()
    pytest.fail(f"connected with {credentials!r}")


async def test_the_right_credentials_and_ca_connect(secure_nats: SecureNats) -> None:
    good = NatsCredentials(user=USER, password=PASSWORD, tls_ca_file=str(secure_nats.ca_file))
    bus = await _try(secure_nats.url, good)
    try:
        await bus.ensure_topology()
        assert bus.connected
    finally:
        await bus.close()
    nkey = NatsCredentials(
        nkey_seed_file=str(secure_nats.nkey_seed_file), tls_ca_file=str(secure_nats.ca_file)
    )
    bus = await _try(secure_nats.url, nkey)
    await bus.close()


async def test_without_credentials_or_ca_the_bus_refuses(secure_nats: SecureNats) -> None:
    ca = str(secure_nats.ca_file)
    await _refused(secure_nats.url, NatsCredentials(tls_ca_file=ca))
    await _refused(secure_nats.url, NatsCredentials(user=USER, password="wrong", tls_ca_file=ca))
    await _refused(secure_nats.url, NatsCredentials(user=USER, password=PASSWORD))  # no CA
    other_seed = secure_nats.root / "other.nk"
    other_seed.write_bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))
    await _refused(secure_nats.url, NatsCredentials(nkey_seed_file=str(other_seed), tls_ca_file=ca))


def test_a_service_runs_on_the_secured_bus(
    secure_nats: SecureNats, tmp_path: Path, database_url: str
) -> None:
    stack = Stack(
        nats_url=secure_nats.url,
        database_url=database_url,
        log_dir=tmp_path / "logs",
        extra_env={
            "RADAR_API_KEYS": "bus-test-key",
            "RADAR_NATS_USER": USER,
            "RADAR_NATS_PASSWORD": PASSWORD,
            "RADAR_NATS_TLS_CA_FILE": str(secure_nats.ca_file),
            "RADAR_LOG_LEVEL": "DEBUG",
            "OTEL_SDK_DISABLED": "true",
        },
    )
    try:
        stack.start(("ingestion",), timeout=60)
        answer = httpx.post(
            f"{stack.api_url}/v1/events/ingest",
            json={"source": "nexar", "raw_data": {"mpn": "LM358DR"}},
            headers={"X-API-Key": "bus-test-key"},
        )
        assert answer.status_code == 202, answer.text
    finally:
        stack.stop_all()
    log = (tmp_path / "logs" / "ingestion.log").read_text(errors="replace")
    assert log.count("\n") >= 2
    assert PASSWORD not in log


def test_credentials_are_read_from_settings() -> None:
    settings = RadarSettings(
        nats_user=USER,
        nats_password=PASSWORD,
        nats_tls_ca_file="/etc/radar/nats/ca.pem",
        nats_creds_file="",
    )
    credentials = NatsCredentials.from_settings(settings)
    assert credentials.user == USER
    assert credentials.password == PASSWORD
    assert credentials.tls_ca_file == "/etc/radar/nats/ca.pem"
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in repr(credentials)


async def test_a_url_with_credentials_is_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert redact_url(f"nats://{USER}:{PASSWORD}@10.0.0.1:4222") == (
        f"nats://{USER}:***@10.0.0.1:4222"
    )
    assert PASSWORD not in redact_url(f"tls://u:{PASSWORD}@a:4222,tls://u:{PASSWORD}@b:4222")
    closed = f"nats://{USER}:{PASSWORD}@127.0.0.1:{free_port()}"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConnectionError) as refused:
        await connect_bus(RadarSettings(nats_url=closed), "hostile-bus", attempts=1)
    assert PASSWORD not in str(refused.value)
    assert caplog.records, "nothing was logged: the check proves nothing"
    assert PASSWORD not in caplog.text
