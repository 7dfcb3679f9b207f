"""Shoppers' reports: the complaint form, the receipt with tracking code and QR, the tracking
page with the satisfaction rating."""

from __future__ import annotations

import base64
import logging
import re
import uuid
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from PIL import Image
from wtforms import SelectChoice

from app.clock import utc_now
from app.complaint_service import (
    ComplaintRejected,
    Upload,
    normalise_code,
    photo_store,
    stage,
    staged_photos,
    submit,
    unstage,
)
from app.extensions import db, limiter
from app.i18n import render_message
from app.input_guard import shown_in_form, take_out_refused
from app.public import blueprint
from app.public.forms import ComplaintForm, RatingForm, TrackForm
from app.public.qr import qr_response
from app.unit_of_work import unit_of_work
from barcode_db.areas import area_problem, communes_of, province_names
from barcode_db.messages import Refusal
from complaints import queries
from complaints.evidence import MAX_PHOTOS
from complaints.filing import PHOTO_REFUSALS
from complaints.models import Source
from complaints.operations import NewComplaint, rate_complaint
from complaints.tracking import format_tracking_code, normalise_tracking_code
from complaints.workflow import CATEGORY_FOR_LEVEL, CATEGORY_NAMES, PUBLIC_STATUS, Category


def complaint_rate_limit() -> str:
    return str(current_app.config["COMPLAINT_RATE_LIMIT"])


def tracking_rate_limit() -> str:
    return str(current_app.config["TRACKING_RATE_LIMIT"])


def rating_rate_limit() -> str:
    return str(current_app.config["RATING_RATE_LIMIT"])


def _set_area_choices(form: ComplaintForm) -> None:
    choose = SelectChoice("", gettext("— choose —"))
    form.province.choices = [choose, *(SelectChoice(k, v) for k, v in province_names().items())]
    form.commune.choices = [
        choose,
        *(SelectChoice(c.code, c.name) for c in communes_of(form.province.data or "")),
    ]


log = logging.getLogger(__name__)

#: The report forms this browser was given (their idempotency keys), newest last. A form's key
#: is in its address (``?form=``), so the browser's Back and reload come back to the same form:
#: once sent, it answers with its receipt and files nothing again. Only the browser a form was
#: given to is shown what is kept for it (its photos, its tracking code).
FORM_KEYS = "report_forms"
REMEMBERED_FORMS = 20
#: Longest side, in pixels, of the pictures of kept photos on the form (shown at half that).
KEPT_THUMBNAIL = 160


def _new_form_key() -> str:
    key = uuid.uuid4().hex
    session[FORM_KEYS] = [*session.get(FORM_KEYS, [])[-(REMEMBERED_FORMS - 1) :], key]
    return key


def _given_here(key: str | None) -> bool:
    """Whether this browser was given the report form ``key``."""
    return bool(key) and key in session.get(FORM_KEYS, ())


@dataclass(frozen=True)
class KeptPhoto:
    """A photo kept with the form, as the form lists it."""

    id: int
    name: str
    src: str | None  # a small JPEG as a data: URI, None if the file cannot be read
    width: int
    height: int


