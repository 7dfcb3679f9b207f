"""complaints.exports: case rows, CSV and XLSX streams safe to open in Excel, PDF case files."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import openpyxl
import pytest
from jinja2 import Environment, FileSystemLoader
from PIL import Image
from pypdf import PdfReader

from complaints.exports import (
    EXPORT_COLUMNS,
    PERSONAL_COLUMNS,
    PHOTO_BOX,
    CaseFile,
    Cell,
    PdfWork,
    build_case_file,
    case_row,
    fetch_pdf_work,
    fitted_size,
    header_row,
    iter_csv,
    neutralise,
    render_case_files_pdf,
    thumbnail,
    write_xlsx,
)
from complaints.models import Complaint, ComplaintEvent, EventKind, Evidence
from complaints.storage import LocalPhotoStore, new_key
from complaints.tracking import format_tracking_code
from complaints.workflow import Category, Status

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
PHONE = "0912345678"
DESCRIPTION = "Nước mắm “Phú Quốc” giả, nhãn in mờ; giá rẻ bất thường,\nđóng chai không niêm phong."


def identity(msgid: str) -> str:
    return msgid


def transient_complaint(**overrides: object) -> Complaint:
    """A complaint that is never saved: enough for rows."""
    values: dict[str, object] = {
        "id": 4242,
        "tracking_code": "ABCDE12345",
        "status": Status.REFERRED,
        "category": Category.COUNTERFEIT,
        "province_code": "79",
        "commune_code": None,
        "store_name": "Tạp hóa Bà Tư",
        "store_address": "12 Lê Lợi, phường Bến Thành",
        "product_name": "Nước mắm Phú Quốc 500 ml",
        "brand_seen": "Phú Quốc",
        "code_seen": "8934673000011",
        "gtin": "08934673000011",
        "verdict_level": "MISMATCH",
        "date_seen": dt.date(2026, 11, 2),
        "price_vnd": 45000,
        "quantity": 2,
        "description": DESCRIPTION,
        "photo_count": 0,
        "contact_name": "Trần Thị Bình",
        "contact_phone": PHONE,
        "contact_email": "binh@example.vn",
        "created_at": dt.datetime(2026, 11, 3, 17, 30, tzinfo=dt.UTC),
    }
    values.update(overrides)
    return Complaint(**values)


def rows_of(complaints: Sequence[Complaint], *, include_personal: bool = False) -> list[list[Cell]]:
    return [
        case_row(c, translate=identity, include_personal=include_personal, province_names={})
        for c in complaints
    ]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# --- neutralise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ('=HYPERLINK("http://evil.example","Bấm")', '\'=HYPERLINK("http://evil.example","Bấm")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t", "'\t"),
        ("\r=1+1", "'\r=1+1"),
        ("Nước mắm Phú Quốc", "Nước mắm Phú Quốc"),
        ("a=b", "a=b"),
        ("", ""),
        (45000, 45000),
        (-1, -1),
        (0, 0),
        (None, None),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    result = neutralise(value)
    assert result == expected
    assert type(result) is type(expected)


# --- rows -----------------------------------------------------------------------------------------


def test_a_case_row_follows_the_columns_in_local_time() -> None:
    complaint = transient_complaint(
        closed_at=dt.datetime(2026, 11, 20, 2, 5, tzinfo=dt.UTC), commune_code="26887"
    )
    row = dict(
        zip(
            [c.key for c in EXPORT_COLUMNS],
            case_row(
                complaint,
                translate=lambda s: f"[{s}]",
                include_personal=False,
                province_names={"79": "Thành phố Hồ Chí Minh"},
                commune_name=lambda code: {"26887": "Phường An Nhơn"}.get(code),
            ),
            strict=True,
        )
    )
    assert row["case_number"] == 4242  # the number, never the reporter's tracking code
    assert "ABCDE12345" not in row and "ABCDE-12345" not in row
    assert row["status"] == "[Referred]"
    assert row["category"] == "[Counterfeit goods]"
    assert row["created_at"] == "2026-11-04 00:30"  # 17:30 UTC is 00:30 the next day in Vietnam
    assert row["closed_at"] == "2026-11-20 09:05"
    assert row["province"] == "Thành phố Hồ Chí Minh"
    assert row["commune"] == "Phường An Nhơn"
    assert row["date_seen"] == "2026-11-02"
    assert row["price_vnd"] == 45000 and row["quantity"] == 2
    assert row["assigned_to"] is None and row["outcome_note"] is None


def test_the_outcome_note_is_the_note_of_the_closing_move() -> None:
    complaint = transient_complaint(status=Status.CONFIRMED)
    complaint.events = [
        ComplaintEvent(kind=EventKind.NOTE, note="ghi chú nội bộ"),
        ComplaintEvent(
            kind=EventKind.STATUS,
            from_status=Status.REFERRED,
            to_status=Status.CONFIRMED,
            note="Đã lập biên bản, tịch thu 24 chai.",
        ),
    ]
    (row,) = rows_of([complaint])
    assert row[[c.key for c in EXPORT_COLUMNS].index("outcome_note")] == (
        "Đã lập biên bản, tịch thu 24 chai."
    )


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_round_trips_vietnamese() -> None:
    complaints = [transient_complaint(), transient_complaint(id=7, tracking_code="ZZZZZ00000")]
    text = "".join(iter_csv(rows_of(complaints), header_row(identity)))
    parsed = read_csv(text)
    assert parsed[0] == [c.header for c in EXPORT_COLUMNS]
    assert len(parsed) == 3
    first = dict(zip([c.key for c in EXPORT_COLUMNS], parsed[1], strict=True))
    assert first["description"] == DESCRIPTION  # quotes, commas, a newline and diacritics
    assert first["store_name"] == "Tạp hóa Bà Tư"
    assert first["gtin"] == "8934673000011"  # as printed on the pack, not padded to 14 digits
    assert first["verdict_level"] == "Suspected counterfeit: brand and barcode do not match"
    assert first["verdict_code"] == "MISMATCH"  # the code, for machines, beside the words
    assert first["price_vnd"] == "45000"
    assert first["commune"] == "" and first["closed_at"] == ""
    assert parsed[2][0] == "7"
    assert "ZZZZZ" not in text


def test_csv_leaves_personal_data_out_unless_asked() -> None:
    complaints = [transient_complaint()]
    without = read_csv("".join(iter_csv(rows_of(complaints), header_row(identity))))
    assert len(without[0]) == len(EXPORT_COLUMNS) == len(without[1])
    assert PHONE not in "".join(without[1]) and "Trần Thị Bình" not in "".join(without[1])

    rows = rows_of(complaints, include_personal=True)
    with_personal = read_csv("".join(iter_csv(rows, header_row(identity, include_personal=True))))
    assert with_personal[0][-3:] == [c.header for c in PERSONAL_COLUMNS]
    assert with_personal[1][-3:] == ["Trần Thị Bình", PHONE, "binh@example.vn"]


def test_csv_neutralises_formulas_in_every_text_cell() -> None:
    complaint = transient_complaint(
        store_name='=HYPERLINK("http://evil.example","Xem")',
        product_name="+cmd|' /C calc'!A0",
        description="-2+3",
        brand_seen="@SUM(1)",
    )
    (row,) = read_csv("".join(iter_csv(rows_of([complaint]), header_row(identity))))[1:]
    cells = dict(zip([c.key for c in EXPORT_COLUMNS], row, strict=True))
    assert cells["store_name"] == '\'=HYPERLINK("http://evil.example","Xem")'
    assert cells["product_name"] == "'+cmd|' /C calc'!A0"
    assert cells["description"] == "'-2+3"
    assert cells["brand_seen"] == "'@SUM(1)"


def synthetic_rows(n: int, consumed: list[int]) -> Iterator[list[Cell]]:
    """``n`` rows like real ones, counting in ``consumed`` how many were taken."""
    for i in range(n):
        consumed[0] += 1
        row: list[Cell] = [f"Cột {k} – dòng {i}" for k in range(len(EXPORT_COLUMNS))]
        row[14] = 10_000 + i
        yield row


def test_csv_is_a_lazy_generator() -> None:
    consumed = [0]
    chunks = iter_csv(synthetic_rows(100_000, consumed), header_row(identity))
    first = next(chunks)
    assert first.startswith("\ufeffCase number,Status,")
    assert consumed[0] == 0
    second = next(chunks)
    assert 0 < consumed[0] < 1_000
    assert second.startswith("Cột 0 – dòng 0,")
    chunks.close()  # a client that goes away: nothing more is read
    assert consumed[0] < 1_000


def test_csv_can_yield_one_row_per_chunk() -> None:
    consumed = [0]
    chunks = list(iter_csv(synthetic_rows(5, consumed), ["a"], chunk_size=0))
    assert len(chunks) == 6 and consumed[0] == 5


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_opens_with_a_bold_filtered_frozen_header(tmp_path: Path) -> None:
    complaints = [transient_complaint(id=i + 1, tracking_code=f"ABCDE{i:05d}") for i in range(250)]
    complaints[7].store_name = "=SUM(A1:A9)"
    complaints[8].description = "@cmd"
    path = tmp_path / "cases.xlsx"
    count = write_xlsx(rows_of(complaints), header_row(identity), path, tmpdir=tmp_path)
    assert count == 250

    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Cases"]
    assert sheet.max_row == 251
    assert sheet.max_column == len(EXPORT_COLUMNS)
    assert [c.value for c in sheet[1]] == [c.header for c in EXPORT_COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.auto_filter.ref == "A1:V251"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == pytest.approx(10, abs=1)
    assert sheet.column_dimensions["R"].width == pytest.approx(60, abs=1)

    keys = [c.key for c in EXPORT_COLUMNS]
    row = {k: sheet.cell(row=2, column=i + 1).value for i, k in enumerate(keys)}
    assert row["case_number"] == 1
    assert row["description"] == DESCRIPTION
    assert row["store_name"] == "Tạp hóa Bà Tư"
    assert row["gtin"] == "8934673000011"  # as printed on the pack
    assert sheet.cell(row=2, column=keys.index("gtin") + 1).data_type == "s"  # text
    assert row["created_at"] == "2026-11-04 00:30"  # dates as text
    assert row["price_vnd"] == 45000 and row["quantity"] == 2
    assert row["commune"] is None

    injected = sheet.cell(row=9, column=keys.index("store_name") + 1)
    assert injected.value == "'=SUM(A1:A9)" and injected.data_type == "s"
    assert sheet.cell(row=10, column=keys.index("description") + 1).value == "'@cmd"
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


def test_xlsx_with_personal_columns_and_no_rows(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    header = header_row(identity, include_personal=True)
    assert write_xlsx([], header, buffer, sheet_name="Vụ việc", tmpdir=tmp_path) == 0
    sheet = openpyxl.load_workbook(buffer)["Vụ việc"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:Y1"
    assert sheet["Y1"].value == "Reporter's e-mail"


# --- PDF case files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fitted"),
    [
        ((2560, 1920), (867, 650)),  # a stored phone photo, landscape: the height limits it
        ((1920, 2560), (488, 650)),  # portrait
        ((2560, 400), (1063, 166)),  # a panorama: the width limits it
        ((600, 400), (600, 400)),  # smaller than printed: never scaled up
    ],
)
def test_photos_are_scaled_to_the_size_they_are_printed(size, fitted) -> None:
    assert PHOTO_BOX == (1063, 650)  # 180 × 110 mm at 150 dpi
    assert fitted_size(*size, PHOTO_BOX) == fitted
    image = Image.new("RGB", size, (120, 80, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    data, width, height = thumbnail(out.getvalue())
    assert (width, height) == fitted
    assert Image.open(io.BytesIO(data)).size == fitted


def test_the_work_of_a_pdf_is_counted_in_the_database(case_complaint, db_session) -> None:
    complaint, _ = case_complaint
    work = fetch_pdf_work(db_session, [complaint.id, complaint.id])
    assert work == PdfWork(cases=1, events=3, photos=1, photo_pixels=1600 * 900)
    assert work.units > PdfWork(cases=1, events=3, photos=0, photo_pixels=0).units
    assert fetch_pdf_work(db_session, []).units == 0


def small_jpeg() -> bytes:
    image = Image.new("RGB", (1600, 900), (200, 40, 40))
    for x in range(0, 1600, 100):
        image.paste((20, 20, 20), (x, 0, x + 40, 900))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def jinja_renderer() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"], autoescape=True
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(case_files: Sequence[CaseFile]) -> str:
    return jinja_renderer().get_template("inspect/case_file.html").render(case_files=case_files)


@pytest.fixture
def case_complaint(db_session, make_complaint, tmp_path: Path) -> tuple[Complaint, LocalPhotoStore]:
    """A referred-then-confirmed complaint with one photo, notes and contact details."""
    store = LocalPhotoStore(tmp_path / "photos")
    complaint = make_complaint(
        status="CONFIRMED",
        gtin="8934673000011",
        store_name="Tạp hóa Bà Tư",
        product_name="Nước mắm Phú Quốc",
        description="Nhãn in mờ <b>không</b> rõ nguồn gốc.",
        verdict_level="MISMATCH",
        contact_phone=PHONE,
    )
    data = small_jpeg()
    key = new_key(dt.date(2026, 11, 3))
    store.put(key, data)
    digest = hashlib.sha256(b"the file as uploaded").hexdigest()
    db_session.add(
        Evidence(
            complaint_id=complaint.id,
            storage_key=key,
            sha256_original=digest,
            sha256_stored=hashlib.sha256(data).hexdigest(),
            original_format="JPEG",
            original_bytes=len(data),
            width=1600,
            height=900,
        )
    )
    at = dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC)
    db_session.add_all(
        [
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=EventKind.NOTE,
                actor="staff1",
                note="Ghi chú nội bộ: cửa hàng từng bị nhắc nhở.",
                created_at=at,
            ),
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=EventKind.STATUS,
                actor="qltt1",
                from_status=Status.REFERRED,
                to_status=Status.CONFIRMED,
                note="Đã xác minh, lập biên bản.",
                is_public=True,
                created_at=at + dt.timedelta(days=1),
            ),
        ]
    )
    complaint.verdict_snapshot = {
        "level": "MISMATCH",
        "reasons": [
            {
                "code": "not_in_registry",
                "tone": "bad",
                "msgid": "The number %(gtin)s is not in the registry.",
                "params": {"gtin": "08934673000011"},
            }
        ],
    }
    complaint.photo_count = 1
    db_session.commit()
    db_session.refresh(complaint)
    return complaint, store


def case_file_of(
    complaint: Complaint, store: LocalPhotoStore, *, include_personal: bool = False
) -> CaseFile:
    return build_case_file(
        complaint,
        store=store,
        translate=identity,
        lang="vi",
        include_personal=include_personal,
        case_url=f"https://hangviet.example/staff/complaints/{complaint.id}",
        province_names={"79": "Thành phố Hồ Chí Minh"},
        commune_name=lambda code: None,
        now=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC),
    )


def test_a_case_file_holds_facts_photos_verdict_and_the_whole_timeline(case_complaint) -> None:
    complaint, store = case_complaint
    case = case_file_of(complaint, store)
    assert case.case_number == complaint.id
    assert case.fact("store_name") == "Tạp hóa Bà Tư"
    assert case.fact("outcome_note") == "Đã xác minh, lập biên bản."
    assert case.verdict_level == "MISMATCH"
    assert case.verdict_title == "Suspected counterfeit: brand and barcode do not match"
    assert case.verdict_lines == (("bad", "The number 08934673000011 is not in the registry."),)
    assert case.qr_data_uri.startswith("data:image/png;base64,")
    (photo,) = case.photos
    assert photo.data_uri is not None and photo.data_uri.startswith("data:image/jpeg;base64,")
    # 1600 × 900 printed at most 180 × 110 mm, at 150 dpi: 1063 pixels wide.
    assert (photo.width, photo.height) == (1063, 598)
    assert photo.sha256_original == complaint.evidence[0].sha256_original
    kinds = [(e.kind, e.actor, e.public) for e in case.timeline]
    assert kinds == [
        ("Filed", "reporter", False),
        ("Note", "staff1", False),  # internal notes too: inspectors are officials
        ("Status changed", "qltt1", True),
    ]
    assert case.timeline[2].from_status == "Referred" and case.timeline[2].to_status == "Confirmed"
    assert case.timeline[1].time == "05/11/2026 10:00"  # for people: day first, local time
    assert case.contact == ()
    assert case.generated_at == "30/11/2026 08:00"

    with_contact = case_file_of(complaint, store, include_personal=True)
    assert [(f.key, f.value) for f in with_contact.contact] == [
        ("contact_name", "Trần Thị Bình"),
        ("contact_phone", PHONE),
        ("contact_email", ""),
    ]


def test_a_missing_photo_file_still_lists_its_hash(case_complaint) -> None:
    complaint, store = case_complaint
    store.delete(complaint.evidence[0].storage_key)
    (photo,) = case_file_of(complaint, store).photos
    assert photo.data_uri is None and photo.sha256_original
    assert "the file could not be read" in render_html([case_file_of(complaint, store)])


def test_the_html_escapes_text_and_shows_personal_data_only_when_present(case_complaint) -> None:
    complaint, store = case_complaint
    html = render_html([case_file_of(complaint, store)])
    assert "<script" not in html
    assert "Nhãn in mờ &lt;b&gt;không&lt;/b&gt; rõ nguồn gốc." in html
    assert "Personal data" not in html and PHONE not in html
    html = render_html([case_file_of(complaint, store, include_personal=True)])
    assert "Personal data" in html and PHONE in html


def test_the_pdf_has_one_case_per_page_with_code_and_hashes(case_complaint) -> None:
    complaint, store = case_complaint
    case = case_file_of(complaint, store, include_personal=True)
    other = build_case_file(
        transient_complaint(id=987654, tracking_code="ZZZZZ00000"),
        store=store,
        translate=identity,
        lang="vi",
        case_url="https://hangviet.example/staff/complaints/2",
    )
    pdf = render_case_files_pdf([case, other], html_renderer=render_html)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    text = "\n".join(pages)
    assert f"#{complaint.id}" in pages[0]
    assert "#987654" not in pages[0]
    assert "#987654" in pages[-1]
    # The reporters' tracking codes are in no case file, however they are written.
    flat = text.replace("\n", "")
    for code in (complaint.tracking_code, "ZZZZZ00000"):
        assert code not in flat and format_tracking_code(code) not in flat
    assert "SHA-256" in text
    assert complaint.evidence[0].sha256_original in text.replace("\n", "")
    assert "Case file" in text and f"1 / {len(pages)}" in text
    assert "Tạp hóa Bà Tư" in text  # Vietnamese diacritics survive (DejaVu Sans)
    assert PHONE in text
    # WeasyPrint shares image resources between pages: count the distinct ones.
    images = {
        (image.name, image.image.size if image.image else None)
        for page in reader.pages
        for image in page.images
    }
    assert sorted(name.rsplit(".", 1)[1] for name, _ in images) == ["jpg", "png", "png"]
    assert (1063, 598) in {size for _, size in images}  # the photo, scaled down; two QR codes


def test_the_pdf_renderer_fetches_no_outside_resource(tmp_path: Path) -> None:
    image = tmp_path / "secret.png"
    Image.new("RGB", (20, 20), (0, 0, 0)).save(image)

    def renderer(_: Sequence[CaseFile]) -> str:
        return f'<!DOCTYPE html><html><body><p>x</p><img src="{image.as_uri()}"></body></html>'

    pdf = render_case_files_pdf([], html_renderer=renderer)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0
    static = tmp_path / "static"
    static.mkdir()
    base_url = static.as_uri() + "/"
    sneaky = f"{base_url}%2e%2e/secret.png"

    def sneaky_renderer(_: Sequence[CaseFile]) -> str:
        return f'<!DOCTYPE html><html><body><p>x</p><img src="{sneaky}"></body></html>'

    pdf = render_case_files_pdf([], html_renderer=sneaky_renderer, base_url=base_url)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0

    (static / "logo.png").write_bytes(image.read_bytes())
    allowed = render_case_files_pdf(
        [],
        html_renderer=lambda _: '<html><body><img src="logo.png"></body></html>',
        base_url=base_url,
    )
    assert len(PdfReader(io.BytesIO(allowed)).pages[0].images) == 1
