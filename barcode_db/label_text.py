"""What a label's text says: the responsible organisation, the origin, the dates, Vietnamese text.

Pure functions over lines of text (as OCR reads them, or typed); no OCR, no registry, no clock.
Interface fixed for barcode_db.label (the OCR reader) and the verdict rules.

Every rule reads a *key* of the line: lower case, diacritics dropped, đ read as d, one character of
key per character of the NFC text, so a match in the key slices the text exactly as printed.
Nothing is guessed: a keyword must be followed by what it announces, or the finding is left out.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import enum
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from barcode_db.textkey import search_key


@dataclass(frozen=True)
class Line:
    """One line of label text; ``confidence`` is OCR's mean word confidence, 0-100."""

    text: str
    confidence: float = 100.0


class PartyRole(enum.StrEnum):
    """What the label says the organisation does."""

    # Sản xuất bởi, Nhà sản xuất, Manufactured by, Sản xuất tại <company>
    MANUFACTURER = "manufacturer"
    IMPORTER = "importer"  # Nhà nhập khẩu, Nhập khẩu và phân phối, Imported by
    DISTRIBUTOR = "distributor"  # Phân phối bởi, Distributed by
    # Chịu trách nhiệm (về chất lượng / hàng hóa), Thương nhân chịu trách nhiệm
    RESPONSIBLE = "responsible"
    COMPANY = "company"  # a line starting "Công ty ..." with no role keyword


@dataclass(frozen=True)
class ResponsibleParty:
    role: PartyRole
    text: str  # the organisation's name as read, keyword and address removed
    line: str  # the whole line it came from


@dataclass(frozen=True)
class Origin:
    text: str  # the place as read: "Việt Nam", "China", "Thái Lan"
    country_code: str | None  # ISO 3166-1 alpha-2, None when the place is not recognised
    line: str
    derived: bool = False  # read from the end of a manufacturer's address, not an origin line


@dataclass(frozen=True)
class LabelDates:
    manufactured: dt.date | None = None
    expires: dt.date | None = None
    manufactured_text: str | None = None
    expires_text: str | None = None
    shelf_life_months: int | None = None  # "sử dụng trong 12 tháng kể từ NSX"
    expires_derived: bool = False  # expires computed from manufactured + shelf life


# --- keys and keywords -----------------------------------------------------------------------


@functools.cache
def _char_key(char: str) -> str:
    if char.isspace():
        return " "
    key = search_key(char)
    return key if len(key) == 1 else char


def _keyed(text: str) -> tuple[str, str]:
    """The NFC text and its key, aligned character for character."""
    nfc_text = unicodedata.normalize("NFC", text)
    return nfc_text, "".join(_char_key(char) for char in nfc_text)


# Characters OCR mistakes for one another; a keyword letter also matches its lookalikes.
_LOOKALIKES = {"o": "o0", "i": "il1|!¡", "l": "li1|", "s": "s5", "b": "b8", "g": "g9"}


def _keyword(words: str) -> str:
    """A keyword as regex: lookalike letters, optional spaces, "va" or "&"; from 13 letters on,
    also one wrong letter anywhere (OCR's "Nhà phân ohối")."""

    def pattern(wrong: int) -> str:
        parts = []
        for index, char in enumerate(words):
            if char == " ":
                parts.append(r"\s*")
            elif index == wrong:
                parts.append(r"[^\W_]")
            else:
                parts.append(f"[{re.escape(_LOOKALIKES.get(char, char))}]")
        return "".join(parts).replace(r"\s*[v][a]\s*", r"\s*(?:va|&)\s*")

    wrongs = [i for i, char in enumerate(words) if char != " "] if len(words) >= 13 else []
    return "(?:" + "|".join([pattern(-1), *(pattern(i) for i in wrongs)]) + ")"


