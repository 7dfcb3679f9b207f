"""What each kind of job makes. A job is made as the request that started it would have been:
in a request context with its path, query string and address, in the language it was asked in,
through the same functions as the pages (``app.inspect.views``, ``app.reports``), so that a
file made in the background holds exactly what the page would have given; the rights of the
person who started it are checked again when it runs (they may have changed since)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from flask_babel import force_locale

from app.extensions import db
from app.inspect.views import (
    case_files_pdf,
    case_filters,
    export_event,
    export_filename,
    export_header,
    export_rows,
    pdf_selection,
    xlsx_too_big,
)
from app.reports.render import file_stem, render_pdf, render_xlsx
from app.reports.views import XLSX, report_for
from barcode_db.messages import Message, Refusal
from complaints import queries
from complaints.accounts import User
from complaints.exports import iter_csv, write_xlsx
from complaints.jobs import FAILURES, Job, JobKind
from complaints.models import ExportEvent
from complaints.permissions import Permission, allows
from complaints.queries import QueueFilters

Progress = Callable[[int, int], None]

NO_LONGER_ALLOWED = Message("job_not_allowed", FAILURES["refused"])


@dataclass(frozen=True, slots=True)
class Made:
    filename: str
    mimetype: str
    suffix: str
    #: The export's record, added with the job's result (one commit): an export is recorded
    #: once it is made in full, as the pages do.
    audit: ExportEvent | None = None


def make(job: Job, user: User, out: IO[bytes], progress: Progress) -> Made:
    """Write ``job``'s file to ``out``."""
    params: dict[str, Any] = job.params or {}
    maker = MAKERS[job.kind]
    with (
        current_app.test_request_context(
            params.get("path", "/"),
            base_url=params.get("base_url") or None,
            query_string=params.get("query", ""),
        ),
        force_locale(params.get("lang") or "vi"),
    ):
        return maker(user, params, out, progress)


def _personal(user: User, params: dict[str, Any]) -> bool:
    if not params.get("personal"):
        return False
    if not allows(user, Permission.EXPORT_PERSONAL):
        raise Refusal(NO_LONGER_ALLOWED, status=403)
    return True


def _export_rows(
    user: User, params: dict[str, Any], filters: QueueFilters, progress: Progress
) -> tuple[Iterator[list[object]], bool]:
    if not allows(user, Permission.INSPECT):
        raise Refusal(NO_LONGER_ALLOWED, status=403)
    personal = _personal(user, params)
    total = queries.count_queue(db.session, user, filters, cap=10_000_000)
    progress(0, total)
    return export_rows(user, filters, personal, lambda done: progress(done, total)), personal


def make_csv(user: User, params: dict[str, Any], out: IO[bytes], progress: Progress) -> Made:
    rows, personal = _export_rows(user, params, case_filters(), progress)
    count = 0

    def counted() -> Iterator[list[object]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in iter_csv(counted(), export_header(personal)):
        out.write(chunk.encode("utf-8"))
    return Made(
        export_filename(".csv"),
        "text/csv",
        ".csv",
        export_event("csv", count, personal, user),
    )


def make_xlsx(user: User, params: dict[str, Any], out: IO[bytes], progress: Progress) -> Made:
    filters = case_filters()
    if xlsx_too_big(user, filters):
        raise Refusal(NO_LONGER_ALLOWED, status=400)
    rows, personal = _export_rows(user, params, filters, progress)
    written = write_xlsx(rows, export_header(personal), out)
    return Made(
        export_filename(".xlsx"),
        XLSX,
        ".xlsx",
        export_event("xlsx", written, personal, user),
    )


def make_pdf(user: User, params: dict[str, Any], out: IO[bytes], progress: Progress) -> Made:
    if not allows(user, Permission.INSPECT):
        raise Refusal(NO_LONGER_ALLOWED, status=403)
    personal = _personal(user, params)
    budget = int(current_app.config["PDF_JOB_MAX_WORK"])
    chosen, problem = pdf_selection(user, budget)
    if problem is not None:
        raise Refusal(NO_LONGER_ALLOWED, status=400)
    # Building the case files is most of the steps; rendering the PDF is the last one.
    total = len(chosen) + 1
    progress(0, total)
    out.write(
        case_files_pdf(chosen, personal, user, after_case=lambda built: progress(built, total))
    )
    return Made(
        export_filename(".pdf"),
        "application/pdf",
        ".pdf",
        export_event("pdf", len(chosen), personal, user),
    )


def make_report_pdf(user: User, params: dict[str, Any], out: IO[bytes], progress: Progress) -> Made:
    progress(0, 2)
    report = report_for(user)
    progress(1, 2)
    out.write(render_pdf(report))
    return Made(f"{file_stem(report)}.pdf", "application/pdf", ".pdf")


def make_report_xlsx(
    user: User, params: dict[str, Any], out: IO[bytes], progress: Progress
) -> Made:
    progress(0, 2)
    report = report_for(user)
    progress(1, 2)
    out.write(render_xlsx(report))
    return Made(f"{file_stem(report)}.xlsx", XLSX, ".xlsx")


MAKERS: dict[JobKind, Callable[[User, dict[str, Any], IO[bytes], Progress], Made]] = {
    JobKind.EXPORT_CSV: make_csv,
    JobKind.EXPORT_XLSX: make_xlsx,
    JobKind.EXPORT_PDF: make_pdf,
    JobKind.REPORT_PDF: make_report_pdf,
    JobKind.REPORT_XLSX: make_report_xlsx,
}

__all__ = ["MAKERS", "Made", "make"]
