"""The JSON API: verification by code or photo, complaints, communes; its OpenAPI document at
/api/openapi.json is generated from the schemas in :mod:`app.api.schemas` (flask-smorest)."""

from __future__ import annotations

import functools
from typing import Any

from flask import current_app, g, jsonify, request, url_for
from flask_babel import force_locale, gettext
from flask_smorest import Api, Blueprint

from app.api import schemas
from app.campaign import count_verification
from app.complaint_service import Upload, normalise_code, submit
from app.extensions import db, limiter
from app.i18n import render_message
from app.public.reports import complaint_rate_limit, tracking_rate_limit
from app.schema_fields import code_in_path
from app.verification import (
    CachedAnswer,
    Explained,
    Verification,
    answers,
    explain,
    photo_rate_limit,
    product_url,
    record_signal_for,
    snapshot,
    typed_claims,
    verdict_inputs,
    verify_code,
    verify_parsed,
    verify_photos,
)
from barcode_db.areas import communes_of, province_names
from barcode_db.gtin import parse_code, printed_gtin
from barcode_db.label import LabelReading
from barcode_db.models import PROGRAMME_NAMES
from barcode_db.verdict import SUSPECT_LEVELS, LabelClaims
from complaints import queries
from complaints.campaign import Channel
from complaints.models import Source
from complaints.operations import NewComplaint
from complaints.tracking import normalise_tracking_code
from complaints.workflow import PUBLIC_STATUS, Category


class HangVietApi(Api):
    """flask-smorest's Api, leaving error pages to the app (``app/errors.py``): the API's errors
    are JSON in the shape of :class:`~app.api.schemas.ErrorSchema`, the site's are pages."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


api = HangVietApi()
blueprint = Blueprint(
    "api",
    __name__,
    description="Checks a product barcode: check digit, GS1 prefix, the trusted-brand registry "
    "and the label's claims; files and tracks complaints.",
)
ERRORS = {
    400: "The request was refused (the message says why).",
    404: "Not found.",
    409: "Conflicts with what is stored.",
    413: "A photo is too large.",
    422: "Invalid fields (see fields) or an image that cannot be read.",
    429: "Too many requests from this client.",
    503: "Busy with other photos: no slot for this one freed in time (see Retry-After).",
}


def _errors(*codes: int) -> Any:
    """Document the error answers of an operation (all in the Error shape)."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blueprint.alt_response(
                code, schema=schemas.ErrorSchema, description=ERRORS[code]
            )(func)
        return func

    return decorate


def api_error(status: int, message: str) -> Any:
    """The API's JSON error (schemas.ErrorSchema) with ``status``."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _claims(args: dict[str, Any]) -> LabelClaims:
    """The label claims of a request's (validated) fields, as the shopper's own."""
    return typed_claims(
        brand=args.get("brand"),
        made_in_vietnam=args.get("made_in_vietnam", False),
        maker=args.get("maker"),
        origin=args.get("origin"),
        expires=args.get("expires"),
    )


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


def provenance_json(explained: Explained) -> list[dict[str, Any]]:
    """The verdict's facts with their sources (schemas.ProvenanceSchema)."""
    return [
        {
            "fact": f.fact,
            "value": render_message(f.value),
            "source": render_message(f.source),
            "checked_on": f.checked_on.isoformat() if f.checked_on else None,
        }
        for f in explained.provenance
    ]


def alternatives_json(explained: Explained) -> list[dict[str, Any]]:
    """The Vietnamese alternatives (schemas.AlternativeSchema)."""
    return [
        {
            "gtin": printed_gtin(a.gtin),
            "name": a.product.name,
            "brand": a.product.brand,
            "company_code": a.company.code,
            "certifications": [
                {
                    "programme": c.programme.value,
                    "year": c.year,
                    "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                }
                for c in a.certifications
            ],
            "url": product_url(a.gtin, external=True),
            "sample_data": a.is_sample,
        }
        for a in explained.alternatives
    ]


def verification_json(
    result: Verification, raw_input: str, lang: str, explained: Explained
) -> dict[str, Any]:
    """The public shape of a verification (schemas.VerificationSchema)."""
    verdict = result.verdict
    facts = verdict.facts
    parsed = facts.parsed
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
                "message": " ".join(
                    render_message(m) for m in (r.message, r.advice) if m is not None
                ),
            }
            for r in result.reasons
        ],
        "text": parsed.text,
        "gs1": None
        if prefix is None
        else {
            "prefix": prefix.prefix,
            "organisation": prefix.organisation,
            "description": render_message(prefix.description),
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
        "provenance": provenance_json(explained),
        "alternatives": alternatives_json(explained),
    }