_B, _E = r"(?<!\w)", r"(?!\w)"
_MAKER_OR_PLACE = "place"  # "Sản xuất tại": a maker when an organisation follows, else a place
_PARTY_WORDS = {
    PartyRole.MANUFACTURER: "san xuat va dong goi boi|san xuat va phan phoi boi|don vi san xuat"
    "|co so san xuat|nha san xuat|san xuat boi|manufactured by|manufacturer|produced by",
    _MAKER_OR_PLACE: "san xuat tai",
    PartyRole.IMPORTER: "nhap khau va phan phoi boi|nhap khau va phan phoi|nha nhap khau"
    "|don vi nhap khau|nhap khau boi|imported and distributed by|imported by|importer",
    PartyRole.DISTRIBUTOR: "don vi phan phoi|nha phan phoi|phan phoi boi|distributed by|distributor",
}
_PARTY_KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        PartyRole.RESPONSIBLE,
        r"(?:(?:thuong\s*nhan|to\s*chuc|don\s*vi|cong\s*ty)\s*)?"
        + _keyword("chiu trach nhiem")
        + r"(?:\s*ve)?(?:\s*chat\s*luong)?(?:\s*(?:va|&)?\s*(?:hang\s*hoa|san\s*pham))?",
    ),
    *sorted(
        (
            (role, _keyword(words))
            for role, alts in _PARTY_WORDS.items()
            for words in alts.split("|")
        ),
        key=lambda pair: -len(pair[1]),  # the longest keyword first where two start together
    ),
)
# "Nhà sản xuất và phân phối", "Nhập khẩu & phân phối bởi": one role, the first named.
_AND = (
    r"(?:\s*(?:va|&|and)\s*(?:phan\s*phoi|dong\s*goi|nhap\s*khau|xuat\s*khau|distributed"
    r"|packed))?(?:\s*(?:boi|by))?"
)
_PARTY_RE = re.compile(
    "|".join(f"{_B}(?P<p{i}>{rx}{_AND}){_E}" for i, (_role, rx) in enumerate(_PARTY_KEYWORDS))
)
_PLACE_GROUP = f"p{[role for role, _rx in _PARTY_KEYWORDS].index(_MAKER_OR_PLACE)}"
_ORIGIN_RE = re.compile(
    _B + r"(?:xuat\s*[xs]u(?:\s*hang\s*hoa)?|nguon\s*goc(?:\s*xuat\s*xu)?(?:\s*hang\s*hoa)?"
    r"|nuoc\s*san\s*xuat|country\s*of\s*[o0]rigin|[o0]rigin|made\s*[i¡l1|]{1,2}n|produc[te]\s*[o0]f"
    r"|produit\s*(?:de|d')|hecho\s*en|fabricado\s*en|fabrique\s*en|hergestellt\s*in"
    r"|prodotto\s*in)" + _E + r"|原产地|原産国|产地|원산지"
)
_MFG_KEYWORD = (
    r"ngay\s*s(?:an)?\s*x(?:uat)?|n[\s.]{0,2}[s5][\s.]{0,2}[xk]\.?|mf[gd]\.?(?:\s*date)?"
    r"|prod(?:uction)?\.?(?:\s*date)?|manufactur(?:ing|ed)\s*date|date\s*of\s*manufacture"
)
_EXP_KEYWORD = (
    r"h[\s.]{0,2}[s5][\s.]{0,2}[do0]\.?|(?:thoi\s*)?han\s*(?:su\s*dung|sd|dung)"
    r"|exp(?:iry|iration)?\.?(?:\s*date)?|best\s*before(?:\s*end)?|best\s*by|bbe?|use\s*by"
    r"|su\s*dung\s*(?:tot\s*nhat\s*)?truoc(?:\s*ngay)?"
)
# A date keyword may run into its date ("NSX29.04.26", "HSD060427"), never into a word.
_DATE_RE = re.compile(f"{_B}(?:(?P<mfg>{_MFG_KEYWORD})|(?P<exp>{_EXP_KEYWORD}))(?![^\\W\\d_])")
_ANY_KEYWORD = (_PARTY_RE, _ORIGIN_RE, _DATE_RE)


