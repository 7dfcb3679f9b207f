"""Vietnam's administrative units for complaint areas: 34 provinces and their 3,321 communes
(xã, phường, đặc khu) after the 2025 reform, from the ``vietnam-provinces`` package.

Codes are the official NSO codes, stored as text: provinces two digits ("01"), communes five
("00070").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    province_code: str


def _province_code(value: int) -> str:
    return f"{int(value):02d}"


def _commune_code(value: int) -> str:
    return f"{int(value):05d}"


@cache
def province_names() -> dict[str, str]:
    """Province code → name, in the official order."""
    return {
        _province_code(p.code): p.name for p in sorted(Province.iter_all(), key=lambda p: p.code)
    }


@cache
def _communes_by_province() -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {code: [] for code in province_names()}
    for ward in Ward.iter_all():
        commune = Commune(
            code=_commune_code(ward.code),
            name=ward.name,
            province_code=_province_code(ward.province_code),
        )
        grouped.setdefault(commune.province_code, []).append(commune)
    return {code: tuple(sorted(items, key=lambda c: c.name)) for code, items in grouped.items()}


@cache
def _communes_by_code() -> dict[str, Commune]:
    return {c.code: c for items in _communes_by_province().values() for c in items}


def communes_of(province_code: str) -> tuple[Commune, ...]:
    """The communes of a province, by name; empty for an unknown province."""
    return _communes_by_province().get(province_code, ())


def commune(code: str) -> Commune | None:
    return _communes_by_code().get(code)


def is_commune_of(commune_code: str, province_code: str) -> bool:
    found = commune(commune_code)
    return found is not None and found.province_code == province_code
