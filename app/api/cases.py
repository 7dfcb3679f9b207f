"""GET /api/v1/cases: the inspectors' case list for inspection systems, with read-only tokens."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from flask import g, jsonify, request
from flask_babel import gettext

from app.api import schemas
from app.api.views import api_error, blueprint
from app.clock import utc_now
from app.extensions import db, limiter
from app.inspect.views import case_filters
from app.query_args import CaseQuery
from app.unit_of_work import commit
from complaints import queries
from complaints.api_tokens import token_digest
from complaints.models import ApiToken, Complaint, ExportEvent
from complaints.permissions import Permission, allows


def _unauthorized() -> Any:
    response = api_error(401, gettext("A valid API token is needed: Authorization: Bearer hv_…"))
    response.headers["WWW-Authenticate"] = 'Bearer realm="hangviet"'
    return response


def _token_user():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = token_digest(header[7:])
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active or not allows(token.user, Permission.INSPECT):
        return None
    now = utc_now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def case_json(complaint: Complaint) -> dict[str, Any]:
    """A case as inspection systems see it: never the complainant's personal data, nor the
    reporter's tracking code (their key to the case: ``id`` names it)."""
    return {
        "id": complaint.id,
        "status": complaint.status.value,
        "category": complaint.category.value,
        "created_at": complaint.created_at.isoformat(),
        "closed_at": complaint.closed_at.isoformat() if complaint.closed_at else None,
        "province_code": complaint.province_code,
        "commune_code": complaint.commune_code,
        "store_name": complaint.store_name,
        "store_address": complaint.store_address,
        "product_name": complaint.product_name,
        "brand": complaint.brand_seen,
        "code": complaint.code_seen,
        "gtin": complaint.gtin,
        "verdict_level": complaint.verdict_level,
        "date_seen": complaint.date_seen.isoformat() if complaint.date_seen else None,
        "photo_count": complaint.photo_count,
        "inspected_on": complaint.inspected_on.isoformat() if complaint.inspected_on else None,
        "violation_found": complaint.violation_found,
        "enforcement_ref": complaint.enforcement_ref,
    }


def _token_required(view: Any) -> Any:
    """401 before anything else is read: the case list is for token holders only."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = _token_user()
        if user is None:
            return _unauthorized()
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


@blueprint.get("/v1/cases")
@limiter.limit("120 per minute")
@_token_required
@blueprint.arguments(CaseQuery, location="query")
@blueprint.response(200, schemas.CasePageSchema, description="A page of cases and the next cursor.")
@blueprint.alt_response(401, schema=schemas.ErrorSchema, description="No valid token.")
@blueprint.doc(security=[{"bearerAuth": []}])
def cases(args: dict[str, Any]):
    """Cases for inspection systems (read-only token)

    Referred and confirmed cases by default (status= and flagged=1 widen it), within the token
    owner's area, oldest first, by keyset pages. Never complainants' personal data, nor the
    reporters' tracking codes."""
    user = g.api_user
    page = queries.fetch_queue(
        db.session,
        user,
        case_filters(args),
        sort=queries.Sort.OLDEST,
        cursor=args.get("after"),
        limit=args["limit"],
    )
    body = {"cases": [case_json(c) for c in page.rows], "next": page.next_cursor}
    db.session.add(
        ExportEvent(
            actor=user.username,
            format="api",
            rows=len(page.rows),
            filters=request.args.to_dict(),
            personal_data=False,
            created_at=utc_now(),
        )
    )
    commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
