"""The published catalogue's formats, without a database: records → CSV → the rows the import
reads, the sample companies' comment line (also as a spreadsheet splits it), and JSON that is
not a catalogue."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from barcode_db.open_data import catalogue_csv, import_rows, read_catalogue_json
from barcode_db.registry_files import COLUMNS, SAMPLE_COMPANIES, read_rows, read_upload

RECORDS = [
    {
        "code": "VNM",
        "name": "Công ty Cổ phần Sữa Việt Nam",
        "tax_code": None,
        "address": "10 Tân Trào, phường Tân Mỹ",  # a comma: quoted in the CSV
        "province_code": "79",
        "website": "",
        "made_in": "",
        "owner_group": "",
        "owner_country": None,
        "source": "Mẫu",
        "checked_on": None,
        "is_sample": True,
        "prefixes": ["8934673"],
        "brands": [{"name": "Vinamilk", "category": "dairy"}],
        "products": [
            {"gtin": "8934673000017", "name": "Sữa tươi", "brand": "Vinamilk", "category": None}
        ],
        "certifications": [],
    },
    {
        "code": "SM, X",  # a comma in a code: quoted in the sample line too
        "name": "Công ty Sao Mai",
        "tax_code": "0312345678",
        "address": "",
        "province_code": None,
        "website": "",
        "made_in": "Long An",
        "owner_group": "Tập đoàn Sao Mai",
        "owner_country": "TH",
        "source": "Cổng thông tin",
        "checked_on": "2026-10-01",
        "is_sample": True,
        "prefixes": [],
        "brands": [],
        "products": [],
        "certifications": [
            {
                "programme": "ocop",
                "year": 2025,
                "stars": 4,
                "valid_until": "2028-06-30",
                "evidence_ref": "QĐ 1",
                "brand": None,
            }
        ],
    },
    {"code": "REAL", "name": "Công ty Thật", "is_sample": False},  # the least a record gives
]


def test_the_csv_reads_back_as_the_rows_it_was_written_from() -> None:
    text = catalogue_csv(RECORDS, preamble=["Licence: CC BY 4.0\nsecond line"])
    assert text.startswith("# Licence: CC BY 4.0 second line\n")  # one comment line
    rows, errors = read_rows(text)
    assert not errors
    assert [{k: v for k, v in r.items() if k in COLUMNS} for r in rows] == import_rows(RECORDS)
    samples = {r["company_code"] for r in rows if r.get("_sample") == "1"}
    assert samples == {"VNM", "SM, X"}  # companies only, not REAL
    assert all("_sample" not in r for r in rows if r["record"] != "company")


def test_the_sample_line_is_read_from_a_workbook_that_split_it_into_cells() -> None:
    # The CSV opened in a spreadsheet and saved as .xlsx: its comma-separated codes are cells.
    book = Workbook()
    sheet = book.active
    sheet.append([f"{SAMPLE_COMPANIES} VNM", "THM", None])
    sheet.append(list(COLUMNS))
    for code in ("VNM", "THM", "REAL"):
        sheet.append(["company", code, f"Công ty {code}"])
    data = io.BytesIO()
    book.save(data)
    rows, errors = read_upload(data.getvalue())
    assert not errors
    assert {r["company_code"]: r.get("_sample") for r in rows} == {
        "VNM": "1",
        "THM": "1",
        "REAL": None,
    }


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{not json", "Expecting property name"),
        ('{"cases": []}', 'no "companies" list'),
        ('[{"companies": [{"name": "no code"}]}]', "'code'"),
        ('{"companies": []}', "no companies"),
    ],
)
def test_json_that_is_not_a_catalogue_is_refused_whole(text, detail) -> None:
    rows, errors = read_catalogue_json(text)
    assert rows == []
    assert len(errors) == 1 and errors[0].line == 0
    assert errors[0].message.code == "not_a_catalogue"
    assert detail in errors[0].message.params["detail"]


def test_json_pages_become_numbered_rows_with_the_sample_companies_marked() -> None:
    pages = [{"companies": RECORDS[:2]}, {"companies": RECORDS[2:]}]
    rows, errors = read_catalogue_json(json.dumps(pages))
    assert not errors
    assert [r["_line"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert {r["company_code"] for r in rows if r.get("_sample")} == {"VNM", "SM, X"}
