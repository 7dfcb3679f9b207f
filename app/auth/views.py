"""Sign in and out. Failed attempts are rate-limited per client and lock the account after five
in a row; the same answer is given for an unknown user and a wrong password."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from app.auth.forms import LoginForm
from app.clock import utc_now
from app.extensions import db, limiter, login_manager
from app.unit_of_work import unit_of_work
from complaints.accounts import User, record_login_attempt

blueprint = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("staff.queue")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        now = utc_now()
        user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.is_locked(now):
            error = gettext("Too many failed attempts: this account is locked for 15 minutes.")
        elif user is not None and user.active and user.check_password(form.password.data):
            with unit_of_work():
                record_login_attempt(user, success=True, now=now)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        else:
            if user is not None:
                # Kept although the answer is an error: the count is what locks the account.
                with unit_of_work():
                    record_login_attempt(user, success=False, now=now)
            error = gettext("Wrong username or password.")
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@blueprint.post("/logout")
def logout():
    logout_user()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("auth.login"))
