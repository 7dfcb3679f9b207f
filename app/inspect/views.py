"""Inspectors' pages. Exports stream (memory does not grow with the rows), leave complainants'
personal data out unless the user's role allows it and they ask for it, and are audited."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator

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
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.auth.access import permission_required, require_area
from app.calendar import working_calendar
from app.clock import LOCAL_TZ, utc_now
from app.complaint_service import photo_store
from app.extensions import db
from app.i18n import current_language, render_message
from app.inspect import blueprint
from app.inspect.forms import OutcomeForm
from app.unit_of_work import unit_of_work
from barcode_db.areas import province_names
from barcode_db.messages import Refusal
from barcode_db.textkey import search_key
from complaints import queries
from complaints.accounts import User
from complaints.exports import (
    build_case_file,
    case_row,
    header_row,
    iter_csv,
    render_case_files_pdf,
    write_xlsx,
)
from complaints.models import Complaint, ExportEvent
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
MAX_PDF_CASES = 200
PAGE_SIZE = 50


def _day(text: str | None) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.UTC) if day else None


def case_filters() -> queries.QueueFilters:
    """The inspectors' filters from the query string: area, period, category, status, brand,
    store and GTIN."""
    args = request.args
    statuses = tuple(Status(s) for s in args.getlist("status") if s in Status.__members__)
    if not statuses:
        statuses = FLAGGED_STATUSES if args.get("flagged") else DEFAULT_STATUSES
    categories = tuple(
        Category(c) for c in args.getlist("category") if c in {x.value for x in Category}
    )
    until = _day(args.get("to"))
    gtin = (args.get("gtin") or "").strip()
    return queries.QueueFilters(
        statuses=statuses,
        categories=categories,
        province_code=args.get("province") or None,
        commune_code=args.get("commune") or None,
        created_from=_day(args.get("from")),
        created_before=until + dt.timedelta(days=1) if until else None,
        gtin=gtin.zfill(14) if gtin.isdigit() and len(gtin) <= 14 else None,
        also_contains=tuple(
            key
            for key in (search_key(args.get("brand", "")), search_key(args.get("store", "")))
            if key
        ),
    )


def _filters_record() -> dict[str, object]:
    return {k: v if len(v) > 1 else v[0] for k, v in request.args.to_dict(flat=False).items()}


def _wants_personal(user: User) -> bool:
    """Personal data only when asked for explicitly, and only for roles that may read it."""
    if request.args.get("personal") != "1":
        return False
    if not allows(user, Permission.EXPORT_PERSONAL):
        abort(403)
    return True


def _audit(fmt: str, rows: int, personal: bool) -> int:
    """Record the export (who, which filters, how many rows, personal data or not)."""
    with unit_of_work() as session:
        event = ExportEvent(
            actor=current_user.username,
            format=fmt,
            filters=_filters_record(),
            rows=rows,
            personal_data=personal,
            created_at=utc_now(),
        )
        session.add(event)
        session.flush()
        return event.id


def _count_rows(event_id: int, rows: int) -> None:
    """The row count of a streamed export, known once the last row has left."""
    try:
        with unit_of_work() as session:
            event = session.get(ExportEvent, event_id)
            if event is not None:
                event.rows = rows
    except (Refusal, SQLAlchemyError):
        # The export is recorded already; only its count is missing.
        current_app.logger.exception("could not record the row count of export %s", event_id)


def _all_matching(user: User, filters: queries.QueueFilters) -> Iterator[Complaint]:
    """Every matching case, page after page (keyset), so memory stays flat."""
    cursor = None
    while True:
        page = queries.fetch_queue(
            db.session,
            user,
            filters,
            sort=queries.Sort.OLDEST,
            cursor=cursor,
            limit=500,
            with_history=True,
        )
        yield from page.rows
        db.session.expunge_all()
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _row(complaint: Complaint, personal: bool) -> list[object]:
    # Personal exports are for roles that may read contact details in their whole area, and
    # the filters never leave that area: every row may carry them.
    return case_row(complaint, translate=gettext, include_personal=personal)


def _header(personal: bool) -> list[str]:
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


@blueprint.get("/export.csv")
@permission_required(Permission.INSPECT)
def export_csv():
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    filters = case_filters()
    count = {"rows": 0}

    def rows() -> Iterator[list[object]]:
        for complaint in _all_matching(user, filters):
            count["rows"] += 1
            yield _row(complaint, personal)

    # Recorded before the first row leaves: an export that cannot be recorded does not start.
    event_id = _audit("csv", 0, personal)
    # The commit expired the user; load it again now, the stream detaches every row it reads.
    db.session.refresh(user)

    def body() -> Iterator[str]:
        yield from iter_csv(rows(), _header(personal))
        _count_rows(event_id, count["rows"])

    response = Response(stream_with_context(body()), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ho-so-vu-viec-{dt.date.today():%Y%m%d}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/export.xlsx")
@permission_required(Permission.INSPECT)
def export_xlsx():
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    filters = case_filters()
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    try:
        written = write_xlsx(
            (_row(c, personal) for c in _all_matching(user, filters)), _header(personal), spool
        )
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

    response = Response(
        chunks(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ho-so-vu-viec-{dt.date.today():%Y%m%d}.xlsx"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _pdf(complaints: list[Complaint], personal: bool, user: User, filename: str) -> Response:
    store = photo_store()
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
            )
        )
    pdf = render_case_files_pdf(
        files,
        html_renderer=lambda case_files: render_template(
            "inspect/case_file.html", case_files=case_files
        ),
    )
    _audit("pdf", len(complaints), personal)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/cases/<int:complaint_id>.pdf")
@permission_required(Permission.INSPECT)
def case_pdf(complaint_id: int):
    user: User = current_user  # type: ignore[assignment]
    complaint = db.session.get(Complaint, complaint_id) or abort(404)
    require_area(user, complaint.province_code, complaint.commune_code)
    return _pdf([complaint], _wants_personal(user), user, f"ho-so-{complaint.tracking_code}.pdf")


@blueprint.get("/export.pdf")
@permission_required(Permission.INSPECT)
def export_pdf():
    """One PDF for a selection (``?id=1&id=2``) or, without ids, the filtered set (capped)."""
    user: User = current_user  # type: ignore[assignment]
    personal = _wants_personal(user)
    ids = [int(i) for i in request.args.getlist("id") if i.isdigit()]
    if ids:
        chosen = [
            c
            for c in db.session.scalars(
                sa.select(Complaint).where(Complaint.id.in_(ids)).order_by(Complaint.id)
            )
        ]
        for complaint in chosen:
            require_area(user, complaint.province_code, complaint.commune_code)
    else:
        chosen = queries.fetch_queue(
            db.session, user, case_filters(), sort=queries.Sort.OLDEST, limit=MAX_PDF_CASES
        ).rows
    if not chosen:
        flash(gettext("No case matches: nothing to put in a PDF."), "error")
        return redirect(url_for("inspect.cases", **request.args.to_dict(flat=False)), 303)
    return _pdf(
        chosen[:MAX_PDF_CASES], personal, user, f"ho-so-vu-viec-{dt.date.today():%Y%m%d}.pdf"
    )


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
                gettext("Inspected on %(date)s.", date=form.inspected_on.data.isoformat()),
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
    return render_template(
        "inspect/outcome.html", complaint=complaint, form=form, error=error
    ), status
