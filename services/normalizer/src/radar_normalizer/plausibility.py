"""Is a token an orderable part number at all?

Real notices are full of strings shaped like part numbers that are not parts: the notice's own
and other notices' numbers, form and document-control numbers, dates and work weeks, package
outlines, standards, units, revisions, phone numbers, materials (mould compounds, die-attach
glue) and carrier-tape or reel codes. :func:`shape` scores a token by its grammar alone;
:func:`context_penalty` looks at the words around it. Both are general: nothing here names a
particular part or notice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from radar_common.manufacturers import table
from radar_common.partnumbers import clean_mpn
from radar_normalizer.cues import clear_cache as cues_clear
from radar_normalizer.dates import clear_cache as dates_clear
from radar_normalizer.dates import find_dates

# A token that may be a part number: letters, digits and the joiners vendors use.
TOKEN = re.compile(
    r"(?<![A-Za-z0-9#+/.,\-])[A-Za-z0-9][A-Za-z0-9\-/#+.,_()]*[A-Za-z0-9#+)]|[A-Za-z0-9]{3,}"
)
_PACKAGE = re.compile(
    r"^(?:SOT|SOD|SC|TO|DO|QFN|DFN|VQFN|WQFN|UQFN|TQFN|LQFP|TQFP|QFP|PQFP|BGA|FBGA|CSP|WLCSP|"
    r"SOIC|SOP|SSOP|TSSOP|MSOP|VSSOP|TSOP|PDIP|DIP|SIP|LGA|PLCC|HVQFN|HTSSOP|SON|WSON|VSON|"
    r"XSON|USON|DPAK|D2PAK|D3PAK|IPAK|SMA|SMB|SMC|SMD|MLF|MLP|LFCSP|DSBGA|TSOT|UDFN|X2SON|"
    r"PowerPAK|CERDIP|CLCC|LCC|CQFP|HSOP|TDFN|VFQFN|PG-\w+|TSON|SOJ|PQFN|MQFP|UFBGA|TFBGA|"
    r"VFBGA|LFBGA|WDFN|MICROFOOT|SC70|SC88|SC89|ECSP|UCSP|WCSP|PSOP|HSOIC|DDPAK|TO220|TO247|"
    r"TO252|TO263|TO92|SOT23|SOT223|SOT89|SOT363|SOD123|SOD323|DO214)"
    r"[-\s]?\d{0,4}[A-Z]{0,2}(?:[-/]\d{1,3}[A-Z]?)*$",
    re.IGNORECASE,
)
_STANDARD = re.compile(
    r"^(?:(?:EIA|JEDEC|IPC|ANSI)[-/]?)?(?:J-?STD-?\d+\w*|JESD\d+\w*|JEP\d+\w*|IPC-?\w*\d+\w*|"
    r"AEC-?Q\d+\w*|ISO[-/]?\w*\d+\w*|IATF\d*|IEC[-/]?\d+\w*|MIL-?\w*-?\d+\w*|UL-?\d+\w*|"
    r"EN\d{3,}\w*|RoHS\d?|REACH|ESD\w*|HBM\w*|CDM\w*|MSL-?\d\w*|EIA-?\d+\w*|MO-?\d+\w*|"
    r"\d{1,2}NC)(?:[-/.]\w+)*$",
    re.IGNORECASE,
)
_NOT_PART = re.compile(
    r"^(?:UTF-?\d+|ISO-?8859-?\d+|HTTPS?|WWW|PDF|PCN|PDN|EOL|LTB|COVID-?19|MIME|A4|Q[1-4]|"
    r"\d+(?:\.\d+)?(?:[KMGTPNUµ]?(?:V|A|HZ|W|B|F|H|OHMS?|Ω)|MM|UM|NM|CM|M|PCS|KPCS|DAYS?|WEEKS?|"
    r"MONTHS?|YEARS?|YRS?|HRS?|MIN|SEC|PPM|PPB|DB|DBM|°C|C|K|MIL|MILS|KG|G|MG|MHZ|KHZ|GHZ)|"
    r"V\d+(?:\.\d+)*|REV[-\s.]?[A-Z0-9.]*|R\d{1,2}(?:\.\d+)?|\+?\d[\d\s\-().]{6,}|"
    r"(?:WW|WK|CW|KW)[-\s]?\d{1,4}(?:[.-]\d)?|\d{2,4}WW\d{1,2}|W\d{2}|WK\d{2}|T\d|Q\d{1,2}|"
    r"[A-Z]\d|I2C|I2S|I3C|USB\d?(?:\.\d)?|DDR\d\w?|LPDDR\d\w?|GDDR\d\w?|PCIE\d?|IP\d{2}|CAT\d\w?|"
    r"GEN\d|HDMI\d?|BT\d(?:\.\d)?|ARM\d*|CORTEX-?M\d+\+?|X86|X64|RISC-?V|[2-6]G|802\.\d+\w*|"
    r"F?PCN\d*|PDN\d*|PTN\d*|ECN\d*|EOL\d*|DN\d*|\d{1,3}(?:\.\d+)?%|\d+X\d+(?:X\d+)?|"
    r"(?:19|20)\d{2}(?:[-/.]\d{1,2}){0,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|[A-Z]{1,3}\d{0,2})$",
    re.IGNORECASE,
)
# Words around a token that make it a document, material or packaging code, not a part.
_DOCUMENT = re.compile(
    r"(?:\b(?:form|doc(?:ument)?\.?|template|control|spec(?:ification)?|procedure|drawing|"
    r"revision|rev|version|ver|page|ref(?:erence)?|report|certificate|reg(?:istration)?|"
    r"tel(?:ephone)?|phone|fax|mobile|zip|postal|p\.?o\.? box|invoice|order|customer|account|"
    r"ticket|case|lot|batch|date ?code|ecn|eco)\s*(?:number|no\.?|nr\.?|id|#|code)?\s*[:#.]?\s*$|"
    r"\b(?:pcn|pdn|ptn|notice|notification)\s*(?:number|no\.?|nr\.?|id|#)\s*[:#.]?\s*$)",
    re.IGNORECASE,
)
MATERIAL = re.compile(
    r"\b(?:mou?ld(?:ing)? compound|compound|epoxy|resin|adhesive|glue|die[- ]attach|underfill|"
    r"bond(?:ing)? wire|wire bond|lead ?frame|substrate|plating|solder|paste|carrier tape|"
    r"cover tape|emboss\w*|polystyrene|polycarbonate|anti-?static|reel material|tape material|"
    r"supplier|vendor material|material (?:code|name|type|number)|flux|ink|desiccant)\b",
    re.IGNORECASE,
)
_FORM_AFTER = re.compile(r"\W{0,3}(?:[A-Za-z/]+\s+){0,4}(?:form|template)\b", re.IGNORECASE)
# "<something> No.:" before a token: an identifier of whatever <something> is.
_IDENTIFIER_LABEL = re.compile(
    r"(?P<what>[A-Za-z][\w/-]*)\.?\s*(?:no\.?|nr\.?|number|num\.?|#|id)\s*[:.#]?\s*$", re.I
)
_PART_WORD = re.compile(
    r"part|device|product|type|model|item|order|catalog|article|component|sales|material|"
    r"opn|mpn|p/n|sku|replacement|successor|alternative|new|old",
    re.I,
)
# Packaging and finish codes a part number may end with (TI R/T, /NOPB, ADI -REEL7, NXP ,115,
# Infineon ...ATMA1, onsemi ...G, Maxim +, Microchip -I/SN).
_SUFFIX = re.compile(
    r"(?:/NOPB|#PBF|#TRPBF|-REEL7?|-RL7?|,\d{3}|-TR|TR|[A-Z]{2}[MS]A\d|T\dG|G|\+T?|"
    r"-[A-Z]/[A-Z0-9]{2,3}|-E\d|[RT])$"
)


_PARENS = re.compile(r"[()]")
_WHOLE_PART = re.compile(r"[A-Z]{2,}\d{2,}[A-Z0-9-]*")
_COMMA = re.compile(r",(?!\d{3}\b)")
_ANY_DIGIT = re.compile(r"\d")
_WILDCARD = re.compile(r"xx|XX|[*?_]")
_DASH_GROUPS = re.compile(r"\d{1,7}(?:-\d{1,5}){1,3}")
_RUNS = re.compile(r"[A-Za-z]+|\d+")
_CONTROL_SHAPE = re.compile(r"[A-Z]{1,4}-\d{3,}-\d{1,3}")


@dataclass(frozen=True)
class Token:
    """A part-number-shaped token: its clean value and where it is in its text."""

    value: str
    start: int
    end: int


@functools.lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[Token, ...]:
    """Every token of ``text`` that could be a part number by its characters (memoised: one
    line is tokenised by the segmenter, the candidate finder and the shape tests)."""
    return tuple(_tokens(text))


def _tokens(text: str) -> Iterator[Token]:
    for m in _pieces(text):
        raw = m.group(0)
        if raw.isascii() and not _SPECIAL.search(raw):
            # The common case: lines are already folded, an ASCII token only loses its edges.
            value = raw.rstrip(".:;").rstrip("-")
            if value:
                yield Token(value, m.start(), m.start() + len(raw))
            continue
        # Parentheses belong to the token only when balanced inside it: "EXA358(DR)" is rare,
        # "(EXA358DR)" and "EXA358DR)" are prose.
        if raw.count("(") != raw.count(")"):
            raw = raw.strip("()")
            if "(" in raw or ")" in raw:
                raw = _PARENS.split(raw)[0]
        value = raw.strip(".,;:()[]{}<>\"'*").rstrip("-") if raw.isascii() else clean_mpn(raw)
        if value:
            start = m.start() + m.group(0).find(raw) if raw in m.group(0) else m.start()
            yield Token(value, start, start + len(raw))


_SPECIAL = re.compile(r"[(),]")
_PACKING_CODE = re.compile(r"[^,]+(?:,\d{3})?")


def _pieces(text: str) -> Iterator[re.Match[str]]:
    for m in _comma_pieces(text):
        if "/" not in m.group(0):
            yield m
            continue
        # "EXR18/EXR21": a slash between two whole part numbers separates them.
        halves = m.group(0).split("/")
        if len(halves) == 2 and all(_WHOLE_PART.fullmatch(h) for h in halves):
            yield from TOKEN.finditer(text, m.start(), m.start() + len(halves[0]))
            yield from TOKEN.finditer(text, m.end() - len(halves[1]), m.end())
            continue
        yield m


def _comma_pieces(text: str) -> Iterator[re.Match[str]]:
    # Commas separate parts ("EXA358DR,EXA358DT") except NXP packing codes ("EXB16,215").
    for m in TOKEN.finditer(text):
        if "," not in m.group(0) or _PACKING_CODE.fullmatch(m.group(0)):
            yield m
            continue
        offset = m.start()
        for piece in _COMMA.split(m.group(0)):
            inner = TOKEN.search(text, offset, offset + len(piece)) if piece else None
            if inner is not None:
                yield inner
            offset += len(piece) + 1


@functools.lru_cache(maxsize=8192)
def shape(value: str) -> float:
    """How much ``value`` looks like an orderable part number by its grammar alone, 0..1."""
    if not 3 <= len(value) <= 40 or not _ANY_DIGIT.search(value):
        return 0.0
    if _PACKAGE.match(value) or _STANDARD.match(value) or _NOT_PART.match(value):
        return 0.0
    letters = [c for c in value if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) < 0.6 * len(letters):
        return 0.0  # prose ("2nd", "x86-based"); part numbers are written in capitals
    if _is_date(value) or _WILDCARD.search(value):
        return 0.0  # a date, or a pattern ("EXV5E050Axx", "EXL79LXXAC") naming a series
    if not letters:
        # Digits only: connector and 12NC-style codes; a part only with its dash groups
        # ("1-480424-0", "43045-0212"), never a bare number.
        return 0.45 if _DASH_GROUPS.fullmatch(value) else 0.0
    # Letter/digit alternations: EXA358DR has three, WW1907 and TSSOP20 one.
    runs = len(_RUNS.findall(value))
    score = 0.45 + 0.1 * min(runs - 1, 3)
    if len(value) >= 6:
        score += 0.1
    if _SUFFIX.search(value.upper()) and runs >= 3:
        score += 0.05
    if _known_prefix(value):
        score += 0.1
    if _CONTROL_SHAPE.fullmatch(value):
        score -= 0.3  # "QF-0301-02": a form or document-control number's shape
    if runs == 2 and len(letters) == 1 and value[0].isalpha() and not _known_prefix(value):
        score -= 0.1  # "U484", "F780": a package letter and a pin count, or a short base number
    if runs == 2 and len(letters) >= 4 and value[0].isalpha():
        score -= 0.15  # a word with a number ("Figure12", "Rev2024"), unless known
    return max(0.0, min(1.0, score))


def _is_date(value: str) -> bool:
    return any(found.end - found.start >= len(value) - 1 for found in find_dates(value))


def _known_prefix(value: str) -> bool:
    upper = value.upper()
    known = _prefixes()
    return any(upper[:n] in known for n in range(2, min(len(upper), 8)))


@functools.cache
def _prefixes() -> frozenset[str]:
    return frozenset(p for maker in table().makers for p in maker.prefixes if len(p) >= 2)


def context_penalty(before: str, around: str | bool, after: str = "") -> float:
    """A factor (0..1) from the words before a token, after it and around it (its line, or
    whether that line speaks of materials, when the caller tested it once for many tokens)."""
    if _FORM_AFTER.match(after):
        return 0.0  # "X1234F1 Change Notice Form rev B": the form's own number
    if _DOCUMENT.search(before[-40:]):
        return 0.0  # "Form QF-0301-02", "Doc. No. DOC004512", "Tel. +1 ..."
    label = _IDENTIFIER_LABEL.search(before[-40:])
    if label and not _PART_WORD.search(label.group("what")):
        return 0.0  # "Table No.: 2201-0003-01-B": an identifier, but not of a part
    if around is True or (isinstance(around, str) and MATERIAL.search(around)):
        return 0.4
    return 1.0


@functools.lru_cache(maxsize=4096)
def part_tokens(text: str, threshold: float = 0.5) -> tuple[str, ...]:
    """The tokens of ``text`` that look like part numbers by shape."""
    return tuple(t.value for t in tokens(text) if shape(t.value) >= threshold)


def clear_caches() -> None:
    """Forget memoised shapes (a benchmark measures each event as if it were the first)."""
    shape.cache_clear()
    part_tokens.cache_clear()
    tokens.cache_clear()
    dates_clear()
    cues_clear()
