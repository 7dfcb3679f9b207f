"""Import the trusted-brand registry from the association's list (CSV or XLSX).

One file, one record a row, the kind of record in the ``record`` column (see
``barcode_db/data/sample_registry.csv`` for a complete example):

========== ==================================================================================
record     columns used
========== ==================================================================================
company    company_code, name, tax_code, address, province_code, website
prefix     company_code, prefix (a GS1 Vietnam company prefix: 893 and 4 to 7 more digits)
brand      company_code, brand
product    company_code, gtin, name, brand (optional, a brand of that company)
certific.  company_code, programme, year, stars (OCOP: 3–5), valid_until (YYYY-MM-DD),
           evidence_ref, brand (optional: a brand's own certification)
========== ==================================================================================

Files are read by :mod:`barcode_db.registry_files`; each record is cleaned by the rules the admin
pages use (:mod:`barcode_db.registry_rules`), so both refuse the same values with the same
messages. The file is validated as a whole: if any row is wrong, nothing is written and every bad
row is reported with its line number, column and first problem. Re-importing updates rows in
place (companies by code, prefixes by value, brands by name within their company, products by
GTIN, certifications by company, brand, programme and year) instead of adding duplicates.

Companies that the list's ``# sample_companies:`` comment line names (the published catalogue
writes it: :mod:`barcode_db.open_data`) are stored as sample data, as ``is_sample`` does for a
whole list.

A record an administrator retired stays retired: the import leaves it as it is and reports it
(:attr:`ImportReport.notices`); only the admin's restore action, audited, brings it back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.gtin import parse_code
from barcode_db.messages import N_, Message
from barcode_db.models import Brand, Certification, Company, CompanyPrefix, Product
from barcode_db.registry import bump_registry_version
from barcode_db.registry_files import (
    COLUMNS,
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    RECORD_KINDS,
    RowError,
    read_rows,
)
from barcode_db.registry_rules import (
    NO_COMPANY_CODE,
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
from barcode_db.textkey import match_key

# The file format's names, for the callers that import them from here.
__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "RECORD_KINDS",
    "ImportReport",
    "RowError",
    "import_registry",
    "read_rows",
]

#: The list's column of each field the rules name, where they differ.
_COLUMN_OF = {
    "company": {"code": "company_code"},
    "brand": {"name": "brand"},
}


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    #: Rows the import leaves alone, and why: records an administrator retired.
    notices: list[RowError] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Entry:
    """A row that passed its record's rules: its line and its cleaned values."""

    line: int
    row: Mapping[str, str]
    values: dict[str, Any]


@dataclass
class _Plan:
    """Rows sorted by kind, validated, keyed as the registry matches them."""

    companies: dict[str, _Entry] = field(default_factory=dict)
    prefixes: dict[str, _Entry] = field(default_factory=dict)
    brands: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    products: dict[str, _Entry] = field(default_factory=dict)
    certifications: dict[tuple[str, str, str, int], _Entry] = field(default_factory=dict)
    #: Tax codes of the file's companies, and whose.
    tax_codes: dict[str, str] = field(default_factory=dict)


def _typed_gtin(entry: _Entry) -> str:
    """A product's GTIN as the list writes it (8, 12, 13 or 14 digits)."""
    return parse_code(entry.row.get("gtin", "")).gtin or entry.values["gtin"]


def _line(row: Mapping[str, str]) -> int:
    return int(row["_line"])


def _error(
    errors: list[RowError],
    row: Mapping[str, str],
    column: str,
    reason: str,
    msgid: str,
    /,
    **params: Any,
) -> None:
    errors.append(RowError(_line(row), Message(reason, msgid, params), column))


def _cleaned(
    errors: list[RowError], row: Mapping[str, str], kind: str, cleaned: Cleaned
) -> dict[str, Any] | None:
    """The row's values, or None with its first problem reported (one a row keeps a long list
    of bad rows readable; the admin form shows every problem of its record)."""
    if cleaned.ok:
        return cleaned.values
    name, message = next(iter(cleaned.problems.items()))
    errors.append(RowError(_line(row), message, _COLUMN_OF.get(kind, {}).get(name, name)))
    return None


