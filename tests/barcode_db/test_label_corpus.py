"""The label-photo corpus (tests/support/label_corpus.py) and the scoring of scripts/bench_label.py.

The benchmark's figures are only as good as its ground truth: these tests check that a sample is
the same bytes every time, that what the truth says is what was drawn (the barcode reads back as
the truth's GTIN, a genuine brand is a registry brand, a lookalike is one a matcher can catch, the
dates printed are the dates stated), and that the bench counts hits, misses and false findings as
its docstring says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import random
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import zxingcpp
from PIL import Image

from barcode_db.images import load_image
from barcode_db.label import BrandFinding, LabelReading, MakerFinding
from barcode_db.label_text import LabelDates, Line, Origin, PartyRole
from barcode_db.matching import BrandEntry, MatchKind
from barcode_db.registry import CompanyFact
from tests.support.label_corpus import (
    CLASSES,
    FRAMES,
    KINDS,
    MAX_BYTES,
    LabelSample,
    LabelTruth,
    _vn_date_lines,
    add_months,
    brands_named,
    build_label_corpus,
    is_catchable_lookalike,
    kind_of,
    make_lookalike,
    registry_brands,
    render_label_sample,
    split_of,
)
from tests.support.labels import gs1_check_digit, to_png_bytes

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """scripts/bench_label.py, imported as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_label", ROOT / "scripts/bench_label.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_label"] = module
    spec.loader.exec_module(module)
    return module


# --- the split and the kinds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "split"),
    [
        (0, "tune"),
        (3, "tune"),
        (4, "holdout"),  # every fifth sample, counting from 0
        (9, "holdout"),
        (10, "tune"),
        (19, "holdout"),
    ],
)
def test_every_fifth_sample_is_held_out(index: int, split: str) -> None:
    assert split_of(index) == split


@pytest.mark.parametrize("cls", CLASSES)
def test_each_block_of_ten_deals_every_kind_at_its_rate(cls: str) -> None:
    for block in range(3):
        kinds = Counter(kind_of(9, cls, block * 10 + i) for i in range(10))
        assert kinds == {
            "genuine": 4,
            "lookalike": 3,
            "foreign_with_vn_sublabel": 1,
            "foreign_without_vn_sublabel": 1,
            "no_text": 1,
        }


def test_holdout_is_not_one_kind() -> None:
    held = Counter(
        kind_of(9, cls, i) for cls in CLASSES for i in range(20) if split_of(i) == "holdout"
    )
    assert set(held) == set(KINDS)


# --- the registry, lookalikes, dates ---------------------------------------------------------------


def test_registry_brands_come_from_the_sample_csv() -> None:
    brands = {b.name: b for b in registry_brands()}
    assert brands["Vinamilk"].company_code == "VNM"
    assert brands["Vinamilk"].prefix == "8934673"
    assert "8934673000017" in brands["Vinamilk"].gtins
    assert brands["Hảo Hảo"].company_name == "Công ty Cổ phần Acecook Việt Nam"
    assert brands["G7"].company_code == brands["Trung Nguyên"].company_code == "TNG"


@pytest.mark.parametrize(
    ("text", "brand", "catchable"),
    [
        ("Vinamllk", "Vinamilk", True),  # i → l
        ("Vinammilk", "Vinamilk", True),  # a letter doubled
        ("Vina milk", "Vinamilk", True),  # a space inserted
        ("Hảo Hạo", "Hảo Hảo", True),  # one tone changed: same letters, other diacritics
        ("Trung Nguyèn", "Trung Nguyên", True),
        ("Vinamilk", "Vinamilk", False),  # the brand itself
        ("VINAMILK", "Vinamilk", False),  # capitals are the same brand
        ("Vifan", "Vifon", False),  # one letter in five: too far for the matcher's cut-off
        ("Bia Hà Nội", "Bia Saigon", False),  # another registry brand
    ],
)
def test_which_misspellings_count_as_lookalikes(text: str, brand: str, catchable: bool) -> None:
    assert is_catchable_lookalike(text, brand) is catchable


