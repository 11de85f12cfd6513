"""The project's vocabularies: lifecycle statuses and notice kinds.

Every source speaks its own language; these tables map each to one internal list. To teach the
normalizer a new platform word, add a row here (see docs/notices.md). Manufacturer names live in
the shared table ``radar_common/manufacturers.csv``.
"""

from __future__ import annotations

import re

# The manufacturer table lives in the shared library; re-exported for callers of this module.
from radar_common.manufacturers import canonical_manufacturer

__all__ = ["KIND_STATUS", "canonical_manufacturer", "lifecycle_status", "notice_kind"]

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
    "preliminary": "active",
    "sampling": "active",
    "mass production": "active",
    "volume production": "active",
    "nrnd": "nrnd",
    "not for new design": "nrnd",
    "not for new designs": "nrnd",
    "not recommended": "nrnd",
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
    "last time buy notice": "eol",
    "end of life notice": "eol",
    "discontinuation notice": "eol",
    "pending discontinuation": "eol",
    "obsolete": "obsolete",
    "no longer in production": "obsolete",
    "not in production": "obsolete",
    "discontinued, no longer in production": "obsolete",
    "end of production": "obsolete",
    "unconfirmed": "unknown",
    "discontinued": "obsolete",
    "nlm": "obsolete",
    "no longer manufactured": "obsolete",
    "inactive": "obsolete",
    "eol/obsolete": "obsolete",
    "unknown": "unknown",
}


_STATUS_IN_TEXT = re.compile(
    "|".join(re.escape(k) for k in sorted(_STATUS, key=len, reverse=True) if len(k) >= 3)
)


_SPACES = re.compile(r"\s+")
_QUALIFIER = re.compile(r"\s*[(\[;|]|\s+-\s+")


def lifecycle_status(raw: str) -> str:
    """Map any vendor's or platform's lifecycle word to the internal list.

    A value with decoration ("Production (Last Updated: 1 year ago)", "EOL - last time buy")
    is read by its first known word or phrase.
    """
    key = _SPACES.sub(" ", raw.strip().lower().replace("_", " ")).strip(" .")
    if key in _STATUS:
        return _STATUS[key]
    if key.replace(" ", "_") in _STATUS:
        return _STATUS[key.replace(" ", "_")]
    head = _QUALIFIER.split(key)[0].strip(" .,")
    if head in _STATUS:
        return _STATUS[head]
    if len(key) <= 80:
        m = _STATUS_IN_TEXT.search(key)
        if (
            m
            and re.match(r"\b", key[m.start() :])
            and (m.end() == len(key) or not key[m.end()].isalnum())
        ):
            return _STATUS[m.group(0)]
    return "unknown"


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
            r"cancell?(?:ation|ing|ed)? (?:of )?(?:the )?(?:\w+ )?(?:discontinu|eol|"
            r"end[- ]of[- ]life|pdn|ptn|product termination)|withdrawn? (?:the|this) (?:pdn|eol)",
        ),
        (
            "retraction",
            r"(?:cancell?(?:ation|ing|ed|s)?|withdraw(?:al|n|s|ing)?|retract(?:ion|ed|s|ing)?|"
            r"rescind\w*|revoc\w*|revok\w*|void(?:ed)?)\s+of\s+(?:the\s+|this\s+)?"
            r"(?:previous(?:ly)?\s+|original\s+|above\s+)?(?:announced\s+|issued\s+|"
            r"published\s+)?(?:f?pcn|change notice|change notification|notification|notice)|"
            r"(?:f?pcn|notice|notification)\s+(?:\S+\s+){0,2}(?:is|has been|was)\s+"
            r"(?:cancell?ed|withdrawn|retracted|rescinded|voided)|"
            # "The qualification and transfer of ... has been canceled": the change is called off.
            r"\b(?:change|transfer|qualification|conversion|implementation)\b[^.]{0,120}?"
            r"\b(?:has been|have been|is|are|was|were)\s+(?:cancell?ed|called off|rescinded)",
        ),
        (
            "discontinuance",
            r"discontinu|end[- ]of[- ]life|\bEOL\b|obsolet|product termination|"
            r"\bPDN\b|\bPTN\b|full withdrawal|product withdrawal|phase[- ]out|"
            r"last[- ]time[- ]buy notice|\b(?:is|are)\s+(?:being\s+)?withdrawn\b|"
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


# Words only a notice uses; without them (and without a number) a status is just a status.
NOTICE_WORDS = re.compile(
    r"\b(?:notice|notification|F?PCN|PDN|PTN|bulletin|advisory|announce\w*|last[- ]time[- ]buy|"
    r"LTB|discontinued product|product discontinu\w*|end[- ]of[- ]life|withdrawal|"
    r"termination)\b",
    re.IGNORECASE,
)

# The lifecycle status a notice of each kind implies when no status is stated.
KIND_STATUS = {
    "discontinuance": "eol",
    "retraction": "active",
    "change": "active",
    "packing_withdrawal": "active",
    "reactivation": "active",
    "lifecycle_change": "unknown",
}
