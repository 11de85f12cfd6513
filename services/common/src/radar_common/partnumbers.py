"""Part numbers: how they are written, cleaned, recognised, and reduced to their base number.

One module for every service: the normalizer reads part numbers with it, the catalog import
stores ``mpn`` and ``base_mpn`` with it, and the inference matcher compares them with it.

**Orderable and base numbers.** An orderable part number is a base number plus codes that only
say how the part is packed or finished (reel size, lead-free marker, tape). :func:`base_mpn`
strips the codes each vendor documents (see ``CONVENTIONS``); it never strips anything from a
number it does not recognise, and the shared rules that apply to any vendor are only those whose
spelling cannot mean anything else (``/NOPB``, ``#PBF``, ``-REEL7``, ``-TR``, ``,118``). A
single letter (``R``, ``T``, ``G``) is a packing code only in its vendor's numbering, so those
rules need the manufacturer. The matcher keeps both numbers and matches exact first, then base.

**Unicode.** A part number is ASCII. :func:`clean_mpn` removes format characters (zero-width
space and joiners, bidi controls such as U+202E, the byte-order mark, soft hyphens), combining
marks and whitespace, and folds look-alikes: fullwidth and other compatibility forms (NFKC),
Unicode dashes to ``-``, non-ASCII decimal digits to ``0-9``, and the Cyrillic and Greek letters
that look Latin (``BC547`` typed with the Cyrillic letters VE and ES becomes plain ``BC547``).
So a sloppy or hostile notice neither misses the catalog nor shows a different string in an
alert than the one that was matched.

**Mixed scripts.** Folding is per character, so a string mixing Latin with look-alikes folds
to plain ASCII. A character that is still not ASCII after folding (``Ж``, ``中``, ``é`` is
folded to ``e`` but ``ß`` is not) has no Latin twin: the string is *not a part number*.
:func:`looks_like_mpn` rejects it, :func:`normalize_mpn` keeps the character (so it can never
equal an ASCII catalog key by accident), and the catalog import refuses such a row.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CONVENTIONS",
    "RULES_VERSION",
    "TOKEN",
    "Convention",
    "base_mpn",
    "clean_mpn",
    "fold_text",
    "looks_like_mpn",
    "normalize_mpn",
]

# --- Unicode folding -------------------------------------------------------------------------

# Cyrillic and Greek letters drawn like a Latin letter (lower-case Cyrillic letters drawn as small
# capitals map to the capital they look like).
_LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТУХҮӀԚԜѴаеѕіјорсухԁԛԝһӏвкмнтΑΒΕΖΗΙΚΜΝΟΡΤΥΧοινκρυχαϲϳ",
    "ABESIJKMHOPCTYXYIQWVaesijopcyxdqwhlBKMHTABEZHIKMNOPTYXoivkpuxacj",
)
_DASH_LIKE = frozenset("\u2212\u2043\u02d7")  # minus sign, hyphen bullet, modifier minus
_TRAILING = ".,;:()[]{}<>\"'*"
_BLANKS = re.compile(r"[\s\x00-\x1f\x7f]+")  # spaces and ASCII control characters
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A word holding a non-ASCII character. Anchored at the word's start and possessive over its
# ASCII head, so a long ASCII run is scanned once, not once per position (no backtracking).
_WORD_WITH_NON_ASCII = re.compile(r"(?<!\S)[^\s\x80-\U0010ffff]*+[^\x00-\x7f]\S*")
_ANY_DIGIT = re.compile(r"\d")


def _plain(char: str, category: str) -> str:
    """A non-ASCII character of any text: invisible ones dropped, dashes and spaces unified."""
    if category[0] == "C":
        return ""  # format (zero-width, bidi controls, BOM, soft hyphen), control, unassigned
    if category == "Pd" or char in _DASH_LIKE:
        return "-"
    if category[0] == "Z":
        return " "
    return char


def _fold_char(char: str) -> str:
    """A non-ASCII character (after NFKD) of a part number: folded to ASCII where it can be."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return ""  # combining marks: accents, strike-through overlays
    if category == "Nd":
        return str(unicodedata.digit(char))
    return _plain(char, category).translate(_LOOK_ALIKES)


