"""Inspectors' pages. Exports stream (memory does not grow with the rows), leave complainants'
personal data out unless the user's role allows it and they ask for it, never carry reporters'
tracking codes, and are audited.

Whatever the user can put right is checked before the first byte leaves: the filters, the right to
personal data, a spreadsheet's row limit, a PDF's work. A CSV streams, so it is recorded before
its first byte as not finished and counted once its last row is out; a CSV that fails half-way
ends with a line saying so and an aborted transfer (no final chunk), never as a quiet success.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_decimal, gettext
from flask_login import current_user

from app.auth.access import permission_required, require_area
from app.calendar import working_calendar
from app.clock import local_today, utc_now
from app.complaint_service import photo_store
from app.extensions import db
from app.i18n import current_language, day, render_message
from app.inspect import blueprint
from app.inspect.forms import OutcomeForm
from app.jobs.views import offer_job, start_job_for_request
from app.query_args import InspectQuery, filters_from, read_query
from app.reports.views import XLSX
from app.unit_of_work import unit_of_work
from barcode_db.areas import commune, province_names
from barcode_db.messages import N_, Refusal
from complaints import queries
from complaints.accounts import User
from complaints.exports import (
    PDF_MAX_WORK,
    PDF_WORK_PER_CASE,
    XLSX_MAX_ROWS,
    build_case_file,
    case_row,
    csv_line,
    fetch_pdf_work,
    header_row,
    iter_csv,
    render_case_files_pdf,
    write_xlsx,
)
from complaints.jobs import JobKind
from complaints.models import Complaint, EventKind, ExportEvent
from complaints.permissions import Permission, allows, may_read_contact, roles_for
from complaints.triage import move, refresh_priority
from complaints.workflow import Category, Status

# Kept for app/api/cases.py, which still names roles.
INSPECT_ROLES = roles_for(Permission.INSPECT)
#: What inspectors see by default: the cases the association sent them, and their outcomes.
DEFAULT_STATUSES = (Status.REFERRED, Status.CONFIRMED)
#: "Every flagged case": everything but dismissed and merged duplicates.
FLAGGED_STATUSES = (
    Status.NEW,
    Status.TRIAGED,
    Status.NEEDS_INFO,
    Status.REFERRED,
    Status.CONFIRMED,
)
PAGE_SIZE = 50
#: Cases read from the database at a time by the CSV and XLSX exports.
EXPORT_BATCH = 500
#: ``ExportEvent.rows`` of a streamed export recorded before its first byte and not finished
#: (an error stopped it, or the client went away); the row count replaces it after the last row.
ROWS_NOT_FINISHED = -1


def case_filters(args: dict[str, Any] | None = None) -> queries.QueueFilters:
    """The inspectors' filters (area, period, category, status, brand, store and GTIN) from a
    query string read by ``app.query_args.InspectQuery`` (``args``, when already read)."""
    if args is None:
        args = read_query(InspectQuery)
    default = FLAGGED_STATUSES if args.get("flagged") else DEFAULT_STATUSES
    return filters_from(args, default_statuses=default)


def _filters_record() -> dict[str, object]:
    return {k: v if len(v) > 1 else v[0] for k, v in request.args.to_dict(flat=False).items()}


def _wants_personal(user: User) -> bool:
    """Personal data only when asked for explicitly, and only for roles that may read it."""
    if request.args.get("personal") != "1":
        return False
    if not allows(user, Permission.EXPORT_PERSONAL):
        abort(403)
    return True


def export_event(fmt: str, rows: int, personal: bool, actor: User) -> ExportEvent:
    """The record of an export (who, which filters, how many rows, personal data or not), of
    the request's query string."""
    return ExportEvent(
        actor=actor.username,
        format=fmt,
        filters=_filters_record(),
        rows=rows,
        personal_data=personal,
        created_at=utc_now(),
    )


def _audit(fmt: str, rows: int, personal: bool) -> int:
    """Record the export made for the signed-in user."""
    with unit_of_work() as session:
        event = export_event(fmt, rows, personal, current_user)  # type: ignore[arg-type]
        session.add(event)
        session.flush()
        return event.id


def _record_row_count(event_id: int, rows: int) -> None:
    """A streamed export finished: its row count replaces :data:`ROWS_NOT_FINISHED`. Raises if
    it cannot be recorded (the stream then ends as failed, as its record says)."""
    with unit_of_work() as session:
        event = session.get(ExportEvent, event_id)
        if event is None:
            raise LookupError(f"export {event_id} is not recorded")
        event.rows = rows