def test_made_lookalikes_are_catchable_misspellings_of_every_sort() -> None:
    rng = random.Random(1)
    made = [make_lookalike(rng) for _ in range(300)]
    names = {b.name for b in registry_brands()}
    for brand, text, _how in made:
        assert text not in names
        assert is_catchable_lookalike(text, brand.name), (text, brand.name)
    assert {how for _, _, how in made} == {"letter", "diacritic", "double", "space"}


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("Sản xuất bởi: Công ty Cổ phần Tập đoàn Trung Nguyên", {"Trung Nguyên"}),
        ("Giày thể thao BITI'S HUNTER nam", {"Biti's Hunter", "Biti's"}),  # one inside the other
        ("Xuất xứ: Việt Nam", set()),
        ("Bia Sài Gòn", set()),  # not the registered spelling "Bia Saigon"
    ],
)
def test_brands_named_in_a_line(text: str, brands: set[str]) -> None:
    assert brands_named(text) == brands


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # clamped to the end of February
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 11, 27), -12, dt.date(2025, 11, 27)),
        (dt.date(2026, 3, 15), 18, dt.date(2027, 9, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def _printed_forms(day: dt.date) -> set[str]:
    return {
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}",
        f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}",
        day.isoformat(),
    }


def test_vietnamese_date_lines_print_the_dates_they_state() -> None:
    made, expires = dt.date(2026, 3, 31), dt.date(2027, 3, 31)
    for seed in range(200):
        lines, manufactured, stated = _vn_date_lines(random.Random(seed), made, expires, 12)
        text = " ".join(lines)
        month_only = re.search(r"HSD: (\d\d)/(\d{4})$", text)
        if month_only:  # "HSD: 03/2027" is good to the end of March
            assert stated == dt.date(2027, 3, 31)
            assert manufactured == dt.date(2026, 3, 1)
        elif "tháng kể từ NSX" in text:
            assert "HSD: 12 tháng kể từ NSX" in text
            assert stated == add_months(made, 12)
        else:
            assert any(form in text for form in _printed_forms(stated)), text
        if manufactured and not month_only:
            assert any(form in text for form in _printed_forms(manufactured)), text


# --- rendered samples ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_same_seed_gives_the_same_bytes() -> None:
    first = render_label_sample(3, "clean", 2, today=TODAY)
    again = render_label_sample(3, "clean", 2, today=TODAY)
    other = render_label_sample(4, "clean", 2, today=TODAY)
    assert first.image_bytes == again.image_bytes
    assert first.truth == again.truth
    assert first.plan == again.plan
    assert other.image_bytes != first.image_bytes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[LabelSample]:
    """Ten samples of every class (so every class × kind), rendered on 2 processes (~1 min)."""
    cache = tmp_path_factory.mktemp("label-corpus")
    samples = build_label_corpus(9, 10, CLASSES, TODAY, cache, jobs=2)
    messages: list[str] = []
    again = build_label_corpus(9, 10, CLASSES, TODAY, cache, jobs=2, progress=messages.append)
    assert messages == []  # all cached
    assert [s.truth for s in again] == [s.truth for s in samples]
    return samples


@pytest.mark.slow
def test_every_class_and_kind_renders_at_a_declared_frame_size(corpus: list[LabelSample]) -> None:
    frames = {f for w, h in FRAMES for f in ((w, h), (h, w))}
    seen = Counter((s.cls, s.truth.kind) for s in corpus)
    assert set(seen) == {(cls, kind) for cls in CLASSES for kind in KINDS}
    for sample in corpus:
        data = sample.image_bytes
        assert len(data) <= MAX_BYTES, sample.key
        image = load_image(data)  # the app's loader, EXIF orientation applied
        assert image.size == sample.size, sample.key
        assert sample.size in frames, sample.key
    twelve_mp = {s.cls for s in corpus if s.size[0] * s.size[1] == 12_000_000}
    assert "scale" in twelve_mp
    assert len(twelve_mp) >= len(CLASSES) // 2


@pytest.mark.slow
def test_truth_agrees_with_what_was_drawn(corpus: list[LabelSample]) -> None:
    brands = {b.name: b for b in registry_brands()}
    for sample in corpus:
        t = sample.truth
        if t.gtin:
            assert gs1_check_digit(t.gtin[:-1]) == t.gtin[-1], sample.key
        if t.expires:
            assert t.expired is (t.expires < TODAY), sample.key
        if t.brand_text:
            assert t.printed[0] == t.brand_text, sample.key
        if t.origin_text:
            assert t.origin_text in t.printed, sample.key
        if t.kind == "genuine":
            assert t.brand in brands and t.brand not in t.other_brands, sample.key
            assert t.gtin.startswith(brands[t.brand].prefix), sample.key
            assert t.vietnamese_text, sample.key
            assert t.maker_company_code in (None, brands[t.brand].company_code), sample.key
        elif t.kind == "lookalike":
            assert t.brand is None and t.lookalike_text == t.brand_text, sample.key
            assert is_catchable_lookalike(t.lookalike_text, t.lookalike_of), sample.key
        elif t.kind.startswith("foreign"):
            assert t.brand is None and t.maker_company_code is None, sample.key
            assert t.origin_country not in (None, "VN"), sample.key
            assert not t.gtin.startswith("893"), sample.key
            assert t.vietnamese_text is (t.kind == "foreign_with_vn_sublabel"), sample.key
        else:
            assert t.printed == () and not t.vietnamese_text, sample.key
    kinds = Counter(s.truth.kind for s in corpus)
    assert kinds["genuine"] == 4 * len(CLASSES)
    assert any(s.truth.expired for s in corpus)
    assert sum(s.truth.expired for s in corpus) < sum(bool(s.truth.expires) for s in corpus) / 3