def _fold(text: str) -> str:
    """Compatibility forms, invisible characters, dashes, digits and look-alike letters folded."""
    text = unicodedata.normalize("NFKD", text)
    return _NON_ASCII.sub(lambda m: _fold_char(m.group()), text)


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    if not _ANY_DIGIT.search(word):
        return word  # no digit: prose (maybe in another script), never a part number
    return _fold(word)


def fold_text(text: str) -> str:
    """``text`` without format characters, with the part numbers in it folded to ASCII.

    Compatibility forms are normalised (NFKC), format characters (zero-width, bidi controls,
    BOM, soft hyphen) removed everywhere, Unicode spaces become spaces and dashes ``-``. Look-alike
    letters, accents and non-ASCII digits are folded only in words that hold a digit, as every
    part number does; other words (``für``, a sentence in Greek) are left as written.

    Args:
        text: any text read from a notice.

    Returns:
        The folded text (ASCII text is returned unchanged, at no cost).
    """
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    text = _NON_ASCII.sub(lambda m: _plain(m.group(), unicodedata.category(m.group())), text)
    return _WORD_WITH_NON_ASCII.sub(_fold_word, text)


def clean_mpn(text: str) -> str:
    """A part number as written, folded to ASCII, without spaces or surrounding punctuation.

    Case is kept (it is evidence of how the notice wrote it); compare with :func:`normalize_mpn`.

    Args:
        text: a part number as found in a notice or a catalog file.

    Returns:
        The cleaned part number (``" AX4471\\u00a0BRZ, "`` -> ``"AX4471BRZ"``,
        ``"TLV99\\u200b17DR"`` -> ``"TLV9917DR"``); it may still hold non-ASCII characters that
        have no Latin twin.
    """
    value = text if text.isascii() else _fold(text)
    value = _BLANKS.sub("", value)
    return value.strip(_TRAILING).rstrip("-")


def normalize_mpn(text: str) -> str:
    """The comparison key of a part number: :func:`clean_mpn`, upper-case.

    Args:
        text: a part number as written.

    Returns:
        The key the catalog stores and the matcher compares (``"tlv9917dr "`` -> ``"TLV9917DR"``).
    """
    return clean_mpn(text).upper()


# --- Grammar: what can be a part number at all -----------------------------------------------

# A token that may be a part number: letters, digits and the joiners vendors use.
TOKEN = re.compile(
    r"(?<![A-Za-z0-9#+/.,\-])[A-Za-z0-9][A-Za-z0-9\-/#+.,_]*[A-Za-z0-9#+]|[A-Za-z0-9]{4,}"
)

