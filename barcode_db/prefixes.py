"""GS1 prefix table: which GS1 organisation licensed a GTIN, from ``data/gs1_prefixes.csv``.

A GS1 prefix names the organisation that *licensed* the number (GS1 Vietnam for 893), not the
country where the product was made. See ``data/PROVENANCE.md``.

Lookup rules (from ``shared/data/README.md``, which describes the CSV):

* the table has two length classes: 8-digit codes (GTIN-8) and 13-digit codes (GTIN-12/13/14);
* a UPC-A (12 digits) is padded to 13 digits with a leading 0; a GTIN-14 loses its indicator digit;
* rows are filtered by ``applies_to`` and the longest matching prefix wins;
* a 13-digit code starting ``00000`` is a GTIN-8 in 13-digit form; by default it is looked up on
  its 8-digit body, as the note of the ``0000000`` row asks (``unwrap_gtin8=False`` matches the
  literal ``0000000``/``0000001-0000099`` rows instead).
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import functools
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources

from babel import Locale
from babel.lists import format_list

from barcode_db.messages import N_, Localized, Message

__all__ = [
    "PRODUCT_ID_KINDS",
    "TABLE_DATA_DATE",
    "PrefixInfo",
    "PrefixKind",
    "PrefixTable",
    "country_name",
    "default_table",
]

#: Languages in which country names are provided (CLDR territory names).
COUNTRY_NAME_LANGS: tuple[str, ...] = ("vi", "en")

#: The date of the GS1 prefix table's data (``data/PROVENANCE.md``: GS1's table as bundled in
#: biip, data of 2025-03-23). A verdict's "licensed by" fact gives it as the date its source
#: was last checked; update it with the table.
TABLE_DATA_DATE = dt.date(2025, 3, 23)

_GTIN8 = 8
_GTIN13 = 13
_PADDED_GTIN8_LEAD = "00000"

#: ``applies_to`` value -> the length classes (8 and/or 13 digits) a row is matched against.
_APPLIES_TO: Mapping[str, frozenset[int]] = {
    "GTIN-8/12/13": frozenset({_GTIN8, _GTIN13}),
    "GTIN-12/13": frozenset({_GTIN13}),
    "GTIN-8": frozenset({_GTIN8}),
    "GTIN-13 (padded GTIN-8)": frozenset({_GTIN13}),
}


class PrefixKind(enum.StrEnum):
    """What a GS1 prefix range is used for (the ``kind`` column of the CSV)."""

    COUNTRY = "country"
    RESTRICTED = "restricted"
    RESERVED = "reserved"
    UNASSIGNED = "unassigned"
    GLOBAL_OFFICE = "global-office"
    EPC_GID = "epc-gid"
    DEMO = "demo"
    GTIN8 = "gtin8"
    ISSN = "issn"
    ISBN = "isbn"
    REFUND = "refund"
    COUPON = "coupon"


#: Kinds whose numbers are product numbers licensed to a company: by a national GS1 organisation,
#: by GS1 Global Office, or in the GTIN-8-only 960-969 ranges (GS1 UK, GS1 Poland, Global Office).
#: Not product ids: restricted (in-store/internal), reserved, unassigned, demo, coupon, refund and
#: EPC-only numbers, nor ISBN/ISSN, which number publications through the ISBN/ISSN agencies
#: rather than a GS1 company licence.
PRODUCT_ID_KINDS: frozenset[PrefixKind] = frozenset(
    {PrefixKind.COUNTRY, PrefixKind.GLOBAL_OFFICE, PrefixKind.GTIN8}
)

#: What a range that names no country is, in words a reader reads (msgids). The CSV's ``name``
#: and ``note`` are GS1's English and never shown as they are.
_KIND_WORDS: Mapping[PrefixKind, str] = {
    PrefixKind.RESTRICTED: N_(
        "Numbers for use inside a shop or a company (restricted circulation), not product numbers"
    ),
    PrefixKind.RESERVED: N_("Numbers that no GS1 organisation issues"),
    PrefixKind.UNASSIGNED: N_("Numbers that no GS1 organisation issues"),
    PrefixKind.GLOBAL_OFFICE: N_("GS1 Global Office, the head office of GS1 (no country)"),
    PrefixKind.EPC_GID: N_("GS1 numbers for electronic tags (EPC), not product numbers"),
    PrefixKind.DEMO: N_("Numbers for demonstrations, not on real products"),
    PrefixKind.GTIN8: N_(
        "Short product numbers (GTIN-8) shared out by GS1 Global Office (no country)"
    ),
    PrefixKind.ISSN: N_("Periodical numbers (ISSN), not product numbers"),
    PrefixKind.ISBN: N_("Book numbers (ISBN), not product numbers"),
    PrefixKind.REFUND: N_("Refund receipt numbers, not product numbers"),
    PrefixKind.COUPON: N_("Coupon numbers, not product numbers"),
}


@dataclass(frozen=True)
class PrefixInfo:
    """One row of the GS1 prefix table: a prefix range and the organisation behind it."""

    prefix: str  # the range as written: "893", or "300-379"
    start: str
    end: str
    # The CSV ``name``, e.g. "GS1 Vietnam": GS1's English, for the API and staff; readers are
    # shown ``description``.
    organisation: str
    kind: PrefixKind
    country_code: str | None  # ISO 3166 alpha-2 of the MO's country when kind is country
    # CLDR names of every territory the MO serves, joined ("Bỉ và Luxembourg"), in
    # COUNTRY_NAME_LANGS; derived from ``country_codes``, so not hashed.
    country_name: Localized | None = field(hash=False)
    note: str
    # Every territory the MO serves, e.g. ("BE", "LU"); country_code is the first one.
    country_codes: tuple[str, ...] = ()

    @property
    def is_product_id(self) -> bool:
        """True when numbers under this prefix are company-licensed product numbers."""
        return self.kind in PRODUCT_ID_KINDS

    @property
    def is_vietnam(self) -> bool:
        """True when the licensing organisation is GS1 Vietnam."""
        return self.country_code == "VN"

    @property
    def names_a_country(self) -> bool:
        """True when numbers in this range were licensed by the GS1 organisation of a country.

        GS1 Global Office numbers (950) and the GTIN-8 ranges it shares out (960-969) are
        product numbers too, but say nothing of a country."""
        return self.country_name is not None

    @property
    def description(self) -> Message:
        """The range in the reader's words: "GS1 Việt Nam", "Book numbers (ISBN), …"."""
        if self.country_name is not None:
            return Message("prefix_country", N_("GS1 %(country)s"), {"country": self.country_name})
        return Message(f"prefix_{self.kind.value}", _KIND_WORDS[self.kind])


