"""The two failures a handler can signal to the runtime, besides any other exception."""

from __future__ import annotations


class PermanentError(Exception):
    """The input can never be processed (malformed, no part found...): dead-letter it now."""


class StepTimeout(Exception):
    """The handler ran longer than the step timeout; retried like any transient failure."""
