"""Notice numbers: the notice's own, the ones it refers to or supersedes, and its revision.

Every number-shaped token introduced as a notice number ("PCN Number:", "PDN #", "FPCN19107",
TI-style ``20190701002DN`` after "PCN") is a :class:`NumberMention`. One preceded by a
referring cue ("refer to", "supersedes", "cancellation of", "withdrawal of", "revision of",
"update to") belongs to another notice; one labelled as a form or document-control number is
not a notice number at all. The notice's own number is the best-placed of the rest: labelled
beats keyword, the subject and the first lines beat the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radar_normalizer.dates import find_dates
from radar_normalizer.document import Place
from radar_normalizer.segment import Line, Segments
from radar_normalizer.sources import snippet
from radar_normalizer.vocab import NOTICE_WORDS

_SEP = r"[\s:#|.\-]*"
_NUM = r"(?P<num>[A-Z0-9][A-Z0-9_\-./]*\d[A-Z0-9_\-./]*)"
_PATTERNS: tuple[tuple[float, re.Pattern[str]], ...] = (
    (
        0.9,
        re.compile(
            r"(?P<kw>F?PCN|PDN|PTN|EOL|Notice|Notification|Bulletin|Reference|Ref\.?|Change|"
            r"Discontinuation|Discontinuance|Termination)\s*(?:Number|No\.?|#|ID|Nr\.?|Code)"
            + _SEP
            + _NUM,
            re.IGNORECASE,
        ),
    ),
    (0.55, re.compile(r"(?P<kw>Document)\s*(?:Number|No\.?|#|ID|Nr\.?)" + _SEP + _NUM, re.I)),
    (
        0.8,
        re.compile(
            r"(?<![\w-])(?P<num>(?:F?PCN|PDN|PTN|EOL|LTB|PD|DN|ECN|ADV|CN)[-_#]?\d[A-Z0-9_\-./]*[A-Z0-9])\b"
        ),
    ),
    (
        0.75,
        re.compile(
            r"\b(?P<kw>F?PCN|PDN|PTN|EOL Notice|Discontinuance Notice|Change Notice|"
            r"Termination Notice|Change Notification|Discontinuation Notice)"
            r"\s*#?:?\s*" + _NUM + r"\b",
            re.IGNORECASE,
        ),
    ),
    # "Notice EXA958" may well name a part: weak, and never enough to refuse a part.
    (0.6, re.compile(r"\b(?P<kw>Notice|Notification)\s*#?:?\s*" + _NUM + r"\b", re.I)),
    # "SYST-26EOL001": a notice word inside a token with digits.
    (0.7, re.compile(r"\b(?P<num>[A-Z0-9]+-?\d*(?:PCN|PDN|PTN|EOL)\d[A-Z0-9-]*)\b")),
    (0.55, re.compile(r"\b(?P<num>\d{8,12}[A-Z]{1,3}\d{0,2}|\d{8,12})\b")),
)
# A superset of what the patterns above start from: one cheap test per line before seven.
_MAYBE_NUMBER = re.compile(
    r"pcn|pdn|ptn|eol|ltb|notic|notif|bulletin|ref|change|discontinu|terminat|document|"
    r"pd|dn|ecn|adv|cn|\d{8}",
    re.IGNORECASE,
)
_TI_CONTEXT = re.compile(r"\b(?:PCN|PDN|notice|notification|DN)\b", re.IGNORECASE)
_REFERS = re.compile(
    r"(?:refer(?:ring)?\s+to|see|supersed\w*|replac(?:es|ing)|cancel\w*|withdraw\w*|"
    r"retract\w*|revis(?:es|ion\s+of|ing)|update[sd]?\s+(?:to|of)|amend\w*|previous\w*|"
    r"original(?:ly)?|per|in\s+reference\s+to|follow[- ]up\s+(?:to|of)|related|as\s+"
    r"(?:announced|described|stated)\s+in|rescind\w*|void\w*|(?:covered|notified|described|"
    r"listed|announced|included|detailed)\s+(?:under|in|by))"
    r"\s+(?:of\s+|to\s+)?(?:the\s+|this\s+|our\s+)?(?:previous\w*\s+|original\s+|earlier\s+)?"
    r"(?:f?pcn|pdn|ptn|notice|notification|eol\s+notice|change\s+notice)?\s*(?:#|no\.?|number)?"
    r"\s*[:#]?\s*$",
    re.IGNORECASE,
)
_SUPERSEDES = re.compile(
    r"supersed|replac|cancel|withdraw|retract|revis|update|amend|rescind|void", re.I
)
_CONTROL = re.compile(
    r"(?:form|template|doc(?:ument)?\.?\s*control|control\s*(?:number|no)|record|QR|"
    r"doc\.?\s*(?:id|no))\W{0,4}(?:number|no\.?|#|id)?\W{0,3}$",
    re.IGNORECASE,
)
_REVISION = re.compile(
    r"(?:^|[\s_\-/(,])(?P<rev>(?:Rev(?:ision)?|Version|Ver)\.?\s*:?\s*[A-Z0-9]{1,3}(?:\.\d+)?|"
    r"R\d{1,2}|V\d{1,2})\)?$",
    re.IGNORECASE,
)
_REVISION_LABEL = re.compile(
    r"\b(?:Rev(?:ision)?|Version)\s*(?:number|no\.?|level)?\s*[:#.]?\s*(?P<rev>[A-Z0-9]{1,3}(?:\.\d+)?)\b",
    re.IGNORECASE,
)
_HEAD_LINES = 15
_DIGIT = re.compile(r"\d")


_JOINER = re.compile(r"[_/]")
_NOTICE_PREFIX = re.compile(r"F?PCN|PDN|PTN|EOL", re.I)
_LETTER = re.compile(r"[A-Za-z]")
_SEPARATOR = re.compile(r"[-_/.]")


@dataclass(frozen=True)
class NumberMention:
    """A notice number found in the text."""

    value: str
    score: float
    referenced: bool
    supersedes: bool
    snippet: str
    location: str
    line: Line | None
    # Read from a label or a PCN/PDN-shaped token (not only after the word "notice").
    strong: bool = True
    # Only a "Document number:" label says it is a number: a data sheet has one too.
    document: bool = False


@dataclass
class NoticeNumbers:
    """The notice numbers of one notice."""

    mentions: list[NumberMention] = field(default_factory=list)
    _values: set[str] = field(default_factory=set)
    _strong: set[str] = field(default_factory=set)

    def add(self, mention: NumberMention) -> None:
        self.mentions.append(mention)
        self._values.add(_key(mention.value))
        if mention.strong or mention.referenced or _JOINER.search(mention.value):
            # "Notice EXA958" may name a part; a labelled or PCN-shaped number never does.
            self._strong.add(_key(mention.value))

    def is_number(self, token: str) -> bool:
        """Whether ``token`` is one of the notice numbers (so not a part), or shaped exactly
        like the notice's own number (its other revisions: "07A-19" beside "07C-19")."""
        key = _key(token)
        if key in self._strong or any(v.endswith(key) and len(key) >= 4 for v in self._strong):
            return True
        own = self.own()
        return (
            own is not None
            and own.strong
            and len(token) >= 5
            and _signature(token)
            in {
                _signature(own.value),
                _signature(split_revision(own.value)[0]),
            }
        )

    def own(self) -> NumberMention | None:
        """The notice's own number: the best mention not belonging to another notice."""
        own = [m for m in self.mentions if not m.referenced]
        return max(own, key=lambda m: m.score) if own else None

    def superseded(self) -> list[str]:
        """Numbers this notice revises, withdraws or cancels (not its own)."""
        mine = self.own()
        out: list[str] = []
        for m in self.mentions:
            other = mine is None or _key(m.value) != _key(mine.value)
            if m.supersedes and other and m.value not in out:
                out.append(m.value)
        return out