def _answered_before(view: Any) -> Any:
    """The same question (the same query, claims included, and language) about the same
    registry, history and day gets the same answer, sent before the query is even parsed: only
    questions answered before are kept, so a kept one was valid."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        code = request.args.get("code")
        if code is not None:
            parsed = parse_code(code)
            inputs = verdict_inputs(parsed)
            # The host too: the answer's links (alternatives) are absolute.
            key = (request.query_string, request.args.get("lang", "vi"), request.host)
            answer = answers.get(key, inputs)
            if answer is not None:
                count_verification(answer.verdict, Channel.TYPED)
                return current_app.response_class(answer.body, mimetype="application/json")
            g.verify_question = (key, parsed, inputs)
        return view(*args, **kwargs)

    return wrapper


@blueprint.get("/v1/verify")
@limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="code-verify")
@_answered_before
@blueprint.arguments(schemas.VerifyQuery, location="query", error_status_code=400)
@blueprint.response(
    200,
    schemas.VerificationSchema,
    description="A verdict (also for malformed numbers: valid is false).",
)
@_errors(400, 429)
def verify_get(args: dict[str, Any]):
    """Verify a typed or scanned code"""
    lang = args["lang"]
    key, parsed, inputs = g.verify_question  # set by _answered_before, the code being given
    with force_locale(lang):
        result = verify_parsed(parsed, claims=_claims(args), inputs=inputs)
        explained = explain(result, category=args.get("category"), inputs=inputs)
        response = jsonify(verification_json(result, request.args["code"], lang, explained))
        recorded = record_signal_for(result, from_photo=False)
        count_verification(result.verdict, Channel.TYPED)
        if not recorded and result.verdict.level not in SUSPECT_LEVELS:
            answers.put(key, inputs, CachedAnswer(response.get_data(), result.verdict))
        return response


@blueprint.post("/v1/verify")
@limiter.shared_limit(photo_rate_limit, scope="photo-verify")
@blueprint.arguments(schemas.VerifyPhotoArgs, location="query", error_status_code=400)
@blueprint.arguments(
    schemas.VerifyForm,
    location="form",
    content_type="multipart/form-data",
    error_status_code=400,
)
@blueprint.response(
    200, schemas.VerificationSchema, description="A verdict about the number on the photos."
)
@_errors(400, 413, 422, 429, 503)
def verify_post(query: dict[str, Any], form: dict[str, Any]):
    """Verify a label photo

    One to three photos of one product, or a ``code`` instead; 413 for a photo over the size
    limit, 422 for a file that is not an image we read."""
    lang = query["lang"]
    with force_locale(lang):
        claims = _claims(form)
        uploads = [f for f in request.files.getlist("photo") if f]
        if not uploads:
            if "code" in form:
                result = verify_code(form["code"], claims=claims)
                record_signal_for(result, from_photo=False)
                if query["counted"]:
                    count_verification(result.verdict, Channel.TYPED)
                explained = explain(result)
                return jsonify(verification_json(result, form["code"], lang, explained))
            return api_error(
                400, gettext("Send a photo as the multipart field “photo”, or a “code”.")
            )
        if len(uploads) > schemas.MAX_LABEL_PHOTOS:
            return api_error(
                400,
                gettext(
                    "Up to %(count)s photos of one product, please.",
                    count=schemas.MAX_LABEL_PHOTOS,
                ),
            )
        limit = current_app.config["MAX_PHOTO_BYTES"] + 1
        # An unreadable image is an ImageRejected refusal (413 or 422), shown by the app.
        result = verify_photos([f.read(limit) for f in uploads], claims=claims)
        record_signal_for(result, from_photo=True)
        if query["counted"]:
            count_verification(result.verdict, Channel.PHOTO)
        names = ", ".join(f.filename or "photo" for f in uploads)
        explained = explain(result)
        return jsonify(verification_json(result, names, lang, explained))


@blueprint.get(
    "/v1/areas/<province_code>/communes",
    parameters=[
        {
            "in": "path",
            "name": "province_code",
            "schema": {"type": "string", "pattern": "^[0-9]{2}$"},
        }
    ],
)
@blueprint.response(200, schemas.CommunesSchema, description="Codes and names.")
@_errors(404)
def communes(province_code: str):
    """Communes of a province (2025 administrative units)"""
    if province_code not in province_names():
        return api_error(404, gettext("Unknown province code."))
    return jsonify(
        {
            "province": province_code,
            "communes": [{"code": c.code, "name": c.name} for c in communes_of(province_code)],
        }
    )


def _new_complaint(fields: dict[str, Any]) -> NewComplaint:
    """A report from the API's validated fields (schemas.ComplaintIn)."""
    code_seen, gtin = normalise_code(fields.get("code", ""))
    return NewComplaint(
        category=Category(fields["category"]),
        description=fields["description"],
        province_code=fields["province_code"],
        commune_code=fields.get("commune_code"),
        code_seen=code_seen,
        gtin=gtin,
        product_name=fields.get("product_name", ""),
        brand_seen=fields.get("brand", ""),
        store_name=fields.get("store_name", ""),
        store_address=fields.get("store_address", ""),
        date_seen=fields.get("date_seen"),
        price_vnd=fields.get("price_vnd"),
        quantity=fields.get("quantity"),
        anonymous=fields["anonymous"],
        consent=fields["consent"],
        source=Source.API,
        contact_name=fields.get("contact_name", ""),
        contact_phone=fields.get("contact_phone", ""),
        contact_email=fields.get("contact_email", ""),
    )


