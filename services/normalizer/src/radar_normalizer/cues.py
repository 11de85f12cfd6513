"""Cue phrases of prose and the role they give the part numbers in their scope.

A cue either gives its role to the tokens that follow it in the sentence (``after``: "replaced
by", "affected parts:", "refer to") or to every token of its sentence (``sentence``: "not
affected", "removed from the list", "retracts"). "replacement for X is Y" makes X affected and Y
its replacement.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

AFFECTED = "affected"
REPLACEMENT = "replacement"
REFERENCED = "referenced"
EXCLUDED = "excluded"
NOT_AFFECTED = "not_affected"
# "the replacement for X is Y": X is affected, what follows the verb is the replacement.
OBJECT = "object"

_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (role, scope, re.compile(pattern, re.IGNORECASE))
    for role, scope, pattern in (
        (
            NOT_AFFECTED,
            "sentence",
            r"\bnot\s+(?:be(?:en|ing)?\s+)?(?:affected|impacted|discontinued|obsoleted|included|"
            r"part of|subject to|in scope|changed|EOL|end[- ]of[- ]life|obsolete)\b|"
            r"\bun-?(?:affected|impacted)\b|"
            r"\bwill\s+(?:continue\s+to\s+be|remain)\s+(?:available|active|in production|"
            r"manufactured|supported|unchanged)|\bremains?\s+(?:active|available|in production|"
            r"unchanged)\b|\bcontinues?\s+(?:to\s+be\s+)?(?:available|in production|"
            r"manufactured|offered)\b|\bno\s+(?:change|impact)\s+(?:to|for|on)\b",
        ),
        (
            EXCLUDED,
            "sentence",
            r"\b(?:removed|deleted|retracted|withdrawn|dropped|taken out|eliminated)\s+(?:from|off)"
            r"\s+(?:the\s+|this\s+)?(?:affected|list|notice|notification|pcn|pdn|scope|table|"
            r"parts? list)|\bretract(?:s|ed|ing|ion)?\b|\bno\s+longer\s+(?:part of|included|"
            r"affected|listed|in scope|subject to)\b|\b(?:is|are)\s+excluded\b",
        ),
        (
            OBJECT,
            "after",
            r"\b(?:replacements?|alternatives?|alternates?|substitutes?|successors?|migration "
            r"(?:path|part)s?)(?:\s+(?:part|device|product))?(?:\s+numbers?)?\s+(?:for|of)\b|"
            r"\bto\s+(?:replace|succeed|supersede)\b",
        ),
        (
            REPLACEMENT,
            "after",
            r"\breplac(?:ed|ing|es)\b[^.;:]{0,40}?\b(?:by|with)\b|"
            r"\b(?:recommended|suggested|proposed)?\s*(?:replacements?|alternatives?|"
            r"alternates?|substitutes?|successors?)(?:\s+(?:parts?|devices?|products?))?"
            r"(?:\s+(?:numbers?|no\.?))?(?:\s*\(s\))?|\brecommended\b|"
            r"\bmigrat(?:e|ion)\s+(?:to|path|part)\b|\bnew\s+(?:orderable\s+)?(?:part|device|"
            r"product|opn|ordering code|order code|type|packing variant|variant)s?"
            r"(?:\s+numbers?)?\b|\bupgrade(?:d)?\s+(?:to|path)\b|\bswitch(?:ing)?\s+to\b|"
            r"\bconvert(?:ed)?\s+to\b|\bmove\s+to\b|\bpin[- ]to[- ]pin\b|\bdrop[- ]in\b|"
            r"\b(?:please\s+)?use\s+(?:the\s+|a\s+)?(?=[A-Z0-9])|"
            r"->|→|=>|⇒",
        ),
        (
            REFERENCED,
            "after",
            r"\brefer(?:ring)?\s+to\b|\bsee\b|\bas\s+(?:announced|described|stated|notified|"
            r"communicated)\s+(?:in|by)\b|\bper\s+(?:pcn|pdn)\b|\bdata\s?sheets?\b|"
            r"\bapplication\s+notes?\b|\bpreviously\b|\boriginal(?:ly)?\b|\bsupersed\w*|"
            r"\bin\s+reference\s+to\b|\bfollow[- ]up\s+(?:to|of)\b|\berrata\b",
        ),
        (
            # Qualification and reliability evidence: the devices tested, not the ones changed.
            # "near": it also speaks of the token right before it ("X Reliability Report").
            REFERENCED,
            "near",
            r"\b(?:qual(?:ification)?|test|reliability|rel)\s+(?:vehicles?|lots?|devices?|"
            r"reports?|data|results?)\b|\bqualified\s+by\s+similarity\b",
        ),
        (
            AFFECTED,
            "after",
            r"\binstead\s+of\b|\bdiscontinu\w*|\bend[- ]of[- ]life\b|\bEOL\b|\bobsolet\w*|"
            r"\baffect(?:ed|s)\b|"
            r"\bimpacted\b|\bconcerned\b|\bfollowing\s+(?:\w+\s+){0,3}?(?:parts?|devices?|"
            r"products?|items?|part numbers?|types?|ordering codes?|opns?|models?|skus?)\b|"
            r"\blast[- ]time[- ]buy\b|\bphase[- ]out\b|\bwithdraw\w*|\bterminat\w*|"
            r"\b(?:parts?|devices?|products?|types?|models?|opns?|skus?|items?|materials?)"
            r"(?:\s*(?:numbers?|no\.?|\(s\)|names?))*\s*(?:listed|below|above|include\w*|:|\|)|"
            r"\bnon[- ]manufacturable\b|\bno\s+longer\s+(?:be\s+)?(?:available|manufactured|"
            r"produced|supported|in production)\b|\bappl(?:y|ies)\s+to\b",
        ),
    )
)
# "X is out of stock": availability, not a lifecycle event; says nothing of what follows.
_STOCK = re.compile(r"\b(?:out\s+of\s+stock|back[- ]?ordered|on\s+allocation)\b", re.I)
_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|becomes?|became)\s+(?:now\s+|being\s+|hereby\s+)?$",
    re.IGNORECASE,
)
# After an OBJECT cue, the verb that introduces the replacement.
_OBJECT_VERB = re.compile(r"\b(?:is|are|will be|would be|shall be)\b|[:=]", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    role: str
    scope: str
    start: int
    end: int


def find_cues(sentence: str) -> list[Cue]:
    """Cues of one sentence in order of position; an earlier pattern claims its characters."""
    return list(_cues_of(sentence))


def clear_cache() -> None:
    """Forget memoised cues (a benchmark measures each event as if it were the first)."""
    _cues_of.cache_clear()


@functools.lru_cache(maxsize=1024)
def _cues_of(sentence: str) -> tuple[Cue, ...]:
    # Memoised: a heading is read for the table below it and again as prose.
    taken = bytearray(len(sentence))
    found: list[Cue] = []
    for m in _STOCK.finditer(sentence):
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        found.append(Cue(NOT_AFFECTED, "before", m.start(), m.end()))
    for role, scope, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            if m.end() == m.start() or taken.find(1, m.start(), m.end()) >= 0:
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            if role == AFFECTED and _PASSIVE.search(sentence[max(0, m.start() - 20) : m.start()]):
                scope = "before"  # "X is obsolete": says nothing of what follows
            found.append(Cue(role, scope, m.start(), m.end()))
            if role == OBJECT:
                verb = _OBJECT_VERB.search(sentence, m.end())
                if verb is not None and taken.find(1, verb.start(), verb.end()) < 0:
                    taken[verb.start() : verb.end()] = b"\x01" * (verb.end() - verb.start())
                    found.append(Cue(REPLACEMENT, "after", verb.start(), verb.end()))
    return tuple(sorted(found, key=lambda c: c.start))