@functools.cache
def _country_name(codes: tuple[str, ...]) -> Localized:
    values = {}
    for lang in COUNTRY_NAME_LANGS:
        territories = Locale.parse(lang).territories
        names = []
        for code in codes:
            name = territories.get(code)
            if not name:
                raise ValueError(f"CLDR has no {lang!r} name for territory {code!r}")
            names.append(name)
        values[lang] = format_list(names, locale=lang)
    return Localized(values)


def country_name(code: str) -> Localized | None:
    """A country's CLDR name in :data:`COUNTRY_NAME_LANGS` from its ISO 3166 alpha-2 code, or
    None for a code CLDR does not name."""
    try:
        return _country_name((code.upper(),))
    except ValueError:
        return None


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _row_to_info(row: Mapping[str, str], line: int) -> tuple[PrefixInfo, frozenset[int]]:
    start, end = row["start"].strip(), row["end"].strip()
    where = f"gs1 prefix row {line} ({start}-{end})"
    if not (_is_digits(start) and _is_digits(end)) or len(start) != len(end):
        raise ValueError(f"{where}: start and end must be digit strings of equal length")
    if not 2 <= len(start) <= 7 or start > end:
        raise ValueError(f"{where}: need 2-7 digits and start <= end")
    try:
        kind = PrefixKind(row["kind"].strip())
        classes = _APPLIES_TO[row["applies_to"].strip()]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{where}: unknown kind or applies_to") from exc
    codes = tuple(code.strip() for code in (row.get("iso2") or "").split(";") if code.strip())
    if (kind is PrefixKind.COUNTRY) != bool(codes):
        raise ValueError(f"{where}: iso2 is required for kind=country and only for it")
    info = PrefixInfo(
        prefix=start if start == end else f"{start}-{end}",
        start=start,
        end=end,
        organisation=row["name"].strip(),
        kind=kind,
        country_code=codes[0] if codes else None,
        country_name=_country_name(codes) if codes else None,
        note=(row.get("note") or "").strip(),
        country_codes=codes,
    )
    return info, classes


