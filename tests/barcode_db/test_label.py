"""The label reader: OCR of label photos, readings that must agree, and the claims they make."""

from __future__ import annotations

import datetime as dt

import pytest

from barcode_db import label
from barcode_db.label import BrandFinding, label_claims, read_label
from barcode_db.label_text import Line
from barcode_db.matching import BrandEntry, BrandMatcher, MatchKind
from barcode_db.registry import CompanyFact, build_snapshot
from barcode_db.verdict import Source
from tests.support.labels import label_photo

VINAMILK = BrandEntry(1, "Vinamilk", 11)
HAO_HAO = BrandEntry(2, "Hảo Hảo", 12)
MATCHER = BrandMatcher([VINAMILK, HAO_HAO])


def company(id_: int, code: str, name: str, prefix: str) -> CompanyFact:
    return CompanyFact(id_, code, name, None, "", "79", (prefix,), (), (), False)


REGISTRY = build_snapshot(
    1,
    [
        company(11, "VNM", "Công ty Cổ phần Sữa Việt Nam", "8934673"),
        company(12, "ACV", "Công ty Cổ phần Acecook Việt Nam", "8934563"),
    ],
    [],
    [VINAMILK, HAO_HAO],
)


def decide(entry: BrandEntry, *readings: tuple[str, float]) -> BrandFinding:
    lines = [Line(text, confidence) for text, confidence in readings]
    return label._decide(entry, lines, [MATCHER.find_all(r.text, printed=True) for r in lines])


def decided(entry: BrandEntry, text: str) -> BrandFinding:
    """The finding for ``entry`` when three confident readings all give ``text``."""
    matcher = BrandMatcher([entry])
    lines = [Line(text, 92.0)] * 3
    return label._decide(
        entry, lines, [matcher.find_all(line.text, printed=True) for line in lines]
    )


@pytest.mark.parametrize(
    ("readings", "kind", "certain", "text"),
    [
        # Most readings spell it as registered: the brand.
        (
            [("Vinamilk", 90), ("Vinamilk", 88), ("Vinamiilk", 30), ("Vinamilk", 91)],
            MatchKind.EXACT,
            True,
            "Vinamilk",
        ),
        # Most readings, confident, find it misspelt the same way: a lookalike, quoted as read.
        (
            [("Vinamllk", 80), ("Vinamllk", 85), ("Vinamllk", 84), ("Vinamilk", 70)],
            MatchKind.CLOSE,
            True,
            "Vinamllk",
        ),
        # Split two against two: unsure, whichever was read with most confidence.
        (
            [("Vinamllk", 80), ("Vinamllk", 85), ("Vinamilk", 90), ("Vinamilk", 70)],
            MatchKind.EXACT,
            False,
            "Vinamilk",
        ),
        # Misspelt by most, but with little confidence: unsure, never a lookalike.
        (
            [("Vinamiilk", 40), ("Vinamililk", 35), ("Vinamillk", 45), ("Vinamilk", 50)],
            MatchKind.CLOSE,
            False,
            "Vinamilk",
        ),
    ],
)
def test_a_brand_is_what_most_readings_say(readings, kind, certain, text) -> None:
    finding = decide(VINAMILK, *readings)
    assert finding.certain is certain
    if certain:
        assert (finding.kind, finding.text) == (kind, text)


TH = BrandEntry(3, "TH true MILK", 13)


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("H true MILK", False),  # the first letter cut off: a cropping, not an imitation
        ("ÑTH true MILK", False),  # a graphic read as a letter before the name
        ("TH true MILKk", True),  # a doubled last letter: an imitator's change
        ("TH trua MILK", True),  # a letter changed inside the name
    ],
)
def test_a_letter_lost_or_gained_at_the_edge_is_no_lookalike(text: str, certain: bool) -> None:
    finding = decided(TH, text)
    assert finding.kind is MatchKind.CLOSE
    assert finding.certain is certain


def test_the_biggest_line_decides_a_brand_found_both_ways() -> None:
    big_exact = BrandFinding("Vinamilk", MatchKind.EXACT, VINAMILK, 90, height=120)
    small_close = BrandFinding("Vinamiilk", MatchKind.CLOSE, VINAMILK, 80, height=30)
    assert label._best_first([small_close, big_exact]) == [big_exact]
    big_close = BrandFinding("Vinamllk", MatchKind.CLOSE, VINAMILK, 90, height=120)
    small_exact = BrandFinding("Vinamilk", MatchKind.EXACT, VINAMILK, 90, height=30)
    assert label._best_first([small_exact, big_close]) == [big_close]


def test_only_certain_findings_become_claims_and_every_claim_is_marked_as_read() -> None:
    unsure = BrandFinding("Vinamllk", MatchKind.CLOSE, VINAMILK, 50, certain=False)
    reading = label.LabelReading(lines=(Line("Vinamllk"),), brands=(unsure,))
    claims = label_claims(reading)
    assert claims.brand is None
    assert claims.label_read and claims.label_has_text
    sure = BrandFinding("Hảo Hảo", MatchKind.EXACT, HAO_HAO, 95)
    claims = label_claims(label.LabelReading(lines=(Line("Hảo Hảo"),), brands=(sure, unsure)))
    assert (claims.brand, claims.brand_source, claims.other_brands) == ("Hảo Hảo", Source.LABEL, ())


