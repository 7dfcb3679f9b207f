"""Registry administration: create, edit, retire and restore registry rows one at a time, and
check a registry list before importing it.

Every change writes a :class:`~barcode_db.models.RegistryEvent` (who, what, ``{field: [before,
after]}``) and bumps the registry version, so that verdicts in every process change at once. The
rules are the importer's (:mod:`barcode_db.importer`), with its messages where they fit. Bad input
raises :class:`RegistryRefused`. Functions only flush: the caller commits. Rows are never deleted;
retiring sets ``retired_at``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db import importer
from barcode_db.gtin import parse_code
from barcode_db.importer import COLUMNS, MAX_ROWS, ImportReport, RowError
from barcode_db.messages import N_, Message
from barcode_db.models import (
    PROGRAMME_NAMES,
    Brand,
    Certification,
    Company,
    CompanyPrefix,
    Product,
    Programme,
    RegistryEvent,
)
from barcode_db.provinces import normalise_province_code, provinces
from barcode_db.registry import bump_registry_version
from barcode_db.textkey import match_key, nfc, search_key

#: Largest registry list accepted for import (CSV or XLSX).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Columns read from a worksheet: the CSV has 15; more is a mistake, not a registry list.
MAX_XLSX_COLUMNS = 64
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: Numeric spreadsheet cells lose their leading zeros; these columns get them back.
_NUMERIC_PADDING = {"tax_code": (10,), "gtin": (8, 12)}
#: Text length limits of the models' columns.
_LIMITS = {
    "code": 40,
    "name": 300,
    "address": 500,
    "website": 300,
    "brand": 200,
    "evidence_ref": 300,
}


class RegistryRefused(Exception):
    """A registry change the rules do not allow; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def _refuse(reason: str, msgid: str, /, **params: Any) -> NoReturn:
    raise RegistryRefused(Message(reason, msgid, params))