_FIELD_AFTER = re.compile(r"\s*[:：0-9]")


@functools.lru_cache(maxsize=256)
def _field_starts(key: str) -> tuple[int, ...]:
    """Where labelled fields begin on a line: a keyword long enough to be unambiguous, or one
    followed by ':' or a digit ("BB: 12/2027", but not "BB cream")."""
    return tuple(
        sorted(
            m.start()
            for rx in _ANY_KEYWORD
            for m in rx.finditer(key)
            if len(m.group()) >= 7 or _FIELD_AFTER.match(key, m.end())
        )
    )


def _next_field(key: str, start: int) -> int:
    """Where the next labelled field at or after ``start`` begins (the line's end when none)."""
    starts = _field_starts(key)
    index = bisect.bisect_left(starts, start)
    return starts[index] if index < len(starts) else len(key)


_LEAD = re.compile(r"(?:[\s:：.,=\-–—>]|\([^()\d]{0,24}\))*")
_TRAIL = re.compile(r"[\s:：.,;=\-–—/]+$")
_PLACE_TRAIL = re.compile(r"(?:[\s:：,;=\-–—/]|(?<!\.\w)\.)+$")  # keeps the last dot of "P.R.C."


def _skip(pattern: re.Pattern[str], key: str, position: int) -> int:
    """Where ``pattern`` (which may match nothing) stops matching from ``position``."""
    match = pattern.match(key, position)
    return match.end() if match else position


def _value(
    lines: Sequence[Line], index: int, text: str, key: str, end: int
) -> tuple[int, str, str, int, bool]:
    """Where a keyword's value starts (line, text, key, position), and whether a colon announced
    it; after a bare keyword ("Nhà sản xuất:" alone on its line) the value is the next line."""
    start = _skip(_LEAD, key, end)
    colon = ":" in key[end:start] or "：" in key[end:start]
    if start >= len(key) and index + 1 < len(lines):
        text, key = _keyed(lines[index + 1].text)
        return index + 1, text, key, _skip(_LEAD, key, 0), True
    return index, text, key, start, colon


# --- parties ---------------------------------------------------------------------------------

_NAME_END = re.compile(
    r"\s*[-–—]\s+|\s+[-–—]\s*|[;|]|\.\s+(?=\d)"
    r"|,(?!\s*(?:ltd|limited|inc|co\b|corp|jsc|llc|plc|pte|pty|gmbh|sdn|bhd|s\.?a\b|ag\b|kg\b))"
    r"|\b(?:dia\s*chi|address|tru\s*so|van\s*phong|dien\s*thoai|hotline|website|e-?mail)\b"
    r"|\b(?:ma\s*so\s*thue|dc|d/c|add|adr|tel|dt|fax|mst|vp)\s*[:.]"
)
_ORGANISATION = re.compile(
    r"(?:tong\s*)?c[o0]ng\s*ty|cty|c\.ty|nha\s*may|co\s*so|chi\s*nhanh|htx|hop\s*tac\s*xa|tap\s*doan"
    r"|xi\s*nghiep|doanh\s*nghiep|dntn|ho\s*kinh\s*doanh|.*\b(?:co\.?,?\s*ltd|ltd|jsc|corp"
    r"|corporation|inc|company|gmbh|llc|pte|sdn\s*bhd|factory)\b"
)
_COMPANY_LINE = re.compile(r"[\W_]*(?:c[o0]ng\s*ty|cty|c\.ty)\s+")
# After "Công ty": a legal form or a capital, so "Công ty cam kết …" is a sentence, not a name.
_LEGAL_FORM = re.compile(r"(?:tnhh|co\s*phan|cp|mtv|lien\s*doanh|trach\s*nhiem|hop\s*danh)\b")
_NOT_A_NAME = re.compile(r"(?:xem|see|vui\s*long|in\s*tren)\b")
_PRIORITY: list[str] = ["manufacturer", "responsible", "importer", "distributor", "company"]