def _given(row: Mapping[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """The values of a row without those of optional columns the list does not have."""
    return {k: v for k, v in values.items() if k not in OPTIONAL_COLUMNS or k in row}


def _validate(session: Session, rows: list[dict[str, str]]) -> tuple[_Plan, list[RowError]]:
    errors: list[RowError] = []
    plan = _Plan()
    for row in rows:
        kind = row.get("record", "").lower()
        code = row.get("company_code", "")
        if kind not in RECORD_KINDS:
            _error(
                errors,
                row,
                "record",
                "bad_record",
                N_("Unknown record kind “%(kind)s”; expected one of %(kinds)s."),
                kind=kind[:30],
                kinds=", ".join(RECORD_KINDS),
            )
            continue
        if not code:
            errors.append(RowError(_line(row), NO_COMPANY_CODE, "company_code"))
            continue
        if kind == "company":
            _plan_company(row, plan, errors)
        elif kind == "prefix":
            _plan_prefix(row, plan, errors)
        elif kind == "brand":
            values = _cleaned(
                errors, row, kind, clean_brand(row.get("brand", ""), row.get("category"))
            )
            if values is not None:
                plan.brands[(code, values["name_key"])] = _Entry(
                    _line(row), row, _given(row, values)
                )
        elif kind == "product":
            _plan_product(row, plan, errors)
        else:
            _plan_certification(row, plan, errors)

    _check_references(session, plan, errors)
    errors.sort(key=lambda e: e.line)
    return plan, errors


def _plan_company(row: dict[str, str], plan: _Plan, errors: list[RowError]) -> None:
    cleaned = clean_company(
        code=row["company_code"],
        name=row.get("name", ""),
        tax_code=row.get("tax_code", ""),
        address=row.get("address", ""),
        province_code=row.get("province_code", ""),
        website=row.get("website", ""),
        made_in=row.get("made_in", ""),
        owner_group=row.get("owner_group", ""),
        owner_country=row.get("owner_country", ""),
        source=row.get("source", ""),
        checked_on=row.get("checked_on", ""),
    )
    values = _cleaned(errors, row, "company", cleaned)
    if values is None:
        return
    values = _given(row, values)
    code = values["code"]
    if code in plan.companies:
        _error(
            errors,
            row,
            "company_code",
            "company_twice",
            N_("Company %(code)s appears twice in this file."),
            code=code,
        )
        return
    tax_code = values["tax_code"]
    if tax_code in plan.tax_codes:
        errors.append(
            RowError(_line(row), tax_code_taken(tax_code, plan.tax_codes[tax_code]), "tax_code")
        )
        return
    if tax_code:
        plan.tax_codes[tax_code] = code
    plan.companies[code] = _Entry(_line(row), row, values)


def _plan_prefix(row: dict[str, str], plan: _Plan, errors: list[RowError]) -> None:
    values = _cleaned(errors, row, "prefix", clean_prefix(row.get("prefix", "")))
    if values is None:
        return
    prefix = values["prefix"]
    if prefix in plan.prefixes and plan.prefixes[prefix].row["company_code"] != row["company_code"]:
        _error(
            errors,
            row,
            "prefix",
            "prefix_twice",
            N_("Prefix %(prefix)s is given to two companies in this file."),
            prefix=prefix,
        )
        return
    plan.prefixes[prefix] = _Entry(_line(row), row, values)


def _plan_product(row: dict[str, str], plan: _Plan, errors: list[RowError]) -> None:
    cleaned = clean_product(
        gtin=row.get("gtin", ""), name=row.get("name", ""), category=row.get("category")
    )
    values = _cleaned(errors, row, "product", cleaned)
    if values is None:
        return
    values = _given(row, values)
    if values["gtin"] in plan.products:
        _error(
            errors,
            row,
            "gtin",
            "gtin_twice",
            N_("GTIN %(gtin)s appears twice in this file."),
            gtin=_typed_gtin(_Entry(_line(row), row, values)),
        )
        return
    plan.products[values["gtin"]] = _Entry(_line(row), row, values)


def _plan_certification(row: dict[str, str], plan: _Plan, errors: list[RowError]) -> None:
    cleaned = clean_certification(
        programme=row.get("programme", ""),
        year=row.get("year", ""),
        stars=row.get("stars", ""),
        valid_until=row.get("valid_until", ""),
        evidence_ref=row.get("evidence_ref", ""),
    )
    values = _cleaned(errors, row, "certification", cleaned)
    if values is None:
        return
    key = (
        row["company_code"],
        match_key(row.get("brand", "")),
        values["programme"].value,
        values["year"],
    )
    plan.certifications[key] = _Entry(_line(row), row, values)


def _check_references(session: Session, plan: _Plan, errors: list[RowError]) -> None:
    """Rows that name a company or brand neither in the file nor in the registry, and values
    another company already holds."""
    existing_codes = set(session.scalars(sa.select(Company.code)))
    known = existing_codes | set(plan.companies)
    existing_brands = {
        (code, key)
        for code, key in session.execute(
            sa.select(Company.code, Brand.name_key).join(Brand.company)
        )
    }
    known_brands = existing_brands | set(plan.brands)
    referencing = [
        *plan.prefixes.values(),
        *plan.brands.values(),
        *plan.products.values(),
        *plan.certifications.values(),
    ]
    for entry in referencing:
        row = entry.row
        if row["company_code"] not in known:
            errors.append(
                RowError(
                    entry.line,
                    Message(
                        "unknown_company",
                        N_("Company %(code)s is neither in this file nor in the registry."),
                        {"code": row["company_code"][:40]},
                    ),
                    "company_code",
                )
            )
        elif (
            row["record"].lower() in ("product", "certification")
            and row.get("brand")
            and ((row["company_code"], match_key(row["brand"])) not in known_brands)
        ):
            errors.append(
                RowError(
                    entry.line,
                    Message(
                        "unknown_brand",
                        N_("Brand “%(brand)s” is not a brand of company %(code)s."),
                        {"brand": row["brand"][:40], "code": row["company_code"]},
                    ),
                    "brand",
                )
            )

    owners = {
        prefix: code
        for prefix, code in session.execute(
            sa.select(CompanyPrefix.prefix, Company.code).join(CompanyPrefix.company)
        )
    }
    for prefix, entry in plan.prefixes.items():
        owner = owners.get(prefix)
        if owner is not None and owner != entry.row["company_code"]:
            errors.append(RowError(entry.line, prefix_taken(prefix, owner), "prefix"))

    for tax_code, code in session.execute(
        sa.select(Company.tax_code, Company.code).where(Company.tax_code.is_not(None))
    ).tuples():
        holder = plan.tax_codes.get(tax_code or "")
        if holder is not None and holder != code:
            entry = plan.companies[holder]
            errors.append(
                RowError(entry.line, tax_code_taken(entry.values["tax_code"], code), "tax_code")
            )

    if plan.products:
        for gtin, name, code in session.execute(
            sa.select(Product.gtin, Product.name, Company.code)
            .join(Product.company)
            .where(Product.gtin.in_(list(plan.products)))
        ).tuples():
            entry = plan.products[gtin]
            if code != entry.row["company_code"]:
                errors.append(
                    RowError(entry.line, gtin_taken(_typed_gtin(entry), name, code), "gtin")
                )


# --- writing --------------------------------------------------------------------------------------

_RETIRED = {
    "company": N_(
        "Company %(key)s was retired by an administrator on %(date)s; not restored (an "
        "administrator can restore it on its page)."
    ),
    "prefix": N_(
        "Prefix %(key)s was retired by an administrator on %(date)s; not restored (an "
        "administrator can restore it on its company’s page)."
    ),
    "brand": N_(
        "Brand “%(key)s” was retired by an administrator on %(date)s; not restored (an "
        "administrator can restore it on its company’s page)."
    ),
    "product": N_(
        "Product %(key)s was retired by an administrator on %(date)s; not restored (an "
        "administrator can restore it on its company’s page)."
    ),
    "certification": N_(
        "Certification %(key)s was retired by an administrator on %(date)s; not restored (an "
        "administrator can restore it on its company’s page)."
    ),
}


class _Writer:
    """Creates and updates the planned records; retired ones are left alone and reported."""

    def __init__(self, session: Session, report: ImportReport, local_tz: dt.tzinfo) -> None:
        self.session = session
        self.report = report
        self.local_tz = local_tz

    def upsert(
        self,
        kind: str,
        entry: _Entry,
        existing: Any,
        model: Any,
        values: dict[str, Any],
        key: object,
    ) -> Any:
        """The record, created or updated with ``values``; a retired one unchanged."""
        if existing is None:
            obj = model(**values)
            self.session.add(obj)
            self.report.created[kind] += 1
            return obj
        if existing.retired_at is not None:
            self.report.notices.append(
                RowError(
                    entry.line,
                    Message(
                        "retired_not_restored",
                        _RETIRED[kind],
                        {"key": key, "date": existing.retired_at.astimezone(self.local_tz).date()},
                    ),
                )
            )
            return existing
        changed = False
        for name, value in values.items():
            if getattr(existing, name) != value:
                setattr(existing, name, value)
                changed = True
        if changed:
            self.report.updated[kind] += 1
        return existing


def import_registry(
    session: Session,
    rows: list[dict[str, str]],
    *,
    is_sample: bool = False,
    local_tz: dt.tzinfo = dt.UTC,
) -> ImportReport:
    """Validate every row, then write all of them or none. Only flushes: the caller commits.

    ``local_tz`` is the zone in which the dates of notices are given (a record retired at 01:00
    in Hà Nội was retired that day, not the day before in UTC).
    """
    report = ImportReport(rows=len(rows))
    plan, errors = _validate(session, rows)
    if errors:
        report.errors = errors
        return report
    write = _Writer(session, report, local_tz)

    companies = {c.code: c for c in session.scalars(sa.select(Company))}
    for code, entry in plan.companies.items():
        companies[code] = write.upsert(
            "company",
            entry,
            companies.get(code),
            Company,
            # Sample data: the whole list (--sample), or the companies its sample line names.
            {**entry.values, "is_sample": is_sample or entry.row.get("_sample") == "1"},
            code,
        )
    session.flush()

    prefixes = {p.prefix: p for p in session.scalars(sa.select(CompanyPrefix))}
    for prefix, entry in plan.prefixes.items():
        write.upsert(
            "prefix",
            entry,
            prefixes.get(prefix),
            CompanyPrefix,
            {"prefix": prefix, "company_id": companies[entry.row["company_code"]].id},
            prefix,
        )

    brands = {(b.company_id, b.name_key): b for b in session.scalars(sa.select(Brand))}
    for (code, key), entry in plan.brands.items():
        company_id = companies[code].id
        brands[(company_id, key)] = write.upsert(
            "brand",
            entry,
            brands.get((company_id, key)),
            Brand,
            {"company_id": company_id, **entry.values},
            entry.values["name"],
        )
    session.flush()

    def brand_id(code: str, name: str) -> int | None:
        return brands[(companies[code].id, match_key(name))].id if name else None

    products = {
        p.gtin: p
        for p in session.scalars(sa.select(Product).where(Product.gtin.in_(list(plan.products))))
    }
    for gtin14, entry in plan.products.items():
        code = entry.row["company_code"]
        write.upsert(
            "product",
            entry,
            products.get(gtin14),
            Product,
            {
                **entry.values,
                "company_id": companies[code].id,
                "brand_id": brand_id(code, entry.row.get("brand", "")),
            },
            _typed_gtin(entry),
        )

    certifications = {
        (c.company_id, c.subject_key, c.programme.value, c.year): c
        for c in session.scalars(sa.select(Certification))
    }
    for (code, subject_key, programme, year), entry in plan.certifications.items():
        company_id = companies[code].id
        write.upsert(
            "certification",
            entry,
            certifications.get((company_id, subject_key, programme, year)),
            Certification,
            {
                **entry.values,
                "company_id": company_id,
                "subject_key": subject_key,
                "brand_id": brand_id(code, entry.row.get("brand", "")),
            },
            Message(
                "certification_of",
                N_("%(programme)s %(year)s of %(code)s"),
                {
                    "programme": programme_name(entry.values["programme"]),
                    "year": year,
                    "code": code,
                },
            ),
        )
    session.flush()
    report.notices.sort(key=lambda e: e.line)
    bump_registry_version(session)
    return report
