"""The JSON API: verification by code or photo, documented at /api/openapi.json."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import force_locale, gettext

from app.api.openapi import openapi_document
from app.clock import local_today
from app.complaint_service import ComplaintRejected, Upload, normalise_code, submit
from app.extensions import db, limiter
from app.i18n import render_message
from app.public.forms import PHONE_PATTERN
from app.public.reports import complaint_rate_limit, tracking_rate_limit, validate_area
from app.verification import (
    MAX_LABEL_PHOTOS,
    SIGNAL_LEVELS,
    Verification,
    answers,
    photo_rate_limit,
    record_signal_for,
    snapshot,
    typed_claims,
    verdict_inputs,
    verify_code,
    verify_parsed,
    verify_photos,
)
from barcode_db.gtin import parse_code
from barcode_db.images import ImageRejected
from barcode_db.label import LabelReading
from barcode_db.messages import Message
from barcode_db.models import PROGRAMME_NAMES
from barcode_db.verdict import LabelClaims
from complaints import queries
from complaints.areas import communes_of, province_names
from complaints.models import Source
from complaints.operations import NewComplaint
from complaints.tracking import normalise_tracking_code
from complaints.workflow import PUBLIC_STATUS, Category

blueprint = Blueprint("api", __name__)


def _lang() -> str:
    lang = request.args.get("lang") or "vi"
    return lang if lang in current_app.config["LANGUAGES"] else "vi"


def _error(status: int, message: str) -> Any:
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _claims(source: Any) -> LabelClaims:
    """The label claims of a request's fields (query or form), as the shopper's own."""

    def text(name: str, limit: int) -> str | None:
        return (source.get(name) or "").strip()[:limit] or None

    expires = None
    if source.get("expires"):
        try:
            expires = dt.date.fromisoformat(source["expires"])
        except ValueError:
            raise ClaimsRejected(gettext("“expires” must be a date, YYYY-MM-DD.")) from None
    return typed_claims(
        brand=text("brand", 120),
        made_in_vietnam=(source.get("made_in_vietnam") or "").lower() in ("1", "true", "yes", "on"),
        maker=text("maker", 200),
        origin=text("origin", 80),
        expires=expires,
    )


class ClaimsRejected(ValueError):
    """A label claim in a request that cannot be read."""


def label_json(label: LabelReading | None) -> dict[str, Any] | None:
    """What was read on the label photos (see the OpenAPI document's ``Label``)."""
    if label is None:
        return None
    companies = snapshot().companies  # one registry read for all the brands

    def company_code(company_id: int) -> str | None:
        company = companies.get(company_id)
        return company.code if company else None

    return {
        "text": label.text,
        "brands": [
            {
                "text": b.text,
                "match": b.kind.value,
                "certain": b.certain,
                "registry_brand": b.entry.name if b.entry else None,
                "company_code": company_code(b.entry.company_id) if b.entry else None,
            }
            for b in label.brands
        ],
        "maker": None
        if label.maker is None
        else {
            "text": label.maker.text,
            "role": label.maker.role.value,
            "company_code": label.maker.company.code if label.maker.company else None,
        },
        "importer": None if label.importer is None else {"text": label.importer.text},
        "origin": None
        if label.origin is None
        else {"text": label.origin.text, "country_code": label.origin.country_code},
        "dates": {
            "manufactured": label.dates.manufactured.isoformat()
            if label.dates.manufactured
            else None,
            "expires": label.dates.expires.isoformat() if label.dates.expires else None,
            "certain": label.dates_certain,
        },
        "vietnamese_text": label.vietnamese_text,
        "ocr_ms": label.ocr_ms,
    }


def verification_json(result: Verification, raw_input: str) -> dict[str, Any]:
    """The public shape of a verification (see the OpenAPI document)."""
    verdict = result.verdict
    facts = verdict.facts
    parsed = facts.parsed
    lang = _lang()
    prefix = facts.prefix
    company = facts.company
    match = facts.brand_match
    return {
        "input": raw_input,
        "gtin": parsed.gtin,
        "format": parsed.format,
        "valid": parsed.valid,
        "level": verdict.level.value,
        "title": gettext(verdict.title),
        "suspect": verdict.is_suspect,
        "reasons": [
            {
                "code": r.code,
                "tone": r.tone.value,
                "source": r.source.value,
                "report_category": r.report.value if r.report else None,
                "message": render_message(r.message),
            }
            for r in result.reasons
        ],
        "text": parsed.text,
        "gs1": None
        if prefix is None
        else {
            "prefix": prefix.prefix,
            "organisation": prefix.organisation,
            "country_code": prefix.country_code,
            "country_name": prefix.country_name.get(lang) if prefix.country_name else None,
            "kind": prefix.kind.value,
        },
        "company": None
        if company is None
        else {
            "code": company.code,
            "name": company.name,
            "province_code": company.province_code,
            "company_prefix": facts.company_prefix,
            "sample_data": company.is_sample,
        },
        "product": None
        if facts.product is None
        else {
            "gtin": facts.product.gtin,
            "name": facts.product.name,
            "brand": facts.product.brand,
        },
        "brand": None
        if match is None or match.entry is None
        else {
            "seen": match.seen or match.query,
            "match": match.kind.value,
            "name": match.entry.name,
        },
        "certifications": [
            {
                "programme": c.programme.value,
                "name": gettext(PROGRAMME_NAMES[c.programme]),
                "year": c.year,
                "stars": c.stars,
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "brand": c.brand,
            }
            for c in facts.certifications
        ],
        "decoded": [
            {
                "symbology": d.symbology,
                "text": d.text,
                "engine": d.engine,
                "pass": d.pass_name,
                "confirmed_by": d.confirmed_by or None,
                "votes": d.votes,
                "box": None
                if d.box is None
                else [round(d.box.left), round(d.box.top), round(d.box.right), round(d.box.bottom)],
            }
            for d in result.decoded
        ],
        "unclear": [list(d.texts) for d in result.unclear],
        "decode_ms": result.decode_ms,
        "chosen": parsed.gtin if result.chosen_reason == "one_number" else None,
        "chosen_reason": result.chosen_reason,
        "choices": [p.gtin for p in result.choices],
        "label": label_json(result.label),
    }


@blueprint.get("/v1/verify")
def verify_get():
    if "code" not in request.args:
        return _error(400, gettext("Give the barcode number as ?code=..."))
    # The same question (the same query, claims included, and language) about the same
    # registry, history and day gets the same answer; only questions answered before are kept,
    # so the claims of a kept one were valid.
    lang = _lang()
    code = request.args["code"]
    key = (request.query_string, lang)
    parsed = parse_code(code)
    inputs = verdict_inputs(parsed)
    answer = answers.get(key, inputs)
    if answer is not None:
        return current_app.response_class(answer, mimetype="application/json")
    with force_locale(lang):
        try:
            claims = _claims(request.args)
        except ClaimsRejected as rejected:
            return _error(400, str(rejected))
        result = verify_parsed(parsed, claims=claims, inputs=inputs)
        response = jsonify(verification_json(result, code))
        recorded = record_signal_for(result, from_photo=False)
        if not recorded and result.verdict.level not in SIGNAL_LEVELS:
            answers.put(key, inputs, response.get_data())
        return response


@blueprint.post("/v1/verify")
@limiter.shared_limit(photo_rate_limit, scope="photo-verify")
def verify_post():
    with force_locale(_lang()):
        try:
            claims = _claims(request.form)
        except ClaimsRejected as rejected:
            return _error(400, str(rejected))
        uploads = [f for f in request.files.getlist("photo") if f]
        if not uploads:
            if "code" in request.form:
                code = request.form["code"]
                result = verify_code(code, claims=claims)
                record_signal_for(result, from_photo=False)
                return jsonify(verification_json(result, code))
            return _error(400, gettext("Send a photo as the multipart field “photo”, or a “code”."))
        if len(uploads) > MAX_LABEL_PHOTOS:
            return _error(
                400,
                gettext("Up to %(count)s photos of one product, please.", count=MAX_LABEL_PHOTOS),
            )
        limit = current_app.config["MAX_PHOTO_BYTES"] + 1
        try:
            result = verify_photos([f.read(limit) for f in uploads], claims=claims)
        except ImageRejected as rejected:
            status = 413 if rejected.message.code == "too_large" else 422
            return _error(status, render_message(rejected.message))
        record_signal_for(result, from_photo=True)
        names = ", ".join(f.filename or "photo" for f in uploads)
        return jsonify(verification_json(result, names))


@blueprint.get("/v1/areas/<province>/communes")
def communes(province: str):
    """The communes of a province, for the report form's second list."""
    if province not in province_names():
        return _error(404, gettext("Unknown province code."))
    return jsonify(
        {
            "province": province,
            "communes": [{"code": c.code, "name": c.name} for c in communes_of(province)],
        }
    )


def _form_text(name: str, limit: int) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _api_report() -> NewComplaint:
    """Validate the multipart fields of POST /api/v1/complaints (same rules as the form)."""
    problems: list[str] = []
    try:
        category = Category(request.form.get("category", ""))
    except ValueError:
        problems.append(
            gettext(
                "“category” must be one of: %(values)s.",
                values=", ".join(c.value for c in Category),
            )
        )
        category = Category.OTHER
    description = _form_text("description", 4001)
    if not 10 <= len(description) <= 4000:
        problems.append(gettext("“description” must have 10 to 4,000 characters."))
    province = request.form.get("province_code", "")
    commune = request.form.get("commune_code") or None
    area_error = validate_area(province, commune)
    if area_error:
        problems.append(area_error)
    numbers: dict[str, int | None] = {}
    for name, low, high in (("price_vnd", 0, 10_000_000_000), ("quantity", 1, 100_000)):
        raw = request.form.get(name, "")
        value = int(raw) if raw.isdigit() else None
        if raw and (value is None or not low <= value <= high):
            problems.append(
                gettext(
                    "“%(name)s” must be a whole number from %(low)s to %(high)s.",
                    name=name,
                    low=low,
                    high=high,
                )
            )
        numbers[name] = value
    date_seen = None
    if request.form.get("date_seen"):
        try:
            date_seen = dt.date.fromisoformat(request.form["date_seen"])
        except ValueError:
            problems.append(gettext("“date_seen” must be a date, YYYY-MM-DD."))
        else:
            if date_seen > local_today():
                problems.append(gettext("The date cannot be in the future."))
    anonymous = (request.form.get("anonymous") or "true").lower() in ("1", "true", "yes", "on")
    contact = {
        k: _form_text(k, n)
        for k, n in (("contact_name", 120), ("contact_phone", 20), ("contact_email", 254))
    }
    consent = (request.form.get("consent") or "").lower() in ("1", "true", "yes", "on")
    if not anonymous and any(contact.values()) and not consent:
        problems.append(
            gettext("Contact details need “consent”=true, or send the report anonymously.")
        )
    if contact["contact_phone"] and not re.match(PHONE_PATTERN, contact["contact_phone"]):
        problems.append(gettext("A Vietnamese phone number, e.g. 0912 345 678."))
    if problems:
        raise ComplaintRejected(
            Message("invalid_fields", "%(problems)s", {"problems": " ".join(problems)}), 422
        )
    code_seen, gtin = normalise_code(_form_text("code", 64))
    return NewComplaint(
        category=category,
        description=description,
        province_code=province,
        commune_code=commune,
        code_seen=code_seen,
        gtin=gtin,
        product_name=_form_text("product_name", 200),
        brand_seen=_form_text("brand", 120),
        store_name=_form_text("store_name", 200),
        store_address=_form_text("store_address", 300),
        date_seen=date_seen,
        price_vnd=numbers["price_vnd"],
        quantity=numbers["quantity"],
        anonymous=anonymous,
        consent=consent,
        source=Source.API,
        **contact,
    )


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-]{16,80}$")


