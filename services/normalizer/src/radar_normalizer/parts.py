"""Part numbers: cleaning, telling them apart from look-alikes, and their base numbers.

An orderable part number (``LM358DR``, ``ADP3338AKCZ-3.3-RL``, ``BSC010N04LSIATMA1``) is a base
number plus packaging or finish codes. :func:`base_mpn` strips the codes each vendor documents;
it never strips anything from a number it does not recognise.
"""

from __future__ import annotations

import re
import unicodedata

# Hyphen look-alikes vendors paste from word processors, and invisible spaces.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u200b\u2009\u200a\ufeff"), " ")

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


def clean(text: str) -> str:
    """NFKC-normalise, turn unicode dashes into ``-`` and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_SPACES)
    return re.sub(r"\s+", " ", text).strip()


def clean_line(text: str) -> str:
    """Like :func:`clean` but keeps runs of spaces and tabs (they separate table columns)."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_SPACES).rstrip()


def clean_mpn(text: str) -> str:
    """A part number as written, without stray spaces, dashes or trailing punctuation."""
    value = clean(text).replace(" ", "")
    return value.strip(".,;:()[]{}<>\"'*").rstrip("-")


def looks_like_mpn(token: str, *, strict: bool = True) -> bool:
    """Whether a token can be an orderable part number.

    Needs a letter and a digit (``strict``) or at least a digit, 3 to 40 characters, and must not be
    a package name, a standard, a unit, a date or a revision.
    """
    value = clean_mpn(token)
    if not 3 <= len(value) <= 40 or not re.search(r"\d", value):
        return False
    if strict and (not re.search(r"[A-Za-z]", value) or len(value) < 4):
        return False
    if _PACKAGE.match(value) or _NOT_PARTS.match(value):
        return False
    letters = [c for c in value if c.isalpha()]
    # Part numbers are written in capitals (Murata's "GRM188R71H104KA93D", TI's "LM358DR");
    # lower-case words with digits are prose ("2nd", "x86-based").
    return not letters or sum(c.isupper() for c in letters) >= 0.6 * len(letters)


# Suffix rules per vendor: (canonical manufacturer or "" for any, pattern to strip).
_SUFFIXES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (vendor, re.compile(pattern))
    for vendor, pattern in (
        ("", r"/NOPB$"),
        ("", r"#(?:TR|TRM)?PBF$"),
        ("", r"-REEL7?$|-RL7?$|-R7$"),
        ("", r"[/-]TR$"),
        ("NXP Semiconductors", r",\d{3}$"),
        ("Nexperia", r",\d{3}$"),
        ("Texas Instruments", r"(?:E4|G4|E3)$"),
        ("Texas Instruments", r"(?<=[A-Z])(?:R|T)$"),
        ("Infineon Technologies", r"(?<=[A-Z0-9])[A-Z]{2}[MS]A\d$"),
        ("STMicroelectronics", r"(?<=[A-Z0-9])TR$"),
        ("onsemi", r"(?:R2|T1|T3|T4)?G$"),
        ("Microchip Technology", r"(?<=\d)T(?=-[A-Z0-9]+/)"),
        ("Murata", r"(?<=[0-9A-Z]{12})[A-Z]$"),
        ("Analog Devices", r"\+T$|\+$"),
        ("Maxim Integrated", r"\+T$|\+$"),
    )
)


def base_mpn(mpn: str, manufacturer: str = "") -> str:
    """The base part number: ``mpn`` without the packaging/finish codes its vendor documents."""
    base = mpn
    for vendor, pattern in _SUFFIXES:
        if vendor and vendor != manufacturer:
            continue
        stripped = pattern.sub("", base)
        if len(stripped) >= 3:
            base = stripped
    return base