def _json(value: Any) -> Any:
    """A value as the audit trail stores it (JSON)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _record(
    session: Session,
    *,
    actor: str,
    now: dt.datetime,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: dict[str, Any],
) -> RegistryEvent:
    """Write the audit event of a change and tell every process that the registry moved."""
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


def _text(value: str | None, field: str, *, required: Message | None = None) -> str:
    text = nfc(value or "")
    if required is not None and not text:
        raise RegistryRefused(required)
    limit = _LIMITS[field]
    if len(text) > limit:
        _refuse(
            "too_long",
            N_("“%(text)s…” is too long: at most %(limit)s characters."),
            text=text[:30],
            limit=limit,
        )
    return text


# --- retiring and restoring -----------------------------------------------------------------------

_ENTITY_NAMES = {
    Company: "company",
    CompanyPrefix: "prefix",
    Brand: "brand",
    Product: "product",
}

Retirable = Company | CompanyPrefix | Brand | Product


def retire(session: Session, row: Retirable, *, actor: str, now: dt.datetime) -> RegistryEvent:
    """Take a company, prefix, brand or product out of the verdicts (the row stays)."""
    if row.retired_at is not None:
        _refuse("already_retired", N_("This record is already retired."))
    row.retired_at = now
    return _record(
        session,
        actor=actor,
        now=now,
        action="retire",
        entity=_ENTITY_NAMES[type(row)],
        entity_id=row.id,
        changes={"retired_at": [None, _json(now)]},
    )


def restore(session: Session, row: Retirable, *, actor: str, now: dt.datetime) -> RegistryEvent:
    """Bring a retired company, prefix, brand or product back into the verdicts."""
    if row.retired_at is None:
        _refuse("not_retired", N_("This record is not retired."))
    before = row.retired_at
    row.retired_at = None
    return _record(
        session,
        actor=actor,
        now=now,
        action="restore",
        entity=_ENTITY_NAMES[type(row)],
        entity_id=row.id,
        changes={"retired_at": [_json(before), None]},
    )


# --- companies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyFields:
    """A company as a form gives it: text as typed, cleaned here."""

    code: str
    name: str
    tax_code: str = ""
    address: str = ""
    province_code: str = ""
    website: str = ""


_COMPANY_AUDITED = ("code", "name", "tax_code", "address", "province_code", "website")


def _company_values(
    session: Session, fields: CompanyFields, company: Company | None
) -> dict[str, Any]:
    code = _text(
        fields.code,
        "code",
        required=Message("no_company_code", N_("The company_code is empty.")),
    )
    name = _text(
        fields.name,
        "name",
        required=Message("no_company_name", N_("The company name is empty.")),
    )
    tax_code = nfc(fields.tax_code or "")
    if tax_code and not importer._TAX_CODE.match(tax_code):
        _refuse(
            "bad_tax_code",
            N_("Tax code “%(tax_code)s” should be 10 digits, or 10 digits, a dash and 3 digits."),
            tax_code=tax_code,
        )
    province = normalise_province_code(fields.province_code or "")
    if province and province not in provinces():
        _refuse(
            "bad_province",
            N_("Province code “%(code)s” is not one of the 34 provinces (2025 list)."),
            code=province,
        )
    others = sa.select(Company).where(Company.id != company.id) if company else sa.select(Company)
    clash = session.scalar(others.where(Company.code == code))
    if clash is not None:
        _refuse(
            "company_code_taken",
            N_("Company code %(code)s is already used by %(name)s."),
            code=code,
            name=clash.name,
        )
    if tax_code:
        clash = session.scalar(others.where(Company.tax_code == tax_code))
        if clash is not None:
            _refuse(
                "tax_code_taken",
                N_("Tax code %(tax_code)s already belongs to company %(code)s."),
                tax_code=tax_code,
                code=clash.code,
            )
    return {
        "code": code,
        "name": name,
        "name_key": search_key(name),
        "tax_code": tax_code or None,
        "address": _text(fields.address, "address"),
        "province_code": province or None,
        "website": _text(fields.website, "website"),
    }


def create_company(
    session: Session, fields: CompanyFields, *, actor: str, now: dt.datetime
) -> Company:
    """Add a company to the registry."""
    values = _company_values(session, fields, None)
    company = Company(**values, is_sample=False)
    session.add(company)
    session.flush()
    audited = {k: v for k, v in values.items() if k in _COMPANY_AUDITED}
    _record(
        session,
        actor=actor,
        now=now,
        action="create",
        entity="company",
        entity_id=company.id,
        changes=_created(audited),
    )
    return company


def _updated(
    session: Session,
    entity: str,
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
    return _record(
        session,
        actor=actor,
        now=now,
        action="update",
        entity=entity,
        entity_id=row.id,
        changes=_brand_names(session, changes) if brands else changes,
    )


def update_company(
    session: Session, company: Company, fields: CompanyFields, *, actor: str, now: dt.datetime
) -> RegistryEvent | None:
    """Change a company's details; None when nothing changed."""
    changes = _assign(company, _company_values(session, fields, company), _COMPANY_AUDITED)
    return _updated(session, "company", company, changes, actor=actor, now=now)


# --- prefixes -------------------------------------------------------------------------------------


def add_prefix(
    session: Session, company: Company, prefix: str, *, actor: str, now: dt.datetime
) -> CompanyPrefix:
    """Give a company a GS1 Vietnam company prefix (893 and 4 to 7 more digits)."""
    prefix = "".join(nfc(prefix).split())
    if not importer._COMPANY_PREFIX.match(prefix):
        _refuse(
            "bad_prefix",
            N_("“%(prefix)s” is not a GS1 Vietnam company prefix (893 and 4 to 7 more digits)."),
            prefix=prefix,
        )
    existing = session.scalar(sa.select(CompanyPrefix).where(CompanyPrefix.prefix == prefix))
    if existing is not None:
        if existing.company_id != company.id:
            _refuse(
                "prefix_taken",
                N_("Prefix %(prefix)s already belongs to company %(code)s."),
                prefix=prefix,
                code=existing.company.code,
            )
        if existing.retired_at is not None:
            _refuse(
                "prefix_retired",
                N_("Prefix %(prefix)s is already listed, retired: restore it instead."),
                prefix=prefix,
            )
        _refuse(
            "prefix_exists",
            N_("Prefix %(prefix)s is already listed for this company."),
            prefix=prefix,
        )
    row = CompanyPrefix(prefix=prefix, company_id=company.id)
    session.add(row)
    session.flush()
    _record(
        session,
        actor=actor,
        now=now,
        action="create",
        entity="prefix",
        entity_id=row.id,
        changes={"prefix": [None, prefix], "company": [None, company.code]},
    )
    return row


