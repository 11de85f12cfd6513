"""Orderable vs base part numbers.

An orderable number is the base number plus packaging/finish suffixes (reel size, lead-free
marker, tape). The catalog keeps both so that a notice naming one packaging variant still finds
a BOM that lists another; the matcher says which kind of match it made.
"""

from __future__ import annotations

import re

# Suffixes that only say how the part is packed or finished, longest first per vendor habit.
_SUFFIXES = (
    re.compile(r"/NOPB$"),  # TI lead-free
    re.compile(r"#PBF$"),  # ADI (Linear) lead-free
    re.compile(r"-REEL7?$"),  # ADI reels
    re.compile(r"-RL7?$"),  # ADI reels
    re.compile(r",\d{3}$"),  # NXP 12NC packing code (",115", ",215")
    re.compile(r"-TR$"),  # tape and reel (Microchip, ST)
    re.compile(r"(?<=[A-Z0-9])(?:E4|G4)$"),  # TI finishes
    re.compile(r"(?<=\d[A-Z])[RT]$"),  # TI/ST reel sizes after a package letter (LM358DR)
    re.compile(r"(?<=[A-Z]{3})R$"),  # ... and after a package code (TPS7A4700RGWR)
)


def normalize_mpn(mpn: str) -> str:
    """The catalog key of a part number: trimmed, upper-case, inner spaces removed."""
    return re.sub(r"\s+", "", mpn).upper()


def base_mpn(mpn: str) -> str:
    """The base number of an orderable part number (its packaging suffixes removed)."""
    base = normalize_mpn(mpn)
    for pattern in _SUFFIXES:
        stripped = pattern.sub("", base)
        if stripped and stripped != base:
            base = stripped
    return base