@dataclass(frozen=True)
class _Found:
    role: PartyRole
    text: str
    line: str
    index: int  # line number, then position, for label order
    position: int
    rest: str  # what follows the name up to the next field (the address)


def _name_at(text: str, key: str, start: int) -> tuple[str, str] | None:
    """The organisation name starting at ``start`` and the address after it, or None."""
    stop = _next_field(key, start)
    end = _NAME_END.search(key, start, stop)
    name_end = end.start() if end else stop
    name = _TRAIL.sub("", text[start:name_end]).strip()
    name_key = search_key(name)
    if sum(char.isalpha() for char in name) < 2 or _NOT_A_NAME.match(name_key):
        return None
    if _place_key(name) in _countries():  # "… của nhà sản xuất Việt Nam" names a country
        return None
    return name, text[name_end:stop]


def _scan_parties(lines: Sequence[Line]) -> list[_Found]:
    found: list[_Found] = []
    used: set[int] = set()  # lines read as the name after a bare keyword line
    for index, line in enumerate(lines):
        if index in used:
            continue
        text, key = _keyed(line.text)
        matched = False
        for match in _PARTY_RE.finditer(key):
            group = match.lastgroup or ""
            role = _PARTY_KEYWORDS[int(group[1:])][0]
            name_index, name_text, name_key, start, colon = _value(
                lines, index, text, key, match.end()
            )
            named = _name_at(name_text, name_key, start)
            if named is None:
                continue
            organisation = _ORGANISATION.match(search_key(named[0])) is not None
            if role == _MAKER_OR_PLACE and not organisation:
                continue  # "Sản xuất tại Việt Nam": an origin, read by find_origin
            if not (colon or organisation or named[0][:1].isupper()):
                continue  # "được sản xuất bởi dây chuyền hiện đại" names nobody
            matched = True
            used.add(name_index)
            role = PartyRole.MANUFACTURER if role == _MAKER_OR_PLACE else PartyRole(role)
            found.append(_Found(role, named[0], name_text, index, match.start(), named[1]))
        company = None if matched else _COMPANY_LINE.match(key)
        if company and (
            _LEGAL_FORM.match(key, company.end()) or text[company.end() :][:1].isupper()
        ):
            named = _name_at(text, key, _skip(_LEAD, key, 0))
            if named is not None:
                found.append(_Found(PartyRole.COMPANY, named[0], text, index, 0, named[1]))
    found.sort(key=lambda f: (_PRIORITY.index(f.role), f.index, f.position))
    return found


def find_parties(lines: Sequence[Line]) -> tuple[ResponsibleParty, ...]:
    """The organisations the label names, by role priority then label order."""
    seen: set[tuple[PartyRole, str]] = set()
    parties = []
    for found in _scan_parties(lines):  # company lines come last, after every role
        name = search_key(found.text)
        if (found.role, name) in seen or (
            found.role is PartyRole.COMPANY and any(n == name for _r, n in seen)
        ):
            continue  # a company line repeating a name the label gave a role adds nothing
        seen.add((found.role, name))
        parties.append(ResponsibleParty(found.role, found.text, found.line))
    return tuple(parties)


# --- origin ----------------------------------------------------------------------------------

