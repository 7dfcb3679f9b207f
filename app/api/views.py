"""The JSON API: verification by code or photo, documented at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import force_locale, gettext

from app.api.openapi import openapi_document
from app.extensions import limiter
from app.i18n import render_message
from app.verification import Verification, photo_rate_limit, verify_code, verify_photo
from barcode_db.images import ImageRejected
from barcode_db.models import PROGRAMME_NAMES
from barcode_db.verdict import LabelClaims

blueprint = Blueprint("api", __name__)


def _lang() -> str:
    lang = request.args.get("lang") or "vi"
    return lang if lang in current_app.config["LANGUAGES"] else "vi"


def _error(status: int, message: str) -> Any:
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _claims(source: Any) -> LabelClaims:
    brand = (source.get("brand") or "").strip()[:120] or None
    made_in_vn = (source.get("made_in_vietnam") or "").lower() in ("1", "true", "yes", "on")
    return LabelClaims(brand=brand, made_in_vietnam=made_in_vn)


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
            {"code": r.code, "tone": r.tone.value, "message": render_message(r.message)}
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
            "seen": match.query,
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
            {"symbology": d.symbology, "text": d.text, "engine": d.engine, "pass": d.pass_name}
            for d in result.decoded
        ],
    }


@blueprint.get("/v1/verify")
def verify_get():
    if "code" not in request.args:
        return _error(400, gettext("Give the barcode number as ?code=..."))
    with force_locale(_lang()):
        code = request.args["code"]
        return jsonify(verification_json(verify_code(code, claims=_claims(request.args)), code))


@blueprint.post("/v1/verify")
@limiter.shared_limit(photo_rate_limit, scope="photo-verify")
def verify_post():
    with force_locale(_lang()):
        upload = request.files.get("photo")
        if upload is None:
            if "code" in request.form:
                code = request.form["code"]
                return jsonify(
                    verification_json(verify_code(code, claims=_claims(request.form)), code)
                )
            return _error(400, gettext("Send a photo as the multipart field “photo”, or a “code”."))
        data = upload.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
        try:
            result = verify_photo(data, claims=_claims(request.form))
        except ImageRejected as rejected:
            status = 413 if rejected.message.code == "too_large" else 422
            return _error(status, render_message(rejected.message))
        return jsonify(verification_json(result, upload.filename or "photo"))


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@blueprint.route("/v1/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(anything: str):
    abort(404)
