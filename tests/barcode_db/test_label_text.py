"""What a label's text says: parties, origin, dates and whether it carries Vietnamese."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.label_text import (
    LabelDates,
    Line,
    Origin,
    PartyRole,
    ResponsibleParty,
    find_dates,
    find_origin,
    find_parties,
    has_vietnamese_text,
)

MAKER, RESP, IMP, DIST, CO = (
    PartyRole.MANUFACTURER,
    PartyRole.RESPONSIBLE,
    PartyRole.IMPORTER,
    PartyRole.DISTRIBUTOR,
    PartyRole.COMPANY,
)


def lines(*texts: str) -> list[Line]:
    return [Line(text) for text in texts]


def parties(*texts: str) -> list[tuple[PartyRole, str]]:
    return [(party.role, party.text) for party in find_parties(lines(*texts))]


# --- parties ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # the spec's example: legal form kept, "- 10 Tân Trào …" address dropped
        (
            ["Sản xuất tại: Công ty Cổ phần Sữa Việt Nam - 10 Tân Trào, P. Tân Phú, Q.7, TP.HCM"],
            [(MAKER, "Công ty Cổ phần Sữa Việt Nam")],
        ),
        # "Sản xuất tại" + Nhà máy, address after a comma
        (
            ["Sản xuất tại: Nhà máy Sữa Tiên Sơn, KCN Tiên Sơn, Bắc Ninh"],
            [(MAKER, "Nhà máy Sữa Tiên Sơn")],
        ),
        # "Sản xuất tại" + Cơ sở / HTX / Chi nhánh / Tập đoàn, no colon
        (["Sản xuất tại Cơ sở Bánh Kẹo Hồng Hà"], [(MAKER, "Cơ sở Bánh Kẹo Hồng Hà")]),
        (["Sản xuất tại HTX Nông nghiệp Tân Hưng"], [(MAKER, "HTX Nông nghiệp Tân Hưng")]),  # HTX
        # "Chi nhánh": "tại Bình Dương" is part of the branch's name
        (
            ["Sản xuất tại: Chi nhánh Công ty CP ABC tại Bình Dương"],
            [(MAKER, "Chi nhánh Công ty CP ABC tại Bình Dương")],
        ),
        # "Tổng công ty"
        (
            ["Sản xuất tại: Tổng công ty Thuốc lá Việt Nam"],
            [(MAKER, "Tổng công ty Thuốc lá Việt Nam")],
        ),
        # "Sản xuất tại Việt Nam" is an origin, not a party
        (["Sản xuất tại Việt Nam"], []),
        (["Sản xuất tại: Bình Dương, Việt Nam"], []),  # a province and a country: a place
        # "Sản xuất bởi", "Địa chỉ:" ends the name
        (
            ["Sản xuất bởi: Công ty TNHH Thực phẩm An Long. Địa chỉ: 5 Lê Duẩn, Q.1"],
            [(MAKER, "Công ty TNHH Thực phẩm An Long")],
        ),
        # "Nhà sản xuất", "ĐC:" ends the name
        (
            ["Nhà sản xuất: Công ty CP Bánh kẹo Hải Hà ĐC: 25 Trương Định, Hà Nội"],
            [(MAKER, "Công ty CP Bánh kẹo Hải Hà")],
        ),
        # "Đơn vị sản xuất"
        (
            ["Đơn vị sản xuất: Công ty TNHH Nước giải khát Sài Gòn"],
            [(MAKER, "Công ty TNHH Nước giải khát Sài Gòn")],
        ),
        # "Sản xuất và đóng gói bởi": one role, the maker
        (
            ["Sản xuất và đóng gói bởi: Công ty CP Acecook Việt Nam"],
            [(MAKER, "Công ty CP Acecook Việt Nam")],
        ),
        # English "Manufactured by": "Co., Ltd" keeps its comma, the address goes
        (
            ["Manufactured by: ABC Foods Co., Ltd., 123 Moo 4, Bangkok, Thailand"],
            [(MAKER, "ABC Foods Co., Ltd")],
        ),
        # "Manufacturer", "Produced by"
        (["Manufacturer: Nestlé Deutschland AG, Frankfurt"], [(MAKER, "Nestlé Deutschland AG")]),
        (["Produced by Meiji Co., Ltd, Tokyo, Japan"], [(MAKER, "Meiji Co., Ltd")]),  # no colon
        # "Chịu trách nhiệm về chất lượng hàng hóa"
        (
            ["Chịu trách nhiệm về chất lượng hàng hóa: Công ty TNHH XYZ"],
            [(RESP, "Công ty TNHH XYZ")],
        ),
        # "Chịu trách nhiệm về hàng hóa" and plain "Chịu trách nhiệm"
        (["Chịu trách nhiệm về hàng hóa: Công ty CP Đông Á"], [(RESP, "Công ty CP Đông Á")]),
        (["Chịu trách nhiệm: Công ty TNHH Minh Anh"], [(RESP, "Công ty TNHH Minh Anh")]),  # plain
        # "Thương nhân chịu trách nhiệm về chất lượng hàng hóa"
        (
            ["Thương nhân chịu trách nhiệm về chất lượng hàng hóa: Công ty TNHH XYZ"],
            [(RESP, "Công ty TNHH XYZ")],
        ),
        # "Nhà nhập khẩu", address after a comma
        (["Nhà nhập khẩu: Công ty TNHH ABC, 12 Lê Lợi, Q.1, TP.HCM"], [(IMP, "Công ty TNHH ABC")]),
        # "Nhập khẩu và phân phối bởi"
        (
            ["Nhập khẩu và phân phối bởi: Công ty CP Thực phẩm Á Châu, ĐC: 1 Nguyễn Huệ"],
            [(IMP, "Công ty CP Thực phẩm Á Châu")],
        ),
        # "Nhập khẩu & phân phối" without "bởi"
        (
            ["Nhập khẩu & phân phối: Công ty TNHH Hàng Tiêu Dùng Sao Mai"],
            [(IMP, "Công ty TNHH Hàng Tiêu Dùng Sao Mai")],
        ),
        # "Nhà nhập khẩu và phân phối": the role first named
        (["Nhà nhập khẩu và phân phối: Công ty TNHH Đại Phát"], [(IMP, "Công ty TNHH Đại Phát")]),
        # "Nhập khẩu bởi", "Imported by", "Importer"
        (["Nhập khẩu bởi: Công ty TNHH Liên Á"], [(IMP, "Công ty TNHH Liên Á")]),
        (["Imported by: Saigon Import Co., Ltd"], [(IMP, "Saigon Import Co., Ltd")]),  # English
        (["Importer: Hanoi Trading JSC, 5 Hàng Bài"], [(IMP, "Hanoi Trading JSC")]),  # "JSC"
        # "Phân phối bởi", a name with "Phân Phối" in it is kept whole
        (
            ["Phân phối bởi: Công ty TNHH Phân Phối Minh Long"],
            [(DIST, "Công ty TNHH Phân Phối Minh Long")],
        ),
        # "Nhà phân phối", "Distributed by", "Distributor"; "Tel:" ends the name
        (
            ["Nhà phân phối: Công ty CP Phú Thái Tel: 028 3823 4567"],
            [(DIST, "Công ty CP Phú Thái")],
        ),
        (["Distributed by: DKSH Vietnam Co., Ltd"], [(DIST, "DKSH Vietnam Co., Ltd")]),  # English
        # a name ending in a country is still a name
        (["Distributor: Mega Market Vietnam"], [(DIST, "Mega Market Vietnam")]),
        # a company line with no keyword
        (
            ["Công ty TNHH Sản xuất Thương mại Hoàng Gia, 22 Lý Thường Kiệt"],
            [(CO, "Công ty TNHH Sản xuất Thương mại Hoàng Gia")],
        ),
        (["CÔNG TY CỔ PHẦN SỮA VIỆT NAM"], [(CO, "CÔNG TY CỔ PHẦN SỮA VIỆT NAM")]),  # capitals
        (["Cty TNHH Bánh Mứt Kẹo Bảo Minh"], [(CO, "Cty TNHH Bánh Mứt Kẹo Bảo Minh")]),  # "Cty"
        # a sentence starting "Công ty" is no company name
        (["Công ty cam kết chất lượng sản phẩm"], []),
        # the keyword alone on its line: the name is on the next one
        (
            ["Nhà sản xuất:", "CÔNG TY CỔ PHẦN SỮA VIỆT NAM (VINAMILK)", "Địa chỉ: 10 Tân Trào"],
            [(MAKER, "CÔNG TY CỔ PHẦN SỮA VIỆT NAM (VINAMILK)")],
        ),
        # mixed case and no diacritics
        (["SAN XUAT BOI: CONG TY TNHH ABC"], [(MAKER, "CONG TY TNHH ABC")]),  # capitals
        (["san xuat boi: cong ty tnhh abc"], [(MAKER, "cong ty tnhh abc")]),  # lower case
        # OCR noise: a wrong tone, "0" for "o", one wrong letter in a long keyword
        (["Sàn xuất bởi: Công ty ABC"], [(MAKER, "Công ty ABC")]),  # wrong tone
        (["Nhà nhập khẩu: C0NG TY TNHH ABC"], [(IMP, "C0NG TY TNHH ABC")]),  # "0" for "O"
        (["Nhà phân ohối: Công ty TNHH ABC"], [(DIST, "Công ty TNHH ABC")]),  # one wrong letter
        (
            ["Chiu trách nhiêm vê chât lương: Công ty TNHH ABC"],
            [(RESP, "Công ty TNHH ABC")],
        ),  # lost marks
        (["Manufactured bv: ABC Foods Co., Ltd"], [(MAKER, "ABC Foods Co., Ltd")]),  # "v" for "y"
        # keyword and name run into one word
        (["Nhànhậpkhẩu: Công ty TNHH ABC"], [(IMP, "Công ty TNHH ABC")]),
        # two fields on one line: the origin does not join the name
        (["Sản xuất bởi: Công ty TNHH ABC Xuất xứ: Việt Nam"], [(MAKER, "Công ty TNHH ABC")]),
    ],
)
def test_parties(texts: list[str], expected: list[tuple[PartyRole, str]]) -> None:
    assert parties(*texts) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Sữa tươi tiệt trùng có đường 180 ml",  # ordinary label text
        "Sản xuất từ sữa tươi 100%",  # "sản xuất từ" is one letter off "sản xuất tại"
        "Sản phẩm được sản xuất bởi dây chuyền hiện đại",  # names a production line, not a maker
        "Bảo quản theo hướng dẫn của nhà sản xuất.",  # the keyword with nothing after it
        "Bảo quản theo hướng dẫn của Nhà sản xuất Việt Nam",  # a country is no organisation
        "Contact the manufacturer for details",  # English sentence
        "Nhà sản xuất: xem trên bao bì",  # "see the pack"
        "Thành phần: sữa bò tươi, đường, chất ổn định",  # ingredients
        "Hướng dẫn bảo quản: nơi khô ráo, thoáng mát",  # storage
        "NSX: 12/03/2026 HSD: 12/03/2027",  # dates
        "",  # nothing
    ],
)
def test_no_party(text: str) -> None:
    assert find_parties(lines(text)) == ()


def test_parties_by_role_priority_then_label_order() -> None:
    label = lines(
        "Phân phối bởi: Công ty TNHH D",
        "Công ty TNHH C",
        "Nhà nhập khẩu: Công ty TNHH I",
        "Chịu trách nhiệm về chất lượng: Công ty TNHH R",
        "Sản xuất bởi: Công ty TNHH M1",
        "Nhà sản xuất: Công ty TNHH M2",
    )
    assert [(p.role, p.text) for p in find_parties(label)] == [
        (MAKER, "Công ty TNHH M1"),
        (MAKER, "Công ty TNHH M2"),
        (RESP, "Công ty TNHH R"),
        (IMP, "Công ty TNHH I"),
        (DIST, "Công ty TNHH D"),
        (CO, "Công ty TNHH C"),
    ]


def test_company_line_repeating_a_named_party_is_dropped() -> None:
    assert parties("Nhà sản xuất: Công ty TNHH ABC", "CÔNG TY TNHH ABC", "Công ty TNHH XYZ") == [
        (MAKER, "Công ty TNHH ABC"),
        (CO, "Công ty TNHH XYZ"),
    ]


def test_party_keeps_its_line() -> None:
    text = "Sản xuất bởi: Công ty TNHH ABC, 5 Lê Duẩn"
    assert find_parties(lines(text)) == (ResponsibleParty(MAKER, "Công ty TNHH ABC", text),)


def test_party_from_decomposed_text_reads_as_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nhà nhập khẩu: Công ty TNHH Đại Phát")
    assert parties(decomposed) == [(IMP, "Công ty TNHH Đại Phát")]


# --- origin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Xuất xứ: Việt Nam"], ("Việt Nam", "VN")),  # Vietnamese CLDR name
        (["Xuất xứ hàng hóa: Thái Lan"], ("Thái Lan", "TH")),  # the long keyword
        (["Nguồn gốc: Hàn Quốc"], ("Hàn Quốc", "KR")),  # "Nguồn gốc"
        (["Xuất xứ: Nhật Bản"], ("Nhật Bản", "JP")),  # Japan
        (["Xuất xứ: Trung Quốc"], ("Trung Quốc", "CN")),  # China
        (["Xuất xứ: Hoa Kỳ"], ("Hoa Kỳ", "US")),  # the United States
        (["Xuất xứ: Ý"], ("Ý", "IT")),  # a one-letter alias, read whole after the keyword
        (["XUẤT XỨ: VIỆT NAM"], ("VIỆT NAM", "VN")),  # upper case
        (["Xuat xu: Viet Nam"], ("Viet Nam", "VN")),  # no diacritics
        (["Xuất xứ: VN"], ("VN", "VN")),  # alias
        (["Xuất xứ: Việt Nam/Vietnam"], ("Việt Nam", "VN")),  # two languages
        (["Xuất xứ: Viet Nan"], ("Viet Nan", "VN")),  # one OCR slip in a long name
        (["Sản xuất tại Việt Nam"], ("Việt Nam", "VN")),  # "Sản xuất tại" + a place
        (["Made in Vietnam"], ("Vietnam", "VN")),  # English CLDR name
        (["Made in P.R.C."], ("P.R.C.", "CN")),  # dotted alias, its last dot kept
        (["MADE IN PRC"], ("PRC", "CN")),  # capitals
        (["Made in China"], ("China", "CN")),  # English CLDR name
        (["MADE IN CHINA 中国制造"], ("CHINA", "CN")),  # the country, then other words
        (["Made in U.S.A. Keep refrigerated"], ("U.S.A", "US")),  # a sentence follows
        (["Made in USA"], ("USA", "US")),  # alias
        (["Made in UK"], ("UK", "GB")),  # alias
        (["Made in Korea"], ("Korea", "KR")),  # alias: South Korea
        (["Product of Thailand"], ("Thailand", "TH")),  # "Product of"
        (["Produit de France, crème fraîche"], ("France", "FR")),  # French
        (["Hecho en España"], ("España", "ES")),  # Spanish
        (["Fabricado en México"], ("México", "MX")),  # Spanish, another keyword
        (["Hergestellt in Deutschland"], ("Deutschland", "DE")),  # German
        (["原产地：中国"], ("中国", "CN")),  # Chinese
        (["Country of origin: Australia"], ("Australia", "AU")),  # "Country of origin"
        # keyword and place split over two lines
        (["Xuất xứ:", "Hàn Quốc"], ("Hàn Quốc", "KR")),
        # a province before the country: the country decides
        (["Xuất xứ: Lào Cai, Việt Nam"], ("Lào Cai, Việt Nam", "VN")),
        # "Lào Cai" is a Vietnamese province, not Laos
        (["Xuất xứ: Lào Cai"], ("Lào Cai", None)),
        # an unknown place after "Xuất xứ:" is kept as read, without a code
        (["Xuất xứ: Atlantis"], ("Atlantis", None)),
        # a maker's address that ends with a country gives the origin
        (
            ["Sản xuất tại: Công ty X, KCN Việt Nam - Singapore, tỉnh Bình Dương, Việt Nam"],
            ("Việt Nam", "VN"),
        ),
        (  # in English too
            ["Manufactured by: ABC Foods Co., Ltd., 123 Moo 4, Bangkok, Thailand"],
            ("Thailand", "TH"),
        ),
        # an origin line beats the maker's address, wherever it is
        (["Sản xuất bởi: Công ty X, Bangkok, Thailand", "Made in China"], ("China", "CN")),
        # a recognised origin beats an unrecognised one
        (["Nguồn gốc: sữa bò tươi", "Xuất xứ: Úc"], ("Úc", "AU")),
        # OCR noise in the keyword: ¡ for i, 0 for o
        (["Made ¡n Vietnam"], ("Vietnam", "VN")),
        (["Country of 0rigin: Malaysia"], ("Malaysia", "MY")),
    ],
)
def test_origin(texts: list[str], expected: tuple[str, str | None]) -> None:
    origin = find_origin(lines(*texts))
    assert origin is not None
    assert (origin.text, origin.country_code) == expected


@pytest.mark.parametrize(
    "texts",
    [
        ["Sữa tươi tiệt trùng có đường 180 ml"],  # ordinary text
        ["Made in a facility that also processes nuts"],  # "made in" without a place
        # the maker's address ends in a city, not a country (and "Việt Nam" in a name is no origin)
        ["Sản xuất tại: Công ty Cổ phần Sữa Việt Nam - 10 Tân Trào, P. Tân Phú, Q.7, TP.HCM"],
        # an importer's address says where the importer is, not where the goods come from
        ["Nhà nhập khẩu: Công ty TNHH ABC, 12 Lê Lợi, Q.1, TP.HCM, Việt Nam"],
        # a district named like a country ("Đức" is Germany) ends the address
        ["Sản xuất bởi: Công ty TNHH ABC, P. Linh Trung, TP. Thủ Đức"],
        ["Xuất xứ: xem trên bao bì"],  # no place printed
        [],  # nothing
    ],
)
def test_no_origin(texts: list[str]) -> None:
    assert find_origin(lines(*texts)) is None


def test_origin_derived_from_address_is_marked() -> None:
    line = "Sản xuất tại: Công ty X, KCN Mỹ Phước, tỉnh Bình Dương, Việt Nam"
    assert find_origin(lines(line)) == Origin("Việt Nam", "VN", line, derived=True)
    assert find_origin(lines("Xuất xứ: Việt Nam")) == Origin("Việt Nam", "VN", "Xuất xứ: Việt Nam")


# --- dates -----------------------------------------------------------------------------------

d = dt.date


@pytest.mark.parametrize(
    ("texts", "manufactured", "expires"),
    [
        (["NSX: 12/03/2026 HSD: 12/03/2027"], d(2026, 3, 12), d(2027, 3, 12)),  # both on one line
        (["NSX: 12-03-2026", "HSD: 12-03-2027"], d(2026, 3, 12), d(2027, 3, 12)),  # dd-mm-yyyy
        (["N.S.X: 12.03.2026", "H.S.D: 12.03.2027"], d(2026, 3, 12), d(2027, 3, 12)),  # dotted
        (["NSX: 12/03/26 HSD: 12.03.27"], d(2026, 3, 12), d(2027, 3, 12)),  # two-digit years
        (["NSX 120326 HSD 12032027"], d(2026, 3, 12), d(2027, 3, 12)),  # ddmmyy, ddmmyyyy
        (["NSX: 20260312"], d(2026, 3, 12), None),  # yyyymmdd when ddmmyyyy is impossible
        (["MFG: 2026-03-12 EXP: 2027/03/12"], d(2026, 3, 12), d(2027, 3, 12)),  # year first
        (["NSX: 03.2026 HSD: 03/2027"], d(2026, 3, 1), d(2027, 3, 31)),  # month: first, last day
        (["HSD: 02/2028"], None, d(2028, 2, 29)),  # leap February
        (["EXP 12 NOV 2026", "MFG 12NOV25"], d(2025, 11, 12), d(2026, 11, 12)),  # month names
        (["Best before: 5 Sept. 2027"], None, d(2027, 9, 5)),  # dotted, long month
        (["EXP: NOV 2027"], None, d(2027, 11, 30)),  # month name and year
        (["NSX: 12 Th11 2026"], d(2026, 11, 12), None),  # Vietnamese short month
        (["HSD: ngày 12 tháng 11 năm 2027"], None, d(2027, 11, 12)),  # Vietnamese long form
        (["HSD: tháng 11 năm 2027"], None, d(2027, 11, 30)),  # Vietnamese month and year
        (["Ngày sản xuất: 01/02/2026"], d(2026, 2, 1), None),  # day first
        (["NSX: 03/25/2026"], d(2026, 3, 25), None),  # mm/dd only because dd/mm is impossible
        (["Ngày SX: 12/03/2026", "Hạn dùng: 12/03/2027"], d(2026, 3, 12), d(2027, 3, 12)),  # short
        (["Ngày sản xuất (NSX): 12/03/2026"], d(2026, 3, 12), None),  # keyword repeated in ()
        (["EXP (DD/MM/YY): 12/03/27"], None, d(2027, 3, 12)),  # a format hint is skipped
        (["Hạn sử dụng: 12/03/2027"], None, d(2027, 3, 12)),  # "Hạn sử dụng"
        (["Thời hạn sử dụng: 12/03/2027"], None, d(2027, 3, 12)),  # "Thời hạn sử dụng"
        (
            ["Sử dụng tốt nhất trước ngày 12/03/2027"],
            None,
            d(2027, 3, 12),
        ),  # "Sử dụng tốt nhất trước"
        (["Best before: 31.12.2027"], None, d(2027, 12, 31)),  # "Best before"
        (["BB: 12/2027"], None, d(2027, 12, 31)),  # "BB", a month
        (["Use by 12.03.2027"], None, d(2027, 3, 12)),  # "Use by"
        (["Expiry: 12/03/2027"], None, d(2027, 3, 12)),  # "Expiry"
        (["Exp. date 12/03/2027"], None, d(2027, 3, 12)),  # "Exp. date"
        (["Mfg. date: 12/03/2026"], d(2026, 3, 12), None),  # "Mfg. date"
        (["MFD 12/03/2026"], d(2026, 3, 12), None),  # "MFD"
        (["PROD 12/03/2026"], d(2026, 3, 12), None),  # "PROD"
        (["Production date: 12/03/2026"], d(2026, 3, 12), None),  # "Production date"
        # keyword and date on two lines
        (
            ["Ngày sản xuất:", "12/03/2026", "Hạn sử dụng:", "12/03/2027"],
            d(2026, 3, 12),
            d(2027, 3, 12),
        ),
        # "NSX/HSD:" with both dates in order
        (["NSX/HSD: 12/03/2026 - 12/03/2027"], d(2026, 3, 12), d(2027, 3, 12)),
        # OCR noise in keywords: H5D, HSĐ, HSO, N5X, NSK
        (["H5D: 12/03/2027 N5X: 12/03/2026"], d(2026, 3, 12), d(2027, 3, 12)),
        (["HSĐ: 12/03/2027"], None, d(2027, 3, 12)),  # Đ for D
        (["HSO: 12/03/2027 NSK: 12/03/2026"], d(2026, 3, 12), d(2027, 3, 12)),  # O for D, K for X
        (["nsx: 12/03/2026 hsd: 12/03/2027"], d(2026, 3, 12), d(2027, 3, 12)),  # lower case
        # OCR noise in digits: O for 0, l and I for 1
        (["NSX: 12/O3/2026 HSD: l2/03/2O27"], d(2026, 3, 12), d(2027, 3, 12)),
        (["HSD: I2/03/2027"], None, d(2027, 3, 12)),  # I for 1
        # a dated keyword later on wins over an undated one
        (["NSX: xem trên bao bì", "NSX: 12/03/2026"], d(2026, 3, 12), None),
        # OCR runs the keyword into its date, or reads the dots as commas
        (["NSX29.04.26", "HSD29.01.27"], d(2026, 4, 29), d(2027, 1, 29)),
        (["Best before; 22,10,2027"], None, d(2027, 10, 22)),
        # year and month only, year first: the last day of that month
        (["EXP 2026-12"], None, d(2026, 12, 31)),
    ],
)
def test_dates(texts: list[str], manufactured: dt.date | None, expires: dt.date | None) -> None:
    dates = find_dates(lines(*texts))
    assert (dates.manufactured, dates.expires) == (manufactured, expires)
    assert not dates.expires_derived


def test_date_texts_are_as_read() -> None:
    dates = find_dates(lines("NSX: 12/O3/2026", "HSD: 12 tháng 11 năm 2027"))
    assert (dates.manufactured_text, dates.expires_text) == ("12/O3/2026", "12 tháng 11 năm 2027")


@pytest.mark.parametrize(
    "texts",
    [
        ["NSX: xem trên bao bì", "HSD: xem dưới đáy hộp"],  # "see the pack"
        ["Lô: 230512"],  # batch number
        ["Giá: 25.000đ"],  # price
        ["Thể tích thực: 180 ml"],  # volume
        ["ĐT: 0283 1234 567"],  # phone number
        ["8934673123456"],  # barcode number
        ["TCCS 01:2020/VNM"],  # standards code
        ["Hướng dẫn sử dụng: 12/03/2026"],  # "dẫn sử dụng" is not "hạn sử dụng"
        ["Thành phần: 12/03/2026"],  # a date with no keyword
        ["NSX: 31/02/2026 HSD: 30/02/2027"],  # impossible days
        ["NSX: 13/13/2026"],  # month 13 whichever way round
        ["NSX: 12/03/1999 HSD: 12/03/2100"],  # years outside 2000-2099
        ["NSX:", "Lô: 230512"],  # a batch number on the next line is no ddmmyy
        ["NSX/HSD: 12/03/2026"],  # one date for two keywords says neither
        ["HSD: lO/lO/2O27"],  # digits only OCR guesses
        ["EXP 2027 03 12"],  # spaces only: not a form we read
        ["Export quality 12/03/2026"],  # "exp" inside a word
        ["HSD 8934673123456"],  # a barcode after the keyword
    ],
)
def test_no_dates(texts: list[str]) -> None:
    dates = find_dates(lines(*texts))
    assert (dates.manufactured, dates.expires) == (None, None)


@pytest.mark.parametrize(
    ("texts", "months", "expires"),
    [
        # "sử dụng trong … kể từ NSX", the NSX below: expires derived
        (["Sử dụng trong 12 tháng kể từ NSX", "NSX: 31/01/2026"], 12, d(2027, 1, 31)),
        # "HSD: … kể từ ngày sản xuất": its "ngày sản xuất" is not a manufacturing date keyword
        (["HSD: 12 tháng kể từ ngày sản xuất", "NSX: 15/03/2026"], 12, d(2027, 3, 15)),
        # clamped to the end of a shorter month
        (["NSX: 31/01/2026", "HSD: 1 tháng kể từ NSX"], 1, d(2026, 2, 28)),
        # years of shelf life
        (["NSX: 10/05/2026", "HSD: 2 năm kể từ ngày sản xuất"], 24, d(2028, 5, 10)),
        (["Hạn sử dụng: 24 tháng", "NSX: 01/06/2026"], 24, d(2028, 6, 1)),  # months alone
        (["Shelf life: 18 months", "MFG: 2026-01-15"], 18, d(2027, 7, 15)),  # English
        (["Best before 6 months from MFG", "MFG 15 JAN 2026"], 6, d(2026, 7, 15)),  # "from MFG"
    ],
)
def test_shelf_life_derives_expiry(texts: list[str], months: int, expires: dt.date) -> None:
    dates = find_dates(lines(*texts))
    assert (dates.shelf_life_months, dates.expires, dates.expires_derived) == (
        months,
        expires,
        True,
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # shelf life alone: no date to derive from
        (["Hạn sử dụng: 24 tháng"], LabelDates(shelf_life_months=24)),  # Vietnamese
        (["Shelf life: 18 months"], LabelDates(shelf_life_months=18)),  # English
        # a printed expiry is kept, not derived
        (
            ["NSX: 12/03/2026", "HSD: 12/09/2026", "Sử dụng trong 12 tháng kể từ NSX"],
            LabelDates(d(2026, 3, 12), d(2026, 9, 12), "12/03/2026", "12/09/2026", 12, False),
        ),
        # "12 tháng 03 năm 2027" is a date, not twelve months
        (
            ["HSD: 12 tháng 03 năm 2027"],
            LabelDates(expires=d(2027, 3, 12), expires_text="12 tháng 03 năm 2027"),
        ),
        # after opening is not shelf life
        (["Sử dụng trong vòng 3 tháng sau khi mở nắp"], LabelDates()),
        # an age is not shelf life
        (["Dùng cho trẻ từ 6 tháng tuổi"], LabelDates()),
    ],
)
def test_shelf_life_read_as_printed(texts: list[str], expected: LabelDates) -> None:
    assert find_dates(lines(*texts)) == expected


# --- Vietnamese text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Thành phần: sữa bò tươi"], True),  # Vietnamese letters
        (["SỮA TƯƠI TIỆT TRÙNG"], True),  # upper case
        ([unicodedata.normalize("NFD", "Hướng dẫn bảo quản")], True),  # decomposed
        (["Thanh phan: sua bo tuoi. Bao quan noi kho rao"], True),  # two label phrases unmarked
        (["huong dan su dung", "han su dung: xem tren bao bi"], True),  # two phrases over two lines
        (["Ingredients: sugar, cocoa butter, milk", "Made in Thailand"], False),  # English
        (["配料：白砂糖、可可脂", "原产地：中国"], False),  # Chinese
        (["ส่วนประกอบ: น้ำตาล", "ผลิตในประเทศไทย"], False),  # Thai
        (["Produit de France, crème fraîche"], False),  # French accents alone
        (["Ingrédients: crème, pâte, château"], False),  # more French â ê ô
        (["Hecho en España, azúcar, piñón"], False),  # Spanish accents
        (["Produto de Portugal: pão, não"], False),  # Portuguese ã is shared
        (["Ingredients: ẩẫậsugar, milk"], False),  # OCR garbage in one word
        (["Ingredients: sugar ữ"], False),  # a single stray letter
        (["Thanh phan: sugar"], False),  # one unmarked phrase only
        ([], False),  # nothing
        # a foreign label with a Vietnamese sub-label
        (["Ingredients: wheat flour, palm oil", "Nhà nhập khẩu: Công ty TNHH ABC"], True),
    ],
)
def test_has_vietnamese_text(texts: list[str], expected: bool) -> None:
    assert has_vietnamese_text(lines(*texts)) is expected


# --- whole labels ----------------------------------------------------------------------------

VINAMILK = lines(
    "VINAMILK",
    "SỮA TƯƠI TIỆT TRÙNG CÓ ĐƯỜNG",
    "100% Sữa tươi",
    "Thể tích thực: 180 ml",
    "Thành phần: Sữa bò tươi (96%), đường (3,8%), chất ổn định (471, 460(i), 407, 466),",
    "vitamin (natri ascorbat, A, D3), khoáng chất (natri selenit).",
    "Hướng dẫn sử dụng: Dùng ngay sau khi mở hộp. Ngon hơn khi uống lạnh.",
    "Hướng dẫn bảo quản: Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
    "TCCS 01:2020/VNM",
    "Sản xuất tại: Công ty Cổ phần Sữa Việt Nam - 10 Tân Trào, P. Tân Phú, Q.7, TP.HCM",
    "ĐT: (028) 54 155 555",
    "NSX: 12/03/2026",
    "HSD: 12/09/2026",
    "Lô SX: 230512",
    "8934673573012",
)


def test_vinamilk_fresh_milk_label() -> None:
    assert [(p.role, p.text) for p in find_parties(VINAMILK)] == [
        (MAKER, "Công ty Cổ phần Sữa Việt Nam")
    ]
    assert find_origin(VINAMILK) is None  # the address ends with TP.HCM: no country printed
    assert find_dates(VINAMILK) == LabelDates(
        d(2026, 3, 12), d(2026, 9, 12), "12/03/2026", "12/09/2026"
    )
    assert has_vietnamese_text(VINAMILK)


IMPORTED = lines(
    "CRISPY SEAWEED SNACK",
    "Original flavour",
    "Net weight: 32 g",
    "Ingredients: seaweed (80%), sunflower oil, salt, sugar.",
    "Manufactured by: Taokaenoi Food & Marketing PCL, 337 Moo 3, Bangbuathong, Nonthaburi, Thailand",
    "Keep in a cool, dry place. Best before: see bottom of pack.",
    "MFG: 15/01/2026   EXP: 15/01/2027",
    "THÔNG TIN SẢN PHẨM BẰNG TIẾNG VIỆT:",
    "Tên sản phẩm: Snack rong biển giòn vị truyền thống",
    "Nhà nhập khẩu: Công ty TNHH ABC, 12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM",
    "Thành phần: rong biển (80%), dầu hướng dương, muối, đường.",
    "Xuất xứ: Thái Lan",
    "NSX/HSD: xem trên bao bì",
)


def test_imported_label_with_vietnamese_sub_label() -> None:
    assert [(p.role, p.text) for p in find_parties(IMPORTED)] == [
        (MAKER, "Taokaenoi Food & Marketing PCL"),
        (IMP, "Công ty TNHH ABC"),
    ]
    assert find_origin(IMPORTED) == Origin("Thái Lan", "TH", "Xuất xứ: Thái Lan")
    dates = find_dates(IMPORTED)
    assert (dates.manufactured, dates.expires) == (d(2026, 1, 15), d(2027, 1, 15))
    assert has_vietnamese_text(IMPORTED)
    assert not has_vietnamese_text(IMPORTED[:7])  # the English label alone


# --- anything at all -------------------------------------------------------------------------

label_alphabet = st.sampled_from(
    list("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
    + list("NSXHDnsxhd0123456789OolI|/.-: ,()&")
    + ["Công ty ", "Sản xuất tại ", "Xuất xứ: ", "Made in ", "NSX: ", "HSD: ", "tháng ", "năm "]
)
label_text = st.one_of(st.text(), st.lists(label_alphabet, max_size=40).map("".join))


@given(st.lists(label_text, max_size=8))
def test_no_text_makes_a_function_raise(texts: list[str]) -> None:
    label = lines(*texts)
    for party in find_parties(label):
        assert party.text
        assert unicodedata.normalize("NFC", party.text) in unicodedata.normalize("NFC", party.line)
    origin = find_origin(label)
    if origin is not None:
        assert origin.text in origin.line
        assert origin.country_code is None or len(origin.country_code) == 2
    dates = find_dates(label)
    for date in (dates.manufactured, dates.expires):
        assert date is None or dates.expires_derived or 2000 <= date.year <= 2099
    if dates.expires_derived:
        assert dates.manufactured is not None and dates.shelf_life_months is not None
    assert isinstance(has_vietnamese_text(label), bool)
