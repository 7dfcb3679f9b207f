"""GET /api/v1/surveys/<code>/results: a published survey's public figures (issue 15).

Only what the public brand pages may show: a survey that says it is published, the whole
survey's figures (withheld where too few answered), and the brands, products and categories with
at least the survey's minimum number of answers. No answer, comment or quota progress.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import jsonify, url_for
from flask_babel import force_locale, gettext
from marshmallow import fields, validate

from app.api.catalogue import catalogue_rate_limit
from app.api.schemas import LangArgs
from app.api.views import _errors, api_error, blueprint
from app.extensions import db, limiter
from app.schema_fields import code_in_path
from app.surveys import results_cache
from barcode_db.categories import CODES
from barcode_db.categories import category as category_named
from surveys.design import find_survey
from surveys.questions import Dimension, Subject
from surveys.results import BRAND, CATEGORY, PRODUCT, GroupFigures, public_results
from surveys.statistics import (
    Comparison,
    Criterion,
    Estimate,
    Result,
    WeightedEstimate,
    round_for_display,
)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else float(round_for_display(value, digits))


class EstimateSchema(ma.Schema):
    n = fields.Integer(required=True, metadata={"description": "Answers to this question."})
    value = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "null: withheld, fewer answers than `minimum_n`."},
    )
    low = fields.Float(required=True, allow_none=True, metadata={"description": "95 % interval."})
    high = fields.Float(required=True, allow_none=True)
    design_effect = fields.Float(
        required=True, allow_none=True, metadata={"description": "Weighted figures only (Kish)."}
    )


class ChangeSchema(ma.Schema):
    difference = fields.Float(
        required=True, metadata={"description": "This survey minus the one before."}
    )
    low = fields.Float(required=True)
    high = fields.Float(required=True)
    clear = fields.Boolean(required=True, metadata={"description": "The interval excludes 0."})


class FiguresSchema(ma.Schema):
    key = fields.Raw(required=True, metadata={"description": "Brand or product id, category code."})
    name = fields.String(required=True)
    respondents = fields.Integer(required=True)
    index = fields.Nested(EstimateSchema, required=True, metadata={"description": "0–100."})
    criteria = fields.Dict(
        keys=fields.String(validate=validate.OneOf([c.value for c in Criterion])),
        values=fields.Nested(EstimateSchema),
        required=True,
        metadata={"description": "Means on the 1–5 scale."},
    )
    choose_again = fields.Nested(
        EstimateSchema, required=True, metadata={"description": "Share of yes, 0–1."}
    )
    index_change = fields.Nested(ChangeSchema, required=True, allow_none=True)
    choose_again_change = fields.Nested(ChangeSchema, required=True, allow_none=True)


class SurveyResultsSchema(ma.Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Where to answer it."})
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    subject = fields.String(required=True, validate=validate.OneOf([s.value for s in Subject]))
    category = fields.String(required=True, allow_none=True, validate=validate.OneOf(CODES))
    minimum_n = fields.Integer(required=True)
    weighted_by = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([d.value for d in Dimension]),
        metadata={"description": "The quota targets the figures are weighted to (null: none)."},
    )
    previous_code = fields.String(
        required=True, allow_none=True, metadata={"description": "The survey compared with."}
    )
    overall = fields.Nested(FiguresSchema, required=True)
    brands = fields.List(fields.Nested(FiguresSchema), required=True)
    products = fields.List(fields.Nested(FiguresSchema), required=True)
    categories = fields.List(fields.Nested(FiguresSchema), required=True)


def _estimate(result: Result, digits: int) -> dict[str, Any]:
    estimate: Estimate | None = result.estimate if result.shown else None
    return {
        "n": result.n,
        "value": _rounded(estimate.value, digits) if estimate else None,
        "low": _rounded(estimate.low, digits) if estimate else None,
        "high": _rounded(estimate.high, digits) if estimate else None,
        "design_effect": (
            _rounded(estimate.deff, 3) if isinstance(estimate, WeightedEstimate) else None
        ),
    }


def _change(comparison: Comparison | None, digits: int) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {
        "difference": _rounded(comparison.difference, digits),
        "low": _rounded(comparison.low, digits),
        "high": _rounded(comparison.high, digits),
        "clear": comparison.clear,
    }


def figures_json(group: GroupFigures) -> dict[str, Any]:
    summary = group.summary
    name = group.name
    if group.kind == CATEGORY:
        kind = category_named(group.key)
        name = gettext(kind.name) if kind else str(group.key)
    return {
        "key": group.key if group.kind != "survey" else None,
        "name": name,
        "respondents": summary.respondents,
        "index": _estimate(summary.index, 1),
        "criteria": {c.value: _estimate(summary.criteria[c], 2) for c in Criterion},
        "choose_again": _estimate(summary.choose_again, 3),
        "index_change": _change(group.index_change, 1),
        "choose_again_change": _change(group.choose_again_change, 3),
    }


@blueprint.get(
    "/v1/surveys/<code>/results",
    parameters=[
        code_in_path("code", "The survey's code, as in its short link /s/ABC123 (case ignored).")
    ],
)
@limiter.limit(catalogue_rate_limit)
@blueprint.arguments(LangArgs, location="query", error_status_code=400)
@blueprint.response(200, SurveyResultsSchema, description="The survey's public figures.")
@_errors(404, 429)
@blueprint.doc(
    description="A published consumer satisfaction survey's figures: the satisfaction index "
    "(0–100, three ACSI-style questions with equal weights), the VINASTAS criteria (1–5) and "
    "the share who would choose the product again, each with its 95 % confidence interval; "
    "for the whole survey and for each brand, product and category with at least `minimum_n` "
    "answers. Weighted to the survey's quota targets when `weighted_by` is set (the design "
    "effect is given). `index_change` compares with the survey before. Unpublished surveys "
    "answer 404. The method: surveys/statistics.py."
)
def survey_results(query: dict[str, Any], code: str):
    """A survey's public figures"""
    with force_locale(query["lang"]):
        survey = find_survey(db.session, code)
        results = public_results(db.session, survey, results_cache) if survey is not None else None
        if survey is None or results is None:
            return api_error(404, gettext("No published survey has this code."))
        previous = results.previous_survey
        body = {
            "code": survey.code,
            "title": survey.title,
            "url": url_for("surveys.answer", code=survey.code, _external=True),
            "opens_on": survey.opens_on.isoformat(),
            "closes_on": survey.closes_on.isoformat(),
            "subject": survey.subject,
            "category": survey.category,
            "minimum_n": survey.minimum_n,
            "weighted_by": survey.weight_by,
            "previous_code": previous.code if previous is not None and previous.publish else None,
            "overall": figures_json(results.overall),
            "brands": [figures_json(g) for g in results.groups[BRAND]],
            "products": [figures_json(g) for g in results.groups[PRODUCT]],
            "categories": [figures_json(g) for g in results.groups[CATEGORY]],
        }
        response = jsonify(body)
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
