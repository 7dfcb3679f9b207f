"""A seeded, reproducible corpus of phone photos of product labels, with what each label says.

For benchmarking the label reader (``barcode_db.label.read_label``): brand, maker, origin, dates and
whether there is Vietnamese text, read by OCR from a photo. Each sample is a product-label panel
drawn with Pillow in system fonts that carry Vietnamese (DejaVu, Liberation, Noto; bold brand line,
coloured paper and brand colours, never black on pure white), a GTIN printed as an EAN-13 symbol
with its digits, then photographed the way :mod:`tests.support.corpus` photographs barcodes (it
reuses that module's warps and light, not copies of them) and encoded as a phone would send it:
JPEG with EXIF (portrait shots often stored sideways with an Orientation tag), now and then PNG.

Kinds of label (``LabelTruth.kind``), dealt in shuffled blocks of ten per class, so every class
with 10 or more samples has exactly these rates:

* ``genuine`` (40 %): a brand of the sample registry (``barcode_db/data/sample_registry.csv``),
  spelt as registered (sometimes in capitals), its company as maker, "Xuất xứ: Việt Nam", dates and
  a GTIN under the company's prefix (the registered product's GTIN where the CSV has one).
* ``lookalike`` (30 %): a registry brand misspelt the way imitations are: a letter changed
  (i→l, m→rn, o→0, … or any letter), a diacritic changed or dropped ("Hảo Hạo", "Trung Nguyèn"), a
  letter doubled ("Vinammilk") or a space inserted ("Vina milk"). Only misspellings a brand matcher
  is meant to catch are used: ``fuzz.ratio`` of the match keys at least :data:`LOOKALIKE_MIN_RATIO`
  (the registry matcher's default cut-off) and nearer to that brand than to any other, or the same
  letters with other diacritics. Most carry the genuine product's barcode (imitations copy it); the
  maker is an unknown company, none, or the genuine company copied.
* ``foreign_with_vn_sublabel`` / ``foreign_without_vn_sublabel`` (10 % each): an imported product,
  an invented brand in English (French, German, Malay or Thai lines too), "Made in Thailand" or
  "Product of Japan", an "Imported by" line, foreign dates and an EAN-13 with that country's GS1
  prefix; half carry a Vietnamese sub-label sticker ("Nhà nhập khẩu: …, Xuất xứ: Thái Lan, …").
* ``no_text`` (10 %): a barcode sticker on a pack and nothing else, or a pack side with no text.

Classes (the degradation, ``CLASSES``): ``clean``, ``scale`` (small text in a big frame, mostly
12 MP), ``rotation`` (±3-15°), ``perspective``, ``blur`` (mild to moderate, Gaussian or motion),
``jpeg`` (quality 15-50), ``light`` (dim, low contrast, uneven, shadow edge, warm cast),
``curved`` (round a can), ``noise``, and ``hard`` (three stronger damages combined, beyond what the
reader is expected to handle). ``CLEAN_TO_MODERATE`` is every class but ``hard``. Frames are
1600×1200 to 4000×3000 (12 MP in every class), landscape or portrait.

Split: samples whose ``index % 5 == 4`` are the *holdout*, the others the *tuning* set; tune the
reader on ``tune`` only and report ``holdout`` too.

Each sample is a pure function of ``(seed, class, index, today)``: the dates are drawn around
``today`` (most still valid, some expired). The same arguments give the same bytes on a machine
with the same Pillow (with libraqm), numpy and fonts. :func:`build_label_corpus` renders missing
samples on 2 processes into a cache directory with a ``manifest.json`` of truths and plans, and
reuses them later.

Used by ``scripts/bench_label.py`` and its tests; nothing here is imported by the application. It
needs python-barcode (requirements-dev) through :mod:`tests.support.labels`.
"""

from __future__ import annotations

import calendar
import colorsys
import datetime as dt
import json
import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

import barcode
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz import fuzz

from barcode_db.importer import read_rows
from barcode_db.textkey import match_key
from tests.support.corpus import (
    _cylinder,
    _glare,
    _gradient,
    _motion_blur,
    _perspective,
    _shadow_edge,
)
from tests.support.labels import (
    _noisy_background,
    barcode_image,
    to_jpeg_bytes,
    to_png_bytes,
    with_check_digit,
)

LABEL_CORPUS_VERSION = 2
"""Bump when the generator changes, so that old cached images are not reused."""

CLASSES: tuple[str, ...] = (
    "clean",
    "scale",
    "rotation",
    "perspective",
    "blur",
    "jpeg",
    "light",
    "curved",
    "noise",
    "hard",
)
CLEAN_TO_MODERATE: tuple[str, ...] = tuple(c for c in CLASSES if c != "hard")

KINDS: tuple[str, ...] = (
    "genuine",
    "lookalike",
    "foreign_with_vn_sublabel",
    "foreign_without_vn_sublabel",
    "no_text",
)
_KIND_BLOCK: tuple[str, ...] = (
    ("genuine",) * 4
    + ("lookalike",) * 3
    + ("foreign_with_vn_sublabel", "foreign_without_vn_sublabel", "no_text")
)

FRAMES: tuple[tuple[int, int], ...] = ((1600, 1200), (2016, 1512), (3000, 2250), (4000, 3000))
"""Phone-sized frames, landscape; a sample may also be portrait."""

DEFAULT_TODAY = dt.date(2026, 11, 27)
"""The default 'today' the dates are drawn around, so that a default run is reproducible."""

DEFAULT_CACHE = Path("/tmp/hangviet-label-corpus")

LOOKALIKE_MIN_RATIO = 85.0
"""A misspelling is a lookalike when fuzz.ratio of the match keys reaches this (the matcher's
default ``close_cutoff``); weaker ones are not used (no matcher is expected to catch them)."""

MAX_BYTES = 9_500_000
"""Below the app's 10 MB upload limit: the JPEG quality is lowered until the file fits."""

REGISTRY_CSV = Path(__file__).resolve().parents[2] / "barcode_db" / "data" / "sample_registry.csv"

RGB = tuple[int, int, int]


def split_of(index: int) -> str:
    """``"holdout"`` for every fifth sample (``index % 5 == 4``), else ``"tune"``."""
    return "holdout" if index % 5 == 4 else "tune"


# --- truth and samples ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelTruth:
    """What is printed on the label, as a reader should report it."""

    kind: str  # one of KINDS
    brand: str | None = None  # the registry brand a reader should recognise (genuine labels)
    brand_text: str | None = None  # the brand line as printed (any kind)
    lookalike_text: str | None = None  # the imitation spelling printed
    lookalike_of: str | None = None  # the registry brand it imitates
    maker_company_code: str | None = None  # when the maker line names a registry company
    maker_text: str | None = None  # the organisation's name as printed (no role, no address)
    maker_role: str | None = None  # barcode_db.label_text.PartyRole value
    origin_country: str | None = None  # ISO 3166-1 alpha-2; None when no origin line is printed
    origin_text: str | None = None  # the origin line as printed
    manufactured: dt.date | None = None  # month-only dates: the 1st of the month
    expires: dt.date | None = (
        None  # month-only dates: the last day; "12 tháng kể từ NSX": NSX + 12 months
    )
    expired: bool = False  # expires < today
    vietnamese_text: bool = False
    gtin: str | None = None  # the 13 digits printed as an EAN-13 symbol
    # Other registry brands printed in other lines, e.g. "Trung Nguyên" in the maker line of a G7
    # label ("Công ty Cổ phần Tập đoàn Trung Nguyên"): finding them is no mistake.
    other_brands: tuple[str, ...] = ()
    printed: tuple[str, ...] = ()  # every line of text on the label, top to bottom (diagnostics)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("manufactured", "expires"):
            data[name] = data[name].isoformat() if data[name] else None
        data["other_brands"] = list(self.other_brands)
        data["printed"] = list(self.printed)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelTruth:
        values = dict(data)
        for name in ("manufactured", "expires"):
            values[name] = dt.date.fromisoformat(values[name]) if values[name] else None
        values["other_brands"] = tuple(values.get("other_brands", ()))
        values["printed"] = tuple(values.get("printed", ()))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class LabelSample:
    """One photo: its bytes (``data``, or the cached file at ``path``), truth and plan."""

    cls: str
    index: int
    truth: LabelTruth
    plan: dict[str, Any]  # the degradation and drawing choices, for reports
    size: tuple[int, int]  # upright frame, after the EXIF orientation is applied
    format: str  # "jpeg" or "png"
    data: bytes | None = None
    path: str | None = None

    @property
    def key(self) -> str:
        return f"{self.cls}/{self.index:03d}"

    @property
    def split(self) -> str:
        return split_of(self.index)

    @property
    def image_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return Path(self.path).read_bytes()


# --- the sample registry, read from its CSV -------------------------------------------------------


