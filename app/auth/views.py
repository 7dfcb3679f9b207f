"""Sign in and out.

Each sign-in is a session row (complaints.accounts.StaffSession) whose random key the cookie
carries: signing out deletes it, so a copy of the cookie is refused from then on. Failed attempts
are rate-limited per client and counted per username, whether an account has it or not; after
five in a row the name is locked for 15 minutes. Every failure gets the same answer, and an
unknown name takes as long to refuse as a wrong password.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from app.auth.forms import LoginForm
from app.clock import utc_now
from app.extensions import db, limiter, login_manager
from app.redirects import safe_target
from app.unit_of_work import unit_of_work
from complaints.accounts import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    User,
    end_session,
    fetch_session_user,
    password_matches,
    record_sign_in,
    reserve_sign_in_attempt,
    start_session,
)

blueprint = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    return fetch_session_user(db.session, session_key, now=utc_now())


def login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _safe_next(target: str | None) -> str:
    return safe_target(target, url_for("staff.queue"))


def sign_in_refused() -> str:
    """The one answer to every failed sign-in: wrong name, wrong password, locked, disabled."""
    return gettext(
        "Wrong username or password, or the account is locked for %(minutes)d minutes "
        "after %(count)d failed attempts in a row.",
        minutes=int(LOCKOUT.total_seconds() // 60),
        count=MAX_FAILED_LOGINS,
    )


def _sign_in(username: str, password: str) -> User | None:
    """The user signed in with ``username`` and ``password``, or None (the attempt counted)."""
    now = utc_now()
    # Committed before the password is checked, so that attempts made at the same moment see
    # each other's count: at most MAX_FAILED_LOGINS passwords are checked before the lock.
    with unit_of_work():
        allowed = reserve_sign_in_attempt(db.session, username, now=now)
    if not allowed:
        return None
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if not password_matches(user, password) or user is None or not user.active:
        return None
    with unit_of_work():
        record_sign_in(db.session, user, username, now=now)
        start_session(db.session, user, now=now, lifetime=current_app.permanent_session_lifetime)
    login_user(user)
    return user


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        if _sign_in(form.username.data.strip(), form.password.data) is not None:
            return redirect(_safe_next(request.args.get("next")))
        error = sign_in_refused()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@blueprint.post("/logout")
def logout():
    if current_user.is_authenticated:
        with unit_of_work():
            end_session(db.session, current_user.session_key)
    logout_user()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("auth.login"))
