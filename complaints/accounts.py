"""Staff accounts: roles, areas, password hashes, sign-in sessions, sign-in lockout.

Roles (DESIGN.md): administrators (everything), staff of the association (scoped to one province,
optionally to some of its communes), market inspectors (read and export), viewers (read). The
area rules are plain functions, so the same rule filters pages, API answers and exports; what
each role may do is :mod:`complaints.permissions`.

Sessions: each sign-in is a :class:`StaffSession` row; the browser's cookie carries its random
key, the table only the key's SHA-256. Signing out deletes the row, so a copied cookie stops
working at once; a password change, a role change or disabling the account changes the user's
``session_token`` and so ends every session of that user.

Lockout: failures are counted per username typed, whether an account has that name or not
(:class:`SignInThrottle`), so a locked account and an unknown name answer alike. An attempt is
counted *before* its password is checked, in one conditional UPDATE, so however many attempts
arrive at once, at most MAX_FAILED_LOGINS passwords are checked before the lock.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship
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

#: After this many failed sign-ins in a row under one username, it is locked for LOCKOUT.
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
#: A username's failures are forgotten this long after its last counted attempt.
FAILURE_MEMORY = dt.timedelta(days=1)
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
    #: Copied into each session at sign-in: changing it (password or role change, disabling)
    #: ends every session of the user.
    session_token: Mapped[str] = mapped_column(
        sa.String(43), default=lambda: secrets.token_urlsafe(32)
    )
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

    @property
    def session_key(self) -> str | None:
        """The key of the sign-in session this object was loaded for (not stored: set by
        :func:`start_session` and :func:`fetch_session_user`; the cookie carries it)."""
        return getattr(self, "_session_key", None)

    @session_key.setter
    def session_key(self, key: str) -> None:
        self._session_key = key

    def get_id(self) -> str:
        if self.session_key is None:
            raise LookupError("this user was not loaded for a sign-in session")
        return self.session_key

    def set_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"passwords have at least {MIN_PASSWORD_LENGTH} characters")
        self.password_hash = generate_password_hash(password)
        self.session_token = secrets.token_urlsafe(32)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def display(self) -> str:
        return f"{self.name} ({self.username})"


class StaffSession(Base):
    """One sign-in: it lasts until its user signs out, ``expires_at`` passes, or the account
    changes (``session_token``) or is disabled, whichever comes first."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: SHA-256 of the key the cookie carries: a copy of this table signs nobody in.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The user's session_token at sign-in; once it changes, this session is over.
    account_token: Mapped[str] = mapped_column(sa.String(43))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship()


class SignInThrottle(Base):
    """Attempts to sign in under one username (an account's or not) since its last success."""

    __tablename__ = "sign_in_throttle"

    username: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    #: Counted before the password is checked: failures, and attempts being checked.
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


def session_digest(key: str) -> str:
    """What is stored of a session key, and what a presented key is looked up by."""
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, *, now: dt.datetime, lifetime: dt.timedelta) -> str:
    """A new sign-in session for ``user``, ending at ``now + lifetime``; returns its key (for
    the cookie) and sets it as ``user.session_key``. Sessions that are over are deleted."""
    session.execute(sa.delete(StaffSession).where(StaffSession.expires_at <= now))
    key = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            user_id=user.id,
            key_hash=session_digest(key),
            account_token=user.session_token,
            started_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    user.session_key = key
    return key


def fetch_session_user(session: Session, key: str, *, now: dt.datetime) -> User | None:
    """The active user whose current session has ``key``, with ``session_key`` set; else None."""
    found = session.scalar(
        sa.select(StaffSession)
        .where(StaffSession.key_hash == session_digest(key))
        .options(joinedload(StaffSession.user))
    )
    if found is None or found.expires_at <= now:
        return None
    user = found.user
    if not user.active or user.session_token != found.account_token:
        return None
    user.session_key = key
    return user


def end_session(session: Session, key: str) -> None:
    """Sign out: the session with ``key`` no longer signs anyone in."""
    session.execute(sa.delete(StaffSession).where(StaffSession.key_hash == session_digest(key)))


def reserve_sign_in_attempt(session: Session, username: str, *, now: dt.datetime) -> bool:
    """Count an attempt under ``username`` before its password is checked; False if locked.

    The count is one conditional UPDATE (``failures < MAX_FAILED_LOGINS``), atomic on every
    database: of any number of attempts at once, at most MAX_FAILED_LOGINS get True. The attempt
    that takes the last place sets the lock, which its own success lifts
    (:func:`record_sign_in`). The caller commits before checking the password, so that
    concurrent attempts see the count. Every statement here writes, the first included: on
    SQLite the transaction takes the write lock at once instead of upgrading a read lock.
    """
    throttle = SignInThrottle
    at = throttle.username == username
    # synchronize_session=False: these rows are never loaded as objects.
    plain = {"synchronize_session": False}
    session.execute(
        sa.delete(throttle).where(throttle.last_attempt_at < now - FAILURE_MEMORY),
        execution_options=plain,
    )
    session.execute(
        _insert(session)(throttle)
        .values(username=username, failures=0, last_attempt_at=now)
        .on_conflict_do_nothing()
    )
    # A lock that is over starts a new count.
    session.execute(
        sa.update(throttle)
        .where(at, throttle.locked_until <= now)
        .values(failures=0, locked_until=None),
        execution_options=plain,
    )
    taken = session.execute(
        sa.update(throttle)
        .where(at, throttle.failures < MAX_FAILED_LOGINS)
        .values(
            failures=throttle.failures + 1,
            last_attempt_at=now,
            locked_until=sa.case(
                (
                    throttle.failures + 1 >= MAX_FAILED_LOGINS,
                    sa.literal(now + LOCKOUT, UTCDateTime()),
                ),
                else_=throttle.locked_until,
            ),
        ),
        execution_options=plain,
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for the session's database (both dialects spell it alike)."""
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


def record_sign_in(session: Session, user: User, username: str, *, now: dt.datetime) -> None:
    """A successful sign-in: the username's count starts again from nothing."""
    session.execute(
        sa.delete(SignInThrottle).where(SignInThrottle.username == username),
        execution_options={"synchronize_session": False},
    )
    user.last_login_at = now
    session.flush()


@functools.cache
def _unknown_user_hash() -> str:
    """A hash made like every user's, to check unknown names against: as slow as a real one."""
    return generate_password_hash(secrets.token_urlsafe(24))


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s. For no user it takes as long to say no, so that the
    time of the answer does not tell whether the name exists."""
    if user is None:
        check_password_hash(_unknown_user_hash(), password)
        return False
    return user.check_password(password)


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