@dataclass(frozen=True)
class RegistryBrand:
    name: str
    company_code: str
    company_name: str
    address: str
    prefix: str
    gtins: tuple[str, ...]  # registered products of this brand
    product_names: tuple[str, ...]


@cache
def registry_brands(path: Path = REGISTRY_CSV) -> tuple[RegistryBrand, ...]:
    """The brands of the registry CSV with their company, first prefix and products."""
    rows, errors = read_rows(path.read_text("utf-8"))
    if errors:
        raise ValueError(f"{path}: {errors}")
    companies = {r["company_code"]: r for r in rows if r["record"] == "company"}
    prefixes: dict[str, str] = {}
    for r in rows:
        if r["record"] == "prefix":
            prefixes.setdefault(r["company_code"], r["prefix"])
    products = [r for r in rows if r["record"] == "product"]
    brands = []
    for r in rows:
        if r["record"] != "brand":
            continue
        company = companies[r["company_code"]]
        mine = [p for p in products if p.get("brand") == r["brand"]]
        brands.append(
            RegistryBrand(
                name=r["brand"],
                company_code=r["company_code"],
                company_name=company["name"],
                address=company.get("address", ""),
                prefix=prefixes[r["company_code"]],
                gtins=tuple(p["gtin"] for p in mine),
                product_names=tuple(p["name"] for p in mine),
            )
        )
    return tuple(brands)


def _brand_keys() -> dict[str, str]:
    return {match_key(b.name): b.name for b in registry_brands()}


def brands_named(text: str) -> set[str]:
    """The registry brands named in ``text`` as runs of whole words ("Biti's Hunter" names two)."""
    words = match_key(text).split(" ")
    named = set()
    for key, name in _brand_keys().items():
        size = key.count(" ") + 1
        if any(" ".join(words[i : i + size]) == key for i in range(len(words) - size + 1)):
            named.add(name)
    return named


def mentions_brand(text: str, *, other_than: str | None = None) -> str | None:
    """A registry brand named in ``text`` as a run of whole words, other than ``other_than``."""
    return min(brands_named(text) - {other_than}, default=None)


# --- words on labels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Category:
    products: tuple[str, ...]  # "{brand}" is replaced by the brand as printed
    net: tuple[str, ...]
    ingredients: tuple[str, ...]
    usage: tuple[str, ...]
    extra: tuple[str, ...]
    shelf_months: tuple[int, ...]  # empty: no dates printed (shoes)


_STORAGE = (
    "Hướng dẫn bảo quản: Nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
    "Bảo quản nơi khô ráo, thoáng mát. Tránh ánh nắng trực tiếp.",
    "Hướng dẫn bảo quản: Để nơi khô mát, đậy kín sau khi sử dụng.",
    "Bảo quản ở nhiệt độ thường, tránh nơi có nhiệt độ cao.",
)
_COMMON = (
    "Sản phẩm đạt tiêu chuẩn an toàn thực phẩm.",
    "Không sử dụng khi bao bì bị rách, phồng hoặc biến dạng.",
    "Thông tin cảnh báo: Không dùng cho người mẫn cảm với thành phần của sản phẩm.",
    "Đường dây nóng: 1800 6868",
    "Số lô: xem trên bao bì",
    "Tiêu chuẩn cơ sở: TCCS 04:2024",
    "Số tự công bố: 02/2024/CB-SP",
)
_CATEGORIES: dict[str, _Category] = {
    "milk": _Category(
        (
            "Sữa tươi tiệt trùng {brand} có đường",
            "Sữa tươi tiệt trùng {brand} ít đường",
            "Sữa tươi thanh trùng {brand} không đường",
            "Sữa chua uống {brand} hương dâu",
        ),
        ("Thể tích thực: 180 ml", "Thể tích thực: 110 ml", "Thể tích thực: 1 lít"),
        (
            "Thành phần: Sữa bò tươi (96%), đường tinh luyện (3,8%), chất ổn định.",
            "Thành phần: Sữa tươi, đường, vitamin A, D3, khoáng chất (canxi).",
        ),
        ("Hướng dẫn sử dụng: Uống trực tiếp, ngon hơn khi uống lạnh.", "Lắc đều trước khi uống."),
        (
            "Sau khi mở hộp, giữ lạnh và dùng hết trong 24 giờ.",
            "Năng lượng trong 100 ml: 75 kcal.",
        ),
        (6, 9, 12),
    ),
    "condensed_milk": _Category(
        ("Sữa đặc có đường {brand}", "Kem đặc có đường {brand} nhãn đỏ"),
        ("Khối lượng tịnh: 380 g", "Khối lượng tịnh: 1,284 kg"),
        ("Thành phần: Đường, sữa bột, dầu thực vật, lactose, chất nhũ hóa.",),
        ("Hướng dẫn sử dụng: Pha với nước ấm hoặc dùng với cà phê, bánh mì.",),
        ("Không dùng cho trẻ dưới 12 tháng tuổi.",),
        (12, 18),
    ),
    "coffee_ground": _Category(
        ("Cà phê rang xay {brand} Sáng Tạo", "Cà phê hạt rang {brand} Premium Blend"),
        ("Khối lượng tịnh: 500 g", "Khối lượng tịnh: 340 g"),
        ("Thành phần: Cà phê Robusta, Arabica rang xay.",),
        ("Hướng dẫn sử dụng: Pha phin 20 g cà phê với 50 ml nước sôi.",),
        ("Hương vị đậm đà, thơm nồng.",),
        (18, 24),
    ),
    "coffee_instant": _Category(
        ("Cà phê hòa tan {brand} 3in1", "Cà phê sữa đá {brand}", "Cà phê đen {brand}"),
        ("Khối lượng tịnh: 18 gói x 16 g", "Khối lượng tịnh: 288 g"),
        ("Thành phần: Đường, bột kem thực vật, cà phê hòa tan (14%).",),
        ("Hướng dẫn sử dụng: Hòa 1 gói với 70 ml nước nóng, khuấy đều.",),
        ("Có thể thêm đá để uống lạnh.",),
        (18, 24),
    ),
    "shoes": _Category(
        ("Giày thể thao {brand} nam", "Dép quai hậu {brand}", "Giày chạy bộ {brand} Street"),
        ("Cỡ: 40", "Cỡ: 42", "Size: 38"),
        ("Chất liệu: Vải dệt, đế cao su EVA.", "Chất liệu: Da tổng hợp, đế cao su."),
        ("Không giặt bằng máy. Phơi nơi thoáng mát.",),
        ("Màu: Đen phối trắng", "Màu: Xanh rêu"),
        (),
    ),
    "noodles": _Category(
        ("Mì {brand} tôm chua cay", "Mì ăn liền {brand} sa tế hành", "Phở bò {brand}"),
        ("Khối lượng tịnh: 75 g", "Khối lượng tịnh: 65 g"),
        ("Thành phần vắt mì: Bột mì, dầu thực vật, tinh bột, muối, đường.",),
        ("Hướng dẫn sử dụng: Cho vắt mì và gia vị vào tô, chế 400 ml nước sôi, đậy 3 phút.",),
        ("Gói gia vị: muối, đường, tôm khô, ớt, tỏi.",),
        (5, 6),
    ),
    "sauce": _Category(
        ("Nước tương {brand} tỏi ớt", "Tương ớt {brand}", "Nước mắm {brand} 10 độ đạm"),
        ("Thể tích thực: 500 ml", "Thể tích thực: 250 ml"),
        ("Thành phần: Nước, muối, đường, đạm đậu nành, chất điều vị (621).",),
        ("Hướng dẫn sử dụng: Dùng chấm hoặc nêm nếm món ăn.",),
        ("Đậy kín nắp sau khi dùng.",),
        (12, 24),
    ),
    "meat": _Category(
        ("Xúc xích tiệt trùng {brand} heo", "Lạp xưởng {brand} mai quế lộ", "Thịt heo hầm {brand}"),
        ("Khối lượng tịnh: 200 g", "Khối lượng tịnh: 500 g"),
        ("Thành phần: Thịt heo (65%), mỡ heo, đường, muối, tiêu.",),
        ("Hướng dẫn sử dụng: Dùng ngay hoặc chiên, nướng.",),
        ("Sản phẩm đã được tiệt trùng.",),
        (6, 12),
    ),
    "beer": _Category(
        ("{brand} Lager", "{brand} lon 330 ml", "{brand} Export"),
        ("Thể tích thực: 330 ml", "Thể tích thực: 500 ml"),
        ("Thành phần: Nước, malt đại mạch, gạo, hoa houblon.",),
        ("Ngon hơn khi uống lạnh.",),
        ("Độ cồn: 4,9% vol", "Uống có trách nhiệm. Không dành cho người dưới 18 tuổi."),
        (12,),
    ),
    "confectionery": _Category(
        ("Bánh bông lan {brand} kem bơ", "Kẹo sữa {brand}", "Bánh quy {brand} bơ sữa"),
        ("Khối lượng tịnh: 336 g", "Khối lượng tịnh: 150 g"),
        ("Thành phần: Bột mì, đường, trứng, dầu thực vật, sữa bột.",),
        ("Dùng ngay sau khi mở gói.",),
        ("Sản phẩm có chứa gluten, trứng và sữa.",),
        (6, 9, 12),
    ),
    "tea": _Category(
        ("{brand} búp đặc biệt", "{brand} – trà xanh hảo hạng"),
        ("Khối lượng tịnh: 200 g", "Khối lượng tịnh: 100 g"),
        ("Thành phần: 100% búp chè xanh.",),
        ("Hướng dẫn sử dụng: Tráng ấm, cho 5-7 g chè, hãm 3-5 phút với nước 85-90 °C.",),
        ("Đặc sản Thái Nguyên.",),
        (12, 24),
    ),
}
_BRAND_CATEGORY = {
    "Vinamilk": "milk",
    "TH true MILK": "milk",
    "Ông Thọ": "condensed_milk",
    "Trung Nguyên": "coffee_ground",
    "G7": "coffee_instant",
    "Biti's": "shoes",
    "Biti's Hunter": "shoes",
    "Hảo Hảo": "noodles",
    "Vifon": "noodles",
    "Chin-su": "sauce",
    "Nam Ngư": "sauce",
    "Vissan": "meat",
    "Bia Saigon": "beer",
    "333": "beer",
    "Bia Hà Nội": "beer",
    "Bibica": "confectionery",
    "Chè Tân Cương": "tea",
}

