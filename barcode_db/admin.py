"""Registry administration: create, edit, retire and restore registry rows one at a time, and
import a registry list after a preview.

Every change writes a :class:`~barcode_db.models.RegistryEvent` through :func:`record_change`
(who, what, ``{field: [before, after]}``) and bumps the registry version, so that verdicts in
every process change at once. Values are cleaned by :mod:`barcode_db.registry_rules`, the rules
the importer uses too; bad input raises :class:`RegistryRefused` with every problem by field.
Functions only flush: the caller commits. Rows are never deleted; retiring sets ``retired_at``,
restoring clears it, and only :func:`restore` does.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.gtin import parse_code
from barcode_db.importer import ImportReport, import_registry
from barcode_db.messages import N_, Message, Refusal
from barcode_db.models import (
    Brand,
    Certification,
    Company,
    CompanyPrefix,
    Product,
    RegistryAction,
    RegistryEntity,
    RegistryEvent,
)
from barcode_db.registry import REGISTRY_CHANGED, bump_registry_version
from barcode_db.registry_rules import (
    Cleaned,
    clean_brand,
    clean_certification,
    clean_company,
    clean_prefix,
    clean_product,
    gtin_taken,
    prefix_taken,
    programme_name,
    tax_code_taken,
)

#: Who the command line writes in the audit trail.
COMMAND_LINE = "command line"


class RegistryRefused(Refusal):
    """A registry change the rules do not allow.

    ``message`` is the first problem; ``problems`` holds every problem by the field it is about
    (the form's field names; ``""`` for the record as a whole), for a form to show by field.
    """

    def __init__(
        self,
        message: Message,
        *,
        field: str = "",
        problems: Mapping[str, Message] | None = None,
    ) -> None:
        super().__init__(message)
        self.problems: dict[str, Message] = dict(problems) if problems else {field: message}


def _refuse(field: str, reason: str, msgid: str, /, **params: Any) -> NoReturn:
    raise RegistryRefused(Message(reason, msgid, params), field=field)


def _accepted(cleaned: Cleaned) -> dict[str, Any]:
    """The cleaned values, or a refusal with every problem."""
    if not cleaned.ok:
        raise RegistryRefused(next(iter(cleaned.problems.values())), problems=cleaned.problems)
    return dict(cleaned.values)


# --- the audit trail ------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A value as the audit trail stores it (JSON)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def record_change(
    session: Session,
    *,
    actor: str,
    now: dt.datetime,
    action: RegistryAction,
    entity: RegistryEntity,
    entity_id: int | None,
    changes: dict[str, Any],
) -> RegistryEvent:
    """Write the audit event of a registry change and tell every process that the registry moved.

    The one writer of :class:`RegistryEvent` rows: the admin pages' changes and imports alike.
    """
    session.flush()
    event = RegistryEvent(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=changes,
        created_at=now,
    )
    session.add(event)
    bump_registry_version(session)
    return event


def _created(values: dict[str, Any]) -> dict[str, Any]:
    return {key: [None, _json(value)] for key, value in values.items() if value not in (None, "")}


def _assign(obj: Any, values: dict[str, Any], audited: Iterable[str]) -> dict[str, Any]:
    """Set ``values`` on ``obj``; return the audited fields that changed as [before, after]."""
    audited = set(audited)
    changes: dict[str, Any] = {}
    for key, value in values.items():
        before = getattr(obj, key)
        if before != value:
            if key in audited:
                changes[key] = [_json(before), _json(value)]
            setattr(obj, key, value)
    return changes


def _updated(
    session: Session,
    entity: RegistryEntity,
    row: Any,
    changes: dict[str, Any],
    *,
    actor: str,
    now: dt.datetime,
    brands: bool = False,
) -> RegistryEvent | None:
    """The audit event of an update, or None when nothing changed; ``brands`` shows brand ids
    by name."""
    if not changes:
        return None
    return record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.UPDATE,
        entity=entity,
        entity_id=row.id,
        changes=_brand_names(session, changes) if brands else changes,
    )


# --- retiring and restoring -----------------------------------------------------------------------

ENTITY_OF: dict[type[Any], RegistryEntity] = {
    Company: RegistryEntity.COMPANY,
    CompanyPrefix: RegistryEntity.PREFIX,
    Brand: RegistryEntity.BRAND,
    Product: RegistryEntity.PRODUCT,
    Certification: RegistryEntity.CERTIFICATION,
}

Retirable = Company | CompanyPrefix | Brand | Product | Certification


def retire(session: Session, row: Retirable, *, actor: str, now: dt.datetime) -> RegistryEvent:
    """Take a record out of the verdicts (the row stays, and so do its dates)."""
    if row.retired_at is not None:
        _refuse("", "already_retired", N_("This record is already retired."))
    row.retired_at = now
    return record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.RETIRE,
        entity=ENTITY_OF[type(row)],
        entity_id=row.id,
        changes={"retired_at": [None, _json(now)]},
    )


def restore(session: Session, row: Retirable, *, actor: str, now: dt.datetime) -> RegistryEvent:
    """Bring a retired record back into the verdicts: the one way back (imports never do)."""
    if row.retired_at is None:
        _refuse("", "not_retired", N_("This record is not retired."))
    before = row.retired_at
    row.retired_at = None
    return record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.RESTORE,
        entity=ENTITY_OF[type(row)],
        entity_id=row.id,
        changes={"retired_at": [_json(before), None]},
    )


# --- companies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyFields:
    """A company as a form gives it: text as typed, cleaned by the rules."""

    code: str
    name: str
    tax_code: str = ""
    address: str = ""
    province_code: str = ""
    website: str = ""
    made_in: str = ""
    owner_group: str = ""
    owner_country: str = ""
    source: str = ""
    checked_on: dt.date | str | None = None


_COMPANY_AUDITED = (
    "code", "name", "tax_code", "address", "province_code", "website", "made_in", "owner_group",
    "owner_country", "source", "checked_on",
)  # fmt: skip


def _company_values(
    session: Session, fields: CompanyFields, company: Company | None
) -> dict[str, Any]:
    values = _accepted(
        clean_company(
            code=fields.code,
            name=fields.name,
            tax_code=fields.tax_code,
            address=fields.address,
            province_code=fields.province_code,
            website=fields.website,
            made_in=fields.made_in,
            owner_group=fields.owner_group,
            owner_country=fields.owner_country,
            source=fields.source,
            checked_on=fields.checked_on,
        )
    )
    others = sa.select(Company)
    if company is not None:
        others = others.where(Company.id != company.id)
    clash = session.scalar(others.where(Company.code == values["code"]))
    if clash is not None:
        _refuse(
            "code",
            "company_code_taken",
            N_("Company code %(code)s is already used by %(name)s."),
            code=values["code"],
            name=clash.name,
        )
    if values["tax_code"]:
        clash = session.scalar(others.where(Company.tax_code == values["tax_code"]))
        if clash is not None:
            raise RegistryRefused(tax_code_taken(values["tax_code"], clash.code), field="tax_code")
    return values


def create_company(
    session: Session, fields: CompanyFields, *, actor: str, now: dt.datetime
) -> Company:
    """Add a company to the registry."""
    values = _company_values(session, fields, None)
    company = Company(**values, is_sample=False)
    session.add(company)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.CREATE,
        entity=RegistryEntity.COMPANY,
        entity_id=company.id,
        changes=_created({k: v for k, v in values.items() if k in _COMPANY_AUDITED}),
    )
    return company


def update_company(
    session: Session, company: Company, fields: CompanyFields, *, actor: str, now: dt.datetime
) -> RegistryEvent | None:
    """Change a company's details; None when nothing changed."""
    changes = _assign(company, _company_values(session, fields, company), _COMPANY_AUDITED)
    return _updated(session, RegistryEntity.COMPANY, company, changes, actor=actor, now=now)


# --- prefixes -------------------------------------------------------------------------------------


def add_prefix(
    session: Session, company: Company, prefix: str, *, actor: str, now: dt.datetime
) -> CompanyPrefix:
    """Give a company a GS1 Vietnam company prefix (893 and 4 to 7 more digits)."""
    prefix = _accepted(clean_prefix(prefix))["prefix"]
    existing = session.scalar(sa.select(CompanyPrefix).where(CompanyPrefix.prefix == prefix))
    if existing is not None:
        if existing.company_id != company.id:
            raise RegistryRefused(prefix_taken(prefix, existing.company.code), field="prefix")
        if existing.retired_at is not None:
            _refuse(
                "prefix",
                "prefix_retired",
                N_("Prefix %(prefix)s is already listed, retired: restore it instead."),
                prefix=prefix,
            )
        _refuse(
            "prefix",
            "prefix_exists",
            N_("Prefix %(prefix)s is already listed for this company."),
            prefix=prefix,
        )
    row = CompanyPrefix(prefix=prefix, company_id=company.id)
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.CREATE,
        entity=RegistryEntity.PREFIX,
        entity_id=row.id,
        changes={"prefix": [None, prefix], "company": [None, company.code]},
    )
    return row


