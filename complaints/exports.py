"""Exports of complaint cases for the market inspectors: CSV and XLSX rows, and PDF case files.

No Flask here: the caller passes ``translate`` (a gettext for the reader's language), the area
names, and for PDFs a function that renders the ``inspect/case_file.html`` template. Rows are
streamed, so exporting 100,000 cases takes as little memory as exporting ten (the caller should
load them in batches, e.g. ``yield_per`` with ``selectinload`` of ``events`` and ``assigned_to``).

Every text cell goes through :func:`neutralise` first: a cell such as ``=HYPERLINK(...)`` typed by
a shopper must stay text in Excel or LibreOffice, never become a formula.

No export carries a reporter's tracking code: it is the reporter's key to their case (their
tracking page, the rating of a closed case), not a reference for officials. Cases are named by
their number (the id the staff pages and the case file's QR code use).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import math
import os
import tempfile
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import qrcode
import qrcode.constants
import sqlalchemy as sa
import xlsxwriter
from PIL import Image
from sqlalchemy.orm import Session

from barcode_db import areas
from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_, format_date, format_moment
from barcode_db.verdict import LEVEL_TITLES, Level
from complaints.deadlines import VIETNAM
from complaints.models import Complaint, ComplaintEvent, EventKind, Evidence
from complaints.snapshot import snapshot_messages
from complaints.storage import PhotoStore
from complaints.workflow import CATEGORY_NAMES, STATUS_NAMES

__all__ = [
    "EVENT_NAMES",
    "EXPORT_COLUMNS",
    "PERSONAL_COLUMNS",
    "STATUS_NAMES",
    "CaseFact",
    "CaseFile",
    "CasePhoto",
    "Cell",
    "Column",
    "PdfWork",
    "TimelineEntry",
    "build_case_file",
    "case_row",
    "csv_line",
    "fetch_pdf_work",
    "header_row",
    "iter_csv",
    "neutralise",
    "outcome_note",
    "render_case_files_pdf",
    "write_xlsx",
]

Cell = str | int | None
Translate = Callable[[str], str]

LOCAL_TZ: Final = VIETNAM
PHOTO_PRINT_MM: Final = (180, 110)
"""The largest a photo is printed in a case file, in millimetres: the width of A4 between the
margins, and the height ``inspect/case_file.html`` allows (``figure img { max-height }``)."""
PHOTO_PRINT_DPI: Final = 150
PHOTO_BOX: Final = (
    round(PHOTO_PRINT_MM[0] / 25.4 * PHOTO_PRINT_DPI),
    round(PHOTO_PRINT_MM[1] / 25.4 * PHOTO_PRINT_DPI),
)
"""The pixels a photo of a case file fits in: as printed, at :data:`PHOTO_PRINT_DPI`."""
THUMBNAIL_JPEG_QUALITY: Final = 80
XLSX_MAX_ROWS: Final = 1_048_576
"""Rows in one Excel sheet, the header included."""
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of a case row: a stable key, its header msgid and its XLSX width."""

    key: str
    header: str
    width: int


EXPORT_COLUMNS: Final[tuple[Column, ...]] = (
    Column("case_number", N_("Case number"), 10),
    Column("status", N_("Status"), 18),
    Column("category", N_("Problem"), 30),
    Column("created_at", N_("Received"), 16),
    Column("province", N_("Province"), 20),
    Column("commune", N_("Commune"), 22),
    Column("store_name", N_("Store"), 30),
    Column("store_address", N_("Store address"), 40),
    Column("product_name", N_("Product name"), 30),
    Column("brand_seen", N_("Brand on the label"), 20),
    Column("code_seen", N_("Barcode as seen"), 16),
    Column("gtin", N_("GTIN"), 16),
    Column("verdict_level", N_("Verdict"), 30),
    Column("verdict_code", N_("Verdict code"), 14),
    Column("date_seen", N_("Date seen"), 12),
    Column("price_vnd", N_("Price (VND)"), 12),
    Column("quantity", N_("Quantity"), 10),
    Column("description", N_("Description"), 60),
    Column("photo_count", N_("Photos"), 8),
    Column("assigned_to", N_("Assigned to"), 16),
    Column("closed_at", N_("Closed"), 16),
    Column("outcome_note", N_("Outcome note"), 50),
)
"""The columns of a case row, in order."""

