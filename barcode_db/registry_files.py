"""Reading the association's registry list: CSV (UTF-8, with or without BOM) or XLSX.

A file becomes a list of rows, each a dict keyed by column name (the columns of :data:`COLUMNS`)
with ``_line``, the row's line in the file (the sheet's row number in a workbook), so that every
problem is reported where the reader can find it. What a file cannot give — an unreadable file, a
bad header, too many rows — comes back as :class:`RowError` values, never as exceptions. The
rules of the records are not here: :mod:`barcode_db.registry_rules`; writing them:
:mod:`barcode_db.importer`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from barcode_db.messages import N_, Message
from barcode_db.textkey import nfc

COLUMNS = (
    "record",
    "company_code",
    "name",
    "tax_code",
    "address",
    "province_code",
    "website",
    "prefix",
    "brand",
    "gtin",
    "programme",
    "year",
    "stars",
    "valid_until",
    "evidence_ref",
    # The catalogue (issue 14): optional, a file without them leaves what is stored as it is.
    "category",
    "made_in",
    "owner_group",
    "owner_country",
    "source",
    "checked_on",
)
#: Columns a list may leave out: a row then keeps the stored value of each (older lists, and
#: lists of associations that do not keep these facts, change nothing of them).
OPTIONAL_COLUMNS = ("category", "made_in", "owner_group", "owner_country", "source", "checked_on")
RECORD_KINDS = ("company", "prefix", "brand", "product", "certification")
#: A comment line naming the list's companies that are sample data, their codes as one CSV row:
#: ``# sample_companies: VNM,THM``. The published catalogue (:mod:`barcode_db.open_data`) writes
#: it, as the file format has no column for it; reading a list marks those companies' rows with
#: ``_sample`` and the import stores them as sample data, shown as such on every page.
SAMPLE_COMPANIES = "# sample_companies:"
REQUIRED_COLUMNS = ("record", "company_code")
#: More rows than this is not a registry list but a mistake (or an attack on memory).
MAX_ROWS = 500_000
#: Largest registry list accepted for import (CSV or XLSX).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Columns read from a worksheet: the CSV has 15; more is a mistake, not a registry list.
MAX_XLSX_COLUMNS = 64
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: Numeric spreadsheet cells lose their leading zeros; these columns get them back.
_NUMERIC_PADDING = {"tax_code": (10,), "gtin": (8, 12)}


@dataclass(frozen=True)
class RowError:
    """A problem of a list: its line (0: the whole file), what is wrong, and in which column."""

    line: int
    message: Message
    column: str = ""


def _file_error(reason: str, msgid: str, /, **params: Any) -> list[RowError]:
    return [RowError(0, Message(reason, msgid, params))]


def _too_large() -> list[RowError]:
    return _file_error(
        "file_too_large",
        N_("The file is larger than %(limit)s MB."),
        limit=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


def _too_many_rows(line: int) -> RowError:
    return RowError(
        line,
        Message("too_many_rows", N_("The file has more than %(limit)s rows."), {"limit": MAX_ROWS}),
    )


def _missing_columns(missing: list[str], line: int) -> RowError:
    return RowError(
        line,
        Message(
            "missing_columns",
            N_("The header lacks the columns: %(columns)s."),
            {"columns": ", ".join(missing)},
        ),
    )


def _header_problem(header: list[str], line: int) -> RowError | None:
    """What is wrong with a header row (CSV or worksheet), if anything."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return _missing_columns(missing, line)
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return RowError(
            line,
            Message(
                "unknown_columns",
                N_("Unknown columns in the header: %(columns)s."),
                {"columns": ", ".join(unknown)},
            ),
        )
    return None


def _sample_codes(cells: Iterable[str]) -> set[str]:
    return {code for cell in cells if (code := nfc(cell).strip())}


def _mark_samples(rows: list[dict[str, str]], codes: set[str]) -> None:
    """Mark the company rows that :data:`SAMPLE_COMPANIES` names as sample data."""
    for row in rows:
        if row.get("record", "").lower() == "company" and row.get("company_code") in codes:
            row["_sample"] = "1"


