"""The project's vocabularies: manufacturer aliases, lifecycle statuses and notice kinds.

Every source speaks its own language; these tables map each to one internal list. To teach the
normalizer a new vendor or platform, add rows here (see docs/notices.md).
"""

from __future__ import annotations

import re

# Canonical manufacturer -> aliases (compared after :func:`_key`) and e-mail domains.
MANUFACTURERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Texas Instruments": (
        ("ti", "texas instruments", "texas", "national semiconductor"),
        ("ti.com",),
    ),
    "Analog Devices": (
        ("adi", "analog devices", "analog", "linear technology", "ltc"),
        ("analog.com",),
    ),
    "Maxim Integrated": (
        ("maxim", "maxim integrated", "maxim integrated products"),
        ("maximintegrated.com",),
    ),
    "NXP Semiconductors": (("nxp", "nxp semiconductors", "freescale"), ("nxp.com",)),
    "Microchip Technology": (
        ("microchip", "microchip technology", "atmel", "microsemi"),
        ("microchip.com",),
    ),
    "STMicroelectronics": (
        ("st", "stmicro", "stmicroelectronics", "st microelectronics"),
        ("st.com",),
    ),
    "Infineon Technologies": (
        ("infineon", "infineon technologies", "ifx", "cypress", "international rectifier"),
        ("infineon.com",),
    ),
    "onsemi": (
        ("onsemi", "on semi", "on semiconductor", "on semiconductor corp", "fairchild"),
        ("onsemi.com",),
    ),
    "Qorvo": (("qorvo", "triquint", "rfmd"), ("qorvo.com",)),
    "Renesas Electronics": (
        ("renesas", "renesas electronics", "idt", "intersil", "dialog"),
        ("renesas.com",),
    ),
    "Nexperia": (("nexperia",), ("nexperia.com",)),
    "Vishay": (("vishay", "vishay intertechnology", "vishay siliconix"), ("vishay.com",)),
    "Murata": (("murata", "murata manufacturing"), ("murata.com",)),
    "Diodes Incorporated": (("diodes", "diodes inc", "diodes incorporated"), ("diodes.com",)),
    "ROHM": (("rohm", "rohm semiconductor"), ("rohm.com",)),
    "Toshiba": (("toshiba", "toshiba electronic devices & storage"), ("toshiba.com",)),
    "Broadcom": (("broadcom", "avago"), ("broadcom.com",)),
    "Skyworks": (("skyworks", "skyworks solutions"), ("skyworksinc.com",)),
    "Silicon Labs": (("silicon labs", "silicon laboratories", "silabs"), ("silabs.com",)),
    "Example Semiconductor": (
        ("example semi", "example semiconductor", "example"),
        ("example-semi.com",),
    ),
}

_SUFFIX = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|bv|b\.v|nv|sa|"
    r"plc|kk|technologies|technology|semiconductors?|electronics|devices)\b\.?",
)


def _key(name: str) -> str:
    name = re.sub(r"[^a-z0-9& ]+", " ", name.lower().replace(".", ""))
    return re.sub(r"\s+", " ", name).strip()


_ALIASES: dict[str, str] = {}
for _canonical, (_names, _domains) in MANUFACTURERS.items():
    for _name in (*_names, _canonical):
        _ALIASES[_key(_name)] = _canonical
        _ALIASES[_key(_SUFFIX.sub(" ", _key(_name)))] = _canonical
_DOMAINS = {d: c for c, (_, domains) in MANUFACTURERS.items() for d in domains}


def canonical_manufacturer(raw: str) -> str:
    """The canonical name of a manufacturer as written; unknown names are kept, tidied."""
    key = _key(raw)
    if not key:
        return ""
    if key in _ALIASES:
        return _ALIASES[key]
    stripped = _key(_SUFFIX.sub(" ", key))
    return _ALIASES.get(stripped, re.sub(r"\s+", " ", raw).strip())


def manufacturer_from_domain(address: str) -> str:
    """The manufacturer whose mail domain (or a subdomain of it) sent ``address``."""
    domain = address.rsplit("@", 1)[-1].strip(" >").lower()
    while domain:
        if domain in _DOMAINS:
            return _DOMAINS[domain]
        if "." not in domain:
            return ""
        domain = domain.split(".", 1)[1]
    return ""


