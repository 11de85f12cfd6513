"""Manufacturer names in one spelling: a provider's "TI" is the catalog's "Texas Instruments".

The alias table is the project's one, ``radar_common.manufacturers`` (``manufacturers.csv``);
this module only adds the comparison a provider's record needs against a catalog part.
"""

from __future__ import annotations

import functools
import re

from radar_common import manufacturers

_LEGAL_SUFFIX = re.compile(r"\b(inc|incorporated|corp|corporation|co|ltd|llc|gmbh|ag|nv|bv|plc)\b")


@functools.lru_cache(maxsize=4096)  # a catalog names a few hundred manufacturers at most
def _key(name: str) -> str:
    key = re.sub(r"[^a-z0-9 ]+", " ", name.lower())
    key = _LEGAL_SUFFIX.sub(" ", key)
    return re.sub(r"\s+", " ", key).strip()


@functools.lru_cache(maxsize=4096)
def canonical_manufacturer(name: str) -> str:
    """The canonical spelling of ``name``; an unknown name is returned tidied, never dropped."""
    return manufacturers.canonical_manufacturer(name)


def same_manufacturer(a: str, b: str) -> bool:
    """Whether two spellings name one manufacturer (an empty name matches any).

    Canonical names are compared; failing that, their first words ("Nexperia USA" is
    "Nexperia"), since a provider's legal name often extends the catalog's short one.
    """
    ka, kb = _key(canonical_manufacturer(a)), _key(canonical_manufacturer(b))
    if not ka or not kb or ka == kb:
        return True
    return ka.split()[0] == kb.split()[0]
