"""GET /api/v1/catalogue and /api/v1/catalogue.csv: the active registry as open data (CC BY 4.0).

The JSON comes in pages of companies, each with its prefixes, brands, products and
certifications (:func:`barcode_db.open_data.company_record`); the CSV is the whole registry in
the import format, so that what is published loads with ``flask registry import`` into another
association's registry. Sample records are marked: ``is_sample`` in the JSON, a comment line
naming the sample companies in the CSV (read back by the import).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, jsonify, url_for
from flask_babel import force_locale, gettext, lazy_gettext
from marshmallow import fields, validate

from app.api.schemas import ErrorSchema, LangArgs
from app.api.views import ERRORS, blueprint
from app.clock import local_today
from app.extensions import db, limiter
from app.query_args import number_field
from app.schema_fields import integer_field
from barcode_db import open_data
from barcode_db.categories import CATEGORIES, CODES
from barcode_db.models import Programme
from barcode_db.open_data import LICENCE_ID, LICENCE_NAME, LICENCE_URL, MAX_PAGE
from barcode_db.registry import fetch_registry_version

#: What the OpenAPI document says of both operations.
LICENCE_NOTE = (
    f"Open data under the licence {LICENCE_NAME} ({LICENCE_ID}, {LICENCE_URL}): reuse it, "
    "naming the association as its source (`licence.attribution`). Only the active registry is "
    "published (no retired record). Records of sample companies (`is_sample`; in the CSV, the "
    "companies its `# sample_companies:` comment line names) are illustrative, not checked; "
    "`flask registry import` marks them as sample data again."
)


def catalogue_rate_limit() -> str:
    return str(current_app.config["CATALOGUE_RATE_LIMIT"])


def catalogue_csv_rate_limit() -> str:
    return str(current_app.config["CATALOGUE_CSV_RATE_LIMIT"])


# ---- the request -------------------------------------------------------------------------------


class CatalogueQuery(LangArgs):
    after = number_field(metadata={"description": "The previous page's `next` (none: the start)."})
    limit = integer_field(
        load_default=100,
        validate=validate.Range(
            min=1,
            max=MAX_PAGE,
            error=lazy_gettext("Must be a whole number from 1 to %(max)s.", max=MAX_PAGE),
        ),
        metadata={"description": "Companies on the page (each with all its records)."},
    )


# ---- the response ------------------------------------------------------------------------------


def _category(**kwargs: Any) -> fields.String:
    return fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(CODES),
        metadata={"description": "A code of `categories`; null: none."},
        **kwargs,
    )


class CatalogueLicenceSchema(ma.Schema):
    id = fields.String(required=True, metadata={"description": "SPDX identifier."})
    name = fields.String(required=True)
    url = fields.String(required=True)
    attribution = fields.String(required=True, metadata={"description": "Name it as the source."})


class CatalogueCategorySchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the language asked for."})
    gpc_segment = fields.String(required=True, metadata={"description": "GS1 GPC segment."})
    gpc_family = fields.String(
        required=True, metadata={"description": "GS1 GPC family; empty when several."}
    )


class CatalogueBrandSchema(ma.Schema):
    name = fields.String(required=True)
    category = _category()


class CatalogueProductSchema(ma.Schema):
    gtin = fields.String(required=True, metadata={"description": "As printed on the pack."})
    name = fields.String(required=True)
    brand = fields.String(required=True, allow_none=True)
    category = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(CODES),
        metadata={"description": "Its own category; null: its brand's."},
    )


class CatalogueCertificationSchema(ma.Schema):
    programme = fields.String(required=True, validate=validate.OneOf([p.value for p in Programme]))
    year = fields.Integer(required=True)
    stars = fields.Integer(required=True, allow_none=True, metadata={"description": "OCOP."})
    valid_until = fields.Date(required=True, allow_none=True)
    evidence_ref = fields.String(required=True)
    brand = fields.String(
        required=True, allow_none=True, metadata={"description": "null: the whole company."}
    )


class CatalogueCompanySchema(ma.Schema):
    code = fields.String(required=True, metadata={"description": "The association's key."})
    name = fields.String(required=True)
    tax_code = fields.String(required=True, allow_none=True)
    address = fields.String(required=True)
    province_code = fields.String(required=True, allow_none=True)
    website = fields.String(required=True)
    made_in = fields.String(required=True, metadata={"description": "Where its goods are made."})
    owner_group = fields.String(required=True)
    owner_country = fields.String(
        required=True, allow_none=True, metadata={"description": "ISO 3166-1 alpha-2."}
    )
    source = fields.String(required=True, metadata={"description": "Where the facts were checked."})
    checked_on = fields.Date(required=True, allow_none=True)
    is_sample = fields.Boolean(
        required=True,
        metadata={"description": "Sample data (illustrative, not checked): all its records too."},
    )
    prefixes = fields.List(fields.String(), required=True)
    brands = fields.List(fields.Nested(CatalogueBrandSchema), required=True)
    products = fields.List(fields.Nested(CatalogueProductSchema), required=True)
    certifications = fields.List(fields.Nested(CatalogueCertificationSchema), required=True)


class CataloguePageSchema(ma.Schema):
    licence = fields.Nested(CatalogueLicenceSchema, required=True)
    registry_version = fields.Integer(
        required=True, metadata={"description": "Changes with every registry change."}
    )
    csv_url = fields.String(required=True, metadata={"description": "The whole registry as CSV."})
    categories = fields.List(fields.Nested(CatalogueCategorySchema), required=True)
    companies = fields.List(fields.Nested(CatalogueCompanySchema), required=True)
    next = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`after` of the next page."}
    )


def _licence() -> dict[str, str]:
    return {
        "id": LICENCE_ID,
        "name": LICENCE_NAME,
        "url": LICENCE_URL,
        "attribution": str(current_app.config["ASSOCIATION_NAME"]),
    }


def _public(response: Any) -> Any:
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get("/v1/catalogue")
@limiter.limit(catalogue_rate_limit)
@blueprint.arguments(CatalogueQuery, location="query", error_status_code=400)
@blueprint.response(200, CataloguePageSchema, description="A page of companies and the next.")
@blueprint.alt_response(400, schema=ErrorSchema, description=ERRORS[400])
@blueprint.alt_response(429, schema=ErrorSchema, description=ERRORS[429])
@blueprint.doc(
    description="Companies of the active registry, each with its facts (where its goods are "
    "made, its group, where and when they were checked), GS1 prefixes, brands with their "
    "categories, products and certifications; the next page is `after=next`, until `next` is "
    "null. `flask registry import` loads a page, or a list of pages, saved as a .json file. "
    + LICENCE_NOTE
)
def catalogue(args: dict[str, Any]):
    """The registry as open data (JSON pages)"""
    with force_locale(args["lang"]):
        page = open_data.fetch_catalogue_page(
            db.session, after=args.get("after"), limit=args["limit"]
        )
        body = {
            "licence": _licence(),
            "registry_version": fetch_registry_version(db.session),
            "csv_url": url_for("api.catalogue_csv", _external=True),
            "categories": [
                {
                    "code": c.code,
                    "name": gettext(c.name),
                    "gpc_segment": c.gpc_segment,
                    "gpc_family": c.gpc_family,
                }
                for c in CATEGORIES
            ],
            "companies": page.records,
            "next": page.next_after,
        }
        return _public(jsonify(body))


@blueprint.get("/v1/catalogue.csv")
@limiter.limit(catalogue_csv_rate_limit)
@blueprint.arguments(LangArgs, location="query", error_status_code=400)
@blueprint.response(
    200,
    {"type": "string"},
    content_type="text/csv",
    description="The registry in the import format (UTF-8), its licence in a comment line.",
)
@blueprint.alt_response(400, schema=ErrorSchema, description=ERRORS[400])
@blueprint.alt_response(429, schema=ErrorSchema, description=ERRORS[429])
@blueprint.doc(
    description="The whole active registry in the import format of `flask registry import` "
    "(one record a row: company, prefix, brand, product, certification), which loads it as it "
    "is. Lines starting with # are comments: the licence, and the codes of sample companies. "
    + LICENCE_NOTE
)
def catalogue_csv(args: dict[str, Any]):
    """The registry as open data (one CSV file)"""
    with force_locale(args["lang"]):
        records = list(open_data.all_company_records(db.session))
        version = fetch_registry_version(db.session)
        association = str(current_app.config["ASSOCIATION_NAME"])
        preamble = [
            gettext(
                "The trusted-brand registry of %(association)s, as open data under the licence "
                "%(licence)s (%(url)s): reuse it, naming %(association)s as its source.",
                association=association,
                licence=LICENCE_NAME,
                url=LICENCE_URL,
            ),
            gettext(
                "Registry version %(version)s, %(day)s. Load it with: flask registry import "
                "FILE.csv",
                version=version,
                day=local_today().isoformat(),
            ),
        ]
        if any(r["is_sample"] for r in records):
            preamble.append(
                gettext(
                    "Sample data, illustrative and not checked: the companies on the next "
                    "line, and all their records."
                )
            )
        text = open_data.catalogue_csv(records, preamble=preamble)
    filename = f"hang-viet-registry-{local_today().isoformat()}.csv"
    response = current_app.response_class(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _public(response)
