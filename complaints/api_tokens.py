"""Read-only API tokens for inspection systems: issued and revoked by administrators.

Only the token's SHA-256 is stored; the token itself is returned once, to be shown once. A token
reads what its holder may inspect (``GET /api/v1/cases``), so only accounts that may inspect
hold one. The token row records who it is for and when it was made, used and revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy.orm import Session

from barcode_db.messages import N_, Message, Refusal
from complaints.accounts import User
from complaints.models import ApiToken
from complaints.permissions import Permission, allows, require

#: Marks our tokens (in logs, in secret scanners); not a secret.
TOKEN_PREFIX = "hv_"  # noqa: S105
NAME_LENGTH = 120

BAD_HOLDER = Message(
    "bad_token_holder", N_("Choose an inspector or staff account and name the token.")
)


def token_digest(token: str) -> str:
    """What is stored of a token, and what a presented token is looked up by."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def issue_api_token(
    session: Session, holder: User | None, *, name: str, actor: User, now: dt.datetime
) -> str:
    """A new token for ``holder``, named ``name``; returns the token, stores its SHA-256."""
    require(actor, Permission.MANAGE_USERS)
    name = name.strip()[:NAME_LENGTH]
    if holder is None or not holder.active or not allows(holder, Permission.INSPECT) or not name:
        raise Refusal(BAD_HOLDER)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=holder.id, name=name, token_hash=token_digest(token), created_at=now)
    )
    session.flush()
    return token


def revoke_api_token(session: Session, token: ApiToken, *, actor: User, now: dt.datetime) -> bool:
    """Revoke a token at once; False if it was revoked already."""
    require(actor, Permission.MANAGE_USERS)
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    session.flush()
    return True