# --- brands ---------------------------------------------------------------------------------------


def _check_brand_key_free(
    session: Session, company: Company, key: str, *, brand: Brand | None = None
) -> None:
    statement = sa.select(Brand).where(Brand.company_id == company.id, Brand.name_key == key)
    if brand is not None:
        statement = statement.where(Brand.id != brand.id)
    clash = session.scalar(statement)
    if clash is None:
        return
    if clash.retired_at is not None:
        _refuse(
            "name",
            "brand_retired",
            N_("The brand “%(brand)s” is already listed, retired: restore it instead."),
            brand=clash.name,
        )
    _refuse(
        "name",
        "brand_exists",
        N_("Company %(code)s already has the brand “%(brand)s”."),
        code=company.code,
        brand=clash.name,
    )


def add_brand(
    session: Session,
    company: Company,
    name: str,
    *,
    actor: str,
    now: dt.datetime,
    category: str | None = None,
) -> Brand:
    """Add a brand to a company; names are unique within a company by their match key."""
    values = _accepted(clean_brand(name, category))
    _check_brand_key_free(session, company, values["name_key"])
    brand = Brand(company_id=company.id, **values)
    session.add(brand)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.CREATE,
        entity=RegistryEntity.BRAND,
        entity_id=brand.id,
        changes={
            "name": [None, brand.name],
            "company": [None, company.code],
            **({"category": [None, brand.category]} if brand.category else {}),
        },
    )
    return brand


