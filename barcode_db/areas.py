"""Vietnam's administrative units, one definition for the whole product: the 34 province-level
units from 1 July 2025 (``data/vn_provinces_2025.csv``, see data/PROVENANCE.md) and their 3,321
communes (xã, phường, đặc khu) from the ``vietnam-provinces`` package.

Codes are the official NSO codes, stored as text: provinces two digits ("01"), communes five
("00070"). A province has one spelling everywhere, its official name ("Tỉnh Cao Bằng",
"Thành phố Hà Nội"); ``short_name`` drops the unit word for tight places.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vietnam_provinces import Ward

from barcode_db.messages import N_, Message
from barcode_db.textkey import nfc, search_key


@dataclass(frozen=True)
class Province:
    code: str  # NSO code, two digits: "01" Hà Nội, "79" Hồ Chí Minh
    name: str  # official: "Thành phố Hà Nội", "Tỉnh Cao Bằng"
    division_type: str
    legacy_names: tuple[str, ...]

    @property
    def short_name(self) -> str:
        """The name without "Tỉnh" / "Thành phố": "Cao Bằng", "Hà Nội"."""
        for word in ("Thành phố ", "Tỉnh "):
            if self.name.startswith(word):
                return self.name[len(word) :]
        return self.name


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    province_code: str


def normalise_province_code(code: str) -> str:
    """NSO codes are written "1" or "01"; they are stored as two digits."""
    code = code.strip()
    return code.zfill(2) if code.isdigit() else code


@cache
def provinces() -> dict[str, Province]:
    """All provinces by code, in the order of the official list."""
    with (
        resources.files("barcode_db")
        .joinpath("data/vn_provinces_2025.csv")
        .open(encoding="utf-8") as fh
    ):
        return {
            normalise_province_code(row["code"]): Province(
                code=normalise_province_code(row["code"]),
                name=row["name"],
                division_type=row["division_type"],
                legacy_names=tuple(n.strip() for n in row["legacy_province_names"].split(";")),
            )
            for row in csv.DictReader(fh)
        }


@cache
def province_names() -> dict[str, str]:
    """Province code → official name, in the official order."""
    return {code: p.name for code, p in provinces().items()}


@cache
def _communes_by_province() -> dict[str, tuple[Commune, ...]]:
    grouped: dict[str, list[Commune]] = {code: [] for code in provinces()}
    for ward in Ward.iter_all():
        item = Commune(
            code=f"{int(ward.code):05d}",
            # The package writes ten names with a double space ("Phường  Tân An").
            name=" ".join(nfc(ward.name).split()),
            province_code=f"{int(ward.province_code):02d}",
        )
        grouped.setdefault(item.province_code, []).append(item)
    # In the order a Vietnamese reader looks for them: "Phường Ái Nghĩa" beside "Phường An…",
    # not after "Phường Z…" as code points would put it.
    return {
        code: tuple(sorted(items, key=lambda c: (search_key(c.name), c.name)))
        for code, items in grouped.items()
    }


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


PROVINCE_UNKNOWN = Message("province_unknown", N_("Choose the province or city from the list."))
COMMUNE_ELSEWHERE = Message(
    "commune_elsewhere", N_("This commune or ward is not in the chosen province.")
)


def area_problem(province_code: str, commune_code: str | None) -> Message | None:
    """Why an area is not one of Vietnam's current units, or None. The one area check."""
    if province_code not in provinces():
        return PROVINCE_UNKNOWN
    if commune_code and not is_commune_of(commune_code, province_code):
        return COMMUNE_ELSEWHERE
    return None