# Package outlines and other look-alikes that are never part numbers.
_PACKAGE = re.compile(
    r"^(?:SOT|SOD|SC|TO|DO|QFN|DFN|VQFN|WQFN|UQFN|TQFN|LQFP|TQFP|QFP|BGA|FBGA|CSP|WLCSP|SOIC|SOP|"
    r"SSOP|TSSOP|MSOP|VSSOP|TSOP|PDIP|DIP|SIP|LGA|PLCC|HVQFN|HTSSOP|SON|WSON|VSON|XSON|USON|"
    r"DPAK|D2PAK|D3PAK|IPAK|SMA|SMB|SMC|SMD|MLF|MLP|LFCSP|DSBGA|TSOT|SOT23|UDFN|X2SON)"
    r"[-\s]?\d{0,4}[A-Z]?(?:-\d{1,3})?$",
    re.IGNORECASE,
)
_NOT_PARTS = re.compile(
    r"^(?:J-?STD-?\d+[A-Z]?|JESD\d+[A-Z]?|AEC-?Q\d+|ISO\d*|IATF\d*|IEC\d*|RoHS\d?|REACH|"
    r"UTF-?\d+|ISO-?8859-?\d+|HTTPS?|WWW|PDF|PCN|PDN|EOL|LTB|COVID-?19|MIME|A4|Q[1-4]|\d+[KM]?B|"
    r"\d+(?:\.\d+)?(?:V|MV|A|MA|MHZ|KHZ|GHZ|HZ|W|MW|NM|UM|MM|PF|NF|UF|KB|MB|GB|PCS|DAYS?|WEEKS?)|"
    r"(?:19|20)\d{2}[-/.]?\d{0,2}[-/.]?\d{0,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|V\d+(?:\.\d+)*|"
    r"REV[-\s]?[A-Z0-9.]*|R\d+(?:\.\d+)?|\+?\d[\d\s\-()]{6,}|WK\d+|CW\d+|T\d|Q\d{1,2}|[A-Z]\d)$",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


def looks_like_mpn(token: str, *, strict: bool = True) -> bool:
    """Whether a token can be an orderable part number, by its spelling alone.

    This is the context-free grammar: 3 to 40 ASCII characters after :func:`clean_mpn`, a digit
    (and, when ``strict``, a letter and at least 4 characters), mostly capital letters, and not a
    package outline, standard, unit, date, revision, phone number or work week. Whether a
    well-formed token is a part *in its context* is the reader's decision, not this function's.

    Args:
        token: the candidate as found.
        strict: also require a letter and 4 characters (prose); lists and tables relax this.

    Returns:
        True when the token is spelled like a part number.
    """
    value = clean_mpn(token)
    if not 3 <= len(value) <= 40 or not value.isascii() or not _DIGIT.search(value):
        return False
    if strict and (len(value) < 4 or not _LETTER.search(value)):
        return False
    if _PACKAGE.match(value) or _NOT_PARTS.match(value):
        return False
    letters = [c for c in value if c.isalpha()]
    # Part numbers are written in capitals (a capacitor's "GRX155R61C224KE01D", an op-amp's
    # "TLV9917DR"); lower-case words with digits are prose ("2nd", "x86-based").
    return not letters or sum(c.isupper() for c in letters) >= 0.6 * len(letters)


# --- Base numbers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Convention:
    """How one vendor's orderable numbers end: packing codes to strip, outermost first.

    Attributes:
        vendor: the canonical manufacturer name (documentation and tests).
        brands: the manufacturer names whose numbers follow it (compared after
            :func:`_brand_key`: case, punctuation and company-form words ignored). A brand that
            was acquired keeps its own numbering, so it is listed under the convention it uses.
        suffixes: ``(pattern, meaning)`` pairs; each pattern is tried once, in order, at the end
            of the number.
    """

    vendor: str
    brands: tuple[str, ...]
    suffixes: tuple[tuple[str, str], ...]


# Codes whose spelling means packing whatever the vendor.
GENERIC = Convention(
    vendor="",
    brands=(),
    suffixes=(
        (r"/NOPB$", "TI (National) lead-free"),
        (r"#(?:TRM?)?PBF$|#TRM?$", "ADI (Linear): lead-free, tape and reel (#TR 2500, #TRM 500)"),
        (r"-REEL7?$|-RL7?$", "ADI reels: 13-inch (-REEL, -RL), 7-inch (-REEL7, -RL7)"),
        (r"-TR$", "tape and reel, dash form (ST, Microchip, others)"),
        (r",\d{3}$", "NXP / Nexperia 12NC packing code (,115 ,118 ,215 ,518)"),
    ),
)

CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        vendor="Texas Instruments",
        brands=("Texas Instruments", "TI", "National Semiconductor", "Burr-Brown"),
        suffixes=(
            (r"(?:E4|G4)$", "lead-free finish (E4 NiPdAu, G4 green)"),
            (
                r"(?<=[A-Z])R(?=Q1$)|(?<=[A-Z]{3})T(?=Q1$)",
                "reel inside an automotive number (…DBVRQ1 -> …DBVQ1)",
            ),
            (
                # T follows a package designator of three or more letters (DBVT, RGTT); after
                # fewer it is the package itself (LM7805CT: TO-220; KCT, KTT, RGT, DBT).
                r"(?<=[A-Z])R$|(?<=[A-Z]{3})T$",
                "reel after the package designator: R large reel, T small reel",
            ),
        ),
    ),
    Convention(
        vendor="Analog Devices",
        brands=(
            "Analog Devices",
            "ADI",
            "Linear Technology",
            "LTC",
            "Maxim Integrated",
            "Maxim",
            "Dallas Semiconductor",
        ),
        suffixes=(
            (r"-R7$|-R2$", "reels of 1,500 (-R7) and 250 (-R2)"),
            (r"[+#](?:T&R|T)?$", "Maxim/Dallas lead-free (+, #) and tape and reel (+T, #T&R)"),
        ),
    ),
    Convention(
        vendor="Infineon Technologies",
        brands=("Infineon Technologies", "Infineon", "IFX", "International Rectifier"),
        suffixes=(
            (
                r"(?<=[A-Z0-9]{3})[A-Z]{4}\d$",
                "OPN suffix: environment, packing type, packing size, designator (…XUMA1, "
                "…NTSA1 of TLE4250GNTSA1)",
            ),
            (r"(?:TR[LR]?)?PBF$", "International Rectifier lead-free (PBF), tape and reel (TR)"),
        ),
    ),
    Convention(
        vendor="Murata",
        brands=("Murata", "Murata Manufacturing"),
        suffixes=((r"(?<=[A-Z0-9]{12})[A-Z#]$", "packaging: the last character"),),
    ),
    Convention(
        vendor="onsemi",
        brands=("onsemi", "ON Semiconductor", "ON Semi", "ON"),
        suffixes=(
            (
                r"(?:R2|RK|RL|T[1-4])?G$|(?:R2|T[1-4])$",
                "Pb-free (G), reels R2, RK, RL, T1-T4 (…CTG, …DR2G, …LT1G)",
            ),
        ),
    ),
    Convention(
        vendor="Microchip Technology",
        brands=("Microchip Technology", "Microchip", "Atmel", "Silicon Storage Technology", "SST"),
        suffixes=(
            (r"-T$", "tape and reel, trailing form (Atmel, SST heritage)"),
            (r"(?<=[A-Z0-9])T(?=-[A-Z0-9.]+/[A-Z0-9]+$)", "tape and reel before temperature"),
        ),
    ),
    Convention(
        vendor="STMicroelectronics",
        brands=("STMicroelectronics", "ST Microelectronics", "ST", "STMicro", "SGS-Thomson"),
        suffixes=((r"(?<=[A-Z0-9])TR$", "tape and reel (STM32G9Z1K8T6TR)"),),
    ),
)

