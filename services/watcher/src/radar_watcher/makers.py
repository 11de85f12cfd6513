"""Manufacturer names in one spelling: a provider's "TI" is the catalog's "Texas Instruments".

The project's alias table is ``radar_common.manufacturers`` (issue 13). Until it is merged this
module keeps a minimal table behind :func:`canonical_manufacturer`; switching is one line: the
body of that function becomes a call to ``radar_common.manufacturers.canonical_manufacturer``.
"""

from __future__ import annotations

import functools
import re

_ALIASES = {
    "ti": "Texas Instruments",
    "texas instruments": "Texas Instruments",
    "national semiconductor": "Texas Instruments",
    "adi": "Analog Devices",
    "analog devices": "Analog Devices",
    "linear technology": "Analog Devices",
    "maxim integrated": "Analog Devices",
    "st": "STMicroelectronics",
    "stmicroelectronics": "STMicroelectronics",
    "stmicro": "STMicroelectronics",
    "nxp": "NXP Semiconductors",
    "nxp semiconductors": "NXP Semiconductors",
    "freescale": "NXP Semiconductors",
    "microchip": "Microchip Technology",
    "microchip technology": "Microchip Technology",
    "atmel": "Microchip Technology",
    "infineon": "Infineon Technologies",
    "infineon technologies": "Infineon Technologies",
    "cypress": "Infineon Technologies",
    "international rectifier": "Infineon Technologies",
    "onsemi": "onsemi",
    "on semiconductor": "onsemi",
    "fairchild": "onsemi",
    "nexperia": "Nexperia",
    "renesas": "Renesas Electronics",
    "renesas electronics": "Renesas Electronics",
    "vishay": "Vishay",
    "murata": "Murata",
}
_LEGAL_SUFFIX = re.compile(r"\b(inc|incorporated|corp|corporation|co|ltd|llc|gmbh|ag|nv|bv|plc)\b")


@functools.lru_cache(maxsize=4096)  # a catalog names a few hundred manufacturers at most
def _key(name: str) -> str:
    key = re.sub(r"[^a-z0-9 ]+", " ", name.lower())
    key = _LEGAL_SUFFIX.sub(" ", key)
    return re.sub(r"\s+", " ", key).strip()


@functools.lru_cache(maxsize=4096)
def canonical_manufacturer(name: str) -> str:
    """The canonical spelling of ``name``; an unknown name is returned tidied, never dropped."""
    return _ALIASES.get(_key(name), re.sub(r"\s+", " ", name).strip())


def same_manufacturer(a: str, b: str) -> bool:
    """Whether two spellings name one manufacturer (an empty name matches any).

    Canonical names are compared; failing that, their first words ("Nexperia USA" is
    "Nexperia"), since a provider's legal name often extends the catalog's short one.
    """
    ka, kb = _key(canonical_manufacturer(a)), _key(canonical_manufacturer(b))
    if not ka or not kb or ka == kb:
        return True
    return ka.split()[0] == kb.split()[0]