PERSONAL_COLUMNS: Final[tuple[Column, ...]] = (
    Column("contact_name", N_("Reporter's name"), 24),
    Column("contact_phone", N_("Reporter's phone"), 16),
    Column("contact_email", N_("Reporter's e-mail"), 30),
)
"""Appended to :data:`EXPORT_COLUMNS` only when personal data is asked for (and allowed)."""


EVENT_NAMES: Final[dict[EventKind, str]] = {
    EventKind.FILED: N_("Filed"),
    EventKind.STATUS: N_("Status changed"),
    EventKind.NOTE: N_("Note"),
    EventKind.EDIT: N_("Edited"),
    EventKind.ASSIGNED: N_("Assigned to"),
    EventKind.MERGED: N_("Merged in"),
    EventKind.RATED: N_("Reporter rated the handling"),
    EventKind.CONTACT_VIEWED: N_("Read the contact details"),
}
"""What each kind of audit event is called in a case file's timeline."""

_DEFAULT_WIDTH: Final = 20


# --- rows -----------------------------------------------------------------------------------------


def columns(*, include_personal: bool = False) -> tuple[Column, ...]:
    """The columns of a row, personal ones last when asked for."""
    return EXPORT_COLUMNS + PERSONAL_COLUMNS if include_personal else EXPORT_COLUMNS


def header_row(translate: Translate, *, include_personal: bool = False) -> list[str]:
    """The header row in the language of ``translate``."""
    return [translate(c.header) for c in columns(include_personal=include_personal)]