class PrefixTable:
    """The GS1 prefix ranges, indexed for longest-prefix lookup of 8- and 13-digit codes."""

    def __init__(self, rows: Iterable[tuple[PrefixInfo, Iterable[int]]]) -> None:
        """Index (info, length classes) pairs; raises ValueError if same-length ranges overlap."""
        self._infos: list[PrefixInfo] = []
        # length class -> prefix length -> prefix -> info
        index: dict[int, dict[int, dict[str, PrefixInfo]]] = {_GTIN8: {}, _GTIN13: {}}
        for info, classes in rows:
            self._infos.append(info)
            width = len(info.start)
            for length_class in classes:
                by_prefix = index[length_class].setdefault(width, {})
                for number in range(int(info.start), int(info.end) + 1):
                    prefix = str(number).zfill(width)
                    other = by_prefix.setdefault(prefix, info)
                    if other is not info:
                        raise ValueError(
                            f"GS1 prefix {prefix} ({length_class}-digit codes) is in both "
                            f"{other.prefix} {other.organisation!r} and "
                            f"{info.prefix} {info.organisation!r}"
                        )
        # Longest prefixes first.
        self._index: dict[int, tuple[tuple[int, dict[str, PrefixInfo]], ...]] = {
            length_class: tuple(sorted(by_width.items(), reverse=True))
            for length_class, by_width in index.items()
        }

    @classmethod
    def from_csv_rows(cls, rows: Iterable[Mapping[str, str]]) -> PrefixTable:
        """Build a table from CSV dict rows (columns start,end,name,kind,iso2,applies_to,note)."""
        return cls(_row_to_info(row, line) for line, row in enumerate(rows, start=2))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> PrefixTable:
        """Load the table from ``path``, by default the packaged ``data/gs1_prefixes.csv``."""
        if path is None:
            text = (
                resources.files("barcode_db")
                .joinpath("data")
                .joinpath("gs1_prefixes.csv")
                .read_text(encoding="utf-8")
            )
        else:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        return cls.from_csv_rows(csv.DictReader(io.StringIO(text, newline="")))

    def __len__(self) -> int:
        return len(self._infos)

    def __iter__(self) -> Iterator[PrefixInfo]:
        return iter(self._infos)

    def lookup(self, gtin: str, *, unwrap_gtin8: bool = True) -> PrefixInfo | None:
        """The prefix row for an 8-, 12-, 13- or 14-digit GTIN, or None if no range covers it."""
        if not _is_digits(gtin):
            raise ValueError(f"a GTIN is made of digits only, got {gtin!r}")
        size = len(gtin)
        if size == _GTIN8:
            length_class, digits = _GTIN8, gtin
        elif size == 12:  # UPC-A
            length_class, digits = _GTIN13, "0" + gtin
        elif size == _GTIN13:
            length_class, digits = _GTIN13, gtin
        elif size == 14:  # drop the indicator digit
            length_class, digits = _GTIN13, gtin[1:]
        else:
            raise ValueError(f"a GTIN has 8, 12, 13 or 14 digits, got {size}")
        if unwrap_gtin8 and length_class == _GTIN13 and digits.startswith(_PADDED_GTIN8_LEAD):
            length_class, digits = _GTIN8, digits[len(_PADDED_GTIN8_LEAD) :]
        for width, by_prefix in self._index[length_class]:
            info = by_prefix.get(digits[:width])
            if info is not None:
                return info
        return None


@functools.cache
def default_table() -> PrefixTable:
    """The packaged GS1 prefix table, loaded once."""
    return PrefixTable.load()