def _export_page(
    user: User, filters: queries.QueueFilters, cursor: str | None = None
) -> queries.QueuePage:
    return queries.fetch_queue(
        db.session,
        user,
        filters,
        sort=queries.Sort.OLDEST,
        cursor=cursor,
        limit=EXPORT_BATCH,
        with_history=True,
    )


def _all_matching(
    user: User,
    filters: queries.QueueFilters,
    first: queries.QueuePage,
    after_page: Callable[[int], None] | None = None,
) -> Iterator[Complaint]:
    """Every matching case from the ``first`` page on, page after page (keyset), so memory stays
    flat. The first page is read before the response starts: a query that fails, fails there.
    ``after_page`` is told how many cases were read after each page, the session then empty."""
    page, read = first, 0
    while True:
        yield from page.rows
        read += len(page.rows)
        db.session.expunge_all()
        if after_page is not None:
            after_page(read)
        if page.next_cursor is None:
            return
        page = _export_page(user, filters, page.next_cursor)


def export_rows(
    user: User,
    filters: queries.QueueFilters,
    personal: bool,
    after_page: Callable[[int], None] | None = None,
) -> Iterator[list[object]]:
    """The export's rows, every matching case, read a page at a time (the first one now)."""
    first = _export_page(user, filters)
    return (_row(c, personal) for c in _all_matching(user, filters, first, after_page))


def _back_to_the_list(message: str) -> Response:
    """The case list with the same filters, saying why there is no file."""
    flash(message, "error")
    return redirect(url_for("inspect.cases", **request.args.to_dict(flat=False)), 303)


def _row(complaint: Complaint, personal: bool) -> list[object]:
    # Personal exports are for roles that may read contact details in their whole area, and
    # the filters never leave that area: every row may carry them.
    return case_row(complaint, translate=gettext, include_personal=personal)


def export_filename(suffix: str) -> str:
    """The name an export of cases is downloaded under: ``ho-so-vu-viec-<local date><suffix>``."""
    return f"ho-so-vu-viec-{local_today():%Y%m%d}{suffix}"


def export_header(personal: bool) -> list[str]:
    return header_row(gettext, include_personal=personal)


@blueprint.get("/")
@permission_required(Permission.INSPECT)
def cases():
    user: User = current_user  # type: ignore[assignment]
    filters = case_filters()
    page = queries.fetch_queue(
        db.session,
        user,
        filters,
        sort=queries.Sort.NEWEST,
        cursor=request.args.get("after"),
        limit=PAGE_SIZE,
    )
    next_args = request.args.to_dict(flat=False)
    next_args["after"] = [page.next_cursor] if page.next_cursor else []
    return render_template(
        "inspect/cases.html",
        page=page,
        total=queries.count_queue(db.session, user, filters),
        args=request.args,
        provinces=province_names()
        if user.province_code is None
        else {user.province_code: province_names().get(user.province_code, "")},
        categories=list(Category),
        statuses=list(Status),
        may_export_personal=allows(user, Permission.EXPORT_PERSONAL),
        next_url=url_for("inspect.cases", **next_args) if page.next_cursor else None,
    )


def _in_background(
    kind: JobKind, user: User, filters: queries.QueueFilters, personal: bool
) -> Any | None:
    """A POST starts the export as a background job (its page follows); a GET of more than
    ``JOB_EXPORT_ROWS`` cases offers that; None: make it now."""
    if request.method == "POST":
        return start_job_for_request(kind, user, personal=personal)
    threshold = int(current_app.config["JOB_EXPORT_ROWS"])
    if queries.count_queue(db.session, user, filters, cap=threshold) <= threshold:
        return None
    return offer_job(kind, queries.count_queue(db.session, user, filters, cap=10_000_000))


