"""Manufacturer names: one canonical name per maker, from any alias, mail domain or letterhead.

The table is data, not code: ``manufacturers.csv`` beside this module (shipped as package
data) holds one row per maker with its aliases (former names, acquired brands,
abbreviations), its e-mail/web domains and common part-number prefixes. Add a row (or an alias
to a row) to teach every service a new vendor; no code changes. A file named by the
``RADAR_MANUFACTURERS_FILE`` environment variable, in the same format, is read after the shipped
one and may add makers or aliases.

    >>> canonical_manufacturer("Texas Instruments Inc.")
    'Texas Instruments'
    >>> manufacturer_from_domain("pcn@list.ti.com")
    'Texas Instruments'
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

# Legal and generic suffixes that do not tell two makers apart ("Winbond Electronics Corp.").
_SUFFIX = re.compile(
    r"\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|bv|b v|nv|n v|"
    r"sa|asa|plc|kk|oy|ab|spa|technologies|technology|semiconductors?|electronics|devices|"
    r"international|group|holdings?)\b"
)
# Mail domains that belong to no manufacturer (forwarders, mail providers, distributors).
_GENERIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "example.com",
        "example.org",
        "sendgrid.net",
        "mailgun.org",
        "amazonses.com",
    }
)


@dataclass(frozen=True)
class Manufacturer:
    """One maker: its canonical name and what identifies it."""

    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    prefixes: tuple[str, ...]


_NOT_NAME = re.compile(r"[^a-z0-9&]+")
_SPACES = re.compile(r"\s+")


def _key(name: str) -> str:
    name = _NOT_NAME.sub(" ", name.lower().replace(".", "").replace("-", " "))
    return _SPACES.sub(" ", name).strip()


def _bare(name: str) -> str:
    return _key(_SUFFIX.sub(" ", _key(name)))


def _split(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.split(";") if v.strip())


def parse_table(text: str) -> list[Manufacturer]:
    """Rows of a manufacturers table (``canonical,aliases,domains,prefixes``; ``#`` comments)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        name = (row.get("canonical") or "").strip()
        if name:
            out.append(
                Manufacturer(
                    name=name,
                    aliases=_split(row.get("aliases") or ""),
                    domains=tuple(d.lower() for d in _split(row.get("domains") or "")),
                    prefixes=tuple(p.upper() for p in _split(row.get("prefixes") or "")),
                )
            )
    return out


class ManufacturerTable:
    """Lookups over a list of makers: by alias, by domain, in prose."""

    def __init__(self, makers: list[Manufacturer]) -> None:
        self.makers = makers
        self._aliases: dict[str, str] = {}
        self._domains: dict[str, str] = {}
        for maker in makers:
            for alias in (maker.name, *maker.aliases):
                for key in (_key(alias), _bare(alias)):
                    if key:
                        self._aliases.setdefault(key, maker.name)
            for domain in maker.domains:
                self._domains.setdefault(domain, maker.name)
        # Names worth looking for in prose: distinctive enough not to be ordinary words.
        names = sorted(
            {
                alias
                for maker in makers
                for alias in (maker.name, *maker.aliases)
                if len(_key(alias)) >= 4 and _key(alias) not in _AMBIGUOUS
            },
            key=len,
            reverse=True,
        )
        self._prose = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])",
            re.IGNORECASE,
        )

    def canonical(self, raw: str) -> str:
        """The canonical name of ``raw``, or ``""`` when no row knows it."""
        key = _key(raw)
        if not key:
            return ""
        return self._aliases.get(key) or self._aliases.get(_bare(raw), "")

    def from_domain(self, address: str) -> str:
        """The maker whose domain (or a parent of it) sent ``address``, else ``""``."""
        domain = domain_of(address)
        while domain:
            if domain in self._domains:
                return self._domains[domain]
            if "." not in domain:
                return ""
            domain = domain.split(".", 1)[1]
        return ""

    def in_text(self, text: str) -> tuple[str, str]:
        """The first known maker named in ``text``: (canonical, as written), or ``("", "")``."""
        for m in self._prose.finditer(text):
            canonical = self.canonical(m.group(0))
            if canonical:
                return canonical, m.group(0)
        return "", ""

    def prefixes(self, canonical: str) -> tuple[str, ...]:
        """Part-number prefixes of a maker (upper case)."""
        for maker in self.makers:
            if maker.name == canonical:
                return maker.prefixes
        return ()


# Aliases too common as words to be looked for in prose ("ST", "ON", "Analog", "Diodes").
_AMBIGUOUS = frozenset(
    {"analog", "texas", "diodes", "example", "nordic", "lattice", "cree", "micron", "sharp"}
    | {"dialog", "maxim", "allegro", "cypress", "fuji", "bosch", "recom", "mean well"}
)


def domain_of(address: str) -> str:
    """The domain of a mail address or URL (``"PCN <pcn@list.ti.com>"`` → ``list.ti.com``)."""
    text = address.strip().lower()
    m = re.search(r"@([a-z0-9.-]+)", text) or re.search(
        r"(?://|^|www\.)([a-z0-9-]+(?:\.[a-z0-9-]+)+)", text
    )
    return m.group(1).strip(".") if m else ""


def is_generic_domain(domain: str) -> bool:
    """A mail provider or relay that says nothing about who wrote the notice."""
    return domain in _GENERIC_DOMAINS or any(domain.endswith("." + d) for d in _GENERIC_DOMAINS)


@functools.cache
def table() -> ManufacturerTable:
    """The shipped table plus ``RADAR_MANUFACTURERS_FILE`` (read once per process)."""
    text = resources.files("radar_common").joinpath("manufacturers.csv").read_text("utf-8")
    makers = parse_table(text)
    extra = os.environ.get("RADAR_MANUFACTURERS_FILE", "")
    if extra:
        makers = parse_table(Path(extra).read_text("utf-8")) + makers
    return ManufacturerTable(makers)


# Legal-entity words dropped from a name no row knows ("Comchip Technology Co., Ltd.").
_LEGAL = re.compile(
    r"(?:[\s,]+(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|"
    r"bv|b\.v|nv|n\.v|sa|s\.a|asa|plc|kk|oy|ab|spa)\b\.?)+\s*$",
    re.IGNORECASE,
)


def canonical_manufacturer(text: str) -> str:
    """The canonical name of a maker as written; a name no row knows is returned without its
    legal-entity suffix ("Comchip Technology Co., Ltd." → "Comchip Technology")."""
    found = table().canonical(text)
    if found:
        return found
    tidy = re.sub(r"\s+", " ", text).strip()
    return _LEGAL.sub("", tidy).strip(" ,") or tidy


def known_manufacturer(text: str) -> str:
    """The canonical name when the table knows ``text``, else ``""``."""
    return table().canonical(text)


def manufacturer_from_domain(domain: str) -> str:
    """The maker owning a mail address, URL or domain (subdomains included), else ``""``."""
    return table().from_domain(domain)


def manufacturer_in_text(text: str) -> tuple[str, str]:
    """The first known maker named in prose: (canonical, as written)."""
    return table().in_text(text)
