"""Complaints, their evidence photos, their audit events, and anonymous scan signals.

Personal data (the ``contact_*`` columns) lives only on :class:`Complaint` and is shown only to
roles that need it; public views are built from the other columns (see ``queries``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barcode_db.base import Base, TimestampMixin, UTCDateTime, utcnow
from barcode_db.messages import N_
from complaints.accounts import User
from complaints.workflow import Category, Status


def _enum(enum_class: type[enum.Enum], length: int = 20) -> sa.Enum:
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


class Source(enum.StrEnum):
    WEB = "web"  # the shopper's report form
    API = "api"
    SIGNALS = "signals"  # opened by staff from a hot spot of anonymous scan signals


#: How a complaint came in, as staff read it ("Received … (through the report form)"), msgids.
SOURCE_NAMES: dict[Source, str] = {
    Source.WEB: N_("through the report form"),
    Source.API: N_("through the API"),
    Source.SIGNALS: N_("opened from scan signals"),
}


class Complaint(TimestampMixin, Base):
    __tablename__ = "complaint"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        sa.Index("ix_complaint_status_created", "status", "created_at"),
        # The queue's keyset orders: by priority (then id), and by age.
        sa.Index("ix_complaint_status_priority", "status", "priority", "id"),
        sa.Index("ix_complaint_province_priority", "province_code", "priority", "id"),
        sa.Index("ix_complaint_created_id", "created_at", "id"),
        sa.Index("ix_complaint_priority_id", "priority", "id"),
        # Staff see one province. A status filter there reads in priority order, and on
        # PostgreSQL the columns the queue filters on ride along (INCLUDE), so counting the
        # matches of any filter in a province reads this index only, never the table.
        sa.Index(
            "ix_complaint_province_status_priority",
            "province_code",
            "status",
            "priority",
            "id",
            postgresql_include=[
                "category",
                "verdict_level",
                "commune_code",
                "assigned_to_id",
                "deadline_at",
                "created_at",
                "photo_count",
            ],
        ),
        sa.Index("ix_complaint_province_created", "province_code", "created_at", "id"),
        # Administrators filter the whole country by verdict level.
        sa.Index("ix_complaint_level_priority", "verdict_level", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.NEW)
    category: Mapped[Category] = mapped_column(_enum(Category))
    source: Mapped[Source] = mapped_column(_enum(Source, 10), default=Source.WEB)

    # The product as seen. ``code_seen`` is what was typed or scanned, ``gtin`` (14 digits) only
    # when that was a valid number.
    code_seen: Mapped[str] = mapped_column(sa.String(64), default="")
    gtin: Mapped[str | None] = mapped_column(sa.String(14), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(200), default="")
    brand_seen: Mapped[str] = mapped_column(sa.String(120), default="")
    verdict_level: Mapped[str | None] = mapped_column(sa.String(20))
    verdict_snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    # Where and when.
    store_name: Mapped[str] = mapped_column(sa.String(200), default="")
    store_name_key: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    store_address: Mapped[str] = mapped_column(sa.String(300), default="")
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    date_seen: Mapped[dt.date | None]
    price_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    quantity: Mapped[int | None]
    description: Mapped[str] = mapped_column(sa.Text)

    # Personal data: optional, shown only to roles that need it.
    anonymous: Mapped[bool] = mapped_column(default=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # Exactly-once filing: a resubmitted form or API call with the same key finds this row.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))

    # Triage.
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: From complaints.priority.priority_for; refreshed on every change and by
    #: ``flask complaints refresh`` (age moves it).
    priority: Mapped[int] = mapped_column(default=0)
    #: When the association must have taken the complaint up (7 working days).
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    photo_count: Mapped[int] = mapped_column(default=0)
    #: Diacritics-free text of product, brand, code, store and description, for the search box.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    # The market inspectors' outcome of a referral.
    inspected_on: Mapped[dt.date | None]
    violation_found: Mapped[bool | None]
    #: Decision on a fine or a seizure (số quyết định xử phạt / biên bản tạm giữ), if any.
    enforcement_ref: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Consumer satisfaction, asked once the complaint is closed.
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own convention

    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="complaint", order_by="Evidence.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    merged_into: Mapped[Complaint | None] = relationship(remote_side=[id])
    assigned_to: Mapped[User | None] = relationship()


class StoredPhotoColumns:
    """A photo as stored (EXIF stripped, re-encoded): where, its fingerprints before and after,
    what it was sent as, its size. Evidence and photos kept for a form share these columns."""

    storage_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    sha256_original: Mapped[str] = mapped_column(sa.String(64))
    sha256_stored: Mapped[str] = mapped_column(sa.String(64))
    original_format: Mapped[str] = mapped_column(sa.String(10))
    original_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]


class Evidence(StoredPhotoColumns, Base):
    """A photo, stored without metadata, with the SHA-256 of the file as uploaded."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=utcnow())

    complaint: Mapped[Complaint] = relationship(back_populates="evidence")


class StagedPhoto(StoredPhotoColumns, Base):
    """A photo sent with a report form that came back with an error, kept for that form (its
    idempotency key) until the report is filed, the shopper removes it, or it expires
    (:mod:`complaints.staging`). Filing turns it into :class:`Evidence`: the same stored file."""

    __tablename__ = "staged_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(sa.String(80), index=True)
    filename: Mapped[str] = mapped_column(sa.String(120))  # as the shopper's phone named it
    staged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class EventKind(enum.StrEnum):
    FILED = "filed"
    STATUS = "status"  # a workflow move
    NOTE = "note"
    EDIT = "edit"
    ASSIGNED = "assigned"
    MERGED = "merged"  # on the surviving complaint: others were merged into it
    RATED = "rated"
    CONTACT_VIEWED = "contact_viewed"


class ComplaintEvent(Base):
    """The audit trail: who did what, when, from which state to which, with an optional note.

    ``actor`` is None for the public (the reporter). ``is_public`` notes appear on the tracking
    page; every other note stays internal.
    """

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    actor: Mapped[str | None] = mapped_column(sa.String(120))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class Signal(Base):
    """An anonymous record of a suspect verification: no personal data, only what was scanned."""

    __tablename__ = "signal"
    __table_args__ = (sa.Index("ix_signal_gtin_created", "gtin", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gtin: Mapped[str | None] = mapped_column(sa.String(14))
    code_seen: Mapped[str] = mapped_column(sa.String(64), default="")
    level: Mapped[str] = mapped_column(sa.String(20))
    brand_seen: Mapped[str] = mapped_column(sa.String(120), default="")
    from_photo: Mapped[bool] = mapped_column(default=False)
    province_code: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class ResponseTemplate(TimestampMixin, Base):
    """A reply staff start from when moving a complaint to a status; administrators edit them."""

    __tablename__ = "response_template"
    __table_args__ = (sa.UniqueConstraint("status", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(_enum(Status))
    language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    body: Mapped[str] = mapped_column(sa.Text)
    updated_by: Mapped[str] = mapped_column(sa.String(120), default="")


class ExportEvent(Base):
    """Every export of cases is recorded: who, when, which filter, how many rows, personal data."""

    __tablename__ = "export_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    format: Mapped[str] = mapped_column(sa.String(10))  # csv, xlsx, pdf, api
    filters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    rows: Mapped[int] = mapped_column(default=0)
    personal_data: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class ApiToken(Base):
    """A read-only token for inspection systems, created and revoked by an administrator.

    Only a SHA-256 of the token is kept; the token itself is shown once, when created.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
