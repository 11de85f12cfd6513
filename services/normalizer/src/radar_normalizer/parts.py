"""Cleaning the text a notice is read from.

Part-number grammar, look-alike folding and base numbers live in :mod:`radar_common.partnumbers`
(one definition for the normalizer, the catalog and the matcher); this module only prepares
lines of text with it.
"""

from __future__ import annotations

import re

from radar_common.partnumbers import fold_text

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Fold compatibility forms, invisible characters and dashes (``fold_text``); one space."""
    return _SPACES.sub(" ", fold_text(text)).strip()


def clean_line(text: str) -> str:
    """Like :func:`clean` but keeps runs of spaces and tabs (they separate table columns)."""
    return fold_text(text).rstrip()
