"""The staff's day: the queue, a complaint's page with its workflow, duplicates, signals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.access import permission_required, require_area
from app.calendar import working_calendar
from app.clock import utc_now
from app.complaint_service import photo_store
from app.extensions import db
from app.i18n import render_message
from app.query_args import DaysQuery, QueueQuery, filters_from, read_query
from app.redirects import safe_target
from app.staff import blueprint
from app.staff.forms import AssignForm, MergeForm, MoveForm, NoteForm, TemplateForm
from app.unit_of_work import unit_of_work
from barcode_db.areas import commune, communes_of, province_names
from barcode_db.messages import N_, Message, Refusal
from barcode_db.textkey import search_key
from barcode_db.verdict import Level
from complaints import queries
from complaints.accounts import ROLE_NAMES, Role, User
from complaints.api_tokens import issue_api_token, revoke_api_token
from complaints.deadlines import deadline_for, deadline_state
from complaints.duplicates import SHOP_WINDOW, likeness
from complaints.models import (
    SOURCE_NAMES,
    ApiToken,
    Complaint,
    ComplaintEvent,
    EventKind,
    Evidence,
)
from complaints.permissions import (
    Permission,
    allows,
    can_see_area,
    may_read_contact,
    may_record_outcome,
    roles_for,
)
from complaints.priority import band_for
from complaints.response_templates import fetch_response_templates, save_response_templates
from complaints.signals import (
    AREA_QUESTIONS,
    AreaNeeded,
    open_from_signals,
    summarise_signals,
)
from complaints.snapshot import snapshot_messages
from complaints.tracking import format_tracking_code, normalise_tracking_code
from complaints.triage import (
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
        "source_names": SOURCE_NAMES,
        "may": _may,
    }


def _may(permission: str) -> bool:
    """For templates: whether the signed-in user holds ``permission`` (a Permission value)."""
    return bool(current_user.is_authenticated) and allows(current_user, Permission(permission))  # type: ignore[arg-type]


def _filters_from_request(user: User) -> tuple[queries.QueueFilters, dict[str, Any]]:
    """The queue's filters and the read query string (``app.query_args.QueueQuery``)."""
    args = read_query(QueueQuery)
    assigned = args.get("assigned", "")
    filters = dataclasses.replace(
        filters_from(args),
        levels=tuple(args.get("level", ())),
        assigned_to=user.id if assigned == "me" else queries.read_id(assigned),
        unassigned=assigned == "none",
        has_photos=bool(args.get("photos")),
        overdue_at=utc_now() if args.get("overdue") else None,
        search=search_key(args.get("q", "")),
    )
    return filters, args


def _by_tracking_code(text: str) -> Complaint | None:
    """The complaint whose tracking code was typed (with or without its hyphen), if it is in
    the user's area."""
    code = normalise_tracking_code(text)
    if code is None:
        return None
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.tracking_code == code))
    return complaint if complaint is not None and _visible(complaint) else None


def _staff_users() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_(roles_for(Permission.TRIAGE)))
            .order_by(User.name)
        )
    )


@blueprint.get("/")
@permission_required(Permission.READ)
def queue():
    user: User = current_user  # type: ignore[assignment]
    filters, args = _filters_from_request(user)
    found = _by_tracking_code(args.get("q", ""))
    if found is not None:  # a tracking code in the search box opens its complaint
        return redirect(url_for("staff.complaint_detail", complaint_id=found.id))
    sort = queries.Sort(args.get("sort", queries.Sort.PRIORITY))
    page = queries.fetch_queue(
        db.session, user, filters, sort=sort, cursor=args.get("after"), limit=PAGE_SIZE
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
        communes=communes_of(args.get("province") or user.province_code or ""),
        staff=_staff_users(),
        args=request.args,
        next_url=url_for("staff.queue", **next_args) if page.next_cursor else None,
        statuses=list(Status),
        categories=list(Category),
        levels=[level.value for level in reversed(Level)],  # the most serious first
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
        status.value: body for status, body in fetch_response_templates(db.session, "vi").items()
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
            candidates=[
                (other, likeness(complaint, other))
                for other in queries.fetch_duplicate_candidates(db.session, user, complaint)
            ]
            if complaint.status.is_open
            else [],
            likeness_window_days=SHOP_WINDOW.days,
            deadline=state,
            band=band_for(complaint.priority),
            error=error,
            show_contact=show_contact,
            may_read_contact=may_read_contact(
                user, complaint.province_code, complaint.commune_code
            ),
            may_triage=allows(user, Permission.TRIAGE),
            may_record_outcome=may_record_outcome(user, complaint.status),
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
            people=queries.fetch_people(
                db.session,
                [e.actor for e in events if e.actor]
                + [e.note for e in events if e.kind is EventKind.ASSIGNED and e.note],
            ),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/complaints/<int:complaint_id>")
@permission_required(Permission.READ)
def complaint_detail(complaint_id: int):
    return _detail(_complaint_or_404(complaint_id))


def _refused(complaint_id: int, refusal: Refusal):
    """The complaint's page again, as saved (the unit of work rolled back), saying why."""
    return _detail(
        _complaint_or_404(complaint_id),
        status=refusal.status,
        error=render_message(refusal.message),
    )


def _refused_page(refusal: Refusal, back: str):
    """Nothing was saved, and why, for a change that is not on one complaint's page."""
    return render_template(
        "staff/refused.html", message=render_message(refusal.message), back=back
    ), refusal.status


def _apply(
    complaint: Complaint,
    change: Callable[[], None],
    success: Callable[[], str],
    *,
    refresh: bool = True,
):
    """Run one change on a complaint (and refresh its priority) as one unit of work; or show
    why nothing was saved (a refused move, an edit made on an old version, a save racing
    another)."""
    try:
        with unit_of_work():
            change()
            if refresh:
                refresh_priority(db.session, complaint, calendar=working_calendar(), now=utc_now())
    except Refusal as refusal:
        return _refused(complaint.id, refusal)
    flash(success(), "success")
    return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)


