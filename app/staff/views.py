"""The staff's day: the queue, a complaint's page with its workflow, duplicates, signals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from app.auth.access import READ_ROLES, TRIAGE_ROLES, require_area, roles_required
from app.calendar import working_calendar
from app.clock import LOCAL_TZ, utc_now
from app.complaint_service import photo_store
from app.extensions import db
from app.i18n import render_message
from app.staff import blueprint
from app.staff.forms import AssignForm, MergeForm, MoveForm, NoteForm, TemplateForm
from barcode_db.messages import N_, Message
from barcode_db.textkey import search_key
from complaints import queries
from complaints.accounts import ROLE_NAMES, Role, User, can_read_contact, can_see_area
from complaints.areas import commune, communes_of, province_names
from complaints.deadlines import deadline_for, deadline_state
from complaints.models import (
    Complaint,
    ComplaintEvent,
    Evidence,
    ResponseTemplate,
    Source,
)
from complaints.priority import band_for
from complaints.snapshot import snapshot_messages
from complaints.triage import (
    StaleEdit,
    TriageRefused,
    add_note,
    assign,
    merge,
    move,
    record_contact_view,
    refresh_priority,
)
from complaints.workflow import (
    CATEGORY_NAMES,
    PUBLIC_STATUS,
    STATUS_NAMES,
    TRANSITIONS,
    Category,
    Status,
)

PAGE_SIZE = 50


@blueprint.app_context_processor
def staff_globals():
    return {
        "role_names": ROLE_NAMES,
        "status_names": STATUS_NAMES,
        "category_names": CATEGORY_NAMES,
    }


def _local_day_start(text: str | None) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.UTC) if day else None


def _filters_from_request(user: User) -> queries.QueueFilters:
    args = request.args
    statuses = tuple(Status(s) for s in args.getlist("status") if s in Status.__members__)
    categories = tuple(
        Category(c) for c in args.getlist("category") if c in {x.value for x in Category}
    )
    assigned = args.get("assigned", "")
    created_to = _local_day_start(args.get("to"))
    return queries.QueueFilters(
        statuses=statuses,
        categories=categories,
        province_code=args.get("province") or None,
        commune_code=args.get("commune") or None,
        levels=tuple(level for level in args.getlist("level") if level),
        assigned_to=user.id
        if assigned == "me"
        else (int(assigned) if assigned.isdigit() else None),
        unassigned=assigned == "none",
        created_from=_local_day_start(args.get("from")),
        created_before=created_to + dt.timedelta(days=1) if created_to else None,
        has_photos=bool(args.get("photos")),
        overdue_at=utc_now() if args.get("overdue") else None,
        search=search_key(args.get("q", ""))[:100],
        gtin=(args.get("gtin") or "").zfill(14) if (args.get("gtin") or "").isdigit() else None,
    )


def _staff_users() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_([Role.ADMIN, Role.STAFF]))
            .order_by(User.name)
        )
    )


@blueprint.get("/")
@roles_required(*READ_ROLES)
def queue():
    user: User = current_user  # type: ignore[assignment]
    filters = _filters_from_request(user)
    try:
        sort = queries.Sort(request.args.get("sort", "priority"))
    except ValueError:
        sort = queries.Sort.PRIORITY
    page = queries.fetch_queue(
        db.session, user, filters, sort=sort, cursor=request.args.get("after"), limit=PAGE_SIZE
    )
    calendar = working_calendar()
    now = utc_now()
    # The page says "overdue" for a deadline past, without counting working days back to it.
    overdue = {
        c.id for c in page.rows if c.status.is_open and now > deadline_for(c.created_at, calendar)
    }
    deadlines = {
        c.id: deadline_state(c.created_at, now, calendar)
        for c in page.rows
        if c.status.is_open and c.id not in overdue
    }
    next_args = request.args.to_dict(flat=False)
    next_args["after"] = [page.next_cursor] if page.next_cursor else []
    return render_template(
        "staff/queue.html",
        page=page,
        total=len(page.rows)
        if page.holds_every_match
        else queries.count_queue(db.session, user, filters),
        overdue=overdue,
        deadlines=deadlines,
        band_for=band_for,
        provinces=_visible_provinces(user),
        communes=communes_of(request.args.get("province") or user.province_code or ""),
        staff=_staff_users(),
        args=request.args,
        next_url=url_for("staff.queue", **next_args) if page.next_cursor else None,
        statuses=list(Status),
        categories=list(Category),
        levels=[
            "REPORTED",
            "MISMATCH",
            "LOOKALIKE",
            "INVALID",
            "UNKNOWN",
            "NOT_A_PRODUCT_ID",
            "FOREIGN",
            "VIETNAMESE",
            "TRUSTED",
        ],
        move_targets=[s for s in Status if s is not Status.DUPLICATE],
    )


def _visible_provinces(user: User) -> dict[str, str]:
    names = province_names()
    if user.role is Role.ADMIN or user.province_code is None:
        return names
    return {user.province_code: names.get(user.province_code, user.province_code)}


def _complaint_or_404(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        abort(404)
    require_area(current_user, complaint.province_code, complaint.commune_code)  # type: ignore[arg-type]
    return complaint


def _detail(
    complaint: Complaint, *, status: int = 200, error: str | None = None, show_contact: bool = False
):
    user: User = current_user  # type: ignore[assignment]
    events = list(
        db.session.scalars(
            sa.select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.id)
        )
    )
    move_form = MoveForm(formdata=None, version=complaint.version)
    move_form.target.choices = [
        SelectChoice(s.value, gettext(STATUS_NAMES[s]))
        for s in sorted(TRANSITIONS[complaint.status], key=list(Status).index)
        if s is not Status.DUPLICATE
    ]
    assign_form = AssignForm(
        formdata=None, version=complaint.version, assignee=str(complaint.assigned_to_id or "")
    )
    assign_form.assignee.choices = [SelectChoice("", gettext("— nobody —"))] + [
        SelectChoice(str(u.id), u.display) for u in _staff_users()
    ]
    templates = {
        t.status.value: t.body
        for t in db.session.scalars(
            sa.select(ResponseTemplate).where(ResponseTemplate.language == "vi")
        )
    }
    state = (
        deadline_state(complaint.created_at, utc_now(), working_calendar())
        if complaint.status.is_open
        else None
    )
    response = make_response(
        render_template(
            "staff/complaint.html",
            complaint=complaint,
            events=events,
            move_form=move_form,
            note_form=NoteForm(formdata=None),
            assign_form=assign_form,
            merge_form=MergeForm(formdata=None),
            candidates=queries.fetch_duplicate_candidates(db.session, user, complaint)
            if complaint.status.is_open
            else [],
            deadline=state,
            band=band_for(complaint.priority),
            error=error,
            show_contact=show_contact,
            may_read_contact=can_read_contact(
                user, complaint.province_code, complaint.commune_code
            ),
            may_triage=user.role in TRIAGE_ROLES,
            may_record_outcome=user.role is Role.INSPECTOR and complaint.status is Status.REFERRED,
            province_name=province_names().get(complaint.province_code, ""),
            commune_name=(
                commune(complaint.commune_code).name
                if complaint.commune_code and commune(complaint.commune_code)
                else ""
            ),
            snapshot=snapshot_messages(complaint.verdict_snapshot)
            if complaint.verdict_snapshot
            else [],
            public_status=PUBLIC_STATUS,
            response_templates=templates,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/complaints/<int:complaint_id>")
@roles_required(*READ_ROLES)
def complaint_detail(complaint_id: int):
    return _detail(_complaint_or_404(complaint_id))


def _refused(complaint: Complaint, refused: TriageRefused):
    db.session.rollback()
    status = 409 if isinstance(refused, StaleEdit) else 400
    return _detail(
        db.session.get(Complaint, complaint.id) or complaint,
        status=status,
        error=render_message(refused.message),
    )


def _stale(complaint_id: int):
    db.session.rollback()
    fresh = _complaint_or_404(complaint_id)
    message = Message(
        "stale_edit_race",
        N_(
            "Someone saved this complaint at the same moment. "
            "Nothing was saved: reload it and try again."
        ),
    )
    return _detail(fresh, status=409, error=render_message(message))


def _apply(complaint: Complaint, change: Callable[[], None], success: Callable[[], str]):
    """Run one triage change, refresh the priority and commit; or show why nothing was saved
    (a refused move, an edit made on an old version, a save racing another)."""
    try:
        change()
        refresh_priority(db.session, complaint, calendar=working_calendar(), now=utc_now())
        db.session.commit()
    except TriageRefused as refused:
        return _refused(complaint, refused)
    except StaleDataError:
        return _stale(complaint.id)
    flash(success(), "success")
    return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)


@blueprint.post("/complaints/<int:complaint_id>/move")
@roles_required(Role.ADMIN, Role.STAFF, Role.INSPECTOR)
def complaint_move(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.target.data not in Status.__members__:
        return _detail(complaint, status=400, error=gettext("Choose where to move the complaint."))
    return _apply(
        complaint,
        lambda: move(
            db.session,
            complaint,
            Status(form.target.data),
            actor=current_user,  # type: ignore[arg-type]
            now=utc_now(),
            note=form.note.data or "",
            public=bool(form.public.data),
            expected_version=form.version.data,
        ),
        lambda: gettext("Moved to “%(status)s”.", status=gettext(STATUS_NAMES[complaint.status])),
    )


@blueprint.post("/complaints/<int:complaint_id>/note")
@roles_required(*TRIAGE_ROLES)
def complaint_note(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(complaint, status=400, error=gettext("The note is empty."))
    try:
        add_note(
            db.session,
            complaint,
            actor=current_user,
            now=utc_now(),  # type: ignore[arg-type]
            note=form.note.data,
            public=bool(form.public.data),
        )
    except TriageRefused as refused:
        return _refused(complaint, refused)
    db.session.commit()
    flash(gettext("Note saved."), "success")
    return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)


@blueprint.post("/complaints/<int:complaint_id>/assign")
@roles_required(*TRIAGE_ROLES)
def complaint_assign(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _detail(complaint, status=400, error=gettext("The form expired; reload the page."))
    assignee = (
        db.session.get(User, int(form.assignee.data))
        if (form.assignee.data or "").isdigit()
        else None
    )
    return _apply(
        complaint,
        lambda: assign(
            db.session,
            complaint,
            assignee,
            actor=current_user,  # type: ignore[arg-type]
            now=utc_now(),
            expected_version=form.version.data,
        ),
        lambda: gettext("Assignment saved."),
    )


@blueprint.post("/complaints/<int:complaint_id>/contact")
@roles_required(*TRIAGE_ROLES)
def complaint_contact(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    if not can_read_contact(current_user, complaint.province_code, complaint.commune_code):  # type: ignore[arg-type]
        abort(403)
    record_contact_view(db.session, complaint, actor=current_user, now=utc_now())  # type: ignore[arg-type]
    db.session.commit()
    return _detail(complaint, show_contact=True)


def _ids(text: str) -> list[int]:
    return sorted({int(part) for part in text.replace(",", " ").split() if part.isdigit()})


@blueprint.post("/complaints/<int:complaint_id>/merge")
@roles_required(*TRIAGE_ROLES)
def complaint_merge(complaint_id: int):
    survivor = _complaint_or_404(complaint_id)
    form = MergeForm()
    ids = _ids(" ".join(request.form.getlist("other")) + " " + (form.others.data or ""))
    if not form.validate_on_submit() or not ids:
        return _detail(
            survivor, status=400, error=gettext("Tick the complaints to merge into this one.")
        )
    others = [_complaint_or_404(i) for i in ids if i != survivor.id]
    return _apply(
        survivor,
        lambda: merge(
            db.session,
            survivor,
            others,
            actor=current_user,  # type: ignore[arg-type]
            now=utc_now(),
            note=form.note.data or "",
        ),
        lambda: gettext("%(count)s complaint(s) merged into this one.", count=len(others)),
    )


@blueprint.post("/bulk")
@roles_required(*TRIAGE_ROLES)
def bulk():
    """Assign or move several complaints at once; each change is audited on its own."""
    ids = _ids(" ".join(request.form.getlist("selected")))
    action = request.form.get("action", "")
    back = request.form.get("back") or url_for("staff.queue")
    if not back.startswith("/staff"):
        back = url_for("staff.queue")
    if not ids:
        flash(gettext("Select at least one complaint."), "error")
        return redirect(back, 303)
    now = utc_now()
    done, refused = 0, []
    assignee = None
    if action == "assign":
        value = request.form.get("assignee", "")
        assignee = db.session.get(User, int(value)) if value.isdigit() else None
    for complaint_id in ids:
        complaint = db.session.get(Complaint, complaint_id)
        if complaint is None or not _visible(complaint):
            continue
        try:
            with db.session.begin_nested():
                if action == "assign":
                    assign(db.session, complaint, assignee, actor=current_user, now=now)  # type: ignore[arg-type]
                elif action == "move" and request.form.get("target") in Status.__members__:
                    move(
                        db.session,
                        complaint,
                        Status(request.form["target"]),
                        actor=current_user,  # type: ignore[arg-type]
                        now=now,
                        note=request.form.get("note", ""),
                    )
                else:
                    raise TriageRefused(Message("bad_bulk", N_("Choose an action.")))
                refresh_priority(db.session, complaint, calendar=working_calendar(), now=now)
            done += 1
        except TriageRefused as error:
            refused.append(f"{complaint.tracking_code}: {render_message(error.message)}")
    db.session.commit()
    flash(gettext("%(count)s complaint(s) changed.", count=done), "success")
    for line in refused[:20]:
        flash(line, "error")
    return redirect(back, 303)


def _visible(complaint: Complaint) -> bool:
    return can_see_area(current_user, complaint.province_code, complaint.commune_code)  # type: ignore[arg-type]


@blueprint.get("/photos/<int:evidence_id>")
@roles_required(*READ_ROLES)
def photo(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    _complaint_or_404(evidence.complaint_id)
    response = make_response(photo_store().get(evidence.storage_key))
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/duplicates")
@roles_required(*TRIAGE_ROLES)
def duplicates():
    clusters = queries.fetch_duplicate_clusters(db.session, current_user)  # type: ignore[arg-type]
    return render_template(
        "staff/duplicates.html", clusters=clusters, merge_form=MergeForm(formdata=None)
    )


@blueprint.get("/signals")
@roles_required(*TRIAGE_ROLES)
def signals():
    days = request.args.get("days", 7, type=int)
    days = days if days in (1, 7, 30) else 7
    spots = queries.fetch_hot_spots(db.session, now=utc_now(), window=dt.timedelta(days=days))
    return render_template(
        "staff/signals.html", spots=spots, days=days, form=NoteForm(formdata=None)
    )


@blueprint.post("/signals/open")
@roles_required(*TRIAGE_ROLES)
def signal_open():
    """Open a complaint from a hot spot of anonymous signals (no reporter, no contact)."""
    from app.complaint_service import normalise_code
    from complaints.operations import NewComplaint, file_complaint

    user: User = current_user  # type: ignore[assignment]
    code = (request.form.get("code") or "")[:64]
    count = request.form.get("count", "0")
    level = request.form.get("level", "")
    code_seen, gtin = normalise_code(code)
    category = {
        "MISMATCH": Category.COUNTERFEIT,
        "REPORTED": Category.COUNTERFEIT,
        "LOOKALIKE": Category.IMITATION,
    }.get(level, Category.UNKNOWN_ORIGIN)
    province = user.province_code or request.form.get("province") or "01"
    report = NewComplaint(
        category=category,
        description=gettext(
            "Opened from %(count)s anonymous scan signals (last verdict: %(level)s).",
            count=count,
            level=level,
        ),
        province_code=province,
        code_seen=code_seen,
        gtin=gtin,
        source=Source.SIGNALS,
    )
    complaint = file_complaint(db.session, report, [], _NoWrites(), photo_keys=[], now=utc_now())
    refresh_priority(db.session, complaint, calendar=working_calendar(), now=utc_now())
    db.session.commit()
    flash(gettext("Complaint opened from the signals."), "success")
    return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)


class _NoWrites:
    def put(self, key: str, data: bytes) -> None:  # pragma: no cover - no photos here
        raise AssertionError("no photos")


@blueprint.route("/templates", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def templates():
    """Response templates per status, in Vietnamese, that staff start their notes from."""
    form = TemplateForm()
    if request.method == "POST" and form.validate_on_submit():
        for status in Status:
            body = (request.form.get(f"body_{status.value}") or "").strip()[:4000]
            existing = db.session.scalar(
                sa.select(ResponseTemplate).where(
                    ResponseTemplate.status == status, ResponseTemplate.language == "vi"
                )
            )
            if existing is None and body:
                db.session.add(
                    ResponseTemplate(
                        status=status, language="vi", body=body, updated_by=current_user.username
                    )
                )
            elif existing is not None and existing.body != body:
                existing.body = body
                existing.updated_by = current_user.username
        db.session.commit()
        flash(gettext("Templates saved."), "success")
        return redirect(url_for("staff.templates"), 303)
    current = {
        t.status: t
        for t in db.session.scalars(
            sa.select(ResponseTemplate).where(ResponseTemplate.language == "vi")
        )
    }
    return render_template(
        "staff/templates.html", form=form, current=current, statuses=list(Status)
    )


@blueprint.route("/tokens", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def tokens():
    """API tokens for inspection systems: read-only, per user, shown once, revocable."""
    from app.api.cases import new_token
    from complaints.models import ApiToken

    shown = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            owner = db.session.get(User, request.form.get("user_id", type=int) or 0)
            name = (request.form.get("name") or "").strip()[:120]
            if (
                owner is None
                or owner.role not in (Role.ADMIN, Role.STAFF, Role.INSPECTOR)
                or not name
            ):
                flash(gettext("Choose an inspector or staff account and name the token."), "error")
                return redirect(url_for("staff.tokens"), 303)
            shown, digest = new_token()
            db.session.add(
                ApiToken(user_id=owner.id, name=name, token_hash=digest, created_at=utc_now())
            )
            db.session.commit()
        elif action == "revoke":
            token = db.session.get(ApiToken, request.form.get("token_id", type=int) or 0)
            if token is not None and token.revoked_at is None:
                token.revoked_at = utc_now()
                db.session.commit()
                flash(gettext("The token was revoked."), "success")
            return redirect(url_for("staff.tokens"), 303)
    listed = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id.desc())).all()
    owners = db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_([Role.INSPECTOR, Role.STAFF, Role.ADMIN]))
        .order_by(User.name)
    ).all()
    response = make_response(
        render_template("staff/tokens.html", tokens=listed, owners=owners, shown=shown)
    )
    response.headers["Cache-Control"] = "no-store"
    return response