_LOCALES = ("vi", "en", "fr", "es", "de", "it", "pt", "zh", "ja", "ko", "th")
#: Two-letter codes CLDR lists that name no country: groupings (EU, the euro area, the UN,
#: outlying Oceania), test codes (pseudo-locales) and "unknown region".
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
_ALIASES = {
    "VN": "vn|viet nam|vietnam|cong hoa xa hoi chu nghia viet nam",
    "CN": "prc|china|trung hoa|people's republic of china|中国大陆",
    "US": "usa|us|my|america|united states of america|hoa ky",
    "GB": "uk|anh|anh quoc|great britain|england|britain",
    "KR": "korea|republic of korea|han quoc|dai han dan quoc|nam han",
    "JP": "nhat|nhat ban",
    "TW": "dai loan|taiwan roc",
    "HK": "hong kong|hongkong|hong kong china",
    "MO": "macao|macau",
    "IT": "y|italia",
    "AU": "uc",
    "NZ": "tan tay lan",
    "NL": "holland|ha lan",
    "CZ": "czech republic|cong hoa sec",
    "RU": "russian federation|lien bang nga",
}
_SAFE_SHORT = {"vn", "usa", "uk", "prc", "us"}  # short keys trusted at the end of an address


def _place_key(text: str) -> str:
    key = search_key(text).replace(".", "").replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^\w]|_", " ", key).split())


@functools.cache
def _countries() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, names in _ALIASES.items():
        for name in names.split("|"):
            table.setdefault(_place_key(name), code)
    for locale in _LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES:
                table.setdefault(_place_key(name), code)
    return table


def _country(place: str, *, fuzzy: bool) -> str | None:
    """ISO code of a place read whole; OCR slips (one letter) only on long, unambiguous names."""
    key = _place_key(place)
    if not key:
        return None
    table = _countries()
    if key in table:
        return table[key]
    if not fuzzy or len(key) < 6:
        return None
    close = extract(key, table.keys(), scorer=Levenshtein.distance, score_cutoff=1, limit=2)
    codes = {table[name] for name, _score, _index in close if len(name) >= 6}
    return codes.pop() if len(codes) == 1 else None


def country_code(place: str) -> str | None:
    """ISO 3166-1 alpha-2 of a country named as the shopper types it ("Thái Lan", "Japan")."""
    return _country(place, fuzzy=True)


_PLACE_BREAK = re.compile(r"[,;/|()\[\]]|\s[-–—]\s|\.\s")
_WORD = re.compile(r"\S+")


def _read_place(text: str, key: str, start: int) -> tuple[str, str | None] | None:
    """The place from ``start`` to the next field, and its country code when recognised."""
    stop = _next_field(key, start)
    place = _TRAIL.sub("", text[start:stop]).strip()
    if not any(char.isalpha() for char in place) or _NOT_A_NAME.match(_place_key(place)):
        return None  # "Xuất xứ: xem trên bao bì" names no place
    breaks = _PLACE_BREAK.search(key, start, stop)
    first = _PLACE_TRAIL.sub("", text[start : breaks.start() if breaks else stop]).strip()
    code = _country(first, fuzzy=True)
    if code:
        return first, code
    words = list(_WORD.finditer(key, start, breaks.start() if breaks else stop))
    for count in range(min(5, len(words) - 1), 0, -1):  # "China 中国制造", "Việt Nam/Vietnam"
        prefix = _TRAIL.sub("", text[start : words[count - 1].end()])
        if len(_place_key(prefix)) >= 5 and (code := _country(prefix, fuzzy=False)):
            return prefix, code
    last = place.rsplit(",", 1)[-1]
    code = _country(last, fuzzy=False) if last != place else None
    return (place, code) if code or sum(char.isalpha() for char in place) >= 2 else None


def _address_country(rest: str) -> tuple[str, str] | None:
    """The country that ends a manufacturer's address: "…, Bình Dương, Việt Nam"."""
    segments = [s for s in re.split(r"[,;|]|\s[-–—]\s", _TRAIL.sub("", rest)) if s.strip()]
    if not segments:
        return None
    last = segments[-1].strip()
    key = _place_key(last)
    code = _country(last, fuzzy=False)
    return (last, code) if code and (len(key) >= 4 or key in _SAFE_SHORT) else None