@blueprint.post("/complaints/<int:complaint_id>/move")
@permission_required(Permission.TRIAGE, Permission.RECORD_OUTCOME)
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
@permission_required(Permission.TRIAGE)
def complaint_note(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(complaint, status=400, error=gettext("The note is empty."))
    return _apply(
        complaint,
        lambda: add_note(
            db.session,
            complaint,
            actor=current_user,  # type: ignore[arg-type]
            now=utc_now(),
            note=form.note.data,
            public=bool(form.public.data),
        ),
        lambda: gettext("Note saved."),
        refresh=False,  # a note changes nothing that the priority reads
    )


@blueprint.post("/complaints/<int:complaint_id>/assign")
@permission_required(Permission.TRIAGE)
def complaint_assign(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _detail(complaint, status=400, error=gettext("The form expired; reload the page."))
    assignee_id = queries.read_id(form.assignee.data)
    assignee = db.session.get(User, assignee_id) if assignee_id else None
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
@permission_required(Permission.READ_CONTACT)
def complaint_contact(complaint_id: int):
    complaint = _complaint_or_404(complaint_id)
    try:
        with unit_of_work():
            record_contact_view(db.session, complaint, actor=current_user, now=utc_now())  # type: ignore[arg-type]
    except Refusal as refusal:
        # Not shown: reading them could not be recorded, or the role does not allow it.
        return _refused(complaint_id, refusal)
    return _detail(complaint, show_contact=True)


def _ids(text: str) -> list[int]:
    return queries.read_ids(text)


@blueprint.post("/complaints/<int:complaint_id>/merge")
@permission_required(Permission.TRIAGE)
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


BAD_BULK = Message("bad_bulk", N_("Choose an action."))


@blueprint.post("/bulk")
@permission_required(Permission.TRIAGE)
def bulk():
    """Assign or move several complaints at once; each change is audited on its own.

    A change the rules refuse skips that complaint; a save racing another (or any refusal of
    the database) saves none of them."""
    ids = _ids(" ".join(request.form.getlist("selected")))
    action = request.form.get("action", "")
    back = safe_target(request.form.get("back"), url_for("staff.queue"), within="/staff")
    if not ids:
        flash(gettext("Select at least one complaint."), "error")
        return redirect(back, 303)
    user: User = current_user  # type: ignore[assignment]
    now = utc_now()
    done, refused = 0, []
    try:
        with unit_of_work():
            assignee = None
            if action == "assign":
                value = request.form.get("assignee", "")
                assignee_id = queries.read_id(value)
                assignee = db.session.get(User, assignee_id) if assignee_id else None
            for complaint_id in ids:
                complaint = db.session.get(Complaint, complaint_id)
                if complaint is None or not _visible(complaint):
                    continue
                try:
                    with db.session.begin_nested():
                        if action == "assign":
                            assign(db.session, complaint, assignee, actor=user, now=now)
                        elif action == "move" and request.form.get("target") in Status.__members__:
                            move(
                                db.session,
                                complaint,
                                Status(request.form["target"]),
                                actor=user,
                                now=now,
                                note=request.form.get("note", ""),
                            )
                        else:
                            raise TriageRefused(BAD_BULK)
                        refresh_priority(
                            db.session, complaint, calendar=working_calendar(), now=now
                        )
                    done += 1
                except TriageRefused as error:
                    refused.append(
                        f"{format_tracking_code(complaint.tracking_code)}: "
                        f"{render_message(error.message)}"
                    )
    except Refusal as refusal:
        return _refused_page(refusal, back)
    flash(gettext("%(count)s complaint(s) changed.", count=done), "success")
    for line in refused[:20]:
        flash(line, "error")
    return redirect(back, 303)


def _visible(complaint: Complaint) -> bool:
    return can_see_area(current_user, complaint.province_code, complaint.commune_code)  # type: ignore[arg-type]


@blueprint.get("/photos/<int:evidence_id>")
@permission_required(Permission.READ)
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
@permission_required(Permission.TRIAGE)
def duplicates():
    groups = queries.fetch_duplicate_groups(db.session, current_user)  # type: ignore[arg-type]
    return render_template(
        "staff/duplicates.html",
        groups=groups,
        likeness_window_days=SHOP_WINDOW.days,
        merge_form=MergeForm(formdata=None),
    )


@blueprint.get("/signals")
@permission_required(Permission.TRIAGE)
def signals():
    days = read_query(DaysQuery)["days"]
    window = dt.timedelta(days=days)
    spots = queries.fetch_hot_spots(db.session, now=utc_now(), window=window)
    return render_template(
        "staff/signals.html",
        spots=spots,
        codeless=queries.fetch_codeless_scans(db.session),
        days=days,
        form=NoteForm(formdata=None),
    )


@blueprint.post("/signals/open")
@permission_required(Permission.TRIAGE)
def signal_open():
    """Open a complaint from a hot spot of anonymous signals (no reporter, no contact).

    Signals do not say where they were scanned: unless the user works on one province, the
    page asks which province's queue (and, optionally, which commune) the complaint goes to."""
    user: User = current_user  # type: ignore[assignment]
    code = (request.form.get("code") or "").strip()[:64]
    province = request.form.get("province") or None
    commune_code = request.form.get("commune") or None
    if request.form.get("refresh_area"):
        return _ask_area(code, province, commune_code, question=None)
    try:
        with unit_of_work():
            complaint = open_from_signals(
                db.session,
                code,
                province_code=province,
                commune_code=commune_code,
                actor=user,
                now=utc_now(),
                render=render_message,
            )
            refresh_priority(db.session, complaint, calendar=working_calendar(), now=utc_now())
    except AreaNeeded as needed:
        return _ask_area(code, province, commune_code, question=needed)
    except Refusal as refusal:
        return _refused_page(refusal, url_for("staff.signals"))
    flash(gettext("Complaint opened from the signals."), "success")
    return redirect(url_for("staff.complaint_detail", complaint_id=complaint.id), 303)


def _ask_area(code: str, province: str | None, commune_code: str | None, question: Refusal | None):
    """The form that asks where a complaint opened from signals belongs."""
    user: User = current_user  # type: ignore[assignment]
    provinces = _visible_provinces(user)
    if province not in provinces:
        province = user.province_code if user.province_code in provinces else None
    communes = list(communes_of(province)) if province else []
    if province and province == user.province_code and user.commune_codes:
        communes = [c for c in communes if c.code in user.commune_codes]
    response = make_response(
        render_template(
            "staff/signal_area.html",
            summary=summarise_signals(db.session, code),
            code=code,
            question=render_message(question.message) if question else None,
            provinces=provinces,
            province=province or "",
            communes=communes,
            commune_code=commune_code or "",
        ),
        # Being asked is no error of the user's; a province or commune that does not fit is.
        400 if question is not None and question.message not in AREA_QUESTIONS else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/templates", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_TEMPLATES)
def templates():
    """Response templates per status, in Vietnamese, that staff start their notes from."""
    form = TemplateForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        bodies = {status: request.form.get(f"body_{status.value}") or "" for status in Status}
        try:
            with unit_of_work():
                save_response_templates(db.session, bodies, actor=current_user, language="vi")  # type: ignore[arg-type]
        except Refusal as refusal:
            error = refusal
        else:
            flash(gettext("Templates saved."), "success")
            return redirect(url_for("staff.templates"), 303)
    response = make_response(
        render_template(
            "staff/templates.html",
            form=form,
            current=fetch_response_templates(db.session, "vi"),
            statuses=list(Status),
            error=render_message(error.message) if error else None,
        ),
        error.status if error else 200,
    )
    return response


@blueprint.route("/tokens", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def tokens():
    """API tokens for inspection systems: read-only, per user, shown once, revocable."""
    user: User = current_user  # type: ignore[assignment]
    shown = None
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "create":
                with unit_of_work():
                    shown = issue_api_token(
                        db.session,
                        db.session.get(User, request.form.get("user_id", type=int) or 0),
                        name=request.form.get("name") or "",
                        actor=user,
                        now=utc_now(),
                    )
            elif action == "revoke":
                token = db.session.get(ApiToken, request.form.get("token_id", type=int) or 0)
                with unit_of_work():
                    revoked = token is not None and revoke_api_token(
                        db.session, token, actor=user, now=utc_now()
                    )
                if revoked:
                    flash(gettext("The token was revoked."), "success")
                return redirect(url_for("staff.tokens"), 303)
        except Refusal as refusal:
            error = refusal
    listed = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id.desc())).all()
    owners = db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_(roles_for(Permission.INSPECT)))
        .order_by(User.name)
    ).all()
    response = make_response(
        render_template(
            "staff/tokens.html",
            tokens=listed,
            owners=owners,
            shown=shown,
            error=render_message(error.message) if error else None,
        ),
        error.status if error else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
