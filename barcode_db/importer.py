"""Import the trusted-brand registry from the association's CSV list.

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

The file is validated as a whole: if any row is wrong, nothing is written and every bad row is
reported with its line number. Re-importing updates rows in place (companies by code, prefixes by
value, brands by name within their company, products by GTIN, certifications by company, brand,
programme and year) instead of adding duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.gtin import parse_code
from barcode_db.messages import N_, Message
from barcode_db.models import Brand, Certification, Company, CompanyPrefix, Product, Programme
from barcode_db.provinces import normalise_province_code, provinces
from barcode_db.registry import bump_registry_version
from barcode_db.textkey import match_key, nfc, search_key

COLUMNS = (
    "record",
    "company_code",
    "name",
    "tax_code",
    "address",
    "province_code",
    "website",
    "prefix",
    "brand",
    "gtin",
    "programme",
    "year",
    "stars",
    "valid_until",
    "evidence_ref",
)
RECORD_KINDS = ("company", "prefix", "brand", "product", "certification")
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
_COMPANY_PREFIX = re.compile(r"^893\d{4,7}$")
#: More rows than this is not a registry list but a mistake (or an attack on memory).
MAX_ROWS = 500_000


@dataclass(frozen=True)
class RowError:
    line: int
    message: Message


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(stream: Iterable[str] | str) -> tuple[list[dict[str, str]], list[RowError]]:
    """Read a registry CSV (UTF-8, with or without BOM) into row dicts keyed by column name."""
    text = stream if isinstance(stream, str) else "".join(stream)
    # Lines starting with "#" are comments (the sample file explains itself that way); they are
    # blanked, not dropped, so that line numbers in error reports match the file.
    lines = [
        "\n" if line.startswith("#") else line
        for line in text.lstrip("\ufeff").splitlines(keepends=True)
    ]
    reader = csv.reader(io.StringIO("".join(lines)))
    header: list[str] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip() for c in cells]
            break
    missing = [c for c in ("record", "company_code") if c not in header]
    if missing:
        return [], [
            RowError(
                max(reader.line_num, 1),
                Message(
                    "missing_columns",
                    N_("The header lacks the columns: %(columns)s."),
                    {"columns": ", ".join(missing)},
                ),
            )
        ]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [
            RowError(
                reader.line_num,
                Message(
                    "unknown_columns",
                    N_("Unknown columns in the header: %(columns)s."),
                    {"columns": ", ".join(unknown)},
                ),
            )
        ]
    rows: list[dict[str, str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            return [], [
                RowError(
                    reader.line_num,
                    Message(
                        "too_many_rows",
                        N_("The file has more than %(limit)s rows."),
                        {"limit": MAX_ROWS},
                    ),
                )
            ]
        clean = {name: nfc(value) for name, value in zip(header, cells, strict=False)}
        clean["_line"] = str(reader.line_num)
        rows.append(clean)
    return rows, []


@dataclass
class _Plan:
    """Rows sorted by kind, validated, with their line numbers."""

    companies: dict[str, dict[str, str]] = field(default_factory=dict)
    prefixes: dict[str, dict[str, str]] = field(default_factory=dict)
    brands: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    products: dict[str, dict[str, str]] = field(default_factory=dict)
    certifications: dict[tuple[str, str, str, int], dict[str, Any]] = field(default_factory=dict)


def _error(
    errors: list[RowError], row: Mapping[str, str], reason: str, msgid: str, /, **params: Any
) -> None:
    errors.append(RowError(int(row["_line"]), Message(reason, msgid, params)))


def _validate(session: Session, rows: list[dict[str, str]]) -> tuple[_Plan, list[RowError]]:
    errors: list[RowError] = []
    plan = _Plan()
    known_provinces = provinces()
    for row in rows:
        kind = row.get("record", "").lower()
        code = row.get("company_code", "")
        if kind not in RECORD_KINDS:
            _error(
                errors,
                row,
                "bad_record",
                N_("Unknown record kind “%(kind)s”; expected one of %(kinds)s."),
                kind=kind,
                kinds=", ".join(RECORD_KINDS),
            )
            continue
        if not code:
            _error(errors, row, "no_company_code", N_("The company_code is empty."))
            continue
        if kind == "company":
            _validate_company(row, plan, errors, known_provinces)
        elif kind == "prefix":
            prefix = row.get("prefix", "")
            if not _COMPANY_PREFIX.match(prefix):
                _error(
                    errors,
                    row,
                    "bad_prefix",
                    N_(
                        "“%(prefix)s” is not a GS1 Vietnam company "
                        "prefix (893 and 4 to 7 more digits)."
                    ),
                    prefix=prefix,
                )
            elif prefix in plan.prefixes and plan.prefixes[prefix]["company_code"] != code:
                _error(
                    errors,
                    row,
                    "prefix_twice",
                    N_("Prefix %(prefix)s is given to two companies in this file."),
                    prefix=prefix,
                )
            else:
                plan.prefixes[prefix] = row
        elif kind == "brand":
            if not row.get("brand"):
                _error(errors, row, "no_brand", N_("The brand name is empty."))
            else:
                plan.brands[(code, match_key(row["brand"]))] = row
        elif kind == "product":
            parsed = parse_code(row.get("gtin", ""))
            if not parsed.valid or parsed.gtin14 is None:
                detail = "; ".join(str(m) for m in parsed.problems) or "not a GTIN"
                _error(
                    errors,
                    row,
                    "bad_gtin",
                    N_("GTIN “%(gtin)s” is not valid: %(detail)s"),
                    gtin=row.get("gtin", ""),
                    detail=detail,
                )
            elif not row.get("name"):
                _error(errors, row, "no_product_name", N_("The product name is empty."))
            elif parsed.gtin14 in plan.products:
                _error(
                    errors,
                    row,
                    "gtin_twice",
                    N_("GTIN %(gtin)s appears twice in this file."),
                    gtin=parsed.gtin,
                )
            else:
                plan.products[parsed.gtin14] = row
        else:
            _validate_certification(row, plan, errors)

    _check_references(session, plan, errors)
    errors.sort(key=lambda e: e.line)
    return plan, errors


def _validate_company(
    row: dict[str, str], plan: _Plan, errors: list[RowError], known_provinces: Mapping[str, Any]
) -> None:
    code = row["company_code"]
    if not row.get("name"):
        _error(errors, row, "no_company_name", N_("The company name is empty."))
    elif code in plan.companies:
        _error(
            errors,
            row,
            "company_twice",
            N_("Company %(code)s appears twice in this file."),
            code=code,
        )
    elif row.get("tax_code") and not _TAX_CODE.match(row["tax_code"]):
        _error(
            errors,
            row,
            "bad_tax_code",
            N_("Tax code “%(tax_code)s” should be 10 digits, or 10 digits, a dash and 3 digits."),
            tax_code=row["tax_code"],
        )
    elif row.get("province_code") and (
        normalise_province_code(row["province_code"]) not in known_provinces
    ):
        _error(
            errors,
            row,
            "bad_province",
            N_("Province code “%(code)s” is not one of the 34 provinces (2025 list)."),
            code=row["province_code"],
        )
    else:
        plan.companies[code] = row


def _validate_certification(row: dict[str, str], plan: _Plan, errors: list[RowError]) -> None:
    try:
        programme = Programme(row.get("programme", "").lower())
    except ValueError:
        _error(
            errors,
            row,
            "bad_programme",
            N_("Unknown programme “%(programme)s”; expected one of %(known)s."),
            programme=row.get("programme", ""),
            known=", ".join(p.value for p in Programme),
        )
        return
    year_text = row.get("year", "")
    if not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
        _error(errors, row, "bad_year", N_("Year “%(year)s” is not a year."), year=year_text)
        return
    stars: int | None = None
    if row.get("stars"):
        if programme is not Programme.OCOP or row["stars"] not in ("3", "4", "5"):
            _error(errors, row, "bad_stars", N_("Stars are given for OCOP only, from 3 to 5."))
            return
        stars = int(row["stars"])
    valid_until: dt.date | None = None
    if row.get("valid_until"):
        try:
            valid_until = dt.date.fromisoformat(row["valid_until"])
        except ValueError:
            _error(
                errors,
                row,
                "bad_date",
                N_("Date “%(date)s” should be written YYYY-MM-DD."),
                date=row["valid_until"],
            )
            return
    key = (row["company_code"], match_key(row.get("brand", "")), programme.value, int(year_text))
    plan.certifications[key] = {
        "row": row,
        "programme": programme,
        "year": int(year_text),
        "stars": stars,
        "valid_until": valid_until,
    }


def _check_references(session: Session, plan: _Plan, errors: list[RowError]) -> None:
    existing_codes = set(session.scalars(sa.select(Company.code)))
    known = existing_codes | set(plan.companies)
    existing_brands = {
        (code, key)
        for code, key in session.execute(
            sa.select(Company.code, Brand.name_key).join(Brand.company)
        )
    }
    known_brands = existing_brands | set(plan.brands)
    owners = {
        prefix: code
        for prefix, code in session.execute(
            sa.select(CompanyPrefix.prefix, Company.code).join(CompanyPrefix.company)
        )
    }
    referencing = [
        *plan.prefixes.values(),
        *plan.brands.values(),
        *plan.products.values(),
        *(c["row"] for c in plan.certifications.values()),
    ]
    for row in referencing:
        if row["company_code"] not in known:
            _error(
                errors,
                row,
                "unknown_company",
                N_("Company %(code)s is neither in this file nor in the registry."),
                code=row["company_code"],
            )
        elif (
            row["record"].lower() in ("product", "certification")
            and row.get("brand")
            and ((row["company_code"], match_key(row["brand"])) not in known_brands)
        ):
            _error(
                errors,
                row,
                "unknown_brand",
                N_("Brand “%(brand)s” is not a brand of company %(code)s."),
                brand=row["brand"],
                code=row["company_code"],
            )
    for prefix, row in plan.prefixes.items():
        owner = owners.get(prefix)
        if owner is not None and owner != row["company_code"]:
            _error(
                errors,
                row,
                "prefix_taken",
                N_("Prefix %(prefix)s already belongs to company %(code)s."),
                prefix=prefix,
                code=owner,
            )


def import_registry(
    session: Session, rows: list[dict[str, str]], *, is_sample: bool = False
) -> ImportReport:
    """Validate every row, then write all of them or none. Only flushes: the caller commits."""
    report = ImportReport(rows=len(rows))
    plan, errors = _validate(session, rows)
    if errors:
        report.errors = errors
        return report

    companies = {c.code: c for c in session.scalars(sa.select(Company))}
    for code, row in plan.companies.items():
        values = {
            "name": row["name"],
            "name_key": search_key(row["name"]),
            "tax_code": row.get("tax_code") or None,
            "address": row.get("address", ""),
            "province_code": normalise_province_code(row["province_code"])
            if row.get("province_code")
            else None,
            "website": row.get("website", ""),
            "is_sample": is_sample,
            "retired_at": None,
        }
        _upsert(
            session,
            report,
            "company",
            companies.get(code),
            Company,
            {"code": code, **values},
            lambda obj, c=code: companies.__setitem__(c, obj),
        )
    session.flush()

    prefixes = {p.prefix: p for p in session.scalars(sa.select(CompanyPrefix))}
    for prefix, row in plan.prefixes.items():
        _upsert(
            session,
            report,
            "prefix",
            prefixes.get(prefix),
            CompanyPrefix,
            {"prefix": prefix, "company_id": companies[row["company_code"]].id, "retired_at": None},
        )

    brands = {(b.company_id, b.name_key): b for b in session.scalars(sa.select(Brand))}
    for (code, key), row in plan.brands.items():
        company_id = companies[code].id
        _upsert(
            session,
            report,
            "brand",
            brands.get((company_id, key)),
            Brand,
            {"company_id": company_id, "name": row["brand"], "name_key": key, "retired_at": None},
            lambda obj, k=(company_id, key): brands.__setitem__(k, obj),
        )
    session.flush()

    def brand_id(code: str, name: str) -> int | None:
        return brands[(companies[code].id, match_key(name))].id if name else None

    products = {
        p.gtin: p
        for p in session.scalars(sa.select(Product).where(Product.gtin.in_(list(plan.products))))
    }
    for gtin14, row in plan.products.items():
        _upsert(
            session,
            report,
            "product",
            products.get(gtin14),
            Product,
            {
                "gtin": gtin14,
                "name": row["name"],
                "company_id": companies[row["company_code"]].id,
                "brand_id": brand_id(row["company_code"], row.get("brand", "")),
                "retired_at": None,
            },
        )

    certifications = {
        (c.company_id, c.subject_key, c.programme.value, c.year): c
        for c in session.scalars(sa.select(Certification))
    }
    for (code, subject_key, programme, year), cert in plan.certifications.items():
        company_id = companies[code].id
        row = cert["row"]
        _upsert(
            session,
            report,
            "certification",
            certifications.get((company_id, subject_key, programme, year)),
            Certification,
            {
                "company_id": company_id,
                "subject_key": subject_key,
                "brand_id": brand_id(code, row.get("brand", "")),
                "programme": cert["programme"],
                "year": year,
                "stars": cert["stars"],
                "valid_until": cert["valid_until"],
                "evidence_ref": row.get("evidence_ref", ""),
            },
        )
    session.flush()
    bump_registry_version(session)
    return report


def _upsert(
    session: Session,
    report: ImportReport,
    kind: str,
    existing: Any,
    model: Any,
    values: dict[str, Any],
    remember: Any = None,
) -> None:
    if existing is None:
        obj = model(**values)
        session.add(obj)
        report.created[kind] += 1
        if remember:
            remember(obj)
        return
    changed = False
    for key, value in values.items():
        if getattr(existing, key) != value:
            setattr(existing, key, value)
            changed = True
    if changed:
        report.updated[kind] += 1