def read_rows(stream: Iterable[str] | str) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read a registry CSV (UTF-8, with or without BOM) into row dicts keyed by column name."""
    text = stream if isinstance(stream, str) else "".join(stream)
    samples = _sample_codes(
        cell
        for line in text.lstrip("\ufeff").splitlines()
        if line.startswith(SAMPLE_COMPANIES)
        for cell in next(csv.reader([line[len(SAMPLE_COMPANIES) :]]), [])
    )
    # Lines starting with "#" are comments (the sample file explains itself that way); they are
    # blanked, not dropped, so that line numbers in error reports match the file.
    lines = [
        "\n" if line.startswith("#") else line
        for line in text.lstrip("\ufeff").splitlines(keepends=True)
    ]
    reader = csv.reader(io.StringIO("".join(lines)))
    header: list[str] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip() for c in cells]
            break
    problem = _header_problem(header, max(reader.line_num, 1))
    if problem:
        return [], [problem]
    rows: list[dict[str, str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            return [], [_too_many_rows(reader.line_num)]
        clean = {name: nfc(value) for name, value in zip(header, cells, strict=False)}
        clean["_line"] = str(reader.line_num)
        rows.append(clean)
    _mark_samples(rows, samples)
    return rows, []


def read_upload(data: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read an uploaded registry list: XLSX (by its content) or CSV in UTF-8, with or without BOM.

    A file that cannot be read gives a :class:`RowError` (line 0: the whole file), never an
    exception; so does a file without records.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return [], _too_large()
    if data.startswith(_XLSX_MAGIC):
        rows, errors = read_xlsx_rows(data)
    elif data.startswith(_OLE_MAGIC):
        return [], _file_error(
            "old_excel",
            N_("Old Excel files (.xls) are not read: save the list as .xlsx or as CSV UTF-8."),
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            return [], [
                RowError(
                    data[: bad.start].count(b"\n") + 1,
                    Message(
                        "not_utf8",
                        N_("The file is not UTF-8 text: save it as “CSV UTF-8” and try again."),
                    ),
                )
            ]
        if "\x00" in text:
            return [], [
                RowError(
                    text[: text.index("\x00")].count("\n") + 1,
                    Message(
                        "nul_character",
                        N_("This line holds a NUL character: the file is not plain CSV text."),
                    ),
                )
            ]
        try:
            rows, errors = read_rows(text)
        except csv.Error as broken:
            return [], _file_error(
                "bad_csv",
                N_("The file could not be read as CSV: %(detail)s"),
                detail=str(broken),
            )
    if not rows and not errors:
        return [], _file_error("no_rows", N_("The file holds no records."))
    return rows, errors


def _cell_text(value: object, column: str) -> str:
    """A spreadsheet cell as the CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        for length in _NUMERIC_PADDING.get(column, ()):
            if value >= 0 and len(text) < length:
                return text.zfill(length)
        return text
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return nfc(str(value))


@contextlib.contextmanager
def _sheet_rows(data: bytes) -> Iterator[Iterable[tuple[int, Sequence[object]]]]:
    """(row number, cell values) of the first worksheet's rows; the workbook is closed after."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row
        yield enumerate(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), start=1)
    finally:
        workbook.close()


def read_xlsx_rows(data: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read the first worksheet of an .xlsx registry list into row dicts, like the CSV's rows.

    The header is the first non-empty row, with the CSV's column names; ``_line`` is the row
    number in the sheet. Numbers are written without ".0", dates as YYYY-MM-DD, and tax codes and
    GTINs typed as numbers get their leading zeros back. A broken file gives a RowError.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return [], _too_large()
    header: list[str] = []
    rows: list[dict[str, str]] = []
    samples: set[str] = set()
    try:
        with _sheet_rows(data) as sheet_rows:
            for number, cells in sheet_rows:
                first = _cell_text(cells[0], "") if cells else ""
                if first.startswith(SAMPLE_COMPANIES):
                    # The CSV's line opened in a spreadsheet: its codes split into cells.
                    samples |= _sample_codes(
                        [first[len(SAMPLE_COMPANIES) :], *(_cell_text(c, "") for c in cells[1:])]
                    )
                    continue
                if not header:
                    texts = [_cell_text(c, "") for c in cells]
                    if not any(texts):
                        continue
                    while not texts[-1]:
                        texts.pop()
                    header = texts
                    problem = _header_problem(header, number)
                    if problem:
                        return [], [problem]
                    continue
                values = [_cell_text(c, name) for c, name in zip(cells, header, strict=False)]
                if not any(values) or values[0].startswith("#"):
                    continue
                if len(rows) >= MAX_ROWS:
                    return [], [_too_many_rows(number)]
                row = dict(zip(header, values, strict=False))
                row["_line"] = str(number)
                rows.append(row)
    except Exception:  # a broken workbook: openpyxl and zipfile raise many kinds
        return [], _file_error(
            "bad_xlsx", N_("The file could not be read as an Excel workbook (.xlsx).")
        )
    if not header:
        return [], [_missing_columns(list(REQUIRED_COLUMNS), 1)]
    _mark_samples(rows, samples)
    return rows, []