# --- reading real pixels with Tesseract -----------------------------------------------------------


def test_a_genuine_label_is_read_whole() -> None:
    photo = label_photo(
        "Vinamilk",
        [
            "Sữa tươi tiệt trùng 180 ml",
            "Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam",
            "Xuất xứ: Việt Nam",
            "NSX: 12/03/2026   HSD: 12/09/2027",
        ],
    )
    reading = read_label([photo], registry=REGISTRY)
    assert [(b.text, b.kind, b.certain) for b in reading.brands] == [
        ("Vinamilk", MatchKind.EXACT, True)
    ]
    assert reading.maker is not None and reading.maker.company is not None
    assert reading.maker.company.code == "VNM"
    assert reading.origin is not None and reading.origin.country_code == "VN"
    assert reading.dates.expires == dt.date(2027, 9, 12) and reading.dates_certain
    assert reading.vietnamese_text and reading.has_text
    assert reading.ocr_ms > 0


def test_an_imitation_with_other_diacritics_is_read_as_a_lookalike() -> None:
    reading = read_label([label_photo("Hảo Hạo", ["Mì tôm chua cay 75 g"])], registry=REGISTRY)
    assert [(b.text, b.kind, b.certain) for b in reading.brands] == [
        ("Hảo Hạo", MatchKind.CLOSE, True)
    ]


def test_a_tilted_label_is_read_like_a_straight_one() -> None:
    photo = label_photo("Vinamilk", ["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam"])
    tilted = photo.rotate(9, expand=True, fillcolor=(226, 232, 238))
    reading = read_label([tilted], registry=REGISTRY)
    assert [b.text for b in reading.brands if b.certain] == ["Vinamilk"]
    assert reading.maker is not None and reading.maker.company is not None


def test_an_imported_label_without_vietnamese_says_so() -> None:
    photo = label_photo(
        "Alpine Choco", ["Milk chocolate 100 g", "Product of Switzerland", "Best before: 12/2027"]
    )
    reading = read_label([photo], registry=REGISTRY)
    assert reading.brands == ()
    assert reading.origin is not None and reading.origin.country_code == "CH"
    assert reading.has_text and not reading.vietnamese_text


def test_the_model_missing_is_said_plainly(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(label, "TESSDATA_DIRS", ())
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(label.OcrUnavailable, match="tesseract-ocr-vie"):
        label.tessdata_dir()


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("HẢO HÁO", False),  # a tone mark over a capital: OCR misreads those too often
        ("Hảo Hạo", True),  # in small letters the marks are read well
        ("HẢO HẢOO", True),  # capitals with a letter more: not a question of marks
    ],
)
def test_other_marks_over_capitals_are_not_enough_for_a_lookalike(text: str, certain: bool) -> None:
    finding = decided(HAO_HAO, text)
    assert finding.kind is MatchKind.CLOSE
    assert finding.certain is certain


BITIS_HUNTER = BrandEntry(4, "Biti's Hunter", 14)


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("BITTS HUNTER", False),  # I read as T in capitals: OCR's confusion, not an imitation
        ("BITIS HUNTFR", False),  # E read as F
        ("Bitts Hunter", True),  # in small letters, a t is not an i
        ("BITIZ HUNTER", True),  # S to Z: not a shape OCR confuses
    ],
)
def test_capitals_ocr_confuses_are_not_enough_for_a_lookalike(text: str, certain: bool) -> None:
    finding = decided(BITIS_HUNTER, text)
    assert finding.kind is MatchKind.CLOSE
    assert finding.certain is certain


VISSAN = BrandEntry(5, "Vissan", 15)


@pytest.mark.parametrize(
    ("text", "certain"),
    [
        ("Víssan", False),  # the dot of an i read as an accent
        ("Vissản", True),  # a mark on another letter: not how OCR misreads an i
        ("Vissaan", True),  # a letter more
    ],
)
def test_an_accent_on_an_i_is_not_enough_for_a_lookalike(text: str, certain: bool) -> None:
    finding = decided(VISSAN, text)
    assert finding.kind is MatchKind.CLOSE
    assert finding.certain is certain


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        # The genuine maker, its address on the next line.
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "10 Tân Trào, P. Tân Phú"], "VNM"),
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "Xuất xứ: Việt Nam"], "VNM"),
        # A near copy whose last word wrapped onto the next line is another company.
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "Xanh"], None),
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam Xanh"], None),
        # A bracketed short name runs on to the next line: the genuine one, or a near copy.
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "(Vinamilk)"], "VNM"),
        (["Sản xuất bởi: Công ty Cổ phần Sữa Việt Nam", "(Vinamilk) Quốc tế"], None),
        # A letter misread in the genuine name is still the genuine company.
        (["Sản xuất bởi: Công ty Cổ phần Sữa Viêt Nam"], "VNM"),
    ],
)
def test_the_maker_is_matched_on_its_whole_name(texts: list[str], code: str | None) -> None:
    from barcode_db.label_text import find_parties

    lines = [Line(text) for text in texts]
    maker = label._party(find_parties(lines), label.MAKER_ROLES, lines, REGISTRY)
    assert maker is not None
    assert (maker.company.code if maker.company else None) == code