def local_time(value: dt.datetime | None) -> str | None:
    """``"YYYY-MM-DD HH:MM"`` in Vietnam's time of an aware (or naive UTC) datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _area_commune_name(code: str) -> str | None:
    found = areas.commune(code)
    return found.name if found else None


def outcome_note(complaint: Complaint) -> str | None:
    """The note of the move that closed the complaint, if it is closed and the move had one."""
    if complaint.status.is_open:
        return None
    for event in reversed(complaint.events):
        if event.kind is EventKind.STATUS and event.to_status is complaint.status:
            return event.note or None
    return None


def case_row(
    complaint: Complaint,
    *,
    translate: Translate,
    include_personal: bool = False,
    province_names: Mapping[str, str] | None = None,
    commune_name: Callable[[str], str | None] | None = None,
) -> list[Cell]:
    """One complaint as the cells of :data:`EXPORT_COLUMNS` (plus personal ones on request)."""
    provinces = areas.province_names() if province_names is None else province_names
    communes = _area_commune_name if commune_name is None else commune_name
    commune_code = complaint.commune_code
    row: list[Cell] = [
        complaint.id,
        translate(STATUS_NAMES[complaint.status]),
        translate(CATEGORY_NAMES[complaint.category]),
        local_time(complaint.created_at),
        provinces.get(complaint.province_code, complaint.province_code),
        (communes(commune_code) or commune_code) if commune_code else None,
        complaint.store_name,
        complaint.store_address,
        complaint.product_name,
        complaint.brand_seen,
        printed_gtin(complaint.code_seen),
        # As printed on the pack; a text cell, so a leading 0 of a UPC-A stays.
        printed_gtin(complaint.gtin) if complaint.gtin else None,
        _level_title(complaint.verdict_level, translate),
        complaint.verdict_level,  # for machines, beside the words
        complaint.date_seen.isoformat() if complaint.date_seen else None,
        complaint.price_vnd,
        complaint.quantity,
        complaint.description,
        complaint.photo_count,
        complaint.assigned_to.name if complaint.assigned_to else None,
        local_time(complaint.closed_at),
        outcome_note(complaint),
    ]
    if include_personal:
        row += [complaint.contact_name, complaint.contact_phone, complaint.contact_email]
    return row


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, with a leading apostrophe; else as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# --- CSV ------------------------------------------------------------------------------------------


def iter_csv(
    rows: Iterable[Sequence[Cell]],
    header: Sequence[str],
    *,
    delimiter: str = ",",
    chunk_size: int = 16_384,
) -> Generator[str, None, None]:
    """CSV text in chunks of about ``chunk_size`` characters, the first one the BOM and header.

    A generator: it reads ``rows`` only as its chunks are asked for, so memory does not grow with
    the number of rows. ``chunk_size=0`` yields every row on its own.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([neutralise(cell) for cell in header])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        if buffer.tell() >= chunk_size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_line(cells: Sequence[Cell], *, delimiter: str = ",") -> str:
    """One row of CSV text, neutralised as :func:`iter_csv` writes its rows."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerow(
        ["" if cell is None else neutralise(cell) for cell in cells]
    )
    return buffer.getvalue()


# --- XLSX -----------------------------------------------------------------------------------------


def write_xlsx(
    rows: Iterable[Sequence[Cell]],
    header: Sequence[str],
    fileobj: Any,
    *,
    sheet_name: str = "Cases",
    widths: Sequence[int] | None = None,
    tmpdir: str | os.PathLike[str] | None = None,
) -> int:
    """Write the rows as one XLSX sheet to ``fileobj`` (binary, or a path); the number of rows.

    Rows are flushed to a temporary file as they are written (XlsxWriter's constant memory mode),
    so memory stays flat however many there are. ``widths`` defaults to those of
    :data:`EXPORT_COLUMNS` then :data:`PERSONAL_COLUMNS`, by position.
    """
    if widths is None:
        widths = [c.width for c in EXPORT_COLUMNS + PERSONAL_COLUMNS]
    last_col = len(header) - 1
    workbook = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,
            "in_memory": False,
            "tmpdir": os.fspath(tmpdir) if tmpdir is not None else tempfile.gettempdir(),
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_name)
        bold = workbook.add_format({"bold": True})
        for col in range(len(header)):
            width = widths[col] if col < len(widths) else _DEFAULT_WIDTH
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        for col, title in enumerate(header):
            sheet.write_string(0, col, neutralise(str(title)), bold)
        count = 0
        for count, row in enumerate(rows, start=1):
            if count >= XLSX_MAX_ROWS:
                raise ValueError(f"more than {XLSX_MAX_ROWS - 1} rows do not fit in one sheet")
            for col, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, bool):
                    sheet.write_boolean(count, col, cell)
                elif isinstance(cell, int | float):
                    sheet.write_number(count, col, cell)
                else:
                    sheet.write_string(count, col, neutralise(str(cell)))
        if last_col >= 0:
            sheet.autofilter(0, 0, count, last_col)
    finally:
        workbook.close()
    return count


# --- PDF case files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    """One line of a case file's facts table: the column key, its translated label, its value."""

    key: str
    label: str
    value: Cell


@dataclass(frozen=True)
class CasePhoto:
    """A photo of a case file: a JPEG thumbnail as a data URI (None if unreadable) and its hash."""

    data_uri: str | None
    sha256_original: str
    width: int
    height: int


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event, rendered: local time, who, what, the status move, the note."""

    time: str
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    note: str
    public: bool


@dataclass(frozen=True)
class CaseFile:
    """Everything the ``inspect/case_file.html`` template shows of one case, already rendered."""

    case_number: int | None  # the complaint's id; never its tracking code
    status: str
    lang: str
    case_url: str
    qr_data_uri: str
    facts: tuple[CaseFact, ...]
    verdict_level: str | None  # the level's code, e.g. "MISMATCH"
    verdict_title: str | None  # its translated title
    verdict_lines: tuple[tuple[str, str], ...]  # (tone, text)
    photos: tuple[CasePhoto, ...]
    timeline: tuple[TimelineEntry, ...]
    contact: tuple[CaseFact, ...]  # empty unless personal data was asked for and exists
    generated_at: str

    def fact(self, key: str) -> Cell:
        """The value of the fact ``key``; KeyError if there is none."""
        for item in self.facts:
            if item.key == key:
                return item.value
        raise KeyError(key)


def _data_uri(mimetype: str, data: bytes) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def qr_data_uri(url: str) -> str:
    """A PNG QR code of ``url`` as a data URI."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return _data_uri("image/png", buffer.getvalue())


def fitted_size(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` scaled down, never up, to fit in ``box``, keeping its proportions."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail(data: bytes, box: tuple[int, int] = PHOTO_BOX) -> tuple[bytes, int, int]:
    """A JPEG of the photo at the size it is printed (within ``box``), with its width and height.

    A stored photo is up to 2560 pixels long, and a case file prints it about 870 wide: a JPEG is
    decoded straight at 1/2, 1/4 or 1/8 of its size (``draft``, the smallest that still covers
    the printed size), which is most of the saving, then scaled to the printed size.
    """
    with Image.open(io.BytesIO(data)) as opened:
        size = fitted_size(opened.width, opened.height, box)
        opened.draft("RGB", size)
        image = opened.convert("RGB")
    if image.size != size:
        image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)  # as thumbnail()
    out = io.BytesIO()
    # No ``optimize``: a second pass for a few per cent of bytes, in a PDF made while one waits.
    image.save(out, "JPEG", quality=THUMBNAIL_JPEG_QUALITY)
    return out.getvalue(), image.width, image.height


def _case_photo(store: PhotoStore, key: str, sha256_original: str) -> CasePhoto:
    try:
        data, width, height = thumbnail(store.get(key))
    except (OSError, ValueError, Image.DecompressionBombError):
        # Missing or unreadable file: the case file still lists the photo and its hash.
        return CasePhoto(None, sha256_original, 0, 0)
    return CasePhoto(_data_uri("image/jpeg", data), sha256_original, width, height)


def _level_title(level: str | None, translate: Translate) -> str | None:
    if not level:
        return None
    try:
        return translate(LEVEL_TITLES[Level(level)])
    except ValueError:  # a level no longer known: its code is all there is
        return level


def _readable_moment(value: dt.datetime | None) -> str | None:
    """A moment as people read it in a case file: 27/11/2026 10:18, Vietnam's time."""
    return format_moment(value, LOCAL_TZ) if value else None


def _timeline_entry(
    event: ComplaintEvent, translate: Translate, people: Mapping[str, str]
) -> TimelineEntry:
    note = event.note
    if event.kind is EventKind.MERGED:
        note = ""  # the tracking code of the complaint merged in: not for case files
    elif event.kind is EventKind.ASSIGNED and note:
        note = people.get(note, note)  # the assignee, recorded by username
    return TimelineEntry(
        time=_readable_moment(event.created_at) or "",
        actor=people.get(event.actor, event.actor) if event.actor else translate(N_("reporter")),
        kind=translate(EVENT_NAMES[event.kind]),
        from_status=translate(STATUS_NAMES[event.from_status]) if event.from_status else None,
        to_status=translate(STATUS_NAMES[event.to_status]) if event.to_status else None,
        note=note,
        public=event.is_public,
    )


#: Columns of a row that are for machines: a case file, read by people, leaves them out.
_MACHINE_COLUMNS: Final = frozenset({"verdict_code"})


def build_case_file(
    complaint: Complaint,
    *,
    store: PhotoStore,
    translate: Translate,
    lang: str,
    include_personal: bool = False,
    case_url: str,
    province_names: Mapping[str, str] | None = None,
    commune_name: Callable[[str], str | None] | None = None,
    now: dt.datetime | None = None,
    people: Mapping[str, str] | None = None,
) -> CaseFile:
    """The case file of a complaint: facts, verdict, photos, the full audit timeline and a QR.

    Dates and times are written for people (27/11/2026 10:18), not as a row's ISO text;
    ``people`` names the staff that events record by username."""
    people = people or {}
    row = case_row(
        complaint,
        translate=translate,
        include_personal=include_personal,
        province_names=province_names,
        commune_name=commune_name,
    )
    readable: dict[str, Cell] = {
        "created_at": _readable_moment(complaint.created_at),
        "closed_at": _readable_moment(complaint.closed_at),
        "date_seen": format_date(complaint.date_seen) if complaint.date_seen else None,
    }
    labelled = [
        CaseFact(column.key, translate(column.header), readable.get(column.key, value))
        for column, value in zip(columns(include_personal=include_personal), row, strict=True)
        if column.key not in _MACHINE_COLUMNS
    ]
    personal_keys = {column.key for column in PERSONAL_COLUMNS}
    facts = tuple(fact for fact in labelled if fact.key not in personal_keys)
    personal = [fact for fact in labelled if fact.key in personal_keys]
    snapshot = complaint.verdict_snapshot or {}
    return CaseFile(
        case_number=complaint.id,
        status=translate(STATUS_NAMES[complaint.status]),
        lang=lang,
        case_url=case_url,
        qr_data_uri=qr_data_uri(case_url),
        facts=facts,
        verdict_level=complaint.verdict_level,
        verdict_title=_level_title(complaint.verdict_level, translate),
        verdict_lines=tuple(
            (tone, message.render(translate, lang)) for tone, message in snapshot_messages(snapshot)
        ),
        photos=tuple(
            _case_photo(store, e.storage_key, e.sha256_original) for e in complaint.evidence
        ),
        timeline=tuple(_timeline_entry(e, translate, people) for e in complaint.events),
        contact=tuple(personal) if any(f.value for f in personal) else (),
        generated_at=_readable_moment(now or dt.datetime.now(dt.UTC)) or "",
    )


# What a PDF costs to make, known before it is made. WeasyPrint lays a PDF out in one go in
# the request: a PDF that takes longer than the server's worker timeout (gunicorn: 30 s) is
# killed half-way and the inspector gets a bare error. So a PDF is refused beforehand when its
# estimated work is over a budget. The weights are milliseconds on the reference server (2
# cores), measured by ``scripts/bench_export.py --pdf`` and rounded up; the default budget leaves
# three times its length under the timeout. Measured so (PDF_MAX_WORK = 10,000): the largest PDFs
# allowed, 37 cases without photos and 14 cases with 5 photos each, took 8.2 s and 7.0 s; the
# issue's 158 cases with 105 photos took 47 s of CPU (estimated 51 s): refused.

PDF_WORK_PER_CASE: Final = 220
"""A case: facts, verdict, QR code, its pages laid out (ms)."""
PDF_WORK_PER_EVENT: Final = 12
"""A line of a case's history (ms)."""
PDF_WORK_PER_PHOTO: Final = 70
"""A photo, whatever its size: read, decoded at a reduced scale, scaled, embedded (ms)."""
PDF_WORK_PER_MEGAPIXEL: Final = 2
"""And per million pixels stored: ``draft`` makes the decoding nearly independent of them (ms)."""
PDF_MAX_WORK: Final = 10_000
"""The default budget of one PDF (``PDF_MAX_WORK`` in the app's config): about 10 s."""


@dataclass(frozen=True)
class PdfWork:
    """The work of a PDF of case files: its cases, their history lines, their photos and the
    photos' pixels, all known from the database before anything is read or laid out."""

    cases: int
    events: int
    photos: int
    photo_pixels: int

    @property
    def units(self) -> int:
        """The estimated work, in milliseconds of the reference server."""
        return math.ceil(
            self.cases * PDF_WORK_PER_CASE
            + self.events * PDF_WORK_PER_EVENT
            + self.photos * PDF_WORK_PER_PHOTO
            + self.photo_pixels / 1e6 * PDF_WORK_PER_MEGAPIXEL
        )


def fetch_pdf_work(session: Session, complaint_ids: Collection[int]) -> PdfWork:
    """The work of a PDF of these complaints, counted in the database (photos by the sizes
    kept beside them): two aggregate queries, whatever the number of cases."""
    ids = sorted(set(complaint_ids))
    if not ids:
        return PdfWork(0, 0, 0, 0)
    events = session.scalar(
        sa.select(sa.func.count(ComplaintEvent.id)).where(ComplaintEvent.complaint_id.in_(ids))
    )
    photos, pixels = session.execute(
        sa.select(
            sa.func.count(Evidence.id),
            sa.func.coalesce(sa.func.sum(Evidence.width * Evidence.height), 0),
        ).where(Evidence.complaint_id.in_(ids))
    ).one()
    return PdfWork(len(ids), int(events or 0), int(photos), int(pixels))


def _url_fetcher(base_url: str | None) -> Callable[..., Any]:
    """WeasyPrint's fetcher, limited to data: URIs and resources under ``base_url``."""
    import weasyprint
    from weasyprint.urls import ensure_url

    prefix = ensure_url(base_url) if base_url else None

    def allowed(url: str) -> bool:
        if url.startswith("data:"):
            return True
        if prefix is None or not url.startswith(prefix):
            return False
        # "%2e%2e" is not resolved by URL joining but is by the file system: no ".." at all.
        segments = unquote(urlsplit(url).path).replace("\\", "/").split("/")
        return ".." not in segments

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if allowed(url):
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"case files load no outside resource ({url[:80]})")

    return fetch


def render_case_files_pdf(
    case_files: Sequence[CaseFile],
    *,
    html_renderer: Callable[[Sequence[CaseFile]], str],
    base_url: str | None = None,
) -> bytes:
    """One PDF of the case files (one case per page or more), from the caller's rendered HTML.

    Only data: URIs and URLs under ``base_url`` are fetched: user text that slipped into markup
    cannot make the renderer read local files or call other servers.
    """
    import weasyprint  # heavy (Pango, fonts): loaded only when a PDF is made

    html = html_renderer(case_files)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_url_fetcher(base_url))
    return bytes(document.write_pdf())