@blueprint.post("/v1/complaints")
@limiter.limit(complaint_rate_limit)
@blueprint.arguments(schemas.LangArgs, location="query", error_status_code=400)
@blueprint.arguments(schemas.IdempotencyHeader, location="headers", error_status_code=400)
@blueprint.arguments(schemas.ComplaintIn, location="form", content_type="multipart/form-data")
@blueprint.response(201, schemas.FiledSchema, description="Filed.")
@blueprint.alt_response(
    200, schema=schemas.FiledSchema, description="Already filed with this key: the same answer."
)
@_errors(400, 409, 413, 429, 503)
def complaint_create(query: dict[str, Any], headers: dict[str, Any], fields: dict[str, Any]):
    """File a complaint (report a suspect product)

    The ``Idempotency-Key`` header makes retries safe: the same key and content return the first
    filing (200); the same key with other content is refused (409)."""
    with force_locale(query["lang"]):
        uploads = [
            Upload(
                filename=f.filename or "", data=f.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
            )
            for f in request.files.getlist("photos")
            if f and f.filename
        ]
        # A refusal (a bad photo, a used key) is answered by app.unit_of_work.handle_refusal.
        filed = submit(_new_complaint(fields), uploads, headers["idempotency_key"])
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


@blueprint.get(
    "/v1/complaints/<tracking_code>",
    parameters=[
        code_in_path(
            "tracking_code", "The code on the receipt, e.g. ABCDE-12345 (case and dashes ignored)."
        )
    ],
)
@limiter.limit(tracking_rate_limit)
@blueprint.arguments(schemas.LangArgs, location="query", error_status_code=400)
@blueprint.response(
    200, schemas.PublicComplaintSchema, description="Status, dates and public notes."
)
@_errors(404, 429)
def complaint_get(query: dict[str, Any], tracking_code: str):
    """The public view of a complaint (no personal data)"""
    with force_locale(query["lang"]):
        normalised = normalise_tracking_code(tracking_code)
        view = queries.get_public_view(db.session, normalised) if normalised else None
        if view is None:
            return api_error(404, gettext("No report has this tracking code."))
        response = jsonify(public_complaint_json(view))
        response.headers["Cache-Control"] = "no-store"
        return response


from app.api import cases as _cases  # noqa: E402, F401  (GET /api/v1/cases joins this blueprint)
from app.api import catalogue as _catalogue  # noqa: E402, F401  (GET /api/v1/catalogue, open data)
from app.api import surveys as _surveys  # noqa: E402, F401  (GET /api/v1/surveys/<code>/results)