def _kept_photos(key: str) -> list[KeptPhoto]:
    from complaints.exports import thumbnail

    store, kept = photo_store(), []
    for photo in staged_photos(key):
        try:
            data, width, height = thumbnail(
                store.get(photo.storage_key), (KEPT_THUMBNAIL, KEPT_THUMBNAIL)
            )
        except (OSError, ValueError, Image.DecompressionBombError):
            kept.append(KeptPhoto(photo.id, photo.filename, None, 0, 0))
            continue
        src = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
        kept.append(KeptPhoto(photo.id, photo.filename, src, width // 2, height // 2))
    return kept


def _form_page(
    form: ComplaintForm,
    status: int = 200,
    error: str | None = None,
    photo_problems: list[str] | None = None,
):
    _set_area_choices(form)
    key = form.idempotency_key.data or ""
    response = make_response(
        render_template(
            "public/report.html",
            form=form,
            error=error,
            category_names=CATEGORY_NAMES,
            kept_photos=_kept_photos(key) if _given_here(key) else [],
            photo_problems=photo_problems or [],
            max_photos=MAX_PHOTOS,
            max_photo_bytes=current_app.config["MAX_PHOTO_BYTES"],
            max_photo_mb=round(current_app.config["MAX_PHOTO_BYTES"] / (1024 * 1024)),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/report")
def report_form():
    key = request.args.get("form")
    if not _given_here(key):
        if key and FORM_KEYS not in session:
            # An address from elsewhere, or a browser that keeps no cookie (which a redirect
            # would send round in circles): a new form, here.
            key = _new_form_key()
        else:
            # A new form: its key goes in its address, where Back and reload come back to.
            args = request.args.to_dict(flat=False)
            args["form"] = [_new_form_key()]
            return _no_store(redirect(url_for("public.report_form", **args)))
    filed = queries.get_by_idempotency_key(db.session, key)
    if filed is not None:  # Back to a form already sent: its receipt, never a second report
        return _receipt(filed.tracking_code, already_sent=True)
    form = ComplaintForm(formdata=None)
    form.idempotency_key.data = key
    form.code.data = (request.args.get("code") or "")[:64]
    form.brand.data = (request.args.get("brand") or "")[:120]
    form.province.data = request.args.get("province") or ""
    suggested = CATEGORY_FOR_LEVEL.get(request.args.get("level", ""))
    if request.args.get("category") in set(Category):
        # A verdict's reason that deserves a report says what to report (expired, no label…).
        suggested = Category(request.args["category"])
    if request.args.get("unlabelled"):
        suggested = Category.UNLABELLED
    form.category.data = suggested.value if suggested else None
    return _form_page(form)


def _report_from(form: ComplaintForm) -> NewComplaint:
    code_seen, gtin = normalise_code(form.code.data or "")
    return NewComplaint(
        category=Category(form.category.data),
        description=form.description.data.strip(),
        province_code=form.province.data,
        commune_code=form.commune.data or None,
        code_seen=code_seen,
        gtin=gtin,
        product_name=(form.product_name.data or "").strip(),
        brand_seen=(form.brand.data or "").strip(),
        store_name=(form.store_name.data or "").strip(),
        store_address=(form.store_address.data or "").strip(),
        date_seen=form.date_seen.data,
        price_vnd=form.price.data,
        quantity=form.quantity.data,
        anonymous=bool(form.anonymous.data),
        contact_name=(form.contact_name.data or "").strip(),
        contact_phone=(form.contact_phone.data or "").strip(),
        contact_email=(form.contact_email.data or "").strip(),
        consent=bool(form.consent.data),
        source=Source.WEB,
    )


def _shows_the_form_again() -> bool:
    """A tap that only updates the form (communes of a province, a photo taken off): no report
    is sent, none counted."""
    return "refresh_area" in request.form or "remove_photo" in request.form


def _uploads(form: ComplaintForm) -> list[Upload]:
    limit = current_app.config["MAX_PHOTO_BYTES"] + 1
    return [
        Upload(filename=f.filename or "", data=f.read(limit))
        for f in request.files.getlist(form.photos.name)
        if f and f.filename
    ]


def _keep_photos(form: ComplaintForm, uploads: list[Upload]) -> list[str]:
    """Keep the photos sent with a form shown again (prepared and checked as at filing); what
    to tell about those that were not kept."""
    key = form.idempotency_key.data or ""
    if not uploads:
        return []
    if not _given_here(key):  # a form this browser was not given: nothing is kept for it
        return [gettext("Your photos were not kept: attach them again before sending.")]
    try:
        problems = stage(uploads, key)
    except OSError:
        log.exception("could not keep the photos of report form %s", key[:8])
        return [gettext("Your photos were not kept: attach them again before sending.")]
    return [render_message(problem) for problem in problems]


@blueprint.post("/report")
@limiter.limit(complaint_rate_limit, methods=["POST"], exempt_when=_shows_the_form_again)
@shown_in_form
def report_submit():
    form = ComplaintForm()
    _set_area_choices(form)
    key = form.idempotency_key.data or ""
    if _given_here(key):
        filed = queries.get_by_idempotency_key(db.session, key)
        if filed is not None:  # sent again (Back, reload, a second tap): the one receipt
            return redirect(url_for("public.report_done", code=filed.tracking_code), 303)
    uploads = _uploads(form)
    if _shows_the_form_again():
        if "refresh_area" in request.form:  # no JavaScript: reload the communes of the province
            form.commune.data = ""
        elif _given_here(key) and re.fullmatch(r"[0-9]{1,9}", request.form["remove_photo"]):
            unstage(key, int(request.form["remove_photo"]))
        refused = take_out_refused(form)
        problems = _keep_photos(form, uploads)
        return _form_page(form, 400 if refused else 200, photo_problems=problems)
    valid = form.validate_on_submit()
    # A pasted invisible character: taken out and named under its field, the rest kept.
    valid = not take_out_refused(form) and valid
    area = area_problem(form.province.data or "", form.commune.data or None)
    if area is not None:
        valid = False
        field = form.commune if form.province.data in province_names() else form.province
        if not field.errors:  # one message a field: "choose a province" already says it
            field.errors = [render_message(area)]
    if not valid:
        problems = _keep_photos(form, uploads)
        return _form_page(form, 400, gettext("Please correct the marked fields."), problems)
    kept = staged_photos(key) if _given_here(key) else []
    try:
        filed = submit(_report_from(form), uploads, key, kept=kept)
    except ComplaintRejected as rejected:
        problems = _keep_photos(form, uploads)
        error = render_message(rejected.message)
        if problems and rejected.message.code in PHOTO_REFUSALS:
            # Said under the photos, beside those that were kept.
            error = gettext("Please correct the marked fields.")
        return _form_page(form, rejected.status, error, problems)
    return redirect(url_for("public.report_done", code=filed.complaint.tracking_code), 303)


def _tracked(code: str):
    normalised = normalise_tracking_code(code)
    if normalised is None:
        abort(404)
    view = queries.get_public_view(db.session, normalised)
    if view is None:
        abort(404)
    return view


def _private(response):
    """Tracking pages carry a secret in their address: never cached, never sent as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _receipt(code: str, *, already_sent: bool = False):
    view = _tracked(code)
    return _private(
        make_response(
            render_template(
                "public/receipt.html",
                view=view,
                display_code=format_tracking_code(view.tracking_code),
                tracking_url=url_for("public.track", code=view.tracking_code, _external=True),
                already_sent=already_sent,
            )
        )
    )


@blueprint.get("/report/done/<code>")
@limiter.limit(tracking_rate_limit)
def report_done(code: str):
    return _receipt(code)


@blueprint.get("/track")
def track_lookup():
    form = TrackForm(request.args)
    if request.args.get("code") is not None:
        normalised = normalise_tracking_code(request.args["code"])
        if normalised is not None:
            return redirect(url_for("public.track", code=normalised))
        form.code.errors = [gettext("A tracking code has 10 letters and digits, like ABCDE-12345.")]
        return _private(make_response(render_template("public/track_lookup.html", form=form), 400))
    return _private(make_response(render_template("public/track_lookup.html", form=form)))


@blueprint.get("/track/<code>")
@limiter.limit(tracking_rate_limit)
def track(code: str):
    normalised = normalise_tracking_code(code)
    view = queries.get_public_view(db.session, normalised) if normalised else None
    if view is None:  # a mistyped code: say so, with the box to type it again
        # The code as the receipt prints it (the address holds it without its hyphen).
        form = TrackForm(
            formdata=None, code=format_tracking_code(normalised) if normalised else code[:20]
        )
        form.code.errors = [
            gettext(
                "No report has the code %(code)s. Check it against your receipt and type it again.",
                code=format_tracking_code(normalised) if normalised else code[:20],
            )
        ]
        page = render_template("public/track_lookup.html", form=form)
        return _private(make_response(page, 404))
    if view.tracking_code != code:
        return redirect(url_for("public.track", code=view.tracking_code))
    return _private(
        make_response(
            render_template(
                "public/track.html",
                view=view,
                display_code=format_tracking_code(view.tracking_code),
                public_status=PUBLIC_STATUS,
                category_names=CATEGORY_NAMES,
                rating_form=RatingForm(formdata=None) if view.can_rate else None,
                province_name=province_names().get(view.province_code, ""),
            )
        )
    )


@blueprint.post("/track/<code>/rating")
@limiter.limit(rating_rate_limit)
def track_rating(code: str):
    normalised = normalise_tracking_code(code) or abort(404)
    complaint = queries.get_by_tracking_code(db.session, normalised) or abort(404)
    form = RatingForm()
    if not form.validate_on_submit():
        flash(gettext("Choose from 1 to 5."), "error")
        return redirect(url_for("public.track", code=normalised), 303)
    try:
        with unit_of_work() as session:
            rate_complaint(
                session, complaint, int(form.rating.data), form.comment.data or "", now=utc_now()
            )
    except Refusal as refused:  # not closed yet, already rated, or rated twice at once
        flash(render_message(refused.message), "error")
        return redirect(url_for("public.track", code=normalised), 303)
    flash(gettext("Thank you! Your rating helps the association improve."), "success")
    return redirect(url_for("public.track", code=normalised), 303)


@blueprint.get("/track/<code>/qr.png")
@limiter.limit(tracking_rate_limit)
def track_qr(code: str):
    """A QR code that opens the tracking page: on the receipt, printable, scannable by any phone."""
    view = _tracked(code)
    return _private(qr_response(url_for("public.track", code=view.tracking_code, _external=True)))