def find_origin(lines: Sequence[Line]) -> Origin | None:
    """Where the label says the product comes from; an origin line beats a maker's address."""
    unrecognised: Origin | None = None
    for index, line in enumerate(lines):
        text, key = _keyed(line.text)
        keywords = [(m, False) for m in _ORIGIN_RE.finditer(key)]
        keywords += [(m, True) for m in _PARTY_RE.finditer(key) if m.lastgroup == _PLACE_GROUP]
        for match, maker_or_place in sorted(keywords, key=lambda pair: pair[0].start()):
            _at, place_text, place_key, start, colon = _value(lines, index, text, key, match.end())
            read = _read_place(place_text, place_key, start)
            if read is None:
                continue
            if maker_or_place and _ORGANISATION.match(_place_key(read[0])):
                continue  # "Sản xuất tại: Công ty …" names the maker
            if read[1]:
                return Origin(read[0], read[1], place_text)
            if colon and unrecognised is None:  # "Made in a facility …" is not a place
                unrecognised = Origin(read[0], None, place_text)
    for found in _scan_parties(lines):
        if found.role is PartyRole.MANUFACTURER and (place := _address_country(found.rest)):
            return Origin(place[0], place[1], found.line, derived=True)
    return unrecognised


# --- dates -----------------------------------------------------------------------------------

_D = "[0-9oils|]"  # a digit, or a letter OCR reads for one (O→0, l/I/|→1, S→5)
_MONTH_NAMES = (
    "jan january janv|feb february fev fevr|mar march mars|apr april avr|may mai|jun june juin"
    "|jul july juil|aug august aout|sep sept september|oct october|nov november|dec december"
)
_MONTHS = {
    name: number
    for number, names in enumerate(_MONTH_NAMES.split("|"), 1)
    for name in names.split()
}
_MON = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
# OCR reads a printed dot as a comma as often as not ("22,10,2027").
_SEP, _Y, _END = r"\s?[/.\-,]\s?", f"(?P<y>{_D}{{4}}|{_D}{{2}})", "(?![0-9])"
_TH = r"th(?:ang)?\.?\s*"
_DATE_FORMS = tuple(
    re.compile(form)
    for form in (
        f"(?P<y>{_D}{{4}}){_SEP}(?P<m>{_D}{{1,2}}){_SEP}(?P<d>{_D}{{1,2}}){_END}",
        f"(?P<d>{_D}{{1,2}}){_SEP}(?P<m>{_D}{{1,2}}){_SEP}{_Y}{_END}",
        rf"(?P<d>{_D}{{1,2}})\s*[/.\-]?\s*{_MON}\s*[/.\-,]?\s*{_Y}{_END}",
        rf"{_MON}\s*(?P<d>{_D}{{1,2}}),?\s+(?P<y>{_D}{{4}}){_END}",
        rf"(?P<d>{_D}{{1,2}})\s*(?:[/.\-]\s*)?{_TH}(?P<m>{_D}{{1,2}})\s*[/.\-,]?\s*(?:nam\s*)?(?P<y>{_D}{{4}}){_END}",
        f"(?P<m>{_D}{{1,2}}){_SEP}(?P<y>{_D}{{4}}){_END}",
        f"(?P<y>{_D}{{4}}){_SEP}(?P<m>{_D}{{1,2}}){_END}",  # EXP 2026-12
        rf"{_MON}\s*[/.\-]?\s*(?P<y>{_D}{{4}}){_END}",
        rf"{_TH}(?P<m>{_D}{{1,2}})\s*[/.\-,]?\s*(?:nam\s*)?(?P<y>{_D}{{4}}){_END}",
    )
)
_COMPACT_FORMS = (  # ddmmyy or ddmmyyyy right after the keyword; then 20260312
    re.compile(f"(?P<d>{_D}{{2}})(?P<m>{_D}{{2}})(?P<y>{_D}{{4}}|{_D}{{2}})(?![0-9a-z])"),
    re.compile(f"(?P<y>{_D}{{4}})(?P<m>{_D}{{2}})(?P<d>{_D}{{2}})(?![0-9a-z])"),
)
_DIGITS = str.maketrans("oils|", "01151")
_FILLER = re.compile(r"(?:[\s:：.;=\-–—/]|\([^\d()]{0,16}\)|\b(?:ngay|date|end)\b)*")
_COMBINED = re.compile(rf"\s*[/\-&,]\s*(?:{_EXP_KEYWORD}){_E}")
_FROM_MFG = (
    r"(?:\s*(?:ke\s*tu|tu|from|after)\s*(?:the\s*)?(?:ngay\s*san\s*xuat|ngay\s*sx|nsx|n\.s\.x"
    r"|date\s*of\s*(?:manufacture|production)|production(?:\s*date)?|manufactur\w*(?:\s*date)?"
    r"|mf[gd]|prod)\.?)"
)
_SHELF_LIFE = re.compile(
    rf"(?:{_B}(?:(?:su\s*)?dung\s*(?:tot\s*nhat\s*)?trong(?:\s*vong)?|shelf\s*life|use\s*within"
    rf"|best\s*within|{_EXP_KEYWORD})\s*[:.\-]?\s*(?:la\s*)?)?"
    r"(?<![\d/.\-])(?P<n>\d{1,3})\s*(?P<unit>thang|months?|mths?|nam|years?|yrs?)(?![a-z])"
    rf"(?!\s*\d)(?P<from>{_FROM_MFG})?(?!\s*(?:sau\s*khi\s*mo|after\s*open|once\s*open))"
)


