"""Stage 4, roles: what each candidate is to this notice.

- **records**: a structured record's parts are affected; its replacement key names their
  replacement.
- **tables**: the column decides (:mod:`radar_normalizer.columns`): part column → affected,
  replacement column → replacement of the same row's part, generic column → referenced. A
  heading above the table ("not affected", "removed from the list", "recommended
  replacements") gives its role to the whole part column.
- **text**: sentence by sentence, the cue before a token gives its role (:mod:`cues`); a token
  with no cue before it takes the role of the cue after it ("X is discontinued", "X is replaced
  by Y"); "not affected" and "removed/retracted" cover their whole sentence. A label ending in a
  colon carries its role over the lines that follow until the sentence ends.
- **uncued** tokens are referenced when the notice lists its affected parts anywhere else, and
  affected (with less confidence) when it does not: then they are all the notice has.

One mention per part number remains; when a part number has several roles, the most specific
wins: excluded > not affected > replacement > affected > referenced.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from radar_normalizer import columns
from radar_normalizer.candidates import Candidate, Candidates
from radar_normalizer.cues import (
    AFFECTED,
    EXCLUDED,
    NOT_AFFECTED,
    OBJECT,
    REFERENCED,
    REPLACEMENT,
    Cue,
    find_cues,
)
from radar_normalizer.document import Value
from radar_normalizer.plausibility import MATERIAL as _MATERIAL
from radar_normalizer.segment import Line, Segments, Table
from radar_normalizer.sources import sentence, snippet

UNCUED = "uncued"
ROLES = (AFFECTED, REPLACEMENT, REFERENCED, EXCLUDED, NOT_AFFECTED)
_PRECEDENCE = {EXCLUDED: 5, NOT_AFFECTED: 4, REPLACEMENT: 3, AFFECTED: 2, REFERENCED: 1, UNCUED: 0}
# How sure each way of knowing a role is.
CONFIDENCE = {"record": 0.95, "table": 0.9, "cued": 0.85, "subject": 0.7, "uncued": 0.55}
MAX_MENTIONS = 5000
_LABEL_START = re.compile(r"^\W*[A-Za-z][\w /()&'.-]{0,40}\s*[:|]")
# A line that is one list item: a bullet, maybe, and one token.
_ITEM = re.compile(r"(?:[^\w\s\"'(\[{]|\d{1,2}[.)])?\s*\S+[,;.]?")
# A family named as such: "the T510, T520 and T530 series", "Series: EXB4100".
_SERIES = re.compile(
    r"(?:\s*(?:,|/|&|and|or)\s*[A-Za-z0-9][\w-]*){0,4}\s*[,)]?\s+(?:series|famil(?:y|ies)|"
    r"product\s+lines?|platforms?)\b",
    re.IGNORECASE,
)
_SERIES_BEFORE = re.compile(r"\b(?:series|family|product line)(?:/type)?\s*[:\-]?\s*$", re.I)
_POINTS = re.compile(r"\bbelow\b|\bfollowing\b|\blisted\b|\btable\b|:\s*$", re.I)
# A list item: a bullet (whatever glyph the font made of it: •, ▪, , ?) or a number.
_BULLET = re.compile(r"^\s*(?:[^\w\s\"'(\[{]|\d{1,2}[.)])\s")
# "the switch is NOT EOL": a sentence that denies the notice's one part its end of life without
# naming it. Only a lifecycle denial: "form, fit and function of the device are not impacted"
# says nothing of whether the device goes.
_DENIAL = re.compile(
    r"\bnot\s+(?:be(?:en|ing)?\s+)?(?:discontinued|obsoleted|EOL|end[- ]of[- ]life|obsolete)\b|"
    r"\b(?:remains?|stays?)\s+in\s+production\b",
    re.IGNORECASE,
)
# The notice's one part, named without its number.
_THE_PART = re.compile(
    r"\b(?:the|this|that)\s+(?:part|device|product|component|item|chip|switch|sensor|relay|"
    r"connector|module|ic)\b(?!\s*(?:numbers?|lists?|famil))|\bit\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])|;\s+|\n\x00")


@dataclass
class Mention:
    """One part number of the notice with its role and the evidence for it."""

    mpn: str
    role: str
    confidence: float
    snippet: str
    location: str
    line: Line | None = None
    origin: str = "text"
    # How the role was known: record | table | cued | subject | uncued.
    how: str = "uncued"
    replaces: str = ""
    # Per-part values read beside the part (table row cells, record keys).
    values: dict[str, Value] = field(default_factory=dict)
    base: Value | None = None
    # The replacement paired with an affected part, and where the pairing was read.
    replacement: str = ""
    replacement_evidence: Value | None = None


@dataclass
class Roles:
    """Every mention of the notice, one per part number, in order of first appearance."""

    mentions: list[Mention]

    def of(self, role: str) -> list[Mention]:
        return [m for m in self.mentions if m.role == role]


def _table_role(table: Table) -> str:
    heading = table.heading
    if _MATERIAL.search(heading + " " + " ".join(table.header)):
        return REFERENCED  # carrier-tape, reel or compound codes: a supplier's, not a part
    sentences = [heading[a:b] for a, b in _sentences(heading)]
    # The sentence that points at the table ("listed below", "the following ... :") speaks
    # for it; without one, the sentence right above it does.
    pointing = [t for t in sentences if _POINTS.search(t)] or sentences[-1:]
    for text in pointing:
        for cue in find_cues(text):
            if cue.role in (NOT_AFFECTED, EXCLUDED):
                return cue.role
    if (
        columns.REPLACEMENT not in table.columns
        and re.search(
            r"replacement|alternative|substitute|successor|migration|cross[- ]reference",
            heading + " " + " ".join(table.header),
            re.I,
        )
        and not re.search(r"affected|discontinu|obsolete|withdraw|end[- ]of[- ]life", heading, re.I)
    ):
        return REPLACEMENT
    return AFFECTED


def _from_records(found: Candidates) -> list[Mention]:
    out = []
    for cand in found.records:
        assert cand.record is not None
        part = cand.record
        values = {
            **{k: v for k, v in cand.record_fields.items() if k in _PART_FIELDS},
            **part.fields,
        }
        mention = Mention(
            cand.mpn,
            AFFECTED,
            CONFIDENCE["record"],
            part.mpn.snippet,
            part.mpn.location,
            origin="record",
            how="record",
            values=values,
            base=part.base,
        )
        out.append(mention)
        replacement = values.get("replacement_mpn")
        if replacement is not None and replacement.text and replacement.text != cand.mpn:
            mention.replacement = replacement.text
            mention.replacement_evidence = replacement
            out.append(
                Mention(
                    replacement.text,
                    REPLACEMENT,
                    CONFIDENCE["record"],
                    replacement.snippet,
                    replacement.location,
                    origin="record",
                    how="record",
                    replaces=cand.mpn,
                )
            )
    return out


_PART_FIELDS = ("replacement_mpn", "last_time_buy_date", "last_ship_date", "lifecycle_status")


def _from_tables(found: Candidates) -> list[Mention]:
    out: list[Mention] = []
    rows: dict[tuple[int, int], list[Candidate]] = {}
    table_roles: dict[int, str] = {}
    for cand in found.tables:
        assert cand.table is not None
        assert cand.line is not None
        rows.setdefault((cand.table.index, cand.line.row), []).append(cand)
    for cands in rows.values():
        table, line = cands[0].table, cands[0].line
        assert table is not None
        assert line is not None
        role = table_roles.get(table.index) or table_roles.setdefault(
            table.index, _table_role(table)
        )
        evidence = snippet(line.text)
        values = _row_values(table, line)
        parts = [c for c in cands if c.column == columns.PART]
        affected: list[Mention] = []
        for cand in parts:
            mention = Mention(
                cand.mpn,
                role,
                CONFIDENCE["table"] * min(1.0, cand.plausibility + 0.3),
                evidence,
                line.location(),
                line,
                "table",
                "table",
                values=dict(values),
            )
            affected.append(mention)
            out.append(mention)
        for cand in cands:
            if cand.column == columns.GENERIC and (parts or columns.PART not in table.columns):
                out.append(
                    Mention(
                        cand.mpn,
                        REFERENCED,
                        CONFIDENCE["table"],
                        evidence,
                        line.location(),
                        line,
                        "table",
                        "table",
                    )
                )
            elif cand.column == columns.GENERIC and columns.PART in table.columns:
                mention = Mention(
                    cand.mpn,
                    role,
                    CONFIDENCE["table"] * 0.9,
                    evidence,
                    line.location(),
                    line,
                    "table",
                    "table",
                    values=dict(values),
                )
                affected.append(mention)
                out.append(mention)
        replacements = [c for c in cands if c.column == columns.REPLACEMENT]
        for cand in replacements:
            replaces = affected[0].mpn if affected else ""
            out.append(
                Mention(
                    cand.mpn,
                    REPLACEMENT,
                    CONFIDENCE["table"],
                    evidence,
                    line.location(),
                    line,
                    "table",
                    "table",
                    replaces=replaces,
                )
            )
        if replacements and role == AFFECTED:
            for mention in affected:
                if mention.mpn != replacements[0].mpn:
                    mention.replacement = replacements[0].mpn
                    mention.replacement_evidence = Value(
                        replacements[0].mpn, evidence, line.location()
                    )
    return out


def _row_values(table: Table, row: Line) -> dict[str, Value]:
    values = {}
    for meaning in (columns.LTB, columns.LTS, columns.ISSUE, columns.STATUS):
        cells = table.cell(row, meaning)
        if cells:
            values[meaning] = Value(cells[0], snippet(row.text), row.location())
    return values


@dataclass
class _Paragraph:
    text: str
    # (offset in text, line) for each line joined in.
    lines: list[tuple[int, Line]]


def _paragraphs(segments: Segments) -> list[_Paragraph]:
    out: list[_Paragraph] = []
    current: _Paragraph | None = None
    previous: Line | None = None
    in_list = False
    for line in segments.lines:
        # A label ending in a colon reaches over a blank line to the list below it.
        labelled = current is not None and current.text.rstrip().endswith(":")
        moved = previous is not None and line.place != previous.place
        if line.table or moved or (not line.text and not labelled):
            current = None
        if line.table or not line.text:
            previous = line
            continue
        if current is None:
            current = _Paragraph("", [])
            out.append(current)
            in_list = False
        else:
            # A label, a list item or the end of a sentence starts a new sentence; so does
            # every line of a list under a label.
            ends = current.text.rstrip().endswith((".", "!", "?"))
            starts = _LABEL_START.match(line.text) or _BULLET.match(line.text)
            current.text += "\n\x00" if ends or starts or in_list else "\n "
        if line.text.rstrip().endswith(":"):
            in_list = True
        elif line.text.rstrip().endswith("."):
            in_list = False
        current.lines.append((len(current.text), line))
        current.text += line.text
        previous = line
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


@dataclass(frozen=True)
class _Sentence:
    """The cues of one sentence, indexed so that each token finds its cue in log time."""

    cues: list[Cue]
    tokens_at: list[int]

    @functools.cached_property
    def whole(self) -> Cue | None:
        return next((c for c in self.cues if c.scope == "sentence"), None)

    @functools.cached_property
    def backward(self) -> list[Cue]:
        return sorted((c for c in self.cues if c.scope != "before"), key=lambda c: c.end)

    @functools.cached_property
    def ends(self) -> list[int]:
        return [c.end for c in self.backward]

    @functools.cached_property
    def starts(self) -> list[int]:
        return [c.start for c in self.cues]

    def _adjacent(self, at: int, cue: Cue) -> bool:
        """Whether the token at ``at`` is the last one before ``cue``, and close to it."""
        following = bisect.bisect_right(self.tokens_at, at)
        nearest = following >= len(self.tokens_at) or self.tokens_at[following] > cue.start
        return nearest and cue.start - at <= 40

    def role(self, at: int) -> tuple[str, Cue | None]:
        """The role a token at ``at`` takes from the cues of its sentence."""
        if self.whole is not None:
            return self.whole.role, self.whole
        index = bisect.bisect_right(self.ends, at)
        if index:
            cue = self.backward[index - 1]
            if (
                cue.role == REFERENCED
                and index > 1
                and self.backward[index - 2].role == REPLACEMENT
            ):
                label = self.backward[index - 2]
                first = bisect.bisect_left(self.tokens_at, label.end)
                if first >= len(self.tokens_at) or self.tokens_at[first] >= cue.start:
                    return REPLACEMENT, label  # "Recommended substitutions: refer to the X"
            return (AFFECTED if cue.role == OBJECT else cue.role), cue
        index = bisect.bisect_left(self.starts, at)
        if index < len(self.cues):
            cue = self.cues[index]
            if cue.role == AFFECTED:
                return AFFECTED, cue
            near = cue.scope == "near" or (cue.role == NOT_AFFECTED and cue.scope == "before")
            if near and self._adjacent(at, cue):
                # "X is out of stock", "X Reliability Report": the cue speaks of the token
                # right before it.
                return cue.role, cue
            if cue.role == REPLACEMENT:
                # "X is replaced by Y", "For X use Y", "X -> Y": X is the old part when the cue
                # names a new one; "X is the recommended replacement." names only X.
                if self.tokens_at and self.tokens_at[-1] >= cue.end:
                    return AFFECTED, cue
                return REPLACEMENT, cue
            if cue.role == OBJECT:
                return REPLACEMENT, cue  # "Y is the replacement for X"
        return UNCUED, None


def _from_text(
    found: Candidates, segments: Segments, negations: list[str] | None = None
) -> list[Mention]:
    by_line: dict[int, list[Candidate]] = {}
    for cand in found.text:
        if cand.origin == "text" and cand.line is not None:
            by_line.setdefault(id(cand.line), []).append(cand)
    out: list[Mention] = []
    subject = [c for c in found.text if c.origin == "subject"]
    if subject:
        paragraph = _Paragraph(segments.subject, [(0, subject[0].line)])  # type: ignore[list-item]
        out.extend(_read_paragraph(paragraph, {id(subject[0].line): subject}, "subject"))
    for paragraph in _paragraphs(segments):
        out.extend(_read_paragraph(paragraph, by_line, "text", negations))
    return out


def _read_paragraph(
    paragraph: _Paragraph,
    by_line: dict[int, list[Candidate]],
    origin: str,
    negations: list[str] | None = None,
) -> list[Mention]:
    placed: list[tuple[int, Candidate]] = []
    for offset, line in paragraph.lines:
        for cand in by_line.get(id(line), []):
            placed.append((offset + cand.start, cand))
    if negations is not None:
        _negations(paragraph.text, {at for at, _ in placed}, negations)
    if not placed:
        return []
    out: list[Mention] = []
    # The role a label ("Affected parts:", "Replacement devices:") gives the list below it.
    carried: tuple[str, Cue] | None = None
    previous_affected: list[Mention] = []
    for start, end in _sentences(paragraph.text):
        text = paragraph.text[start:end]
        cues = find_cues(text)
        inside = [(at - start, c) for at, c in placed if start <= at < end]
        if not inside:
            # A label starts a list; a sentence of prose with no part in it ends one.
            if text.rstrip().endswith((".", "!", "?")) or text.rstrip().endswith(":"):
                carried = _label_role(text, cues)
            continue
        mentions: list[tuple[Mention, Cue | None, int]] = []
        indexed = _Sentence(cues, sorted(a for a, _ in inside))
        for at, cand in inside:
            role, cue = indexed.role(at)
            series_before = _SERIES_BEFORE.search(text, max(0, at - 40), at)
            if _SERIES.match(text, at + len(cand.mpn)) or series_before:
                role = REFERENCED  # "T492 series", "series PRF18": a family, not a part
            if carried is not None and (
                cue is None or (role == REFERENCED and carried[0] == REPLACEMENT)
            ):
                role, cue = carried
            cand_line = cand.line
            assert cand_line is not None
            kind = "cued" if cue is not None else "subject" if origin == "subject" else "uncued"
            weight = CONFIDENCE["subject"] if origin == "subject" else CONFIDENCE[kind]
            confidence = weight * min(1.0, cand.plausibility + 0.2)
            mention = Mention(
                cand.mpn,
                role,
                confidence,
                sentence(cand_line.text, cand.start, cand.end),
                cand_line.location() if origin == "text" else "subject",
                cand_line,
                origin,
                kind,
            )
            mentions.append((mention, cue, at))
            out.append(mention)
        _pair(cues, mentions, previous_affected)
        previous_affected = [m for m, _, _ in mentions if m.role == AFFECTED] or previous_affected
        carried = _label_role(text, cues) or carried
    return out


def _negations(text: str, placed: set[int], out: list[str]) -> None:
    """Sentences that deny "the part" its end of life without naming one."""
    lower = text.lower()
    if "not" not in lower and "remain" not in lower and "stay" not in lower:
        return
    for start, end in _sentences(text):
        if any(start <= at < end for at in placed):
            continue
        sentence_text = text[start:end]
        if _DENIAL.search(sentence_text) and _THE_PART.search(sentence_text):
            out.append(sentence_text)


def _label_role(text: str, cues: list[Cue]) -> tuple[str, Cue] | None:
    """The role a sentence ending in a colon gives the list that follows it."""
    if not text.rstrip().endswith(":") or not cues:
        return None
    cue = cues[-1]
    return (AFFECTED if cue.role == OBJECT else cue.role), cue


def _pair(
    cues: list[Cue],
    mentions: list[tuple[Mention, Cue | None, int]],
    previous: list[Mention] | None = None,
) -> None:
    """Affected parts before a replacement cue get the replacements after it, in order.

    Linear in the sentence: mentions are grouped by cue once, and the parts named between two
    replacement cues are a slice of the (positional) mention list."""
    by_cue: dict[int, list[Mention]] = {}
    for mention, cue, _ in mentions:
        if cue is not None:
            by_cue.setdefault(id(cue), []).append(mention)
    positions = [at for _, _, at in mentions]
    for cue in (c for c in cues if c.role == OBJECT):
        # "Y to replace X": Y before the cue, X after it.
        named = by_cue.get(id(cue), [])
        olds = [m for m in named if m.role == AFFECTED]
        news = [m for m in named if m.role == REPLACEMENT]
        if len(olds) == 1 and len(news) == 1:
            _link(olds[0], news[0])
    start = 0
    for cue in (c for c in cues if c.role == REPLACEMENT):
        named = by_cue.get(id(cue), [])
        news = [m for m in named if m.role == REPLACEMENT]
        # The old parts: those the cue itself made old, else the affected ones named between
        # the previous replacement cue and this one.
        olds = [m for m in named if m.role == AFFECTED]
        if not olds:
            low = bisect.bisect_left(positions, start)
            high = bisect.bisect_left(positions, cue.start)
            olds = [m for m, _, _ in mentions[low:high] if m.role == AFFECTED]
        if not olds and previous:
            # "X and Y will be obsoleted. Migrate to Z and W respectively."
            olds = previous
        start = cue.end
        if not news:
            continue
        if len(olds) == len(news):
            pairs = list(zip(olds, news, strict=True))
        elif len(news) == 1:
            pairs = [(old, news[0]) for old in olds]
        else:
            pairs = [(olds[0], news[0])] if len(olds) == 1 else []
        for old, new in pairs:
            _link(old, new)


def _link(old: Mention, new: Mention) -> None:
    if old.mpn != new.mpn and not old.replacement:
        old.replacement = new.mpn
        old.replacement_evidence = Value(new.mpn, new.snippet, new.location)
        new.replaces = new.replaces or old.mpn


def assign_roles(found: Candidates, segments: Segments) -> Roles:
    """One mention per part number with its role."""
    negations: list[str] = []
    mentions = _from_records(found) + _from_tables(found) + _from_text(found, segments, negations)
    # The notice says which parts it is about: tokens it does not qualify are only named.
    structured = any(m.role == AFFECTED and m.how in ("record", "table", "cued") for m in mentions)
    merged: dict[str, Mention] = {}
    guesses = {m.mpn for m in mentions if m.role == UNCUED}
    for mention in mentions:
        if mention.role == UNCUED:
            # Nothing says which parts the notice is about: its strongest names, or the only
            # one it has, are all there is (and they go to review).
            strong = mention.confidence >= CONFIDENCE["uncued"] * 0.99 or (
                mention.origin == "subject" and len(guesses) == 1
            )
            mention.role = AFFECTED if not structured and strong else REFERENCED
        known = merged.get(mention.mpn)
        if known is None:
            if len(merged) < MAX_MENTIONS:
                merged[mention.mpn] = mention
            continue
        if _PRECEDENCE[mention.role] > _PRECEDENCE[known.role] or (
            mention.role == known.role and mention.confidence > known.confidence
        ):
            mention.values = {**known.values, **mention.values}
            mention.replacement = mention.replacement or known.replacement
            mention.replacement_evidence = (
                mention.replacement_evidence or known.replacement_evidence
            )
            mention.base = mention.base or known.base
            merged[mention.mpn] = mention
        else:
            known.values = {**mention.values, **known.values}
            known.replacement = known.replacement or mention.replacement
            known.replacement_evidence = known.replacement_evidence or mention.replacement_evidence
            known.replaces = known.replaces or mention.replaces
    _demote_families(merged)
    _shared_dates(merged)
    affected = [m for m in merged.values() if m.role == AFFECTED]
    if negations and len(affected) == 1 and affected[0].how not in ("table", "record"):
        # "C&K verified that the switch is NOT EOL": the one part the notice is about.
        only = affected[0]
        only.role = NOT_AFFECTED
        only.snippet = snippet(negations[-1])
    return Roles(list(merged.values()))


def _shared_dates(merged: dict[str, Mention]) -> None:
    """Rows whose date cells are missing take the date every other row states (a table cut by
    a page, or continued without its date columns), when all rows agree on it."""
    affected = [m for m in merged.values() if m.role == AFFECTED and m.how == "table"]
    for name in (columns.LTB, columns.LTS):
        stated = {m.values[name].text for m in affected if name in m.values}
        if len(stated) == 1:
            value = next(m.values[name] for m in affected if name in m.values)
            for mention in affected:
                mention.values.setdefault(name, value)


_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def _compact(mpn: str) -> str:
    return _NOT_ALNUM.sub("", mpn.upper())


def _family(short: str, long: Mention) -> bool:
    """Whether ``short`` names the family of ``long``: its start, a segment of it between
    hyphens (the model name inside a maker-prefixed code: QX7TR42 in ZK-QX7TR42-B09), or (when
    ``long`` was read from a table or record) a stem it contains or shares but for its last
    character."""
    if long.mpn.startswith(short) or (len(short) >= 5 and short in long.mpn.split("-")):
        return True
    if long.how not in ("table", "record") or len(short) < 5:
        return False
    return short in long.mpn or long.mpn.startswith(short[:-1])


def _demote_families(merged: dict[str, Mention]) -> None:
    """A prose-affected number that starts another affected part read elsewhere is its family
    or base number ("select EXC1700 devices" above a list of EXC1700T-... parts): referenced.
    Twins named side by side ("EXA358D EXA358DR") stay: they share a line."""
    affected = [m for m in merged.values() if m.role == AFFECTED]
    spelled: dict[str, Mention] = {}
    for mention in affected:
        # One part written two ways (MPU6050, MPU-6050): the punctuated spelling is the
        # maker's; the other only names it.
        twin = spelled.setdefault(_compact(mention.mpn), mention)
        if twin is not mention and mention.how != "table" and twin.how != "table":
            plain, written = sorted((twin, mention), key=lambda m: len(m.mpn))
            if len(plain.mpn) < len(written.mpn):
                plain.role = REFERENCED
                spelled[_compact(mention.mpn)] = written
    affected = [m for m in affected if m.role == AFFECTED]
    for mention in affected:
        if mention.how == "table":
            continue
        longer = [
            m
            for m in affected
            if m is not mention and len(m.mpn) > len(mention.mpn) and _family(mention.mpn, m)
        ]
        item = mention.line is not None and _ITEM.fullmatch(mention.line.text.strip())
        structured = any(m.how in ("table", "record") for m in longer)
        if longer and (structured or not item) and all(m.line is not mention.line for m in longer):
            mention.role = REFERENCED