def manufacturer_in_text(text: str) -> tuple[str, str]:
    """The first known manufacturer named in prose: (canonical, as written)."""
    best: tuple[int, str, str] | None = None
    for canonical, (names, _) in MANUFACTURERS.items():
        for name in (canonical, *names):
            if len(name) < 4 or name in ("example", "analog", "texas", "diodes"):
                continue  # too ambiguous in prose
            m = re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text, re.IGNORECASE)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), canonical, m.group(0))
    return (best[1], best[2]) if best else ("", "")


# Lifecycle vocabularies of vendors and platforms -> active | nrnd | eol | obsolete | unknown.
_STATUS = {
    "active": "active",
    "production": "active",
    "in production": "active",
    "new": "active",
    "new product": "active",
    "preview": "active",
    "pre_prod": "active",
    "pre-production": "active",
    "development": "active",
    "qualification": "active",
    "introduction": "active",
    "growth": "active",
    "mature": "active",
    "active-unconfirmed": "active",
    "reactivated": "active",
    "announced": "active",
    "lifecycle": "active",
    "released": "active",
    "nrnd": "nrnd",
    "nrfnd": "nrnd",
    "not recommended for new designs": "nrnd",
    "not recommended for new design": "nrnd",
    "factory special order": "nrnd",
    "phase-out": "nrnd",
    "phase out": "nrnd",
    "contact-mfr": "unknown",
    "transferred": "unknown",
    "eol": "eol",
    "end of life": "eol",
    "end-of-life": "eol",
    "lifebuy": "eol",
    "life buy": "eol",
    "last time buy": "eol",
    "ltb": "eol",
    "discontinuance": "eol",
    "yteol": "eol",
    "obsolete": "obsolete",
    "discontinued": "obsolete",
    "nlm": "obsolete",
    "no longer manufactured": "obsolete",
    "inactive": "obsolete",
    "eol/obsolete": "obsolete",
    "unknown": "unknown",
}


def lifecycle_status(raw: str) -> str:
    """Map any vendor's or platform's lifecycle word to the internal list."""
    key = re.sub(r"\s+", " ", raw.strip().lower().replace("_", " ")).strip(" .")
    if key in _STATUS:
        return _STATUS[key]
    key = key.replace(" ", "_")
    return _STATUS.get(key, "unknown")


# Notice kinds, strongest first: the first kind whose words appear in the headline wins.
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "packing_withdrawal",
            r"packing[- ](?:only|withdrawal|change)|packaging withdrawal|"
            r"version withdrawal|"
            r"reel (?:size )?(?:variant|option)s? (?:is|are|will be) (?:withdrawn|discontinued)|"
            r"(?:withdrawal|discontinuation) of (?:the )?(?:\w+ )?(?:reel|tray|tube|packing)",
        ),
        (
            "reactivation",
            r"re-?activat|reinstat|return(?:ed|s)? to (?:active|production)|"
            r"cancell?ation of (?:the )?(?:discontinu|eol|end[- ]of[- ]life|pdn)|"
            r"withdrawn? (?:the|this) (?:pdn|eol)",
        ),
        (
            "discontinuance",
            r"discontinu|end[- ]of[- ]life|\bEOL\b|obsolet|product termination|"
            r"\bPDN\b|\bPTN\b|full withdrawal|product withdrawal|phase[- ]out|"
            r"last[- ]time[- ]buy notice|"
            r"\bNLM\b|non[- ]manufacturable|\bLTB notice|product discontinuation",
        ),
        (
            "change",
            r"\bPCN\b|change notice|change notification|process change|product change|"
            r"\bchange\b|transfer|qualification of|die revision|datasheet update",
        ),
    )
)


def notice_kind(headline: str, body: str = "") -> tuple[str, str]:
    """The kind of a notice from its headline (subject, title), else its body: (kind, words)."""
    for text in (headline, body[:4000]):
        for kind, pattern in _KIND_WORDS:
            m = pattern.search(text)
            if m:
                return kind, m.group(0)
    return "", ""


# The lifecycle status a notice of each kind implies when no status is stated.
KIND_STATUS = {
    "discontinuance": "eol",
    "change": "active",
    "packing_withdrawal": "active",
    "reactivation": "active",
    "lifecycle_change": "unknown",
}