@pytest.mark.slow
def test_clean_barcodes_read_back_as_the_truths_gtin(corpus: list[LabelSample]) -> None:
    clean = [s for s in corpus if s.cls == "clean" and s.truth.gtin]
    assert len(clean) >= 8
    for sample in clean:
        image = load_image(sample.image_bytes)
        texts = {r.text for r in zxingcpp.read_barcodes(image)}
        assert texts == {sample.truth.gtin}, sample.key


# --- the bench's scoring ---------------------------------------------------------------------------


def company(code: str) -> CompanyFact:
    return CompanyFact(
        id=1,
        code=code,
        name=f"Công ty {code}",
        tax_code=None,
        address="",
        province_code=None,
        prefixes=(),
        brands=(),
        certifications=(),
        is_sample=True,
    )


def finding(kind: MatchKind, brand: str, text: str | None = None) -> BrandFinding:
    return BrandFinding(text or brand, kind, BrandEntry(1, brand, 1), 90.0)


def reading_of(truth: LabelTruth) -> LabelReading:
    """What a perfect reader would report for a label with this truth."""
    brands = []
    if truth.brand:
        brands.append(finding(MatchKind.EXACT, truth.brand))
    if truth.lookalike_of:
        brands.append(finding(MatchKind.CLOSE, truth.lookalike_of, truth.lookalike_text))
    maker = None
    if truth.maker_text:
        code = truth.maker_company_code
        maker = MakerFinding(
            PartyRole.MANUFACTURER, truth.maker_text, company(code) if code else None
        )
    origin = None
    if truth.origin_country:
        origin = Origin(truth.origin_text or "", truth.origin_country, truth.origin_text or "")
    return LabelReading(
        lines=tuple(Line(text) for text in truth.printed),
        brands=tuple(brands),
        maker=maker,
        origin=origin,
        dates=LabelDates(manufactured=truth.manufactured, expires=truth.expires),
        dates_certain=truth.expires is not None,  # a second reading agreed
        vietnamese_text=truth.vietnamese_text,
    )


GENUINE = LabelTruth(
    kind="genuine",
    brand="Vinamilk",
    brand_text="Vinamilk",
    maker_company_code="VNM",
    maker_text="Công ty Cổ phần Sữa Việt Nam",
    origin_country="VN",
    origin_text="Xuất xứ: Việt Nam",
    expires=dt.date(2027, 5, 1),
    vietnamese_text=True,
    gtin="8934673000017",
)
FOREIGN = LabelTruth(
    kind="foreign_with_vn_sublabel",
    brand_text="Siam Orchid",
    origin_country="TH",
    expires=dt.date(2026, 1, 1),
    expired=True,
    vietnamese_text=True,
    gtin="8850000000007",
    printed=("Siam Orchid", "Made in Thailand", "Nhà nhập khẩu: Công ty TNHH Hoa Lan"),
)


def test_a_perfect_reading_scores_every_check_and_no_false_finding(bench: ModuleType) -> None:
    result = bench.score(GENUINE, reading_of(GENUINE), ["08934673000017"], TODAY)
    assert result.checks == {
        "brand": True,
        "lookalike": None,  # not a lookalike label
        "maker": True,
        "origin": True,
        "expiry": True,
        "vn_text": True,
        "code": True,
    }
    assert result.false == {}