_VN_ORIGIN_LINES = (
    "Xuất xứ: Việt Nam",
    "Xuất xứ: Việt Nam",
    "Sản xuất tại Việt Nam",
    "Made in Vietnam",
    "Made in Viet Nam",
    "Xuất xứ hàng hóa: Việt Nam",
)
_FAKE_MAKERS = (
    "Công ty TNHH Thực phẩm Hưng Thịnh Phát",
    "Công ty TNHH SX TM Tân Phát Lộc",
    "Cơ sở sản xuất Minh Khang",
    "Công ty TNHH Đầu tư Thương mại Phúc An Gia",
    "Công ty TNHH Hàng tiêu dùng Kim Long",
)
_IMPORTERS = (
    "Công ty TNHH Thương mại Xuất nhập khẩu Minh Phát",
    "Công ty Cổ phần Phân phối Hoàng Gia Việt",
    "Công ty TNHH Quốc tế An Khang",
    "Công ty TNHH Thực phẩm Nhập khẩu Sao Mai",
)
_IMPORTER_ADDRESSES = (
    "25 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh",
    "118 Trần Duy Hưng, phường Yên Hòa, Hà Nội",
    "Lô B4, KCN Tân Tạo, TP. Hồ Chí Minh",
)


@dataclass(frozen=True)
class _Country:
    code: str
    english: str
    vietnamese: str
    gs1: tuple[str, ...]  # GS1 prefixes
    language: str  # a second language for some lines: "", "fr", "de", "ms", "th"
    brands: tuple[str, ...]
    cities: tuple[str, ...]


_COUNTRIES = (
    _Country(
        "TH",
        "Thailand",
        "Thái Lan",
        ("885",),
        "th",
        ("Siam Orchid", "Chaba Gold"),
        ("Bangkok", "Chonburi"),
    ),
    _Country(
        "JP", "Japan", "Nhật Bản", ("45", "49"), "", ("Kirafuji", "Hanamori"), ("Osaka", "Saitama")
    ),
    _Country(
        "KR",
        "Korea",
        "Hàn Quốc",
        ("880",),
        "",
        ("Hanbit Farm", "Seoul Harvest"),
        ("Seoul", "Incheon"),
    ),
    _Country(
        "MY",
        "Malaysia",
        "Malaysia",
        ("955",),
        "ms",
        ("Merbok Valley", "Kopi Harimau"),
        ("Penang", "Johor Bahru"),
    ),
    _Country(
        "FR",
        "France",
        "Pháp",
        ("30", "34", "37"),
        "fr",
        ("Maison Lavigne", "Belle Prairie"),
        ("Lyon", "Rennes"),
    ),
    _Country(
        "DE", "Germany", "Đức", ("40", "42"), "de", ("Bergfeld", "Alpenquell"), ("Hamburg", "Köln")
    ),
    _Country(
        "AU",
        "Australia",
        "Úc",
        ("93",),
        "",
        ("Koala Ridge", "Southern Cross Dairy"),
        ("Melbourne", "Perth"),
    ),
    _Country(
        "CN",
        "China",
        "Trung Quốc",
        ("690", "692", "693"),
        "",
        ("Golden Panda", "Jade River"),
        ("Guangzhou", "Xiamen"),
    ),
)
_FOREIGN_PRODUCTS = (
    ("Coconut Milk Drink", "Nước cốt dừa", ("Ingredients: coconut extract (60%), water, sugar.",)),
    (
        "Butter Cookies",
        "Bánh quy bơ",
        ("Ingredients: wheat flour, butter (22%), sugar, eggs, salt.",),
    ),
    (
        "Instant Noodles Kimchi Flavour",
        "Mì ăn liền vị kim chi",
        ("Ingredients: wheat flour, palm oil, salt, chilli.",),
    ),
    ("UHT Whole Milk", "Sữa tươi tiệt trùng nguyên kem", ("Ingredients: 100% fresh cow's milk.",)),
    (
        "Dark Chocolate 70%",
        "Sô cô la đen 70%",
        ("Ingredients: cocoa mass, sugar, cocoa butter, vanilla.",),
    ),
    (
        "Rice Crackers Seaweed",
        "Bánh gạo rong biển",
        ("Ingredients: rice, seaweed (3%), soy sauce, sugar.",),
    ),
)
_ENGLISH_LINES = (
    "Store in a cool, dry place away from direct sunlight.",
    "Once opened, keep refrigerated and consume within 3 days.",
    "Allergy advice: contains milk, soy and wheat.",
    "Nutrition information per 100 g: energy 452 kcal.",
    "Serving suggestion: best served chilled.",
    "Keep out of reach of children.",
)
_OTHER_LANGUAGE_LINES = {
    "fr": (
        "Ingrédients : farine de blé, beurre, sucre, œufs.",
        "À conserver dans un endroit sec et frais.",
    ),
    "de": ("Zutaten: Weizenmehl, Butter, Zucker, Eier.", "Trocken und kühl lagern."),
    "ms": ("Bahan-bahan: santan kelapa, air, gula.", "Simpan di tempat yang sejuk dan kering."),
    "th": ("ส่วนประกอบ: กะทิ น้ำ น้ำตาล", "เก็บในที่แห้งและเย็น"),
}
_MONTHS_EN = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


# --- lookalikes -----------------------------------------------------------------------------------

_CONFUSABLE = {
    "i": ("l", "1"),
    "l": ("i",),
    "m": ("rn", "n"),
    "n": ("h", "m"),
    "o": ("0", "a", "e"),
    "a": ("o", "e"),
    "e": ("c", "a"),
    "u": ("v", "n"),
    "h": ("n", "b"),
    "t": ("f",),
    "c": ("e",),
    "s": ("5",),
    "g": ("q",),
    "S": ("5",),
    "G": ("C", "6"),
    "B": ("8",),
    "O": ("0", "Q"),
    "I": ("1",),
}
_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền, sắc, ngã, hỏi, nặng
_MODIFIERS = ("\u0302", "\u031b", "\u0306")  # circumflex, horn, breve


def _diacritic_variants(name: str, rng: random.Random) -> str | None:
    """``name`` with one letter's tone changed or dropped, or its hat/horn/breve dropped."""
    letters = [
        i for i, ch in enumerate(name) if len(unicodedata.normalize("NFD", ch)) > 1 and ch != "đ"
    ]
    if not letters:
        return None
    i = rng.choice(letters)
    parts = list(unicodedata.normalize("NFD", name[i]))
    base, marks = parts[0], parts[1:]
    tones = [m for m in marks if m in _TONES]
    modifiers = [m for m in marks if m in _MODIFIERS]
    choice = rng.random()
    if tones and choice < 0.7:
        tone = tones[0]
        options = [t for t in _TONES if t != tone] + [""]
        new = rng.choice(options)
        marks = [new if m == tone else m for m in marks if m != tone or new]
    elif modifiers:
        marks = [m for m in marks if m not in modifiers]
    elif tones:
        marks = [m for m in marks if m not in tones]
    else:
        return None
    letter = unicodedata.normalize("NFC", base + "".join(marks))
    return name[:i] + letter + name[i + 1 :]


def _letter_positions(name: str) -> list[int]:
    return [i for i, ch in enumerate(name) if ch.isalpha()]