def _date_from(match: re.Match[str], *, expiry: bool) -> dt.date | None:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if any(not re.search(r"\d", groups[k]) for k in "dmy" if k in groups):
        return None  # every number must hold a real digit: "lO" is no day
    if sum(not char.isdigit() for k in "dmy" if k in groups for char in groups[k]) > 2:
        return None
    number = {k: int(groups[k].translate(_DIGITS)) for k in "dmy" if k in groups}
    year = number["y"] + (2000 if len(groups["y"]) == 2 else 0)
    month = _MONTHS[groups["mon"]] if "mon" in groups else number["m"]
    if not 2000 <= year <= 2099 or not 1 <= month <= (12 if "d" not in number else 31):
        return None
    if "d" not in number:  # a month: expiry at its end, manufacture at its start
        return dt.date(year, month, calendar.monthrange(year, month)[1] if expiry else 1)
    orders = [(number["d"], month)]
    if "m" in groups and match.start("d") < match.start("y"):  # dd/mm first, mm/dd if impossible
        orders.append((month, number["d"]))
    for day, month_number in orders:
        try:
            return dt.date(year, month_number, day)
        except ValueError:
            continue
    return None


def _read_date(
    text: str, key: str, start: int, *, expiry: bool, compact: bool
) -> tuple[dt.date, str, int] | None:
    """A date printed at ``start`` (after filler), its text as read, and where it ends."""
    start = _skip(_FILLER, key, start)
    for form in _DATE_FORMS + (_COMPACT_FORMS if compact else ()):
        if (match := form.match(key, start)) and (found := _date_from(match, expiry=expiry)):
            return found, text[match.start() : match.end()], match.end()
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mentions_date(line: Line) -> bool:
    """Whether the line has a date keyword (NSX, HSD, EXP …), whatever follows it."""
    return _DATE_RE.search(_keyed(line.text)[1]) is not None