_SHAPE = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "A" * 26)
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def _signature(value: str) -> str:
    """``"07C-19"`` → ``"99A-99"``: the shape of a number."""
    return value.upper().translate(_SHAPE)


def _key(value: str) -> str:
    return _NOT_ALNUM.sub("", value.upper())


def split_revision(number: str) -> tuple[str, str]:
    """``("PCN 19_0123", "Rev B")`` from ``"PCN 19_0123 Rev B"``; a number without one is kept."""
    m = _REVISION.search(number)
    if m and m.start("rev") > 3:
        return number[: m.start("rev")].rstrip(" -_/(,"), m.group("rev")
    return number, ""


def _scan(text: str, location: str, line: Line | None, head: bool, numbers: NoticeNumbers) -> None:
    if not _DIGIT.search(text) or not _MAYBE_NUMBER.search(text):
        return  # every pattern needs a notice word, a notice prefix or a long run of digits
    claimed: list[tuple[int, int]] = []
    for score, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span("num")
            if any(a < end and start < b for a, b in claimed):
                continue
            num = m.group("num").rstrip(".-/")
            if next(find_dates(num), None) is not None and len(num) <= 10:
                continue
            before = text[max(0, m.start() - 60) : m.start()]
            if score == 0.55 and pattern.pattern.startswith(r"\b(?P<num>\d"):
                lettered = not num.isdigit()
                if not _TI_CONTEXT.search(text[max(0, m.start() - 40) : m.start()]) and not (
                    lettered and head
                ):
                    continue
            if _CONTROL.search(before) and not _NOTICE_PREFIX.match(num):
                continue
            claimed.append((start, end))
            keyword = m.groupdict().get("kw") or ""
            if not _LETTER.search(num) and keyword[:3].upper() in ("PCN", "PDN", "PTN"):
                num = f"{keyword[:3].upper()} {num}"
            refers = _REFERS.search(before + text[m.start() : start])
            bonus = 0.1 if location == "subject" else 0.05 if head else 0.0
            numbers.add(
                NumberMention(
                    value=num,
                    score=score + bonus,
                    referenced=refers is not None,
                    supersedes=refers is not None and bool(_SUPERSEDES.search(refers.group(0))),
                    snippet=snippet(text[max(0, m.start() - 80) : end + 80]),
                    location=location,
                    line=line,
                    strong=score >= 0.7
                    or len(_SEPARATOR.findall(num)) >= 2
                    or len(_DIGIT.findall(num)) >= 6,
                    document=keyword.lower() == "document",
                )
            )


