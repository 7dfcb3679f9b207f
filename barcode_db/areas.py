"""Vietnam's 34 province-level units from 1 July 2025 (see data/PROVENANCE.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Province:
    code: str  # NSO code, two digits: "01" Hà Nội, "79" Hồ Chí Minh
    name: str
    division_type: str
    legacy_names: tuple[str, ...]


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
