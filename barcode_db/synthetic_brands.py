"""Synthetic, deterministic Vietnamese-like brand names, for tests and benchmarks.

Here rather than under ``tests/`` so that ``scripts/bench_verify.py`` runs in the production
virtualenv, which has no test packages.
"""

from __future__ import annotations

import random

from barcode_db.textkey import match_key

# Real Vietnamese syllables, with their diacritics, of the kind found in brand and company names.
_SYLLABLE_TEXT = (
    "An Anh Ánh Bảo Bắc Bình Cát Châu Chí Công Cường Dân Đại Đạt Điền Đông Đức Gia Giang Hà "
    "Hải Hạnh Hảo Hòa Hoàng Hồng Hùng Hưng Hương Khang Khánh Khoa Kim Lâm Lan Liên Linh Long "
    "Lộc Lợi Mai Mạnh Minh Mỹ Nam Nga Ngân Ngọc Nguyên Nhật Như Phát Phong Phú Phúc Phương "
    "Quang Quế Quốc Sài Sơn Tài Tâm Tân Thái Thanh Thành Thảo Thắng Thịnh Thu Thủy Tiến Toàn "
    "Trà Trang Trí Trung Trường Tuấn Tùng Uyên Văn Việt Vinh Vĩnh Xanh Xuân Yến"
)
_SYLLABLES: tuple[str, ...] = tuple(_SYLLABLE_TEXT.split())
# Trade words, Vietnamese and English, that follow or fuse with the name proper.
_SUFFIX_TEXT = (
    "Food Foods Milk Coffee Tea Farm Group Pharma Home Fresh Organic Bakery Seafood "
    "Cosmetics Nông Sản Thực Phẩm Cà Phê Sữa Gạo Trà Bánh Kẹo Nước Mắm Dệt May"
)
_SUFFIXES: tuple[str, ...] = tuple(_SUFFIX_TEXT.split())
# What may follow the name proper: a trade word or a two-syllable Vietnamese trade phrase.
_SUFFIX_PHRASES: tuple[str, ...] = (
    "Food",
    "Foods",
    "Milk",
    "Coffee",
    "Tea",
    "Farm",
    "Group",
    "Pharma",
    "Home",
    "Fresh",
    "Organic",
    "Bakery",
    "Seafood",
    "Cosmetics",
    "Nông Sản",
    "Thực Phẩm",
    "Cà Phê",
    "Nước Mắm",
    "Bánh Kẹo",
    "Dệt May",
)


def _name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.15:
        # Fused trade names like "Vinamilk": a clipped syllable plus another syllable.
        head = match_key(rng.choice(_SYLLABLES))[:3]
        tail = match_key(rng.choice(_SYLLABLES + _SUFFIXES))
        name = (head + tail).capitalize()
        return name if rng.random() < 0.5 else f"{name} {rng.choice(_SYLLABLES)}"
    words = rng.sample(_SYLLABLES, k=rng.choice((1, 2, 2, 2, 3)))
    if shape < 0.65:
        words.append(rng.choice(_SUFFIX_PHRASES))
    if rng.random() < 0.1:
        words.insert(0, rng.choice(("Công ty", "Cơ sở", "Hợp tác xã", "Tập đoàn")))
    return " ".join(words)


def generate_brand_names(n: int, seed: int) -> list[str]:
    """``n`` distinct (by match key) Vietnamese-like brand names, the same for the same seed."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)  # noqa: S311 (seeded on purpose: the same names every run)
    names: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(names) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise RuntimeError(f"cannot generate {n} distinct brand names")
        name = _name(rng)
        key = match_key(name)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names