@blueprint.post("/v1/complaints")
@limiter.limit(complaint_rate_limit)
def complaint_create():
    """File a complaint; the ``Idempotency-Key`` header makes retries safe."""
    with force_locale(_lang()):
        key = request.headers.get("Idempotency-Key", "")
        if not IDEMPOTENCY_KEY.match(key):
            return _error(
                400,
                gettext(
                    "Send an Idempotency-Key header of 16 to 80 letters, digits, “-” or “_” (a UUID will do)."
                ),
            )
        uploads = [
            Upload(filename=f.filename or "", data=f.read(10 * 1024 * 1024 + 1))
            for f in request.files.getlist("photos")
            if f and f.filename
        ]
        try:
            filed = submit(_api_report(), uploads, key)
        except ComplaintRejected as rejected:
            return _error(rejected.status, render_message(rejected.message))
        body = {
            "tracking_code": filed.complaint.tracking_code,
            "tracking_url": url_for(
                "public.track", code=filed.complaint.tracking_code, _external=True
            ),
            "qr_url": url_for(
                "public.track_qr", code=filed.complaint.tracking_code, _external=True
            ),
            "status": filed.complaint.status.value,
            "created": filed.created,
        }
        return jsonify(body), 201 if filed.created else 200


def public_complaint_json(view) -> dict[str, Any]:
    return {
        "tracking_code": view.tracking_code,
        "status": view.status.value,
        "status_text": gettext(PUBLIC_STATUS[view.status]),
        "category": view.category.value,
        "product_name": view.product_name,
        "brand": view.brand_seen,
        "code": view.code_seen,
        "province_code": view.province_code,
        "commune_code": view.commune_code,
        "photo_count": view.photo_count,
        "filed_at": view.filed_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "closed_at": view.closed_at.isoformat() if view.closed_at else None,
        "public_notes": [{"at": n.created_at.isoformat(), "note": n.note} for n in view.notes],
        "followed_status": view.followed_status.value if view.followed_status else None,
        "can_rate": view.can_rate,
    }


@blueprint.get("/v1/complaints/<code>")
@limiter.limit(tracking_rate_limit)
def complaint_get(code: str):
    with force_locale(_lang()):
        normalised = normalise_tracking_code(code)
        view = queries.get_public_view(db.session, normalised) if normalised else None
        if view is None:
            return _error(404, gettext("No report has this tracking code."))
        response = jsonify(public_complaint_json(view))
        response.headers["Cache-Control"] = "no-store"
        return response


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@blueprint.route("/v1/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(anything: str):
    abort(404)


from app.api import cases as _cases  # noqa: E402, F401  (GET /api/v1/cases joins this blueprint)
