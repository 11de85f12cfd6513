"""The console's roles and how an identity provider's claim maps onto them.

| Role | May |
|---|---|
| viewer | read |
| engineer | read, review and decide; see operations |
| admin | all of that, import the catalog and replay dead letters |

Roles are ordered: each one may do what the ones below it may.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1
    ENGINEER = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, name: str) -> Role:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"{name!r} is not a role (viewer, engineer, admin)") from None


def parse_role_map(text: str) -> dict[str, Role]:
    """``"radar-admins=admin,staff=viewer"`` → {claim value: role}."""
    mapping: dict[str, Role] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        value, sep, role = item.strip().rpartition("=")
        if not sep or not value:
            raise ValueError(f"RADAR_OIDC_ROLES: {item!r} is not value=role")
        mapping[value] = Role.named(role)
    return mapping


def role_from_claims(
    claims: Mapping[str, object],
    claim: str,
    mapping: Mapping[str, Role],
    default: Role | None,
) -> Role | None:
    """The highest role the claim's values grant (a string or a list), else ``default``."""
    raw = claims.get(claim)
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
    granted: list[Role] = []
    for value in values:
        if not isinstance(value, str):
            continue
        if mapping:
            if value in mapping:
                granted.append(mapping[value])
        else:
            try:
                granted.append(Role.named(value))
            except ValueError:
                continue
    return max(granted) if granted else default