def rename_brand(
    session: Session,
    brand: Brand,
    name: str,
    *,
    actor: str,
    now: dt.datetime,
    category: str | None = None,
) -> RegistryEvent | None:
    """Rename a brand (and set its category), keeping its key and its certifications' subject
    key in step."""
    values = _accepted(clean_brand(name, category))
    _check_brand_key_free(session, brand.company, values["name_key"], brand=brand)
    changes = _assign(brand, values, ("name", "category"))
    if not changes:
        return None
    session.execute(
        sa.update(Certification)
        .where(Certification.brand_id == brand.id)
        .values(subject_key=values["name_key"])
    )
    return _updated(session, RegistryEntity.BRAND, brand, changes, actor=actor, now=now)


def _brand_of(session: Session, company: Company, brand_id: int | None) -> Brand | None:
    if brand_id is None:
        return None
    brand = session.get(Brand, brand_id)
    if brand is None or brand.company_id != company.id:
        _refuse("brand_id", "brand_not_of_company", N_("Choose a brand of this company."))
    return brand


def _brand_names(session: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """Brands in the audit trail by name, not by id."""
    if "brand_id" in changes:
        ids = changes.pop("brand_id")
        brands = [session.get(Brand, i) if i else None for i in ids]
        changes["brand"] = [b.name if b else None for b in brands]
    return changes


# --- products -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFields:
    gtin: str
    name: str
    brand_id: int | None = None
    category: str | None = None


_PRODUCT_AUDITED = ("gtin", "name", "brand_id", "category")


def _product_values(
    session: Session, company: Company, fields: ProductFields, product: Product | None
) -> dict[str, Any]:
    values = _accepted(clean_product(gtin=fields.gtin, name=fields.name, category=fields.category))
    brand = _brand_of(session, company, fields.brand_id)
    if (
        brand is not None
        and brand.retired_at is not None
        and (product is None or product.brand_id != brand.id)
    ):
        _refuse(
            "brand_id",
            "brand_is_retired",
            N_("The brand “%(brand)s” is retired."),
            brand=brand.name,
        )
    statement = sa.select(Product).where(Product.gtin == values["gtin"])
    if product is not None:
        statement = statement.where(Product.id != product.id)
    clash = session.scalar(statement)
    if clash is not None:
        typed = parse_code(fields.gtin).gtin or values["gtin"]
        raise RegistryRefused(gtin_taken(typed, clash.name, clash.company.code), field="gtin")
    return {**values, "brand_id": brand.id if brand else None}


def add_product(
    session: Session, company: Company, fields: ProductFields, *, actor: str, now: dt.datetime
) -> Product:
    """List a product (by its GTIN, stored as 14 digits) under a company."""
    values = _product_values(session, company, fields, None)
    product = Product(company_id=company.id, **values)
    session.add(product)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.CREATE,
        entity=RegistryEntity.PRODUCT,
        entity_id=product.id,
        changes=_brand_names(session, _created({**values, "company": company.code})),
    )
    return product


def update_product(
    session: Session, product: Product, fields: ProductFields, *, actor: str, now: dt.datetime
) -> RegistryEvent | None:
    """Change a product's GTIN, name or brand; None when nothing changed."""
    values = _product_values(session, product.company, fields, product)
    changes = _assign(product, values, _PRODUCT_AUDITED)
    return _updated(
        session, RegistryEntity.PRODUCT, product, changes, actor=actor, now=now, brands=True
    )


# --- certifications -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationFields:
    """A certification as a form gives it: text as typed (or the values a test passes)."""

    programme: str
    year: int | str | None
    stars: int | str | None = None
    valid_until: dt.date | str | None = None
    evidence_ref: str = ""
    brand_id: int | None = None


_CERTIFICATION_AUDITED = ("programme", "year", "stars", "valid_until", "evidence_ref", "brand_id")