def swap(reading: LabelReading, **changes: object) -> LabelReading:
    values = {name: getattr(reading, name) for name in LabelReading.__dataclass_fields__}
    values.update(changes)
    return LabelReading(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("truth", "changes", "missed", "false"),
    [
        # A lookalike warning on a genuine label: brand still found, false finding (a).
        (
            GENUINE,
            {"brands": (finding(MatchKind.EXACT, "Vinamilk"), finding(MatchKind.CLOSE, "Vifon"))},
            set(),
            {"a"},
        ),
        # Another registry brand read EXACT: a miss and (a).
        (GENUINE, {"brands": (finding(MatchKind.EXACT, "Vissan"),)}, {"brand"}, {"a"}),
        # An expiry misread into the past on a good product: a miss and (b).
        (GENUINE, {"dates": LabelDates(expires=dt.date(2025, 5, 1))}, {"expiry"}, {"b"}),
        # The maker matched to another registry company: a miss and (c).
        (
            GENUINE,
            {"maker": MakerFinding(PartyRole.MANUFACTURER, "Công ty X", company("THM"))},
            {"maker"},
            {"c"},
        ),
        # No maker read at all: only a miss.
        (GENUINE, {"maker": None}, {"maker"}, set()),
        # The sub-label missed: a VN-text miss and (d).
        (FOREIGN, {"vietnamese_text": False}, {"vn_text"}, {"d"}),
        # No text read at all: the verdict gives no sub-label warning, so only a miss.
        (FOREIGN, {"vietnamese_text": False, "lines": ()}, {"vn_text"}, set()),
        # A registry brand on an imported product: (e).
        (FOREIGN, {"brands": (finding(MatchKind.CLOSE, "Vinamilk", "Vinamik"),)}, set(), {"e"}),
        # A G7 label names Trung Nguyên in its maker line: finding it too is no false finding.
        (
            dataclasses.replace(GENUINE, brand="G7", other_brands=("Trung Nguyên",)),
            {
                "brands": (
                    finding(MatchKind.EXACT, "G7"),
                    finding(MatchKind.EXACT, "Trung Nguyên"),
                )
            },
            set(),
            set(),
        ),
        # An expired product read as expired is no false finding.
        (FOREIGN, {}, set(), set()),
    ],
)
def test_misses_and_false_findings_are_counted(
    bench: ModuleType,
    truth: LabelTruth,
    changes: dict[str, object],
    missed: set[str],
    false: set[str],
) -> None:
    reading = swap(reading_of(truth), **changes)
    result = bench.score(truth, reading, [truth.gtin.zfill(14)], TODAY)
    assert {c for c, ok in result.checks.items() if ok is False} == missed
    assert set(result.false) == false


def tiny_sample(truth: LabelTruth, index: int) -> LabelSample:
    photo = to_png_bytes(Image.new("RGB", (64, 48), (200, 190, 170)))
    return LabelSample("clean", index, truth, {}, (64, 48), "png", data=photo)


def test_a_reader_crash_is_a_miss_on_every_check_and_the_run_goes_on(bench: ModuleType) -> None:
    def read(images: object) -> LabelReading:
        if not calls:
            calls.append(1)
            raise RuntimeError("No text returned")
        return reading_of(FOREIGN)

    calls: list[int] = []
    rows = bench.run(
        [tiny_sample(GENUINE, 0), tiny_sample(FOREIGN, 1)],
        read,
        lambda image: [],
        TODAY,
        warm=False,
    )
    assert rows[0]["error"] == "RuntimeError: No text returned"
    assert rows[0]["checks"]["brand"] is False and rows[0]["checks"]["vn_text"] is False
    assert rows[0]["false"] == {}  # a crash claims nothing
    assert rows[1]["error"] is None and rows[1]["false"] == {}
    assert "read_label error: RuntimeError" in bench.failures(rows)
    assert "1 read_label errors" in bench.goals_line(rows)


@pytest.mark.slow
def test_the_bench_runs_end_to_end_with_a_reader_that_reads_the_truth(
    bench: ModuleType, corpus: list[LabelSample]
) -> None:
    samples = [s for s in corpus if s.cls in ("clean", "hard")]
    truths = iter(s.truth for s in samples)
    rows = bench.run(
        samples,
        lambda images: reading_of(next(truths)),
        lambda image: [],
        TODAY,
        warm=False,
    )
    assert all(r["false"] == {} for r in rows)
    assert all(ok is not False for r in rows for c, ok in r["checks"].items() if c != "code")
    table = bench.table(rows)
    assert "| clean | 10 | 100% 4/4 | 100% 3/3 |" in table
    assert "| **overall** | 20 |" in table
    assert "brand 100% (goal ≥ 95%: met)" in bench.goals_line(rows)
    assert "clean-to-moderate, n=10:" in bench.goals_line(rows)  # hard is not held to the goals
    assert "missed: code" in bench.failures(rows)  # the stand-in decoder read no barcode
