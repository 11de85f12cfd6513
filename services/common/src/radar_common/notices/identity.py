"""Which record an arrival belongs to: one notice, however many times and ways it arrives.

A notice is identified across sources by (manufacturer, notice number, orderable part number):
the same PDN from a lifecycle platform and from the vendor's e-mail is one record. The keys are
written the same way whatever the source wrote:

- manufacturer: the canonical name (the normalizer's alias table), case and punctuation folded;
- notice number: upper-case letters and digits only, without a leading document-type word
  (``PDN 23_0061``, ``pdn-23-0061`` and ``23_0061`` are one number); the revision is not part
  of it (``revision`` carries it);
- part: the catalog's part-number key (trimmed, upper-case, no inner spaces).

Without a notice number the fallback key is (manufacturer, part, kind, the dates the notice
states): two un-numbered notices of the same kind for the same part with the same dates are one.
How an arrival is matched to a record beyond its key (a lifecycle change joining the open notice
of its part, a numbered arrival adopting an un-numbered record) is :mod:`.arrivals`.
"""

from __future__ import annotations

import hashlib
import re

from radar_common.notices.facts import NoticeFacts
from radar_common.partnumbers import normalize_mpn

_DOCUMENT_TYPE = re.compile(
    r"^(?:P[CDT]N|EOL|EON|NOTICE|NOTIFICATION)\s*(?:NO\.?|NR\.?|NUMBER|#)?[\s:#._-]*", re.I
)
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_REVISION = re.compile(
    r"^(?:REVISION|REV|VERSION|VER|R|V)?[\s.:#_-]*(?P<letter>[A-Z]?)[\s.-]*(?P<number>\d*)$", re.I
)


def manufacturer_key(name: str) -> str:
    """A manufacturer's key: letters and digits, case-folded (``Texas Instruments`` ->
    ``texasinstruments``)."""
    return _NOT_ALNUM.sub("", name).casefold()


def mpn_key(mpn: str) -> str:
    """An orderable part number's key (the catalog's normal form)."""
    return normalize_mpn(mpn)


def number_key(number: str) -> str:
    """A notice number's key: no document-type word in front, letters and digits, upper-case."""
    text = number.strip()
    stripped = _DOCUMENT_TYPE.sub("", text)
    if re.search(r"\d", stripped):
        text = stripped
    return _NOT_ALNUM.sub("", text).upper()


def revision_rank(revision: str) -> tuple[int, int] | None:
    """Order of a revision label (``R01`` < ``R02``, ``Rev A`` < ``Rev B``), None if unreadable."""
    m = _REVISION.match(revision.strip())
    if m is None or not (m.group("letter") or m.group("number")):
        return None
    letter = m.group("letter").upper()
    return (ord(letter) - 64 if letter else 0, int(m.group("number") or 0))


def dates_key(facts: NoticeFacts) -> str:
    """The stated dates of a notice (inferred ones left out), for the fallback key."""
    names = ("issue_date", "last_time_buy_date", "last_ship_date")
    return "|".join(facts.stated(name) for name in names)


def identity_key(facts: NoticeFacts) -> str:
    """The record key of a notice part: by notice number, else the documented fallback."""
    maker, part = manufacturer_key(facts.manufacturer), mpn_key(facts.mpn)
    number = number_key(facts.notice_number)
    if number:
        return f"n|{maker}|{number}|{part}"
    return f"f|{maker}|{part}|{facts.notice_kind}|{dates_key(facts)}"


def record_id_of(key: str) -> str:
    """A record's id: stable for its first identity key (32 hex characters)."""
    return hashlib.sha256(f"notice-record|{key}".encode()).hexdigest()[:32]


def part_lock(mpn: str) -> int:
    """The advisory-lock key that serialises every write about one part (signed 64-bit).

    Keyed by the part number alone: an arrival without a manufacturer may join a record of
    any maker for that part, so all makers' arrivals of one part take the same lock.
    """
    digest = hashlib.sha256(f"notice-part|{mpn_key(mpn)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
