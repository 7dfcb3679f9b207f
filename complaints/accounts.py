"""Staff accounts: roles, areas, password hashes, login lockout.

Roles (DESIGN.md): administrators (everything), staff of the association (scoped to one province,
optionally to some of its communes), market inspectors (read and export), viewers (read). The
area rules are plain functions, so the same rule filters pages, API answers and exports; what
each role may do is :mod:`complaints.permissions`.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from barcode_db.base import Base, TimestampMixin, UTCDateTime
from barcode_db.messages import N_


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    INSPECTOR = "inspector"
    VIEWER = "viewer"


ROLE_NAMES: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.STAFF: N_("Association staff"),
    Role.INSPECTOR: N_("Market inspector"),
    Role.VIEWER: N_("Viewer"),
}

#: After this many failed logins in a row the account is locked for LOCKOUT.
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class User(TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    #: None: every province (administrators; inspectors and viewers of the whole country).
    province_code: Mapped[str | None] = mapped_column(sa.String(2))
    #: Empty: the whole province. Otherwise only these communes.
    commune_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    #: Part of the session id: changing it (password change, disabling) ends every session.
    session_token: Mapped[str] = mapped_column(
        sa.String(43), default=lambda: secrets.token_urlsafe(32)
    )
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # The attributes Flask-Login reads (the core does not import it).
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"passwords have at least {MIN_PASSWORD_LENGTH} characters")
        self.password_hash = generate_password_hash(password)
        self.session_token = secrets.token_urlsafe(32)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def display(self) -> str:
        return f"{self.name} ({self.username})"


def record_login_attempt(user: User, *, success: bool, now: dt.datetime) -> None:
    """Count failures; lock the account after MAX_FAILED_LOGINS in a row."""
    if success:
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        return
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0


def can_see_area(user: User, province_code: str | None, commune_code: str | None) -> bool:
    """Whether the user's area covers a complaint's province and commune."""
    if user.role is Role.ADMIN or user.province_code is None:
        return True
    if province_code != user.province_code:
        return False
    return not user.commune_codes or commune_code in user.commune_codes


def area_filter(user: User, province_column: Any, commune_column: Any) -> Any:
    """The SQL condition matching :func:`can_see_area`, for queries over complaints."""
    if user.role is Role.ADMIN or user.province_code is None:
        return sa.true()
    condition = province_column == user.province_code
    if user.commune_codes:
        condition = sa.and_(condition, commune_column.in_(user.commune_codes))
    return condition