# --- brands ---------------------------------------------------------------------------------------


def _brand_name(name: str) -> tuple[str, str]:
    text = _text(name, "brand", required=Message("no_brand", N_("The brand name is empty.")))
    key = match_key(text)
    if not key:
        _refuse("brand_no_letters", N_("A brand name needs letters or digits."))
    return text, key


def _check_brand_key_free(
    session: Session, company: Company, key: str, name: str, *, brand: Brand | None = None
) -> None:
    statement = sa.select(Brand).where(Brand.company_id == company.id, Brand.name_key == key)
    if brand is not None:
        statement = statement.where(Brand.id != brand.id)
    clash = session.scalar(statement)
    if clash is None:
        return
    if clash.retired_at is not None:
        _refuse(
            "brand_retired",
            N_("The brand “%(brand)s” is already listed, retired: restore it instead."),
            brand=clash.name,
        )
    _refuse(
        "brand_exists",
        N_("Company %(code)s already has the brand “%(brand)s”."),
        code=company.code,
        brand=clash.name,
    )


def add_brand(
    session: Session, company: Company, name: str, *, actor: str, now: dt.datetime
) -> Brand:
    """Add a brand to a company; names are unique within a company by their match key."""
    name, key = _brand_name(name)
    _check_brand_key_free(session, company, key, name)
    brand = Brand(company_id=company.id, name=name, name_key=key)
    session.add(brand)
    session.flush()
    _record(
        session,
        actor=actor,
        now=now,
        action="create",
        entity="brand",
        entity_id=brand.id,
        changes={"name": [None, name], "company": [None, company.code]},
    )
    return brand


def rename_brand(
    session: Session, brand: Brand, name: str, *, actor: str, now: dt.datetime
) -> RegistryEvent | None:
    """Rename a brand, keeping its key and its certifications' subject key in step."""
    name, key = _brand_name(name)
    _check_brand_key_free(session, brand.company, key, name, brand=brand)
    changes = _assign(brand, {"name": name, "name_key": key}, ("name",))
    if not changes:
        return None
    session.execute(
        sa.update(Certification).where(Certification.brand_id == brand.id).values(subject_key=key)
    )
    return _record(
        session,
        actor=actor,
        now=now,
        action="update",
        entity="brand",
        entity_id=brand.id,
        changes=changes,
    )


def _brand_of(session: Session, company: Company, brand_id: int | None) -> Brand | None:
    if brand_id is None:
        return None
    brand = session.get(Brand, brand_id)
    if brand is None or brand.company_id != company.id:
        _refuse("brand_not_of_company", N_("Choose a brand of this company."))
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


_PRODUCT_AUDITED = ("gtin", "name", "brand_id")


def _product_values(
    session: Session, company: Company, fields: ProductFields, product: Product | None
) -> dict[str, Any]:
    parsed = parse_code(fields.gtin or "")
    if not parsed.valid or parsed.gtin14 is None:
        _refuse(
            "bad_gtin",
            N_("GTIN “%(gtin)s” is not valid: %(detail)s"),
            gtin=(fields.gtin or "").strip()[:40],
            detail=parsed.problems[0]
            if parsed.problems
            else Message("not_a_gtin", N_("this is not a product number.")),
        )
    name = _text(
        fields.name,
        "name",
        required=Message("no_product_name", N_("The product name is empty.")),
    )
    brand = _brand_of(session, company, fields.brand_id)
    if (
        brand is not None
        and brand.retired_at is not None
        and (product is None or product.brand_id != brand.id)
    ):
        _refuse("brand_is_retired", N_("The brand “%(brand)s” is retired."), brand=brand.name)
    statement = sa.select(Product).where(Product.gtin == parsed.gtin14)
    if product is not None:
        statement = statement.where(Product.id != product.id)
    clash = session.scalar(statement)
    if clash is not None:
        _refuse(
            "gtin_taken",
            N_("GTIN %(gtin)s is already listed: “%(name)s” of company %(code)s."),
            gtin=parsed.gtin,
            name=clash.name,
            code=clash.company.code,
        )
    return {"gtin": parsed.gtin14, "name": name, "brand_id": brand.id if brand else None}


