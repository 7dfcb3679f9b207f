"""GS1 prefix lookup against the packaged gs1_prefixes.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.messages import Localized, Message
from barcode_db.prefixes import (
    PRODUCT_ID_KINDS,
    PrefixInfo,
    PrefixKind,
    PrefixTable,
    default_table,
)

K = PrefixKind
DIGITS = "0123456789"
CSV_PATH = Path(__file__).resolve().parents[2] / "barcode_db" / "data" / "gs1_prefixes.csv"
with CSV_PATH.open(encoding="utf-8", newline="") as _handle:
    CSV_ROWS = list(csv.DictReader(_handle))


@pytest.fixture(scope="module")
def table() -> PrefixTable:
    return default_table()


# (gtin, matched prefix, organisation, kind, country code)
LOOKUPS = [
    # GS1 Vietnam, 13 digits.
    ("8934673000017", "893", "GS1 Vietnam", K.COUNTRY, "VN"),
    # UPC-A is padded to 0893869000423: the prefix is 089, GS1 US, not 893.
    ("893869000423", "060-099", "GS1 US", K.COUNTRY, "US"),
    # GTIN-14: the indicator digit 1 is dropped, leaving 8934673000014 -> 893.
    ("18934673000014", "893", "GS1 Vietnam", K.COUNTRY, "VN"),
    # GTIN-14 with indicator 0 wrapping a GTIN-13.
    ("08934673000017", "893", "GS1 Vietnam", K.COUNTRY, "VN"),
    # Bookland: ISBN-13 starts 978 or 979 (979-0 is ISMN).
    ("9786041234567", "978-979", "Bookland (ISBN)", K.ISBN, None),
    ("9790123456785", "978-979", "Bookland (ISBN)", K.ISBN, None),
    # Serials: ISSN as GTIN-13.
    ("9771234567003", "977", "Serial publications (ISSN)", K.ISSN, None),
    # 020-029 and 040-049: restricted circulation, UPC-A compatible.
    ("0200000000000", "020-029", None, K.RESTRICTED, None),
    ("0291234567890", "020-029", None, K.RESTRICTED, None),
    ("0401234567890", "040-049", None, K.RESTRICTED, None),
    ("0491234567890", "040-049", None, K.RESTRICTED, None),
    # 200-299: in-store / variable-measure numbers, never globally unique.
    ("2001234567890", "200-299", None, K.RESTRICTED, None),
    ("2991234567890", "200-299", None, K.RESTRICTED, None),
    # A UPC-A starting 2 pads to 02..., which is GS1 US 001-019 or restricted 020-029.
    ("212345678901", "020-029", None, K.RESTRICTED, None),
    # 952: demonstrations and examples.
    ("9521234567890", "952", None, K.DEMO, None),
    # 950: GS1 Global Office; 951: EPC General Manager Numbers.
    ("9501234567890", "950", "GS1 Global Office", K.GLOBAL_OFFICE, None),
    ("9511234567890", "951", None, K.EPC_GID, None),
    # 980 refund receipts, 981-983 and 99 coupons.
    ("9801234567890", "980", "Refund receipts", K.REFUND, None),
    ("9831234567890", "981-983", None, K.COUPON, None),
    ("9901234567890", "99", "GS1 coupon identification", K.COUPON, None),
    # GS1 China is two ranges.
    ("6901234567892", "690-699", "GS1 China", K.COUNTRY, "CN"),
    ("6991234567890", "690-699", "GS1 China", K.COUNTRY, "CN"),
    ("6801234567890", "680-681", "GS1 China", K.COUNTRY, "CN"),
    # GS1 Japan is two ranges, 450-459 and 490-499.
    ("4501234567890", "450-459", "GS1 Japan", K.COUNTRY, "JP"),
    ("4591234567890", "450-459", "GS1 Japan", K.COUNTRY, "JP"),
    ("4901234567894", "490-499", "GS1 Japan", K.COUNTRY, "JP"),
    ("4991234567890", "490-499", "GS1 Japan", K.COUNTRY, "JP"),
    # Neighbours of Vietnam.
    ("8851234567890", "885", "GS1 Thailand", K.COUNTRY, "TH"),
    ("8871234567890", "887", "GS1 Laos", K.COUNTRY, "LA"),
    ("8841234567890", "884", "GS1 Cambodia", K.COUNTRY, "KH"),
    # 381 Kosovo: a territory code (XK) outside ISO 3166 proper.
    ("3811234567890", "381", "GS1 Kosovo", K.COUNTRY, "XK"),
    # Longest match first: 0001-0009 (4 digits) is GS1 US in 13-digit codes.
    ("0001234567890", "0001-0009", "GS1 US", K.COUNTRY, "US"),
    # ... and so is 00001-00009 (5 digits).
    ("0000123456789", "00001-00009", "GS1 US", K.COUNTRY, "US"),
    # 623: former GS1 Brunei, now unassigned; 894: unassigned (not Bangladesh).
    ("6231234567890", "623", None, K.UNASSIGNED, None),
    ("8941234567890", "894", None, K.UNASSIGNED, None),
    # GTIN-8: 0xx is RCN-8 (restricted), looked up on its own 8 digits.
    ("01234565", "000-099", None, K.RESTRICTED, None),
    ("09876543", "000-099", None, K.RESTRICTED, None),
    # GTIN-8: 2xx is RCN-8 too.
    ("21234565", "200-299", None, K.RESTRICTED, None),
    # GTIN-8: 977-999 are reserved (no ISSN/ISBN/coupon meaning in 8 digits).
    ("97712345", "977-999", None, K.RESERVED, None),
    ("97812345", "977-999", None, K.RESERVED, None),
    ("99912345", "977-999", None, K.RESERVED, None),
    # GTIN-8: 960-969 belong to GTIN-8 only; 4-digit ranges inside 962.
    ("96012345", "960-961", "GS1 UK - GTIN-8", K.GTIN8, None),
    ("96201234", "9620-9624", "GS1 UK - GTIN-8", K.GTIN8, None),
    ("96251234", "9625-9626", "GS1 Poland - GTIN-8", K.GTIN8, None),
    ("96271234", "9627-9629", "GS1 Global Office - GTIN-8", K.GTIN8, None),
    ("96901234", "963-969", "Global Office - GTIN-8", K.GTIN8, None),
    # GTIN-8 with a country prefix: 893 in 8 digits is GS1 Vietnam too.
    ("89312343", "893", "GS1 Vietnam", K.COUNTRY, "VN"),
    # GTIN-8 100-139 is GS1 US.
    ("10012345", "100-139", "GS1 US", K.COUNTRY, "US"),
    # A 13-digit code starting 00000 is a GTIN-8 in 13-digit form: read its 8-digit body.
    ("0000089312343", "893", "GS1 Vietnam", K.COUNTRY, "VN"),
    ("0000001234565", "000-099", None, K.RESTRICTED, None),
    # ... also when it arrives as a GTIN-14 (000000 + GTIN-8).
    ("00000050012345", "500-509", "GS1 UK", K.COUNTRY, "GB"),
    # ... or as a UPC-A starting 0000.
    ("000096012345", "960-961", "GS1 UK - GTIN-8", K.GTIN8, None),
]


@pytest.mark.parametrize(("gtin", "prefix", "organisation", "kind", "country"), LOOKUPS)
def test_lookup(
    table: PrefixTable,
    gtin: str,
    prefix: str,
    organisation: str | None,
    kind: PrefixKind,
    country: str | None,
) -> None:
    info = table.lookup(gtin)
    assert info is not None
    assert info.prefix == prefix
    assert info.kind is kind
    assert info.country_code == country
    if organisation is not None:
        assert info.organisation == organisation


# Codes no row covers.
UNCOVERED = [
    # 140-199 are not in the table at all.
    "1401234567890",
    "14012345",
    # 960-969 are GTIN-8 only: not allocated in a GTIN-13.
    "9601234567890",
    "9691234567890",
    # 984-989: not coupons in the GS1 table (only 981-983).
    "9841234567890",
    # 970-976 in a GTIN-8: neither GTIN-8 ranges nor reserved.
    "97012345",
    # 612: no row.
    "6121234567890",
]


@pytest.mark.parametrize("gtin", UNCOVERED)
def test_lookup_uncovered(table: PrefixTable, gtin: str) -> None:
    assert table.lookup(gtin) is None


def test_vietnam(table: PrefixTable) -> None:
    info = table.lookup("8934673000017")
    assert info is not None
    assert info.is_vietnam
    assert info.is_product_id
    assert info.country_name is not None
    assert info.country_name.get("vi") == "Việt Nam"
    assert info.country_name.get("en") == "Vietnam"
    assert "NOT proof of manufacture" in info.note


@pytest.mark.parametrize(
    ("gtin", "vi", "en"),
    [
        ("3811234567890", "Kosovo", "Kosovo"),  # XK is a CLDR user-assigned code
        ("6901234567892", "Trung Quốc", "China"),
        ("4901234567894", "Nhật Bản", "Japan"),
        ("0012345678905", "Hoa Kỳ", "United States"),
        ("4711234567890", "Đài Loan", "Taiwan"),
    ],
)
def test_country_names(table: PrefixTable, gtin: str, vi: str, en: str) -> None:
    info = table.lookup(gtin)
    assert info is not None and info.country_name is not None
    assert info.country_name.get("vi") == vi
    assert info.country_name.get("en") == en
    assert not info.is_vietnam


def test_country_name_renders_in_a_message(table: PrefixTable) -> None:
    info = table.lookup("8934673000017")
    assert info is not None
    message = Message("prefix", "Licensed by GS1 in %(country)s", {"country": info.country_name})
    assert message.render(lang="vi") == "Licensed by GS1 in Việt Nam"
    assert message.render(lang="en") == "Licensed by GS1 in Vietnam"


def test_multi_territory_organisation(table: PrefixTable) -> None:
    info = table.lookup("5401234567890")
    assert info is not None
    assert info.organisation == "GS1 Belgium & Luxembourg"
    assert info.country_code == "BE"
    assert info.country_codes == ("BE", "LU")


@pytest.mark.parametrize(
    ("gtin", "product_id"),
    [
        ("8934673000017", True),  # country
        ("9501234567890", True),  # GS1 Global Office
        ("96012345", True),  # GTIN-8 range of GS1 UK
        ("9786041234567", False),  # ISBN: a publication number, not a company licence
        ("9771234567003", False),  # ISSN
        ("2001234567890", False),  # restricted circulation
        ("97712345", False),  # reserved GTIN-8
        ("6231234567890", False),  # unassigned
        ("9521234567890", False),  # demo
        ("9511234567890", False),  # EPC General Manager Number
        ("9801234567890", False),  # refund receipt
        ("9901234567890", False),  # coupon
    ],
)
def test_is_product_id(table: PrefixTable, gtin: str, product_id: bool) -> None:
    info = table.lookup(gtin)
    assert info is not None
    assert info.is_product_id is product_id
    assert (info.kind in PRODUCT_ID_KINDS) is product_id


def test_literal_padded_gtin8_rows(table: PrefixTable) -> None:
    rcn = table.lookup("0000000123457", unwrap_gtin8=False)
    unused = table.lookup("0000089312343", unwrap_gtin8=False)
    assert rcn is not None and rcn.prefix == "0000000" and rcn.kind is K.RESTRICTED
    assert unused is not None and unused.prefix == "0000001-0000099" and unused.kind is K.RESERVED


@pytest.mark.parametrize(
    "bad",
    [
        "",  # empty
        "89346730000",  # 11 digits
        "123456789",  # 9 digits
        "123456789012345",  # 15 digits
        "893467300001x",  # not all digits
        " 8934673000017",  # whitespace is the caller's to strip
        "８９３４６７３００００１７",  # fullwidth digits are not ASCII digits
    ],
)
def test_lookup_rejects_non_gtins(table: PrefixTable, bad: str) -> None:
    with pytest.raises(ValueError):
        table.lookup(bad)


def test_kinds_match_csv(table: PrefixTable) -> None:
    assert {info.kind for info in table} == set(PrefixKind)
    assert {row["kind"] for row in CSV_ROWS} == set(PrefixKind)
    assert len(table) == len(CSV_ROWS) == 155


def test_infos_are_hashable(table: PrefixTable) -> None:
    infos = {table.lookup("8934673000017"), table.lookup("18934673000014")}
    assert len(infos) == 1


def test_default_table_is_cached() -> None:
    assert default_table() is default_table()


def test_load_from_path() -> None:
    loaded = PrefixTable.load(CSV_PATH)
    assert len(loaded) == len(default_table())
    assert loaded.lookup("8934673000017") == default_table().lookup("8934673000017")


HEADER = "start,end,name,kind,iso2,applies_to,note\n"


def _table(body: str) -> PrefixTable:
    return PrefixTable.from_csv_rows(csv.DictReader(io.StringIO(HEADER + body)))


def test_overlapping_rows_are_rejected() -> None:
    with pytest.raises(ValueError, match="in both"):
        _table("890,899,A,country,VN,GTIN-8/12/13,\n893,893,B,country,VN,GTIN-8/12/13,\n")


def test_same_range_for_different_lengths_is_fine() -> None:
    table = _table("977,977,ISSN,issn,,GTIN-12/13,\n977,999,Reserved,reserved,,GTIN-8,\n")
    assert table.lookup("9771234567003").kind is K.ISSN  # type: ignore[union-attr]
    assert table.lookup("97712345").kind is K.RESERVED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "row",
    [
        "89,893,X,country,VN,GTIN-8/12/13,",  # start and end of different lengths
        "899,890,X,country,VN,GTIN-8/12/13,",  # start after end
        "893,893,X,planet,VN,GTIN-8/12/13,",  # unknown kind
        "893,893,X,country,VN,GTIN-15,",  # unknown applies_to
        "893,893,X,country,,GTIN-8/12/13,",  # country without iso2
        "952,952,X,demo,VN,GTIN-8/12/13,",  # iso2 on a non-country row
        "893,893,X,country,QQ,GTIN-8/12/13,",  # no CLDR name
    ],
)
def test_bad_rows_are_rejected(row: str) -> None:
    with pytest.raises(ValueError):
        _table(row + "\n")


def _info(gtin: str) -> PrefixInfo | None:
    return default_table().lookup(gtin)


@given(st.text(DIGITS, min_size=13, max_size=13))
def test_every_13_digit_code_looks_up(gtin: str) -> None:
    info = _info(gtin)
    assert info is None or isinstance(info, PrefixInfo)
    if info is not None and info.kind is K.COUNTRY:
        assert isinstance(info.country_name, Localized)


@given(st.text(DIGITS, min_size=12, max_size=12))
def test_upc_a_is_its_padded_gtin13(gtin: str) -> None:
    assert _info(gtin) == _info("0" + gtin)


@given(st.sampled_from(DIGITS), st.text(DIGITS, min_size=13, max_size=13))
def test_gtin14_ignores_the_indicator(indicator: str, gtin: str) -> None:
    assert _info(indicator + gtin) == _info(gtin)


@given(st.text(DIGITS, min_size=8, max_size=8))
def test_gtin8_is_its_13_digit_form(gtin: str) -> None:
    assert _info("00000" + gtin) == _info(gtin)


def _reference_lookup(gtin: str) -> tuple[str, str] | None:
    """A slow, independent reading of the README rules: (start, end) of the matching row."""
    if len(gtin) == 12:
        gtin = "0" + gtin
    elif len(gtin) == 14:
        gtin = gtin[1:]
    if len(gtin) == 13 and gtin.startswith("00000"):
        gtin = gtin[5:]
    wanted = {
        8: ("GTIN-8/12/13", "GTIN-8"),
        13: ("GTIN-8/12/13", "GTIN-12/13", "GTIN-13 (padded GTIN-8)"),
    }
    best = None
    for row in CSV_ROWS:
        start, end = row["start"], row["end"]
        if row["applies_to"] not in wanted[len(gtin)]:
            continue
        if start <= gtin[: len(start)] <= end and (best is None or len(start) > len(best[0])):
            best = (start, end)
    return best


@given(
    st.one_of(
        st.text(DIGITS, min_size=8, max_size=8),
        st.text(DIGITS, min_size=12, max_size=14),
        st.text(DIGITS, min_size=8, max_size=9).map(lambda tail: "00000" + tail),
    )
)
def test_lookup_agrees_with_a_reference_reading_of_the_csv(gtin: str) -> None:
    info = _info(gtin)
    found = None if info is None else (info.start, info.end)
    assert found == _reference_lookup(gtin)
