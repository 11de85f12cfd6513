"""The signed-in person, kept in the signed session cookie, and the role checks pages depend on.

A page declares who may see it with a typed dependency::

    async def page(user: Engineer) -> Response: ...

``Viewer``, ``Engineer`` and ``Admin`` raise :class:`SignInRequired` (no session: the browser
is sent to the sign-in page and sees no data) or :class:`NotAllowed` (signed in, role too low:
403), which the app turns into pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from radar_console.auth.roles import Role

SESSION_USER = "user"


@dataclass(frozen=True)
class User:
    subject: str  # the identity provider's `sub` (or the dev e-mail)
    name: str
    email: str
    role: Role
    via: str  # "oidc" | "dev"

    def may(self, role: Role) -> bool:
        return self.role >= role

    @property
    def may_replay(self) -> bool:
        """Replaying dead letters and importing the catalog are for admins."""
        return self.may(Role.ADMIN)

    @property
    def may_decide(self) -> bool:
        """Reviewing notices and deciding about them are for engineers (and admins)."""
        return self.may(Role.ENGINEER)

    def as_session(self) -> dict[str, Any]:
        return {
            "sub": self.subject,
            "name": self.name,
            "email": self.email,
            "role": self.role.label,
            "via": self.via,
        }

    @classmethod
    def from_session(cls, data: object) -> User | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                subject=str(data["sub"]),
                name=str(data["name"]),
                email=str(data["email"]),
                role=Role.named(str(data["role"])),
                via=str(data["via"]),
            )
        except (KeyError, ValueError):
            return None


class SignInRequired(Exception):
    """Nobody is signed in."""


class NotAllowed(Exception):
    """Signed in, but the role does not allow this."""

    def __init__(self, user: User, needed: Role) -> None:
        self.user, self.needed = user, needed
        super().__init__(f"{user.email} is {user.role.label}; this needs {needed.label}")


def current_user(request: Request) -> User | None:
    return User.from_session(request.session.get(SESSION_USER))


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` (nothing from before sign-in is kept)."""
    request.session.clear()
    request.session[SESSION_USER] = user.as_session()


def sign_out(request: Request) -> None:
    request.session.clear()


def require(role: Role) -> Any:
    """A dependency that answers the signed-in user, if their role is at least ``role``."""

    async def check(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise SignInRequired
        if not user.may(role):
            raise NotAllowed(user, role)
        return user

    check.__name__ = f"require_{role.label}"
    return Depends(check)


Viewer = Annotated[User, require(Role.VIEWER)]
Engineer = Annotated[User, require(Role.ENGINEER)]
Admin = Annotated[User, require(Role.ADMIN)]
