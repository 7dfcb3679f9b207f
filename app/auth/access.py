"""Permission checks for views: one decorator, used on every staff route.

What each role may do is :mod:`complaints.permissions`; a view names the permission it needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from complaints.accounts import Role, User
from complaints.permissions import Permission, can_see_area, roles_for

F = TypeVar("F", bound=Callable[..., Any])

# Kept for the views that still name roles; new code uses permission_required.
TRIAGE_ROLES = roles_for(Permission.TRIAGE)
READ_ROLES = roles_for(Permission.READ)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users with one of ``roles``; others are sent to sign in (401 for JSON)
    or refused (403)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    response = jsonify({"error": {"status": 401, "message": "sign in first"}})
                    response.status_code = 401
                    return response
                return redirect(url_for("auth.login", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]  # read by the role-walk test
        return wrapped  # type: ignore[return-value]

    return decorate


def permission_required(*permissions: Permission) -> Callable[[F], F]:
    """Only signed-in users whose role holds one of ``permissions`` (see roles_required)."""
    decorate = roles_required(*roles_for(*permissions))

    def with_permissions(view: F) -> F:
        wrapped = decorate(view)
        wrapped.permissions = permissions  # type: ignore[attr-defined]  # read by the role matrix test
        return wrapped

    return with_permissions


def require_area(user: User, province_code: str | None, commune_code: str | None) -> None:
    """404 (not 403: do not confirm that a complaint exists) outside the user's area."""
    if not can_see_area(user, province_code, commune_code):
        abort(404)