def _mutate(name: str, how: str, rng: random.Random) -> str | None:
    positions = _letter_positions(name)
    if not positions:
        return None
    if how == "letter":
        if rng.random() < 0.65:
            candidates = [i for i in positions if name[i] in _CONFUSABLE]
            if not candidates:
                return None
            i = rng.choice(candidates)
            return name[:i] + rng.choice(_CONFUSABLE[name[i]]) + name[i + 1 :]
        i = rng.choice(positions)
        pool = "abcdeghiklmnopqrstuvxy".replace(name[i].lower(), "")
        letter = rng.choice(pool)
        return name[:i] + (letter.upper() if name[i].isupper() else letter) + name[i + 1 :]
    if how == "diacritic":
        return _diacritic_variants(name, rng)
    if how == "double":
        i = rng.choice(positions)
        return name[: i + 1] + name[i] + name[i + 1 :]
    if how == "space":
        inner = [
            i
            for i in range(2, len(name) - 1)
            if name[i - 1].isalpha() and name[i].isalpha() and name[i - 2].isalpha()
        ]
        if not inner:
            return None
        i = rng.choice(inner)
        return name[:i] + " " + name[i:]
    raise ValueError(how)


def is_catchable_lookalike(text: str, brand: str) -> bool:
    """Whether ``text`` imitates ``brand`` the way a lookalike check is meant to catch."""
    if text == brand:
        return False
    key, brand_key = match_key(text), match_key(brand)
    others = {k: n for k, n in _brand_keys().items() if n != brand}
    if key in others:
        return False
    if key == brand_key:  # the same letters: only the diacritics differ
        return unicodedata.normalize("NFC", text).casefold() != brand.casefold()
    ratio = fuzz.ratio(key, brand_key)
    return ratio >= LOOKALIKE_MIN_RATIO and all(fuzz.ratio(key, k) < ratio for k in others)


def make_lookalike(rng: random.Random) -> tuple[RegistryBrand, str, str]:
    """A registry brand, a catchable misspelling of it and how it was made."""
    brands = registry_brands()
    for _attempt in range(200):
        brand = rng.choice(brands)
        has_marks = unicodedata.normalize("NFD", brand.name) != brand.name
        how = rng.choices(
            ("letter", "diacritic", "double", "space"),
            weights=(35, 30 if has_marks else 0, 20, 15),
        )[0]
        text = _mutate(brand.name, how, rng)
        if text and is_catchable_lookalike(text, brand.name):
            return brand, text, how
    raise RuntimeError("no lookalike found")  # pragma: no cover - the registry has long names


# --- dates ----------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the end of the month (31/01 + 1 = 28/02)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _draw_dates(rng: random.Random, today: dt.date, months: int) -> tuple[dt.date, dt.date, bool]:
    """Manufacture and expiry dates: expired (about 1 in 7) or still good on ``today``."""
    if rng.random() < 0.15:
        expires = today - dt.timedelta(days=rng.randint(1, 200))
        made = add_months(expires, -months)
        return made, expires, True
    for _attempt in range(50):
        made = today - dt.timedelta(days=rng.randint(5, max(6, months * 30 - 10)))
        expires = add_months(made, months)
        if expires > today:
            return made, expires, False
    made = today - dt.timedelta(days=5)
    return made, add_months(made, months), False


def _dmy(d: dt.date, sep: str = "/", short_year: bool = False) -> str:
    year = f"{d.year % 100:02d}" if short_year else f"{d.year}"
    return f"{d.day:02d}{sep}{d.month:02d}{sep}{year}"


def _vn_date_lines(
    rng: random.Random, made: dt.date, expires: dt.date, months: int
) -> tuple[list[str], dt.date | None, dt.date]:
    """Date lines in one of the forms Vietnamese labels use, and the dates they state."""
    form = rng.choices("abcdefghi", weights=(3, 1, 2, 1, 1, 2, 1, 1, 1))[0]
    if form == "a":
        return [f"NSX: {_dmy(made)}", f"HSD: {_dmy(expires)}"], made, expires
    if form == "b":
        return [f"NSX: {_dmy(made)}   HSD: {_dmy(expires)}"], made, expires
    if form == "c":
        return (
            [f"NSX {_dmy(made, '.', True)}", f"HSD {_dmy(expires, '.', True)}"],
            made,
            expires,
        )
    if form == "d":
        return (
            [f"NSX: {made.month:02d}/{made.year}", f"HSD: {expires.month:02d}/{expires.year}"],
            made.replace(day=1),
            _month_end(expires),
        )
    if form == "e":
        return [f"MFG {made.isoformat()}", f"EXP {expires.isoformat()}"], made, expires
    if form == "f":
        derived = add_months(made, months)
        return [f"NSX: {_dmy(made)}", f"HSD: {months} tháng kể từ NSX"], made, derived
    if form == "g":
        return [f"Ngày sản xuất: {_dmy(made)}", f"Hạn sử dụng: {_dmy(expires)}"], made, expires
    if form == "h":
        return (
            [f"NSX - HSD: {_dmy(made, '/', True)} - {_dmy(expires, '/', True)}"],
            made,
            expires,
        )
    return [f"HSD: {_dmy(expires)}"], None, expires


def _foreign_date_lines(
    rng: random.Random, made: dt.date, expires: dt.date, language: str
) -> tuple[list[str], dt.date | None, dt.date]:
    if language == "fr" and rng.random() < 0.5:
        return [f"À consommer de préférence avant le : {_dmy(expires)}"], None, expires
    if language == "de" and rng.random() < 0.5:
        return [f"Mindestens haltbar bis: {_dmy(expires, '.')}"], None, expires
    form = rng.choices("abcde", weights=(3, 2, 1, 2, 1))[0]
    if form == "a":
        return [f"MFG: {_dmy(made)}", f"EXP: {_dmy(expires)}"], made, expires
    if form == "b":
        return [f"Best before: {_dmy(expires, '.')}"], None, expires
    if form == "c":
        month = _MONTHS_EN[expires.month - 1]
        return [f"BEST BEFORE {expires.day:02d} {month} {expires.year}"], None, expires
    if form == "d":
        return [f"EXP {expires.isoformat()}"], None, expires
    return [f"Best before end: {expires.month:02d}/{expires.year}"], None, _month_end(expires)


# --- what goes on one label -----------------------------------------------------------------------


@dataclass
class _Content:
    """The text and code of one label, before drawing."""

    brand_text: str = ""
    product: str = ""
    body: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    origin: str | None = None
    dates: list[str] = field(default_factory=list)
    gtin: str | None = None
    sublabel: list[str] = field(default_factory=list)
    variant: str = ""  # no_text: "barcode-only" or "blank"