def _certification_values(
    session: Session,
    company: Company,
    fields: CertificationFields,
    certification: Certification | None,
) -> dict[str, Any]:
    values = _accepted(
        clean_certification(
            programme=fields.programme,
            year=fields.year,
            stars=fields.stars,
            valid_until=fields.valid_until,
            evidence_ref=fields.evidence_ref,
        )
    )
    brand = _brand_of(session, company, fields.brand_id)
    subject_key = brand.name_key if brand else ""
    statement = sa.select(Certification).where(
        Certification.company_id == company.id,
        Certification.subject_key == subject_key,
        Certification.programme == values["programme"],
        Certification.year == values["year"],
    )
    if certification is not None:
        statement = statement.where(Certification.id != certification.id)
    if session.scalar(statement) is not None:
        _refuse(
            "",
            "certification_exists",
            N_("This certification (%(programme)s, %(year)s) is already listed."),
            programme=programme_name(values["programme"]),
            year=values["year"],
        )
    return {**values, "brand_id": brand.id if brand else None, "subject_key": subject_key}


def add_certification(
    session: Session,
    company: Company,
    fields: CertificationFields,
    *,
    actor: str,
    now: dt.datetime,
) -> Certification:
    """Record a certification of a company, or of one of its brands."""
    values = _certification_values(session, company, fields, None)
    certification = Certification(company_id=company.id, **values)
    session.add(certification)
    session.flush()
    audited = {k: v for k, v in values.items() if k in _CERTIFICATION_AUDITED}
    record_change(
        session,
        actor=actor,
        now=now,
        action=RegistryAction.CREATE,
        entity=RegistryEntity.CERTIFICATION,
        entity_id=certification.id,
        changes=_brand_names(session, _created({**audited, "company": company.code})),
    )
    return certification


def update_certification(
    session: Session,
    certification: Certification,
    fields: CertificationFields,
    *,
    actor: str,
    now: dt.datetime,
) -> RegistryEvent | None:
    """Change a certification; None when nothing changed."""
    values = _certification_values(session, certification.company, fields, certification)
    changes = _assign(certification, values, _CERTIFICATION_AUDITED)
    return _updated(
        session,
        RegistryEntity.CERTIFICATION,
        certification,
        changes,
        actor=actor,
        now=now,
        brands=True,
    )


# --- history --------------------------------------------------------------------------------------


def company_history(session: Session, company: Company, *, limit: int = 200) -> list[RegistryEvent]:
    """The audit events of a company and of its prefixes, brands, products and certifications."""

    def ids(model: Any) -> sa.Select[tuple[int]]:
        return sa.select(model.id).where(model.company_id == company.id)

    return list(
        session.scalars(
            sa.select(RegistryEvent)
            .where(
                sa.or_(
                    sa.and_(
                        RegistryEvent.entity == RegistryEntity.COMPANY,
                        RegistryEvent.entity_id == company.id,
                    ),
                    *(
                        sa.and_(RegistryEvent.entity == entity, RegistryEvent.entity_id.in_(ids(m)))
                        for m, entity in ENTITY_OF.items()
                        if m is not Company
                    ),
                )
            )
            .order_by(RegistryEvent.created_at.desc(), RegistryEvent.id.desc())
            .limit(limit)
        )
    )


# --- import ---------------------------------------------------------------------------------------


def import_preview(
    session: Session, rows: list[dict[str, str]], *, local_tz: dt.tzinfo = dt.UTC
) -> ImportReport:
    """What importing ``rows`` would create and update, every bad row and every retired record
    it would leave alone; writes nothing."""
    changed_before = session.info.get(REGISTRY_CHANGED, False)
    savepoint = session.begin_nested()
    try:
        return import_registry(session, rows, local_tz=local_tz)
    finally:
        savepoint.rollback()
        session.info[REGISTRY_CHANGED] = changed_before


def import_rows(
    session: Session,
    rows: list[dict[str, str]],
    *,
    actor: str,
    now: dt.datetime,
    sha256: str = "",
    is_sample: bool = False,
    local_tz: dt.tzinfo = dt.UTC,
) -> ImportReport:
    """Import all rows or none; a good import is recorded as one event."""
    report = import_registry(session, rows, is_sample=is_sample, local_tz=local_tz)
    if report.ok:
        changes: dict[str, Any] = {
            "rows": report.rows,
            "created": dict(report.created),
            "updated": dict(report.updated),
            "sha256": sha256,
        }
        if report.notices:
            changes["not_restored"] = len(report.notices)
        record_change(
            session,
            actor=actor,
            now=now,
            action=RegistryAction.IMPORT,
            entity=RegistryEntity.REGISTRY,
            entity_id=None,
            changes=changes,
        )
        session.flush()
    return report
