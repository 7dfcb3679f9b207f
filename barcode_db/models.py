"""The trusted-brand registry: companies, their GS1 company prefixes, brands, products, certifications.

Text is stored NFC; names searched on keep a diacritics-insensitive key beside them
(:func:`barcode_db.textkey.search_key`). Rows are retired, not deleted, so that old verdicts and
complaints keep pointing at something.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from barcode_db.base import Base, TimestampMixin, UTCDateTime
from barcode_db.messages import N_


class Programme(enum.StrEnum):
    """Certification programmes a company or brand may hold."""

    HVNCLC = "hvnclc"  # Hàng Việt Nam chất lượng cao
    NATIONAL_BRAND = "national_brand"  # Thương hiệu quốc gia Việt Nam
    TRUSTED_GOODS = "trusted_goods"  # Hàng hóa - dịch vụ tin cậy
    OCOP = "ocop"  # Chương trình Mỗi xã một sản phẩm, 3 to 5 stars
    OTHER = "other"


#: Programme names as msgids; the Vietnamese catalog holds the official names.
PROGRAMME_NAMES: dict[Programme, str] = {
    Programme.HVNCLC: N_("High-quality Vietnamese goods (HVNCLC)"),
    Programme.NATIONAL_BRAND: N_("Vietnam National Brand"),
    Programme.TRUSTED_GOODS: N_("Trusted goods and services"),
    Programme.OCOP: N_("OCOP (One Commune One Product)"),
    Programme.OTHER: N_("Other certification"),
}


class CertificationStatus(enum.StrEnum):
    """Where a certification stands on a given day."""

    CURRENT = "current"
    ENDED = "ended"  # past its valid_until
    RETIRED = "retired"  # withdrawn by an administrator, whatever its dates say


def certification_status(
    *, valid_until: dt.date | None, retired: bool, today: dt.date
) -> CertificationStatus:
    """The one rule of whether a certification counts: verdicts, the snapshot, the public brand
    pages and the admin pages all ask it (through :meth:`Certification.status` or
    :meth:`barcode_db.registry.CertificationFact.status`)."""
    if retired:
        return CertificationStatus.RETIRED
    if valid_until is not None and valid_until < today:
        return CertificationStatus.ENDED
    return CertificationStatus.CURRENT


class Company(TimestampMixin, Base):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The association's own key for the company; the import matches rows on it.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    name_key: Mapped[str] = mapped_column(sa.String(300), index=True)
    tax_code: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    province_code: Mapped[str | None] = mapped_column(sa.String(3))
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Where its goods are made, as the association checked it ("Bình Dương; Nghệ An").
    made_in: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: The group the company belongs to, if any ("Masan Group"), and that group's country (ISO
    #: 3166 alpha-2): a company registered in Vietnam may be a foreign group's subsidiary.
    owner_group: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    owner_country: Mapped[str | None] = mapped_column(sa.String(2))
    #: Where the facts above were checked (a register, the company's filing), and when.
    source: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    checked_on: Mapped[dt.date | None]
    #: Marks rows of the bundled sample registry, shown as such on every page.
    is_sample: Mapped[bool] = mapped_column(default=False)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    prefixes: Mapped[list[CompanyPrefix]] = relationship(
        back_populates="company", order_by="CompanyPrefix.prefix"
    )
    brands: Mapped[list[Brand]] = relationship(back_populates="company", order_by="Brand.name")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="company", order_by="Certification.year.desc()"
    )


class CompanyPrefix(TimestampMixin, Base):
    """A GS1 company prefix licensed by GS1 Vietnam: 893 and 4 to 7 more digits."""

    __tablename__ = "company_prefix"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(12), unique=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship(back_populates="prefixes")


class Brand(TimestampMixin, Base):
    __tablename__ = "brand"
    __table_args__ = (sa.UniqueConstraint("company_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    #: The brand's usual category (barcode_db.categories): its products' when they name none.
    category: Mapped[str | None] = mapped_column(sa.String(40))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship(back_populates="brands")


class Product(TimestampMixin, Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GTIN zero-padded to 14 digits.
    gtin: Mapped[str] = mapped_column(sa.String(14), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    brand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("brand.id"), index=True)
    #: Its category (barcode_db.categories); None: its brand's, if the brand has one.
    category: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship()
    brand: Mapped[Brand | None] = relationship()


class Certification(TimestampMixin, Base):
    __tablename__ = "certification"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "subject_key", "programme", "year"),
        sa.CheckConstraint("stars IS NULL OR (stars BETWEEN 3 AND 5)", name="ocop_stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    brand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("brand.id"), index=True)
    #: The brand's name key, or "" for a certification of the whole company (keeps the
    #: unique constraint meaningful where brand_id would be NULL).
    subject_key: Mapped[str] = mapped_column(sa.String(200), default="")
    programme: Mapped[Programme] = mapped_column(
        sa.Enum(
            Programme, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    year: Mapped[int]
    stars: Mapped[int | None]
    valid_until: Mapped[dt.date | None]
    evidence_ref: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Set when an administrator withdraws the certification; its dates stay as they were.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship(back_populates="certifications")
    brand: Mapped[Brand | None] = relationship()

    def status(self, today: dt.date) -> CertificationStatus:
        return certification_status(
            valid_until=self.valid_until, retired=self.retired_at is not None, today=today
        )

    def is_current(self, today: dt.date) -> bool:
        return self.status(today) is CertificationStatus.CURRENT


class RegistryState(Base):
    """One row whose version rises with every registry change, so each process knows when to
    rebuild its cached snapshot (many gunicorn workers, one database)."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class RegistryAction(enum.StrEnum):
    """What a registry event did (the values are stored: never rename them)."""

    CREATE = "create"
    UPDATE = "update"
    RETIRE = "retire"
    RESTORE = "restore"
    IMPORT = "import"


class RegistryEntity(enum.StrEnum):
    """What kind of record a registry event is about (stored values)."""

    COMPANY = "company"
    PREFIX = "prefix"
    BRAND = "brand"
    PRODUCT = "product"
    CERTIFICATION = "certification"
    REGISTRY = "registry"  # a whole list, imported


def _stored_enum(enum_class: type[enum.StrEnum]) -> sa.Enum:
    """A closed vocabulary stored as its plain values in a VARCHAR(20), no database enum."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class RegistryEvent(Base):
    """The audit trail of the registry: who changed which record, when, and how.

    Written by :func:`barcode_db.admin.record_change` only; nothing reads state back from it.
    """

    __tablename__ = "registry_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[RegistryAction] = mapped_column(_stored_enum(RegistryAction))
    entity: Mapped[RegistryEntity] = mapped_column(_stored_enum(RegistryEntity))
    entity_id: Mapped[int | None]
    #: What changed: {"field": [before, after]} for updates, the values for creations.
    changes: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