@blueprint.route("/export.csv", methods=["GET", "POST"])
@permission_required(Permission.INSPECT)
def export_csv():
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    filters = case_filters()
    background = _in_background(JobKind.EXPORT_CSV, user, filters, personal)
    if background is not None:
        return background
    # Recorded before the first row leaves, as not finished: an export that cannot be recorded
    # does not start, and one that stops half-way stays on record (its first rows have left).
    event_id = _audit("csv", ROWS_NOT_FINISHED, personal)
    # The commit expired the user; load it again now, the stream detaches every row it reads.
    db.session.refresh(user)
    first = _export_page(user, filters)
    header = export_header(personal)
    incomplete = csv_line(
        [
            gettext(
                "EXPORT INCOMPLETE: an error stopped this export before its end. "
                "Do not use this file; download it again."
            )
        ]
    )
    count = {"rows": 0}

    def rows() -> Iterator[list[object]]:
        for complaint in _all_matching(user, filters, first):
            count["rows"] += 1
            yield _row(complaint, personal)

    def body() -> Iterator[str]:
        # The last chunk is held back until the export is recorded as finished: the client
        # sees a complete file only if the record says so.
        held = None
        try:
            for chunk in iter_csv(rows(), header):
                if held is not None:
                    yield held
                held = chunk
            _record_row_count(event_id, count["rows"])
        except Exception:
            current_app.logger.exception(
                "CSV export %s failed after %s rows", event_id, count["rows"]
            )
            if held is not None:
                yield held
            yield incomplete
            # Raised on, the server closes the connection without the final empty chunk of a
            # chunked response: browsers and HTTP clients report the download as failed.
            raise
        yield held or ""

    response = Response(stream_with_context(body()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(".csv")}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_too_big(user: User, filters: queries.QueueFilters) -> str | None:
    """Why the cases cannot go into one spreadsheet (more rows than a sheet holds), or None."""
    most = XLSX_MAX_ROWS - 1  # the header takes a row
    if queries.count_queue(db.session, user, filters, cap=most) <= most:
        return None
    return gettext(
        "More than %(max)s cases match: too many for one spreadsheet. Narrow the "
        "filters, or download the CSV, which holds any number of cases.",
        max=format_decimal(most),
    )


@blueprint.route("/export.xlsx", methods=["GET", "POST"])
@permission_required(Permission.INSPECT)
def export_xlsx():
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    filters = case_filters()
    too_big = xlsx_too_big(user, filters)
    if too_big:
        return _back_to_the_list(too_big)
    background = _in_background(JobKind.EXPORT_XLSX, user, filters, personal)
    if background is not None:
        return background
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    try:
        written = write_xlsx(export_rows(user, filters, personal), export_header(personal), spool)
        # Made in full before it is recorded, and recorded before its first byte leaves.
        _audit("xlsx", written, personal)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        try:
            while block := spool.read(64 * 1024):
                yield block
        finally:
            spool.close()

    response = Response(chunks(), mimetype=XLSX)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(".xlsx")}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _pdf(complaints: list[Complaint], personal: bool, user: User, filename: str) -> Response:
    pdf = case_files_pdf(complaints, personal, user)
    # Made in full before it is recorded, and recorded before its first byte leaves.
    _audit("pdf", len(complaints), personal)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def case_files_pdf(
    complaints: list[Complaint],
    personal: bool,
    user: User,
    after_case: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF of the case files of ``complaints``; ``after_case`` is told how many are built."""
    store = photo_store()
    people = queries.fetch_people(
        db.session,
        [e.actor for c in complaints for e in c.events if e.actor]
        + [e.note for c in complaints for e in c.events if e.kind is EventKind.ASSIGNED and e.note],
    )
    files = []
    for complaint in complaints:
        files.append(
            build_case_file(
                complaint,
                store=store,
                translate=gettext,
                lang=current_language(),
                include_personal=personal
                and may_read_contact(user, complaint.province_code, complaint.commune_code),
                case_url=url_for(
                    "staff.complaint_detail", complaint_id=complaint.id, _external=True
                ),
                now=utc_now(),
                people=people,
            )
        )
        if after_case is not None:
            after_case(len(files))
    return render_case_files_pdf(
        files,
        html_renderer=lambda case_files: render_template(
            "inspect/case_file.html", case_files=case_files
        ),
    )


@blueprint.get("/cases/<int:complaint_id>.pdf")
@permission_required(Permission.INSPECT)
def case_pdf(complaint_id: int):
    """One case file. Its work is bounded by the photos a complaint may carry (MAX_PHOTOS)."""
    user: User = current_user  # type: ignore[assignment]
    complaint = db.session.get(Complaint, complaint_id) or abort(404)
    require_area(user, complaint.province_code, complaint.commune_code)
    return _pdf([complaint], _wants_personal(user), user, f"ho-so-{complaint.id}.pdf")


_NARROW_THE_PDF = N_(
    "Narrow the filters (a shorter period, one province or one problem) or choose fewer cases, "
    "or download the CSV or XLSX, which hold any number of cases."
)


def pdf_selection(user: User, budget: int) -> tuple[list[Complaint], str | None]:
    """The cases for one PDF: a selection (``?id=1&id=2``) or, without ids, the filtered set;
    or why there is none: nothing matches, or it is more than ``budget`` work."""
    filters = case_filters()  # reads and checks the whole query string, the ids too
    most = max(1, budget // PDF_WORK_PER_CASE)  # cases without a photo that fit the budget
    ids = read_query(InspectQuery).get("id", [])
    more = False
    if ids:
        chosen = list(
            db.session.scalars(
                sa.select(Complaint).where(Complaint.id.in_(ids)).order_by(Complaint.id)
            )
        )
        for complaint in chosen:
            require_area(user, complaint.province_code, complaint.commune_code)
    else:
        page = queries.fetch_queue(
            db.session, user, filters, sort=queries.Sort.OLDEST, limit=most, with_history=True
        )
        chosen, more = page.rows, page.next_cursor is not None
    if not chosen:
        return [], gettext("No case matches: nothing to put in a PDF.")
    if more:
        return [], (
            gettext("More than %(max)s cases match: too many for one PDF.", max=most)
            + " "
            + gettext(_NARROW_THE_PDF)
        )
    work = fetch_pdf_work(db.session, [c.id for c in chosen])
    if work.units > budget:
        return [], (
            gettext(
                "The %(cases)s case(s) chosen, with %(photos)s photo(s) between them, are too "
                "much for one PDF.",
                cases=work.cases,
                photos=work.photos,
            )
            + " "
            + gettext(_NARROW_THE_PDF)
        )
    return chosen, None


@blueprint.route("/export.pdf", methods=["GET", "POST"])
@permission_required(Permission.INSPECT)
def export_pdf():
    """One PDF for a selection (``?id=1&id=2``) or, without ids, the filtered set: made at once
    within ``PDF_MAX_WORK``, offered as a background job within ``PDF_JOB_MAX_WORK`` (a POST
    starts it), refused beyond that with what to narrow."""
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    at_once = int(current_app.config.get("PDF_MAX_WORK", PDF_MAX_WORK))
    in_job = max(at_once, int(current_app.config["PDF_JOB_MAX_WORK"]))
    if request.method == "GET":
        chosen, problem = pdf_selection(user, at_once)
        if problem is None:
            return _pdf(chosen, personal, user, export_filename(".pdf"))
    chosen, problem = pdf_selection(user, in_job)
    if problem is not None:
        return _back_to_the_list(problem)
    if request.method == "POST":
        return start_job_for_request(JobKind.EXPORT_PDF, user, personal=personal)
    return offer_job(JobKind.EXPORT_PDF, len(chosen))


@blueprint.route("/cases/<int:complaint_id>/outcome", methods=["GET", "POST"])
@permission_required(Permission.RECORD_OUTCOME)
def outcome(complaint_id: int):
    """Record the inspection of a referred case; it moves to CONFIRMED or DISMISSED."""
    user: User = current_user  # type: ignore[assignment]
    complaint = db.session.get(Complaint, complaint_id) or abort(404)
    require_area(user, complaint.province_code, complaint.commune_code)
    form = OutcomeForm(
        formdata=request.form if request.method == "POST" else None, version=complaint.version
    )
    error = None
    if request.method == "POST" and form.validate_on_submit():
        found = form.violation.data == "yes"
        target = Status.CONFIRMED if found else Status.DISMISSED
        note = "\n".join(
            part
            for part in (
                gettext("Inspected on %(date)s.", date=day(form.inspected_on.data)),
                (
                    gettext("Decision: %(ref)s.", ref=form.enforcement_ref.data)
                    if form.enforcement_ref.data
                    else ""
                ),
                form.note.data or "",
            )
            if part
        )
        try:
            with unit_of_work():
                move(
                    db.session,
                    complaint,
                    target,
                    actor=user,
                    now=utc_now(),
                    note=note,
                    expected_version=form.version.data,
                )
                complaint.inspected_on = form.inspected_on.data
                complaint.violation_found = found
                complaint.enforcement_ref = form.enforcement_ref.data or ""
                refresh_priority(db.session, complaint, calendar=working_calendar(), now=utc_now())
        except Refusal as refused:
            error, status = render_message(refused.message), refused.status
        else:
            flash(gettext("The outcome was recorded."), "success")
            return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)
    elif request.method == "POST":
        error, status = gettext("Please correct the marked fields."), 400
    else:
        status = 200
    found_commune = commune(complaint.commune_code) if complaint.commune_code else None
    return render_template(
        "inspect/outcome.html",
        complaint=complaint,
        form=form,
        error=error,
        province_name=province_names().get(complaint.province_code, complaint.province_code),
        commune_name=found_commune.name if found_commune else "",
        referred_at=_referred_at(complaint),
    ), status


def _referred_at(complaint: Complaint) -> dt.datetime | None:
    """When the case was last referred to the inspectors."""
    moves = [
        e for e in complaint.events if e.kind is EventKind.STATUS and e.to_status is Status.REFERRED
    ]
    return moves[-1].created_at if moves else None
