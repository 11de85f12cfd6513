"""What the notice operations refuse, each with a message a person can act on."""

from __future__ import annotations


class NoticeError(Exception):
    """Base of the notice operations' refusals."""


class NoticeNotFound(NoticeError):
    """No notice record with that id."""


class VersionConflict(NoticeError):
    """The record changed since the caller read it (If-Match / expected_version)."""

    def __init__(self, record_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"notice {record_id} is at version {current}, not {expected}: read it again"
        )
        self.expected, self.current = expected, current


class InvalidOperation(NoticeError):
    """The operation does not apply to this record as it is (e.g. deciding a closed notice)."""


class InvalidInput(NoticeError):
    """A value that cannot be a fact or a decision (a bad date, a missing quantity...)."""