def add_product(
    session: Session, company: Company, fields: ProductFields, *, actor: str, now: dt.datetime
) -> Product:
    """List a product (by its GTIN, stored as 14 digits) under a company."""
    values = _product_values(session, company, fields, None)
    product = Product(company_id=company.id, **values)
    session.add(product)
    session.flush()
    _record(
        session,
        actor=actor,
        now=now,
        action="create",
        entity="product",
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
    return _updated(session, "product", product, changes, actor=actor, now=now, brands=True)


# --- certifications -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationFields:
    programme: str
    year: int | str
    stars: int | str | None = None
    valid_until: dt.date | None = None
    evidence_ref: str = ""
    brand_id: int | None = None


_CERTIFICATION_AUDITED = ("programme", "year", "stars", "valid_until", "evidence_ref", "brand_id")


def _certification_values(
    session: Session,
    company: Company,
    fields: CertificationFields,
    certification: Certification | None,
) -> dict[str, Any]:
    try:
        programme = Programme(str(fields.programme).lower())
    except ValueError:
        _refuse(
            "bad_programme",
            N_("Unknown programme “%(programme)s”; expected one of %(known)s."),
            programme=fields.programme,
            known=", ".join(p.value for p in Programme),
        )
    year_text = str(fields.year).strip()
    if not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
        _refuse("bad_year", N_("Year “%(year)s” is not a year."), year=year_text)
    stars_text = "" if fields.stars is None else str(fields.stars).strip()
    if stars_text and (programme is not Programme.OCOP or stars_text not in ("3", "4", "5")):
        _refuse("bad_stars", N_("Stars are given for OCOP only, from 3 to 5."))
    brand = _brand_of(session, company, fields.brand_id)
    subject_key = brand.name_key if brand else ""
    statement = sa.select(Certification).where(
        Certification.company_id == company.id,
        Certification.subject_key == subject_key,
        Certification.programme == programme,
        Certification.year == int(year_text),
    )
    if certification is not None:
        statement = statement.where(Certification.id != certification.id)
    if session.scalar(statement) is not None:
        _refuse(
            "certification_exists",
            N_("This certification (%(programme)s, %(year)s) is already listed."),
            programme=Message("programme", PROGRAMME_NAMES[programme]),
            year=int(year_text),
        )
    return {
        "programme": programme,
        "year": int(year_text),
        "stars": int(stars_text) if stars_text else None,
        "valid_until": fields.valid_until,
        "evidence_ref": _text(fields.evidence_ref, "evidence_ref"),
        "brand_id": brand.id if brand else None,
        "subject_key": subject_key,
    }


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
    _record(
        session,
        actor=actor,
        now=now,
        action="create",
        entity="certification",
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
        session, "certification", certification, changes, actor=actor, now=now, brands=True
    )


def retire_certification(
    session: Session,
    certification: Certification,
    *,
    today: dt.date,
    actor: str,
    now: dt.datetime,
) -> RegistryEvent:
    """End a certification: it becomes valid until yesterday, so verdicts no longer count it.

    Certifications have no ``retired_at``; the audit event keeps the former end date, which
    :func:`restore_certification` puts back.
    """
    if not certification_is_current(certification, today):
        _refuse("already_retired", N_("This record is already retired."))
    before = certification.valid_until
    certification.valid_until = today - dt.timedelta(days=1)
    return _record(
        session,
        actor=actor,
        now=now,
        action="retire",
        entity="certification",
        entity_id=certification.id,
        changes={"valid_until": [_json(before), _json(certification.valid_until)]},
    )


def certification_is_current(certification: Certification, today: dt.date) -> bool:
    return certification.valid_until is None or certification.valid_until >= today


def last_retirement(session: Session, certification: Certification) -> RegistryEvent | None:
    """The retire event a certification can be restored from: its latest event, if a retire."""
    last = session.scalar(
        sa.select(RegistryEvent)
        .where(
            RegistryEvent.entity == "certification",
            RegistryEvent.entity_id == certification.id,
        )
        .order_by(RegistryEvent.id.desc())
        .limit(1)
    )
    return last if last is not None and last.action == "retire" else None


def retired_certifications(session: Session, certifications: Iterable[Certification]) -> set[int]:
    """Ids of the certifications that can be restored: those whose latest event is a retire."""
    ids = [c.id for c in certifications]
    latest: dict[int, str] = {}
    for entity_id, action in session.execute(
        sa.select(RegistryEvent.entity_id, RegistryEvent.action)
        .where(RegistryEvent.entity == "certification", RegistryEvent.entity_id.in_(ids))
        .order_by(RegistryEvent.id)
    ):
        latest[entity_id] = action
    return {i for i, action in latest.items() if action == "retire"}


def restore_certification(
    session: Session, certification: Certification, *, actor: str, now: dt.datetime
) -> RegistryEvent:
    """Undo :func:`retire_certification`: the end date it replaced comes back."""
    retirement = last_retirement(session, certification)
    if retirement is None:
        _refuse("not_retired", N_("This record is not retired."))
    former: Any = retirement.changes.get("valid_until") or [None, None]
    restored = dt.date.fromisoformat(former[0]) if former[0] else None
    changes = {"valid_until": [_json(certification.valid_until), _json(restored)]}
    certification.valid_until = restored
    return _record(
        session,
        actor=actor,
        now=now,
        action="restore",
        entity="certification",
        entity_id=certification.id,
        changes=changes,
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
                        RegistryEvent.entity == "company", RegistryEvent.entity_id == company.id
                    ),
                    *(
                        sa.and_(RegistryEvent.entity == entity, RegistryEvent.entity_id.in_(ids(m)))
                        for entity, m in (
                            ("prefix", CompanyPrefix),
                            ("brand", Brand),
                            ("product", Product),
                            ("certification", Certification),
                        )
                    ),
                )
            )
            .order_by(RegistryEvent.created_at.desc(), RegistryEvent.id.desc())
            .limit(limit)
        )
    )