_COMPANY_WORDS = re.compile(
    r"\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|bv|nv|sa|plc|kk|"
    r"technology|technologies|semiconductors?|electronics|integrated|products|manufacturing)\b"
)
_MIN_BASE = 3


def _brand_key(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower())
    return " ".join(_COMPANY_WORDS.sub(" ", words).split())


_Compiled = tuple[re.Pattern[str], ...]
_GENERIC_RULES: _Compiled = tuple(re.compile(p) for p, _ in GENERIC.suffixes)
_BY_BRAND: dict[str, _Compiled] = {
    _brand_key(brand): tuple(re.compile(p) for p, _ in convention.suffixes)
    for convention in CONVENTIONS
    for brand in (*convention.brands, convention.vendor)
}

# Changes whenever a rule changes: stored base numbers computed under another version are stale.
RULES_VERSION = hashlib.sha256(
    repr([(c.vendor, c.brands, c.suffixes) for c in (GENERIC, *CONVENTIONS)]).encode()
).hexdigest()[:12]


@functools.lru_cache(maxsize=512)
def _vendor_rules(manufacturer: str) -> _Compiled:
    return _BY_BRAND.get(_brand_key(manufacturer), ()) if manufacturer else ()


def base_mpn(mpn: str, manufacturer: str = "") -> str:
    """The base part number: ``mpn`` normalised, without the packing codes its vendor documents.

    The rules any vendor shares are applied first, then those of the manufacturer's numbering
    convention (``CONVENTIONS``), each once, outermost first; a rule that would leave fewer than
    three characters is skipped. Without a manufacturer only the shared rules apply, so
    ``base_mpn("TLV9917DR")`` is ``"TLV9917DR"`` while ``base_mpn("TLV9917DR", "TI")`` is
    ``"TLV9917D"``.

    Args:
        mpn: an orderable part number as written.
        manufacturer: the canonical manufacturer name or the name as written ("TI",
            "ON Semiconductor Corp."); empty when unknown.

    Returns:
        The base number, upper-case (``"STM32G9Z1K8T6TR"``, ST -> ``"STM32G9Z1K8T6"``;
        ``"NCP9931CTG"``, onsemi -> ``"NCP9931CT"``).
    """
    base = normalize_mpn(mpn)
    for pattern in (*_GENERIC_RULES, *_vendor_rules(manufacturer)):
        stripped = pattern.sub("", base, count=1)
        if stripped != base and len(stripped) >= _MIN_BASE:
            base = stripped
    return base
