"""Shoppers' pages: scan and verdict (the brand directory: app/public/catalogue.py)."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from app.campaign import (
    chosen_province,
    code_channel,
    count_verification,
    remember_province,
)
from app.extensions import limiter
from app.i18n import render_message, set_language_cookie
from app.public import blueprint
from app.public.forms import CodeForm, PhotoForm, ProvinceChoiceForm
from app.redirects import safe_target
from app.verification import (
    Verification,
    explain,
    photo_rate_limit,
    record_signal_for,
    typed_claims,
    verify_code,
    verify_photos,
)
from barcode_db.areas import province_names
from barcode_db.catalogue import MAX_ALTERNATIVES
from barcode_db.categories import CATEGORIES
from barcode_db.images import ImageRejected
from barcode_db.verdict import LabelClaims
from complaints.campaign import Channel


def _claims(form: CodeForm | PhotoForm) -> LabelClaims:
    return typed_claims(
        brand=form.brand.data,
        made_in_vietnam=bool(form.made_in_vietnam.data),
        maker=form.maker.data,
        origin=form.origin.data,
        expires=form.expires.data,
    )


@blueprint.get("/")
def scan():
    return render_template(
        "public/scan.html", code_form=CodeForm(formdata=None), photo_form=PhotoForm()
    )


@blueprint.get("/verify")
@limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="code-verify")
def verify():
    form = CodeForm(request.args)
    if not form.validate():
        return render_template("public/scan.html", code_form=form, photo_form=PhotoForm()), 400
    result = verify_code(form.code.data or "", claims=_claims(form))
    record_signal_for(result, from_photo=False)
    count_verification(result.verdict, code_channel(), province_code=chosen_province())
    return render_template(
        "public/verdict.html",
        result=result,
        explained=explain(result, category=form.category.data),
        categories=CATEGORIES,
        code_form=form,
        photo_form=PhotoForm(formdata=None),
    )


@blueprint.post("/verify/photo")
@limiter.shared_limit(photo_rate_limit, scope="photo-verify")
def verify_photo_upload():
    form = PhotoForm()
    if not form.validate_on_submit():
        return render_template(
            "public/scan.html", code_form=CodeForm(formdata=None), photo_form=form
        ), 400
    limit = current_app.config["MAX_PHOTO_BYTES"] + 1
    photos = [upload.read(limit) for upload in form.photo.data]
    try:
        result = verify_photos(photos, claims=_claims(form), live_code=form.code.data or None)
        record_signal_for(result, from_photo=True)
        # The live camera's "photograph the label too" sends the number it read with the photo.
        channel = Channel.CAMERA if form.code.data else Channel.PHOTO
        count_verification(result.verdict, channel, province_code=chosen_province())
    except ImageRejected as rejected:
        status = 413 if rejected.message.code == "too_large" else 400
        return render_template(
            "public/scan.html",
            code_form=CodeForm(formdata=None),
            photo_form=form,
            photo_error=render_message(rejected.message),
        ), status
    code_form, hints = _recheck_form(result, form)
    return render_template(
        "public/verdict.html",
        result=result,
        explained=explain(result),
        categories=CATEGORIES,
        code_form=code_form,
        hints=hints,
        photo_form=PhotoForm(formdata=None),
    )


def _recheck_form(result: Verification, typed: PhotoForm) -> tuple[CodeForm, dict[str, str]]:
    """The verdict's "is this what your label says?" form: the number and what was read on the
    label, with what the shopper typed in its place, ready to correct and check again.

    What the readings were unsure of is only a hint (a placeholder), never a value: sent back
    unchanged it would become the shopper's word ("typed") for a misreading.
    """
    form = CodeForm(formdata=None)
    hints: dict[str, str] = {}
    parsed = result.verdict.facts.parsed
    form.code.data = parsed.gtin or parsed.input
    label = result.label
    certain = [b for b in label.brands if b.certain] if label else []
    form.brand.data = typed.brand.data or (certain[0].text if certain else "")
    if label and label.brands and not form.brand.data:
        hints["brand"] = label.brands[0].text
    form.maker.data = typed.maker.data or (label.maker.text if label and label.maker else "")
    form.origin.data = typed.origin.data or (label.origin.text if label and label.origin else "")
    form.expires.data = typed.expires.data or (
        label.dates.expires if label and label.dates_certain else None
    )
    if label and label.dates.expires and not form.expires.data:
        hints["expires"] = label.dates.expires_text or label.dates.expires.isoformat()
    form.made_in_vietnam.data = bool(typed.made_in_vietnam.data)
    return form, hints


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: no 404 on every first visit."""
    return current_app.send_static_file("favicon.ico")


@blueprint.get("/about")
def about():
    return render_template("public/about.html", max_alternatives=MAX_ALTERNATIVES)


@blueprint.get("/lang/<lang>")
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    target = safe_target(request.args.get("next"), url_for("public.scan"))
    response = make_response(redirect(target))
    set_language_cookie(response, lang)
    return response


@blueprint.post("/province")
def choose_province():
    """Remember (or forget) the shopper's province for the campaign figures: a cookie of
    theirs, sent with their checks; nothing is stored about them."""
    form = ProvinceChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    code = form.province.data or None
    response = make_response(redirect(url_for("public.scan")))
    remember_province(response, code)
    if code:
        flash(
            gettext(
                "Your province is remembered: %(province)s. Your checks are counted there, with "
                "nothing about you.",
                province=province_names()[code],
            ),
            "success",
        )
    else:
        flash(
            gettext("Your province is forgotten: your checks are counted without one."), "success"
        )
    return response


@blueprint.app_context_processor
def inject_common():
    return {
        "site_name": gettext("Vietnamese goods check"),
        "association_name": current_app.config["ASSOCIATION_NAME"],
    }