def notice_numbers(segments: Segments) -> NoticeNumbers:
    """Every notice number of the notice, own and referenced."""
    numbers = NoticeNumbers()
    if segments.subject:
        _scan(segments.subject, "subject", None, True, numbers)
    seen: dict[Place, int] = {}
    noticed = bool(NOTICE_WORDS.search(segments.subject))
    for line in segments.lines:
        seen[line.place] = seen.get(line.place, 0) + 1
        if line.text:
            head = seen[line.place] <= _HEAD_LINES and line.place.page <= 1
            _scan(line.text, line.location(), line, head, numbers)
            noticed = noticed or bool(NOTICE_WORDS.search(line.text))
    if not noticed and any(m.document for m in numbers.mentions):
        # A data sheet's "Document number: DS90017" is the data sheet's, not a notice's: a
        # text with no notice word in it is no notice.
        kept = NoticeNumbers()
        for mention in numbers.mentions:
            if not mention.document:
                kept.add(mention)
        return kept
    return numbers


def revision_of(segments: Segments, number: NumberMention | None) -> tuple[str, str]:
    """The revision as written and its evidence line, from the number or a "Revision:" label."""
    if number is not None:
        _, rev = split_revision(number.value)
        if rev:
            return rev, number.snippet
        text = number.line.text if number.line is not None else number.snippet
        if number.value in text:
            tail = text[text.find(number.value) + len(number.value) :]
            m = re.match(
                r"\s*[,(:\-]?\s*(?P<rev>(?:Rev(?:ision)?|R)\.?\s*[A-Z0-9]{1,3})\b", tail, re.I
            )
            if m:
                return m.group("rev"), text
    for line in segments.lines[:40]:
        m = _REVISION_LABEL.search(line.text)
        if m and not find_dates_in(m.group("rev")):
            return m.group("rev"), line.text
    return "", ""


def find_dates_in(text: str) -> bool:
    return next(find_dates(text), None) is not None
