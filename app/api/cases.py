"""GET /api/v1/cases: the inspectors' case list for inspection systems, with read-only tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask import g, jsonify, request

from app.api.views import blueprint
from app.clock import utc_now
from app.extensions import db, limiter
from app.inspect.views import INSPECT_ROLES, case_filters
from complaints import queries
from complaints.models import ApiToken, Complaint, ExportEvent

TOKEN_PREFIX = "hv_"  # noqa: S105 - a prefix that marks our tokens, not a secret


def new_token() -> tuple[str, str]:
    """A fresh token and the SHA-256 that is stored (the token itself is shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def _error(status: int, message: str) -> Any:
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hangviet"'
    return response


def _token_user():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active or token.user.role not in INSPECT_ROLES:
        return None
    now = utc_now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def case_json(complaint: Complaint) -> dict[str, Any]:
    """A case as inspection systems see it: never the complainant's personal data."""
    return {
        "id": complaint.id,
        "tracking_code": complaint.tracking_code,
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


@blueprint.get("/v1/cases")
@limiter.limit("120 per minute")
def cases():
    user = _token_user()
    if user is None:
        return _error(401, "A valid API token is needed: Authorization: Bearer hv_...")
    g.api_user = user
    limit = min(max(request.args.get("limit", 100, type=int), 1), 500)
    page = queries.fetch_queue(
        db.session,
        user,
        case_filters(),
        sort=queries.Sort.OLDEST,
        cursor=request.args.get("after"),
        limit=limit,
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
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
