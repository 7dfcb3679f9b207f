"""Shoppers' pages: scan, verdict, the trusted-brand directory."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from app.extensions import db, limiter
from app.i18n import render_message, set_language_cookie
from app.public import blueprint
from app.public.forms import CodeForm, PhotoForm
from app.query_args import PageQuery, read_query
from app.redirects import safe_target
from app.verification import (
    Verification,
    photo_rate_limit,
    record_signal_for,
    typed_claims,
    verify_code,
    verify_photos,
)
from barcode_db.areas import provinces
from barcode_db.images import ImageRejected
from barcode_db.models import Brand, Certification, Company
from barcode_db.textkey import LIKE_ESCAPE, like_pattern, search_key
from barcode_db.verdict import LabelClaims

BRANDS_PER_PAGE = 20
#: The certifications the brand pages list: those an administrator retired (withdrew) are not
#: shown to shoppers at all; ended ones are, with their end date. (Verdicts decide currency with
#: ``Certification.status`` / ``CertificationFact.status``, the same rule.)
LISTED_CERTIFICATIONS = selectinload(
    Company.certifications.and_(Certification.retired_at.is_(None))
)


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
    return render_template(
        "public/verdict.html",
        result=result,
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


@blueprint.get("/brands")
def brands():
    args = read_query(PageQuery)
    query, province, page = args["q"][:100], args["province"], args["page"]
    statement = (
        sa.select(Company)
        .where(Company.retired_at.is_(None))
        .options(
            selectinload(Company.brands),
            LISTED_CERTIFICATIONS,
            selectinload(Company.prefixes),
        )
        .order_by(Company.name_key, Company.id)
        # Rows already in the session (with every certification) are read again.
        .execution_options(populate_existing=True)
    )
    if query:
        key = like_pattern(search_key(query))
        brand_match = sa.select(Brand.company_id).where(
            Brand.name_key.like(key, escape=LIKE_ESCAPE)
        )
        statement = statement.where(
            sa.or_(Company.name_key.like(key, escape=LIKE_ESCAPE), Company.id.in_(brand_match))
        )
    if province:
        statement = statement.where(Company.province_code == province)
    pagination = db.paginate(statement, page=page, per_page=BRANDS_PER_PAGE, error_out=False)
    return render_template(
        "public/brands.html",
        pagination=pagination,
        query=query,
        province=province,
        provinces=provinces(),
    )


@blueprint.get("/brands/<code>")
def company(code: str):
    found = db.session.scalar(
        sa.select(Company)
        .where(Company.code == code, Company.retired_at.is_(None))
        .options(LISTED_CERTIFICATIONS)
        .execution_options(populate_existing=True)
    )
    if found is None:
        abort(404)
    return render_template("public/company.html", company=found, provinces=provinces())


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: no 404 on every first visit."""
    return current_app.send_static_file("favicon.ico")


@blueprint.get("/about")
def about():
    return render_template("public/about.html")


@blueprint.get("/lang/<lang>")
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    target = safe_target(request.args.get("next"), url_for("public.scan"))
    response = make_response(redirect(target))
    set_language_cookie(response, lang)
    return response


@blueprint.app_context_processor
def inject_common():
    return {
        "site_name": gettext("Vietnamese goods check"),
        "association_name": current_app.config["ASSOCIATION_NAME"],
    }
