"""How a service proves itself to NATS, and how NATS proves itself to the service.

Any one of, from settings (in Kubernetes: files and variables from Secrets):

- ``RADAR_NATS_CREDS_FILE``: a ``.creds`` file (user JWT and nkey seed, decentralized auth);
- ``RADAR_NATS_NKEY_SEED_FILE``: an nkey seed file (``authorization { users: [{nkey: U…}] }``);
- ``RADAR_NATS_USER`` + ``RADAR_NATS_PASSWORD`` (or ``RADAR_NATS_TOKEN``);
- credentials inside ``RADAR_NATS_URL`` (``nats://user:password@host:4222``): then the URL
  is a secret too; it is only ever logged through :func:`redact_url`.

TLS: ``RADAR_NATS_TLS_CA_FILE`` (the CA bundle that signed the server's certificate; also
turns TLS on for ``nats://`` URLs), optionally ``RADAR_NATS_TLS_CERT_FILE`` and
``RADAR_NATS_TLS_KEY_FILE`` for a client certificate (mutual TLS). A ``tls://`` URL without a
CA file verifies against the system's trust store.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from typing import Any

from radar_common.settings import RadarSettings

_USERINFO = re.compile(r"(?P<scheme>[a-z]+://)(?P<user>[^:@/,]*):(?P<password>[^@/,]*)@")


def redact_url(url: str) -> str:
    """``url`` (or a comma-separated list of them) with any password replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)


@dataclass(frozen=True)
class NatsCredentials:
    """The connect options that authenticate to NATS and verify its certificate."""

    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    creds_file: str = ""
    nkey_seed_file: str = ""
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""

    @classmethod
    def from_settings(cls, settings: RadarSettings) -> NatsCredentials:
        return cls(
            user=settings.nats_user,
            password=settings.nats_password.get_secret_value(),
            token=settings.nats_token.get_secret_value(),
            creds_file=settings.nats_creds_file,
            nkey_seed_file=settings.nats_nkey_seed_file,
            tls_ca_file=settings.nats_tls_ca_file,
            tls_cert_file=settings.nats_tls_cert_file,
            tls_key_file=settings.nats_tls_key_file,
        )

    def tls_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context when a CA or a client certificate is configured."""
        if not (self.tls_ca_file or self.tls_cert_file):
            return None
        context = ssl.create_default_context(cafile=self.tls_ca_file or None)
        if self.tls_cert_file:
            context.load_cert_chain(self.tls_cert_file, self.tls_key_file or None)
        return context

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect`` (none when nothing is configured)."""
        options: dict[str, Any] = {}
        if self.creds_file:
            options["user_credentials"] = self.creds_file
        elif self.nkey_seed_file:
            options["nkeys_seed"] = self.nkey_seed_file
        elif self.user:
            options["user"] = self.user
            options["password"] = self.password
        elif self.token:
            options["token"] = self.token
        context = self.tls_context()
        if context is not None:
            options["tls"] = context
        return options