# --- import ---------------------------------------------------------------------------------------


def import_preview(session: Session, rows: list[dict[str, str]]) -> ImportReport:
    """What importing ``rows`` would create and update, and every bad row; writes nothing."""
    savepoint = session.begin_nested()
    try:
        return importer.import_registry(session, rows)
    finally:
        savepoint.rollback()


def import_rows(
    session: Session,
    rows: list[dict[str, str]],
    *,
    actor: str,
    now: dt.datetime,
    sha256: str = "",
) -> ImportReport:
    """Import all rows or none; a good import is recorded as one event."""
    report = importer.import_registry(session, rows)
    if report.ok:
        session.add(
            RegistryEvent(
                actor=actor,
                action="import",
                entity="registry",
                entity_id=None,
                changes={
                    "rows": report.rows,
                    "created": dict(report.created),
                    "updated": dict(report.updated),
                    "sha256": sha256,
                },
                created_at=now,
            )
        )
        session.flush()
    return report


def _file_error(reason: str, msgid: str, /, **params: Any) -> list[RowError]:
    return [RowError(0, Message(reason, msgid, params))]


def _too_large() -> list[RowError]:
    return _file_error(
        "file_too_large",
        N_("The file is larger than %(limit)s MB."),
        limit=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


def read_upload(data: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read an uploaded registry list: XLSX (by its content) or CSV in UTF-8, with or without BOM.

    A file that cannot be read gives a :class:`RowError` (line 0: the whole file), never an
    exception; so does a file without records.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return [], _too_large()
    if data.startswith(_XLSX_MAGIC):
        rows, errors = read_xlsx_rows(data)
    elif data.startswith(_OLE_MAGIC):
        return [], _file_error(
            "old_excel",
            N_("Old Excel files (.xls) are not read: save the list as .xlsx or as CSV UTF-8."),
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            return [], [
                RowError(
                    data[: bad.start].count(b"\n") + 1,
                    Message(
                        "not_utf8",
                        N_("The file is not UTF-8 text: save it as “CSV UTF-8” and try again."),
                    ),
                )
            ]
        if "\x00" in text:
            return [], [
                RowError(
                    text[: text.index("\x00")].count("\n") + 1,
                    Message(
                        "nul_character",
                        N_("This line holds a NUL character: the file is not plain CSV text."),
                    ),
                )
            ]
        try:
            rows, errors = importer.read_rows(text)
        except csv.Error as broken:
            return [], _file_error(
                "bad_csv",
                N_("The file could not be read as CSV: %(detail)s"),
                detail=str(broken),
            )
    if not rows and not errors:
        return [], _file_error("no_rows", N_("The file holds no records."))
    return rows, errors


def _cell_text(value: object, column: str) -> str:
    """A spreadsheet cell as the CSV would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        for length in _NUMERIC_PADDING.get(column, ()):
            if value >= 0 and len(text) < length:
                return text.zfill(length)
        return text
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return nfc(str(value))


@contextlib.contextmanager
def _sheet_rows(data: bytes) -> Iterator[Iterable[tuple[int, Sequence[object]]]]:
    """(row number, cell values) of the first worksheet's rows; the workbook is closed after."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row
        yield enumerate(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), start=1)
    finally:
        workbook.close()


def read_xlsx_rows(data: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read the first worksheet of an .xlsx registry list into row dicts, like the CSV's rows.

    The header is the first non-empty row, with the CSV's column names; ``_line`` is the row
    number in the sheet. Numbers are written without ".0", dates as YYYY-MM-DD, and tax codes and
    GTINs typed as numbers get their leading zeros back. A broken file gives a RowError.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return [], _too_large()
    header: list[str] = []
    rows: list[dict[str, str]] = []
    try:
        with _sheet_rows(data) as sheet_rows:
            for number, cells in sheet_rows:
                if not header:
                    texts = [_cell_text(c, "") for c in cells]
                    if not any(texts):
                        continue
                    while not texts[-1]:
                        texts.pop()
                    header = texts
                    problem = _header_problem(header, number)
                    if problem:
                        return [], [problem]
                    continue
                values = [_cell_text(c, name) for c, name in zip(cells, header, strict=False)]
                if not any(values) or values[0].startswith("#"):
                    continue
                if len(rows) >= MAX_ROWS:
                    return [], [
                        RowError(
                            number,
                            Message(
                                "too_many_rows",
                                N_("The file has more than %(limit)s rows."),
                                {"limit": MAX_ROWS},
                            ),
                        )
                    ]
                row = dict(zip(header, values, strict=False))
                row["_line"] = str(number)
                rows.append(row)
    except Exception:  # a broken workbook: openpyxl and zipfile raise many kinds
        return [], _file_error(
            "bad_xlsx", N_("The file could not be read as an Excel workbook (.xlsx).")
        )
    if not header:
        return [], [_missing_columns(["record", "company_code"], 1)]
    return rows, []


def _missing_columns(missing: list[str], line: int) -> RowError:
    return RowError(
        line,
        Message(
            "missing_columns",
            N_("The header lacks the columns: %(columns)s."),
            {"columns": ", ".join(missing)},
        ),
    )


def _header_problem(header: list[str], line: int) -> RowError | None:
    """The importer's header checks, for a worksheet's header row."""
    missing = [c for c in ("record", "company_code") if c not in header]
    if missing:
        return _missing_columns(missing, line)
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return RowError(
            line,
            Message(
                "unknown_columns",
                N_("Unknown columns in the header: %(columns)s."),
                {"columns": ", ".join(unknown)},
            ),
        )
    return None