def find_dates(lines: Sequence[Line]) -> LabelDates:
    """Manufacturing and expiry dates, and shelf life; a date not clearly printed is None."""
    found: dict[str, tuple[dt.date, str]] = {}
    shelf_life: int | None = None
    keyed = [_keyed(line.text) for line in lines]
    for index, (text, key) in enumerate(keyed):
        for match in _SHELF_LIFE.finditer(key):
            factor = 1 if match["unit"].startswith(("t", "m")) else 12
            months = int(match["n"]) * factor
            has_context = match.start() != match.start("n") or match["from"]
            if has_context and 1 <= months <= 120:
                shelf_life = shelf_life or months
                key = (
                    key[: match.start()] + " " * (match.end() - match.start()) + key[match.end() :]
                )
        taken = 0  # "NSX/HSD: d1 - d2" reads both dates; its HSD is not read again
        for match in _DATE_RE.finditer(key):
            kind = "mfg" if match["mfg"] else "exp"
            if match.start() < taken:
                continue
            if combined := _COMBINED.match(key, match.end()) if kind == "mfg" else None:
                taken = combined.end()
                first = _read_date(text, key, combined.end(), expiry=False, compact=True)
                second = first and _read_date(text, key, first[2], expiry=True, compact=True)
                if first and second:  # one date for two keywords says neither
                    found.setdefault("mfg", first[:2])
                    found.setdefault("exp", second[:2])
                continue
            if kind in found:
                continue
            read = _read_date(text, key, match.end(), expiry=kind == "exp", compact=True)
            rest = _skip(_FILLER, key, match.end())
            if read is None and rest >= len(key) and index + 1 < len(keyed):
                next_text, next_key = keyed[index + 1]
                read = _read_date(next_text, next_key, 0, expiry=kind == "exp", compact=False)
            if read:
                found[kind] = read[:2]
    manufactured, manufactured_text = found.get("mfg", (None, None))
    expires, expires_text = found.get("exp", (None, None))
    derived = expires is None and manufactured is not None and shelf_life is not None
    if manufactured is not None and shelf_life is not None and expires is None:
        expires = _add_months(manufactured, shelf_life)
    return LabelDates(
        manufactured=manufactured,
        expires=expires,
        manufactured_text=manufactured_text,
        expires_text=expires_text,
        shelf_life_months=shelf_life,
        expires_derived=derived,
    )


# --- Vietnamese text -------------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền sắc ngã hỏi nặng
# Letters French, Spanish, Portuguese and Italian share with Vietnamese prove nothing.
_SHARED = set("àáãèéìíòóõùúýÀÁÃÈÉÌÍÒÓÕÙÚÝ")
_VIETNAMESE_LETTERS = frozenset(
    letter
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", *_TONES)
    if (letter := unicodedata.normalize("NFC", base + tone)) not in _SHARED and len(letter) == 1
) - set("aeiouyAEIOUY") | {"đ", "Đ"}
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_UNMARKED_PHRASES = (
    "thanh phan|huong dan su dung|huong dan bao quan|san xuat|su dung|han su dung|bao quan"
    "|khoi luong tinh|khoi luong|the tich|xuat xu|nha nhap khau|nhap khau|ngay san xuat|dinh duong"
    "|noi kho rao|tranh anh nang|chiu trach nhiem|phan phoi|cong ty|thong tin"
)
_UNMARKED_WORDS = re.compile(
    f"{_B}(?:{'|'.join(sorted(_UNMARKED_PHRASES.split('|'), key=len, reverse=True))}){_E}".replace(
        " ", r"\s+"
    )
)


def _is_vietnamese_word(word: str) -> bool:
    """A syllable spelled as Vietnamese is: a Vietnamese-only letter, at most one tone mark."""
    letters = word.strip("\"'.,:;!?()[]{}-–—/%*")
    if not any(char in _VIETNAMESE_LETTERS for char in letters):
        return False
    tones = sum(char in _TONES for char in unicodedata.normalize("NFD", letters))
    return tones <= 1 and _SYLLABLE.fullmatch(search_key(letters)) is not None


def has_vietnamese_text(lines: Sequence[Line]) -> bool:
    """Whether the label carries Vietnamese: two Vietnamese words, or two label phrases unmarked."""
    text = unicodedata.normalize("NFC", "\n".join(line.text for line in lines))
    if sum(_is_vietnamese_word(word) for word in text.split()) >= 2:
        return True
    phrases = {" ".join(m.group().split()) for m in _UNMARKED_WORDS.finditer(search_key(text))}
    return len(phrases) >= 2