def _gtin_under(prefix: str, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
    return with_check_digit(body)


def _unregistered_vn_gtin(rng: random.Random) -> str:
    prefixes = {b.prefix for b in registry_brands()}
    while True:
        gtin = _gtin_under("893", rng)
        if not any(gtin.startswith(p) for p in prefixes):
            return gtin


def _company_as_printed(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return name.upper()
    if roll < 0.3:
        return (
            name.replace("Tổng Công ty", "Tổng Cty")
            .replace("Công ty Cổ phần", "Cty CP")
            .replace("Công ty TNHH", "Cty TNHH")
        )
    return name


def _maker_lines(name: str, address: str, rng: random.Random) -> tuple[list[str], str]:
    """The maker line(s) for a company and the role they state (a PartyRole value)."""
    form = rng.choices(range(6), weights=(4, 2, 2, 2, 1, 1))[0]
    with_address = bool(address) and rng.random() < 0.5
    if form == 0:
        lines, role = [f"Sản xuất bởi: {name}"], "manufacturer"
    elif form == 1:
        lines, role = [f"Nhà sản xuất: {name}"], "manufacturer"
    elif form == 2:
        return [f"Sản xuất tại: {name}, {address or 'Việt Nam'}"], "manufacturer"
    elif form == 3:
        lines, role = [f"Chịu trách nhiệm về chất lượng: {name}"], "responsible"
    elif form == 4:
        lines, role = [f"Thương nhân chịu trách nhiệm về hàng hóa: {name}"], "responsible"
    else:
        lines, role = [name], "company"
    if with_address:
        lines.append(f"Địa chỉ: {address}")
    return lines, role


def _fillers(category: _Category, rng: random.Random, brand: str | None) -> list[str]:
    pool = [rng.choice(category.ingredients), rng.choice(category.net)]
    extras = [*category.usage, *category.extra, *_STORAGE, *_COMMON]
    rng.shuffle(extras)
    count = rng.randint(2, 5)
    lines = [*pool, *extras][:count]
    rng.shuffle(lines)
    return [line for line in lines if not mentions_brand(line, other_than=brand)]


def _vietnamese_content(
    kind: str, rng: random.Random, today: dt.date
) -> tuple[_Content, dict[str, Any]]:
    """Content and truth fields of a genuine or lookalike label."""
    content = _Content()
    truth: dict[str, Any] = {"kind": kind, "vietnamese_text": True}
    if kind == "genuine":
        brand = rng.choice(registry_brands())
        printed = brand.name.upper() if rng.random() < 0.2 else brand.name
        truth.update(brand=brand.name)
    else:
        brand, printed, how = make_lookalike(rng)
        truth.update(lookalike_text=printed, lookalike_of=brand.name, lookalike_how=how)
    content.brand_text = printed
    truth["brand_text"] = printed
    category = _CATEGORIES[_BRAND_CATEGORY.get(brand.name, "confectionery")]
    if kind == "genuine" and brand.product_names and rng.random() < 0.5:
        content.product = brand.product_names[0]
    else:
        content.product = rng.choice(category.products).format(brand=printed)
    content.body = _fillers(category, rng, brand.name)

    maker_roll = rng.random()
    maker_form_is_place = False
    if kind == "genuine" and maker_roll < 0.85:
        name = _company_as_printed(brand.company_name, rng)
        content.parties, role = _maker_lines(name, brand.address, rng)
        maker_form_is_place = content.parties[0].startswith("Sản xuất tại:")
        truth.update(maker_company_code=brand.company_code, maker_text=name, maker_role=role)
    elif kind == "lookalike" and maker_roll < 0.3:  # the genuine company's name copied
        content.parties, role = _maker_lines(brand.company_name, brand.address, rng)
        maker_form_is_place = content.parties[0].startswith("Sản xuất tại:")
        truth.update(
            maker_company_code=brand.company_code, maker_text=brand.company_name, maker_role=role
        )
    elif kind == "lookalike" and maker_roll < 0.7:
        if rng.random() < 0.2:  # a name made to pass for the genuine company's
            name = (
                brand.company_name.replace("Cổ phần", "TNHH").replace("Tổng Công ty", "Công ty")
                + " "
                + rng.choice(("Mới", "Quốc tế", "Xanh"))
            )
        else:
            name = rng.choice(_FAKE_MAKERS)
        address = rng.choice(_IMPORTER_ADDRESSES)
        content.parties, role = _maker_lines(name, address, rng)
        maker_form_is_place = content.parties[0].startswith("Sản xuất tại:")
        truth.update(maker_text=name, maker_role=role)

    if rng.random() < (0.75 if kind == "genuine" else 0.6):
        origins = [o for o in _VN_ORIGIN_LINES if not (maker_form_is_place and "tại" in o)]
        content.origin = rng.choice(origins)
        truth.update(origin_country="VN", origin_text=content.origin)

    if category.shelf_months and rng.random() < 0.8:
        months = rng.choice(category.shelf_months)
        made, expires, _ = _draw_dates(rng, today, months)
        content.dates, manufactured, stated = _vn_date_lines(rng, made, expires, months)
        truth.update(manufactured=manufactured, expires=stated, expired=stated < today)

    if kind == "genuine":
        if brand.gtins and rng.random() < 0.7:
            content.gtin = rng.choice(brand.gtins)
        else:
            content.gtin = _gtin_under(brand.prefix, rng)
    else:
        roll = rng.random()
        if roll < 0.7:
            content.gtin = brand.gtins[0] if brand.gtins else _gtin_under(brand.prefix, rng)
        elif roll < 0.9:
            content.gtin = _unregistered_vn_gtin(rng)
    truth["gtin"] = content.gtin
    return content, truth


def _foreign_content(
    kind: str, rng: random.Random, today: dt.date
) -> tuple[_Content, dict[str, Any]]:
    country = rng.choice(_COUNTRIES)
    brand = rng.choice(country.brands)
    product, product_vn, ingredients = rng.choice(_FOREIGN_PRODUCTS)
    content = _Content(brand_text=brand, product=product)
    truth: dict[str, Any] = {"kind": kind, "brand_text": brand}
    lines = [rng.choice(ingredients), f"Net weight: {rng.choice((150, 200, 250, 400))} g"]
    lines += rng.sample(_ENGLISH_LINES, rng.randint(1, 2))
    if country.language and rng.random() < 0.8:
        lines += list(_OTHER_LANGUAGE_LINES[country.language])
    content.body = lines
    city = rng.choice(country.cities)
    maker = f"{brand} Foods Co., Ltd."
    content.parties = [f"Manufactured by: {maker}, {city}, {country.english}"]
    truth.update(maker_text=maker, maker_role="manufacturer")
    if rng.random() < 0.4:
        importer = rng.choice(("Minh Phat Trading Co., Ltd.", "An Khang Import Export JSC"))
        place = rng.choice(("Ho Chi Minh City", "Ho Chi Minh City, Vietnam", "Hanoi, Vietnam"))
        content.parties.append(f"Imported by: {importer}, {place}")
    content.origin = rng.choice(("Made in {}", "Product of {}", "Country of origin: {}")).format(
        country.english
    )
    truth.update(origin_country=country.code, origin_text=content.origin)
    months = rng.choice((6, 9, 12, 18, 24))
    made, expires, _ = _draw_dates(rng, today, months)
    content.dates, manufactured, stated = _foreign_date_lines(rng, made, expires, country.language)
    truth.update(manufactured=manufactured, expires=stated, expired=stated < today)
    prefix = rng.choice(country.gs1)
    content.gtin = _gtin_under(prefix, rng)
    truth["gtin"] = content.gtin
    truth["vietnamese_text"] = kind == "foreign_with_vn_sublabel"
    if kind == "foreign_with_vn_sublabel":
        importer = rng.choice(_IMPORTERS)
        sub = [
            f"Tên sản phẩm: {product_vn} {brand}",
            f"Nhà nhập khẩu: {importer}",
            f"Địa chỉ: {rng.choice(_IMPORTER_ADDRESSES)}",
            f"Xuất xứ: {country.vietnamese}",
        ]
        if rng.random() < 0.3:
            sub.append(f"HSD: {_dmy(stated)}")
        else:
            sub.append("NSX, HSD: xem trên bao bì")
        sub.append("Hướng dẫn sử dụng, bảo quản: xem trên bao bì")
        if rng.random() < 0.5:
            sub.insert(0, "NHÃN PHỤ")
        content.sublabel = sub
    truth["country"] = country.code
    return content, truth


def _no_text_content(rng: random.Random) -> tuple[_Content, dict[str, Any]]:
    content = _Content(variant=rng.choice(("barcode-only", "blank")))
    if content.variant == "barcode-only":
        if rng.random() < 0.5:
            content.gtin = _unregistered_vn_gtin(rng)
        else:
            content.gtin = _gtin_under(rng.choice(("885", "690", "400", "880")), rng)
    return content, {"kind": "no_text", "gtin": content.gtin, "vietnamese_text": False}


# --- fonts and colours ----------------------------------------------------------------------------

_FONT_DIR = Path("/usr/share/fonts/truetype")
_FAMILIES: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "DejaVu Sans Condensed": (
        "dejavu/DejaVuSansCondensed.ttf",
        "dejavu/DejaVuSansCondensed-Bold.ttf",
    ),
    "DejaVu Serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "Liberation Sans": (
        "liberation2/LiberationSans-Regular.ttf",
        "liberation2/LiberationSans-Bold.ttf",
    ),
    "Liberation Serif": (
        "liberation2/LiberationSerif-Regular.ttf",
        "liberation2/LiberationSerif-Bold.ttf",
    ),
    "Noto Sans": ("noto/NotoSans-Regular.ttf", "noto/NotoSans-Bold.ttf"),
    "Noto Serif": ("noto/NotoSerif-Regular.ttf", "noto/NotoSerif-Bold.ttf"),
    "Noto Sans Display": ("noto/NotoSansDisplay-Regular.ttf", "noto/NotoSansDisplay-Bold.ttf"),
}
_MONO_FAMILIES: dict[str, tuple[str, str]] = {
    "DejaVu Sans Mono": ("dejavu/DejaVuSansMono.ttf", "dejavu/DejaVuSansMono-Bold.ttf"),
    "Liberation Mono": (
        "liberation2/LiberationMono-Regular.ttf",
        "liberation2/LiberationMono-Bold.ttf",
    ),
}
_THAI = ("noto/NotoSansThai-Regular.ttf", "noto/NotoSansThai-Bold.ttf")
_LAST_RESORT = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"


def installed_families() -> list[str]:
    """The label font families whose files are installed (DejaVu Sans at least, normally)."""
    return [f for f, (regular, bold) in _FAMILIES.items() if (_FONT_DIR / regular).exists()]


def _font_path(family: str, bold: bool) -> Path:
    table = {**_FAMILIES, **_MONO_FAMILIES, "Noto Sans Thai": _THAI}
    path = _FONT_DIR / table.get(family, _FAMILIES["DejaVu Sans"])[int(bold)]
    if path.exists():
        return path
    fallback = _FONT_DIR / _FAMILIES["DejaVu Sans"][int(bold)]
    return fallback if fallback.exists() else _LAST_RESORT


@cache
def _font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_path(family, bold)), max(4, size))


def _font_for(text: str, family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    if any("\u0e00" <= ch <= "\u0e7f" for ch in text):
        return _font("Noto Sans Thai", size, bold)
    return _font(family, size, bold)


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def _luminance(c: Sequence[int]) -> float:
    def lin(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])


def contrast(a: Sequence[int], b: Sequence[int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass
class _Style:
    family: str
    brand_family: str
    date_family: str
    paper: RGB
    ink: RGB
    accent: RGB
    brand_fill: RGB
    band: bool  # the brand on a coloured band across the top
    outline: bool  # the brand drawn with a light outline
    texture: str  # "plain", "gradient", "stripes", "dots"
    border: bool
    width_em: float
    brand_scale: float
    product_scale: float


def _style(rng: random.Random) -> _Style:
    families = installed_families() or ["DejaVu Sans"]
    family = rng.choice(families)
    brand_family = family if rng.random() < 0.6 else rng.choice(families)
    mono = [f for f, (r, _b) in _MONO_FAMILIES.items() if (_FONT_DIR / r).exists()]
    date_family = rng.choice(mono) if mono and rng.random() < 0.4 else family
    for _attempt in range(100):
        paper = _hsv(rng.random(), rng.uniform(0.04, 0.3), rng.uniform(0.88, 0.98))
        ink = _hsv(rng.random(), rng.uniform(0.2, 0.8), rng.uniform(0.08, 0.3))
        accent = _hsv(rng.random(), rng.uniform(0.65, 1.0), rng.uniform(0.5, 0.85))
        band = rng.random() < 0.45
        light = rng.choice(((255, 255, 255), (255, 246, 200), (255, 226, 90)))
        brand_fill = light if band else accent
        behind = accent if band else paper
        if contrast(ink, paper) >= 7 and contrast(brand_fill, behind) >= 3.2:
            break
    return _Style(
        family=family,
        brand_family=brand_family,
        date_family=date_family,
        paper=paper,
        ink=ink,
        accent=accent,
        brand_fill=brand_fill,
        band=band,
        outline=not band and rng.random() < 0.3,
        texture=rng.choice(("plain", "gradient", "gradient", "stripes", "dots")),
        border=rng.random() < 0.5,
        width_em=rng.uniform(28, 36),
        brand_scale=rng.uniform(2.4, 4.5),
        product_scale=rng.uniform(1.25, 1.7),
    )


# --- drawing the label ----------------------------------------------------------------------------


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and font.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _barcode_box(gtin: str, ppm: float, rng: random.Random, digits: bool = True) -> Image.Image:
    """The EAN-13 symbol at ``ppm`` px per module on a white box, bars maybe cut short, digits."""
    symbol = barcode_image(gtin, "ean13", scale=ppm / (0.33 * 300 / 25.4))
    grey = np.asarray(symbol.convert("L"))
    cols = np.where(grey.min(axis=0) < 128)[0]
    rows = np.where(grey.min(axis=1) < 128)[0]
    left, right, top, bottom = int(cols[0]), int(cols[-1]), int(rows[0]), int(rows[-1])
    module = (right - left + 1) / 95
    quiet = round(11 * module)
    bar_height = round((bottom - top + 1) * rng.uniform(0.45, 0.8))
    bars = symbol.crop((left - quiet, top, right + 1 + quiet, top + bar_height))
    digit_size = round(9.5 * module) if digits else 0
    pad = round(2 * module)
    box = Image.new(
        "RGB", (bars.width, pad + bars.height + round(digit_size * 1.15) + pad), (252, 252, 250)
    )
    box.paste(bars, (0, pad))
    if digits:
        font = _font("DejaVu Sans Mono", digit_size)
        draw = ImageDraw.Draw(box)
        y = pad + bars.height + round(0.1 * digit_size)
        centres = [quiet - 6 * module]
        centres += [quiet + (3 + 7 * i + 3.5) * module for i in range(6)]
        centres += [quiet + (50 + 7 * i + 3.5) * module for i in range(6)]
        for ch, cx in zip(gtin, centres, strict=True):
            draw.text((cx, y), ch, font=font, fill=(20, 20, 20), anchor="mt")
    return box


def _paper(size: tuple[int, int], style: _Style, rng: random.Random, em: int) -> Image.Image:
    panel = Image.new("RGBA", size, (*style.paper, 255))
    w, h = size
    if style.texture == "gradient":
        ramp = _gradient((h, w), rng, 0.93, 1.02)
        arr = np.asarray(panel).astype(np.float32)
        arr[..., :3] *= ramp[..., None]
        panel = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGBA")
    elif style.texture in ("stripes", "dots"):
        draw = ImageDraw.Draw(panel)
        shade = (*(max(0, c - 10) for c in style.paper), 255)
        step = max(6, round(em * rng.uniform(0.5, 0.9)))
        if style.texture == "stripes":
            for x in range(-h, w, step):
                draw.line((x, 0, x + h, h), fill=shade, width=max(1, step // 4))
        else:
            r = max(1, step // 6)
            for y in range(0, h, step):
                for x in range((y // step % 2) * step // 2, w, step):
                    draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    return panel


def _draw_label(content: _Content, style: _Style, em: int, rng: random.Random) -> Image.Image:
    """The label panel (RGBA) with body text ``em`` px; lines as they were laid out."""
    width = round(style.width_em * em)
    margin = round(1.1 * em)
    text_width = width - 2 * margin
    body_font = _font(style.family, em)
    line_step = round(1.38 * em)
    items: list[tuple[str, Any]] = []  # (what, payload) drawn top to bottom
    y = margin

    # Brand: as large as asked, but on one line.
    brand_size = round(em * style.brand_scale)
    while (
        _font(style.brand_family, brand_size, True).getlength(content.brand_text) > text_width
        and brand_size > em
    ):
        brand_size = round(brand_size * 0.92)
    brand_font = _font(style.brand_family, brand_size, True)
    band_height = round(brand_size * 1.6) if style.band else 0
    brand_top = round(brand_size * 0.3) if style.band else y
    items.append(("brand", (brand_top, brand_font)))
    y = (band_height + round(0.6 * em)) if style.band else y + round(brand_size * 1.35)

    product_font = _font(style.family, round(em * style.product_scale), True)
    for line in _wrap(content.product, product_font, text_width):
        items.append(
            ("text", (line, y, product_font, style.ink if rng.random() < 0.6 else style.accent))
        )
        y += round(product_font.size * 1.3)
    y += round(0.4 * em)
    body_top = y
    for raw in content.body:
        for line in _wrap(raw, _font_for(raw, style.family, em), text_width):
            items.append(("text", (line, y, _font_for(raw, style.family, em), style.ink)))
            y += line_step
    body_bottom = y
    sticker: Image.Image | None = None
    if content.sublabel:
        sticker = _sticker(
            content.sublabel, style, round(em * rng.uniform(0.8, 0.95)), text_width, rng
        )
        overlap = min(round(0.8 * line_step), max(0, body_bottom - body_top))
        sticker_y = body_bottom - overlap
        y = sticker_y + sticker.height + round(0.3 * em)
    y += round(0.3 * em)
    for raw in content.parties:
        for line in _wrap(raw, body_font, text_width):
            items.append(("text", (line, y, body_font, style.ink)))
            y += line_step

    # Bottom: the barcode at the right, the origin and dates at its left when they fit.
    box = None
    if content.gtin:
        box = _barcode_box(content.gtin, em / rng.uniform(6.0, 8.5), rng)
    date_font = _font(style.date_family, em, rng.random() < 0.5)
    side = [(line, date_font) for line in content.dates]
    if content.origin:
        side.insert(0 if rng.random() < 0.5 else len(side), (content.origin, body_font))
    column = text_width - (box.width + em if box else 0)
    beside = [(t, f) for t, f in side if f.getlength(t) <= column]
    above = [(t, f) for t, f in side if f.getlength(t) > column]
    for line, font in above:
        for part in _wrap(line, font, text_width):
            items.append(("text", (part, y, font, style.ink)))
            y += line_step
    y += round(0.3 * em)
    bottom_top = y
    for line, font in beside:
        items.append(("text", (line, y, font, style.ink)))
        y += line_step
    if box is not None:
        y = max(y, bottom_top + box.height)
    height = y + margin

    panel = _paper((width, height), style, rng, em)
    draw = ImageDraw.Draw(panel)
    if style.band:
        draw.rectangle((0, 0, width, band_height), fill=(*style.accent, 255))
    if style.border:
        draw.rectangle(
            (0, 0, width - 1, height - 1),
            outline=(*style.accent, 255),
            width=max(2, round(0.18 * em)),
        )
    for what, payload in items:
        if what == "brand":
            top, font = payload
            stroke = max(1, round(brand_size * 0.05)) if style.outline else 0
            draw.text(
                (margin, top),
                content.brand_text,
                font=font,
                fill=(*style.brand_fill, 255),
                stroke_width=stroke,
                stroke_fill=(255, 255, 255, 255),
            )
        else:
            line, top, font, fill = payload
            draw.text((margin, top), line, font=font, fill=(*fill, 255))
    if sticker is not None:
        turned = sticker.rotate(rng.uniform(-2.5, 2.5), Image.Resampling.BICUBIC, expand=True)
        x = margin + rng.randint(0, max(0, text_width - turned.width))
        panel.alpha_composite(
            turned, (x, max(0, sticker_y - (turned.height - sticker.height) // 2))
        )
    if box is not None:
        panel.paste(box, (width - margin - box.width, bottom_top))
    return panel


def _sticker(
    lines: Sequence[str], style: _Style, em: int, max_width: int, rng: random.Random
) -> Image.Image:
    """A Vietnamese sub-label: small dark text on a white or pale yellow sticker."""
    family = rng.choice(("DejaVu Sans Condensed", "Liberation Sans", "Noto Sans", style.family))
    font = _font(family, em)
    width = round(max_width * rng.uniform(0.75, 0.95))
    pad = round(0.6 * em)
    wrapped = [part for line in lines for part in _wrap(line, font, width - 2 * pad)]
    step = round(1.3 * em)
    height = 2 * pad + step * len(wrapped)
    paper = rng.choice(((255, 255, 255), (253, 250, 232), (246, 246, 240)))
    sticker = Image.new("RGBA", (width, height), (*paper, 255))
    draw = ImageDraw.Draw(sticker)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(150, 150, 150, 255), width=1)
    for i, line in enumerate(wrapped):
        bold = line == "NHÃN PHỤ"
        draw.text((pad, pad + i * step), line, font=_font(family, em, bold), fill=(25, 25, 30, 255))
    return sticker


def _draw_pack(content: _Content, em: int, rng: random.Random) -> Image.Image:
    """A side of a pack with no text: colour, shapes, maybe a barcode sticker (``no_text``)."""
    width, height = round(em * rng.uniform(26, 34)), round(em * rng.uniform(18, 24))
    base = _hsv(rng.random(), rng.uniform(0.2, 0.7), rng.uniform(0.5, 0.95))
    panel = Image.new("RGBA", (width, height), (*base, 255))
    draw = ImageDraw.Draw(panel)
    for _ in range(rng.randint(2, 6)):
        colour = _hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.4, 1.0))
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(em * 2, em * 9)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, 255))
        else:
            draw.rectangle((x - r, y - r // 3, x + r, y + r // 3), fill=(*colour, 255))
    if content.gtin:
        box = _barcode_box(content.gtin, em / rng.uniform(5.0, 7.0), rng, rng.random() < 0.6)
        x = rng.randint(em, max(em, width - box.width - em))
        y = rng.randint(em, max(em, height - box.height - em))
        panel.paste(box, (x, y))
    return panel.filter(ImageFilter.GaussianBlur(0.6))


# --- the photo ------------------------------------------------------------------------------------


@dataclass
class LabelPlan:
    """What is done to one sample: the 'camera' (size, angle, light…) and the drawing choices."""

    frame: tuple[int, int]
    em: float  # body text em, in frame pixels (before warps)
    angle: float = 0.0
    perspective: float = 0.0
    arc: float = 0.0
    blur: float = 0.0
    motion: tuple[float, float] = (0.0, 0.0)
    jpeg: int | None = None  # quality asked for by the jpeg and hard classes
    noise: float = 0.0
    light: str = ""
    light_amount: float = 0.0
    warm: bool = False
    glare: float = 0.0
    format: str = "jpeg"
    quality: int = 90
    orientation: int | None = None  # EXIF orientation the file is stored with
    fonts: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


_NOMINAL_WIDTH_EM = 32  # a label is 28-36 em wide (see _style)


def _frame(rng: random.Random) -> tuple[int, int]:
    w, h = rng.choice(FRAMES)
    return (h, w) if rng.random() < 0.25 else (w, h)


def _plan(cls: str, rng: random.Random) -> LabelPlan:
    frame = _frame(rng)

    def filling(low: float, high: float, floor: float) -> float:
        """A body em for a label filling ``low``-``high`` of the frame's width, at least ``floor``."""
        return max(floor, rng.uniform(low, high) * frame[0] / _NOMINAL_WIDTH_EM)

    plan = LabelPlan(frame, em=filling(0.45, 0.85, 26), angle=rng.uniform(-1.0, 1.0))
    if cls == "clean":
        pass
    elif cls == "scale":
        if rng.random() < 0.7:
            plan.frame = (3000, 4000) if rng.random() < 0.25 else (4000, 3000)
            plan.em = rng.uniform(14, 20)
        else:
            plan.em = rng.uniform(16, 24)
    elif cls == "rotation":
        plan.angle = rng.choice((-1, 1)) * rng.uniform(3, 15)
        plan.em = filling(0.4, 0.75, 24)
    elif cls == "perspective":
        plan.perspective = rng.uniform(0.1, 0.3)
        plan.angle = rng.uniform(-4, 4)
        plan.em = filling(0.4, 0.75, 24)
    elif cls == "blur":
        plan.em = filling(0.4, 0.75, 24)
        if rng.random() < 0.7:
            plan.blur = plan.em * rng.uniform(0.025, 0.065)
        else:
            plan.motion = (plan.em * rng.uniform(0.08, 0.2), rng.uniform(0, math.pi))
    elif cls == "jpeg":
        plan.em = filling(0.3, 0.65, 22)
        plan.jpeg = rng.choice((15, 20, 25, 30, 40, 50))
    elif cls == "light":
        plan.em = filling(0.4, 0.75, 24)
        plan.light = rng.choice(("dim", "low-contrast", "uneven", "shadow"))
        plan.light_amount = {
            "dim": rng.uniform(0.25, 0.5),
            "low-contrast": rng.uniform(0.3, 0.55),
            "uneven": rng.uniform(0.2, 0.5),
            "shadow": rng.uniform(0.25, 0.5),
        }[plan.light]
        plan.warm = rng.random() < 0.4
        plan.noise = rng.uniform(3, 8)
    elif cls == "curved":
        plan.arc = rng.uniform(60, 110)
        plan.em = filling(0.4, 0.75, 24)
    elif cls == "noise":
        plan.noise = rng.uniform(8, 22)
        plan.em = filling(0.4, 0.75, 24)
    elif cls == "hard":
        plan.em = rng.uniform(12, 24)
        picks = rng.sample(
            (
                "blur",
                "motion",
                "jpeg",
                "noise",
                "light",
                "perspective",
                "rotation",
                "curved",
                "glare",
            ),
            3,
        )
        plan.notes["picks"] = picks
        if "blur" in picks:
            plan.blur = plan.em * rng.uniform(0.07, 0.12)
        if "motion" in picks:
            plan.motion = (plan.em * rng.uniform(0.2, 0.4), rng.uniform(0, math.pi))
        if "jpeg" in picks:
            plan.jpeg = rng.choice((8, 10, 12, 15))
        if "noise" in picks:
            plan.noise = rng.uniform(25, 40)
        if "light" in picks:
            plan.light = rng.choice(("dim", "low-contrast", "shadow"))
            plan.light_amount = rng.uniform(0.12, 0.28)
        if "perspective" in picks:
            plan.perspective = rng.uniform(0.3, 0.5)
        if "rotation" in picks:
            plan.angle = rng.choice((-1, 1)) * rng.uniform(15, 40)
        if "curved" in picks:
            plan.arc = rng.uniform(130, 170)
        if "glare" in picks:
            plan.glare = rng.uniform(0.7, 1.2)
    else:
        raise ValueError(f"unknown class {cls!r}")
    return plan


def _photograph(
    panel: Image.Image, plan: LabelPlan, render_em: int, rng: random.Random
) -> Image.Image:
    """The panel in a phone photo of ``plan.frame``; ``plan.em`` is set to the size reached."""
    frame = plan.frame
    if plan.arc:
        panel = _cylinder(panel, rng, plan.arc)
    if plan.perspective:
        panel = _perspective(panel, rng, plan.perspective)
    if plan.angle:
        panel = panel.rotate(plan.angle, resample=Image.Resampling.BICUBIC, expand=True)
    factor = plan.em / render_em
    factor = min(factor, 0.96 * frame[0] / panel.width, 0.96 * frame[1] / panel.height)
    plan.em = round(render_em * factor, 1)
    size = (max(1, round(panel.width * factor)), max(1, round(panel.height * factor)))
    panel = panel.resize(size, Image.Resampling.LANCZOS)
    background = tuple(rng.randint(70, 225) for _ in range(3))
    photo = _noisy_background(frame, background, rng)  # type: ignore[arg-type]
    x = rng.randint(0, frame[0] - panel.width)
    y = rng.randint(0, frame[1] - panel.height)
    photo.paste(panel, (x, y), panel)
    spot = (x + panel.width * rng.uniform(0.2, 0.8), y + panel.height * rng.uniform(0.2, 0.8))

    arr = np.asarray(photo).astype(np.float32)
    shape = arr.shape[:2]
    if plan.light == "dim":
        arr *= plan.light_amount
    elif plan.light == "low-contrast":
        mid = 128 + rng.uniform(-30, 40)
        arr = mid + (arr - 128) * plan.light_amount
    elif plan.light == "uneven":
        arr *= _gradient(shape, rng, plan.light_amount, 1.0)[..., None]
    elif plan.light == "shadow":
        with np.errstate(over="ignore"):  # exp() of far-away pixels: 1/(1+inf) is the 0 wanted
            arr *= _shadow_edge(shape, spot, rng, plan.light_amount)[..., None]
    if plan.warm:
        arr *= np.array((1.0, 0.88, 0.7), dtype=np.float32)
    if plan.glare:
        radius = min(panel.size) * rng.uniform(0.12, 0.3)
        arr += _glare(shape, spot, radius, 255 * plan.glare)[..., None]
    if plan.motion[0]:
        arr = _motion_blur(arr, *plan.motion)
    image = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    if plan.blur:
        image = image.filter(ImageFilter.GaussianBlur(plan.blur))
    if plan.noise:
        noise_rng = np.random.default_rng(rng.getrandbits(64))
        noisy = np.asarray(image).astype(np.float32)
        noisy += noise_rng.normal(0, plan.noise, size=noisy.shape[:2]).astype(np.float32)[..., None]
        image = Image.fromarray(noisy.clip(0, 255).astype(np.uint8), "RGB")
    return image


def _encode(image: Image.Image, plan: LabelPlan, rng: random.Random) -> bytes:
    """As a phone sends it: JPEG with EXIF (portrait often stored sideways), sometimes PNG."""
    portrait = image.height > image.width
    if plan.jpeg is None and image.width * image.height <= 2_000_000 and rng.random() < 0.3:
        plan.format = "png"
        return to_png_bytes(image)
    plan.quality = plan.jpeg if plan.jpeg is not None else rng.randint(82, 93)
    stored = image
    if portrait and rng.random() < 0.6:
        plan.orientation = 6  # the pixels turned a quarter left; viewers turn them back
        stored = image.transpose(Image.Transpose.ROTATE_90)
    while True:
        data = to_jpeg_bytes(stored, quality=plan.quality, orientation=plan.orientation)
        if len(data) <= MAX_BYTES or plan.quality <= 50:
            return data
        plan.quality -= 5


def kind_of(seed: int, cls: str, index: int) -> str:
    """The kind of label: each block of ten indices deals ``_KIND_BLOCK`` in shuffled order."""
    block = list(_KIND_BLOCK)
    random.Random(f"label-kinds/{seed}/{cls}/{index // 10}").shuffle(block)
    return block[index % 10]


def render_label_sample(seed: int, cls: str, index: int, *, today: dt.date) -> LabelSample:
    """Sample ``index`` of class ``cls``: the photo's bytes, what it shows, what was done to it."""
    if cls not in CLASSES:
        raise ValueError(f"unknown class {cls!r}")
    rng = random.Random(f"label/{seed}/{cls}/{index}")
    kind = kind_of(seed, cls, index)
    plan = _plan(cls, rng)
    render_em = max(36, round(plan.em * 1.15))
    extra: dict[str, Any] = {}
    if kind in ("genuine", "lookalike"):
        content, fields_ = _vietnamese_content(kind, rng, today)
    elif kind == "no_text":
        content, fields_ = _no_text_content(rng)
    else:
        content, fields_ = _foreign_content(kind, rng, today)
    for name in ("lookalike_how", "country"):
        if name in fields_:
            extra[name] = fields_.pop(name)
    if kind == "no_text":
        panel = _draw_pack(content, render_em, rng)
        plan.fonts = ""
        extra["variant"] = content.variant
    else:
        style = _style(rng)
        panel = _draw_label(content, style, render_em, rng)
        plan.fonts = f"{style.family} / brand {style.brand_family} bold / dates {style.date_family}"
        extra.update(
            band=style.band, texture=style.texture, brand_scale=round(style.brand_scale, 2)
        )
    plan.notes.update(extra)
    printed = (
        ([content.brand_text] if content.brand_text else [])
        + ([content.product] if content.product else [])
        + content.body
        + content.sublabel
        + content.parties
        + ([content.origin] if content.origin else [])
        + content.dates
    )
    named = {name for line in printed[1:] for name in brands_named(line)}
    other_brands = tuple(sorted(named - {fields_.get("brand")}))
    truth = LabelTruth(**fields_, other_brands=other_brands, printed=tuple(printed))
    photo = _photograph(panel, plan, render_em, rng)
    data = _encode(photo, plan, rng)
    return LabelSample(
        cls=cls,
        index=index,
        truth=truth,
        plan=_plan_json(plan),
        size=plan.frame,
        format=plan.format,
        data=data,
    )


def _plan_json(plan: LabelPlan) -> dict[str, Any]:
    data = asdict(plan)
    data["frame"] = list(plan.frame)
    data["motion"] = [round(v, 3) for v in plan.motion]
    return {
        k: round(v, 3) if isinstance(v, float) else v
        for k, v in data.items()
        if v not in (0, 0.0, "", None, [0.0, 0.0], False) or k in ("em", "format", "quality")
    }


# --- the corpus -----------------------------------------------------------------------------------


def _build_one(args: tuple[int, str, int, str, str]) -> dict[str, Any]:
    seed, cls, index, today, directory = args
    sample = render_label_sample(seed, cls, index, today=dt.date.fromisoformat(today))
    suffix = "png" if sample.format == "png" else "jpg"
    path = Path(directory) / cls / f"{index:03d}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(sample.image_bytes)
    tmp.replace(path)
    return {
        "cls": cls,
        "index": index,
        "path": str(path),
        "size": list(sample.size),
        "format": sample.format,
        "truth": sample.truth.to_json(),
        "plan": sample.plan,
    }


def build_label_corpus(
    seed: int = 9,
    per_class: int = 20,
    classes: Sequence[str] = CLASSES,
    today: dt.date = DEFAULT_TODAY,
    cache_dir: Path = DEFAULT_CACHE,
    *,
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[LabelSample]:
    """The samples (class by class, index order), rendering into ``cache_dir`` those not cached.

    The cache is ``cache_dir/v<version>-s<seed>-<today>/`` with one image per sample and a
    ``manifest.json``; samples hold the path, and read their bytes on demand.
    """
    root = Path(cache_dir) / f"v{LABEL_CORPUS_VERSION}-s{seed}-{today.isoformat()}"
    manifest_path = root / "manifest.json"
    manifest: dict[str, dict[str, Any]] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text("utf-8"))
    wanted = [(cls, i) for cls in classes for i in range(per_class)]
    missing = [
        (seed, cls, i, today.isoformat(), str(root))
        for cls, i in wanted
        if f"{cls}/{i}" not in manifest or not Path(manifest[f"{cls}/{i}"]["path"]).exists()
    ]
    if missing:
        if progress:
            progress(f"rendering {len(missing)} label photos into {root} ...")
        root.mkdir(parents=True, exist_ok=True)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                entries = list(pool.map(_build_one, missing, chunksize=2))
        else:
            entries = [_build_one(m) for m in missing]
        for entry in entries:
            manifest[f"{entry['cls']}/{entry['index']}"] = entry
        tmp = manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=0), "utf-8")
        tmp.replace(manifest_path)
    samples = []
    for cls, i in wanted:
        entry = manifest[f"{cls}/{i}"]
        samples.append(
            LabelSample(
                cls=cls,
                index=i,
                truth=LabelTruth.from_json(entry["truth"]),
                plan=dict(entry["plan"]),
                size=(int(entry["size"][0]), int(entry["size"][1])),
                format=str(entry["format"]),
                path=str(entry["path"]),
            )
        )
    return samples


__all__ = [
    "CLASSES",
    "CLEAN_TO_MODERATE",
    "DEFAULT_TODAY",
    "KINDS",
    "LabelSample",
    "LabelTruth",
    "add_months",
    "brands_named",
    "build_label_corpus",
    "is_catchable_lookalike",
    "kind_of",
    "make_lookalike",
    "mentions_brand",
    "registry_brands",
    "render_label_sample",
    "split_of",
]
