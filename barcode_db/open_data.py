"""The registry as open data: what the association publishes (``GET /api/v1/catalogue`` as JSON
pages, and one CSV file in the registry's own import format), and the way back in.

One shape, both ways: a company's *record* (:func:`company_record`: its facts, prefixes,
brands, products and certifications, as plain JSON values) is what the JSON pages carry, and
:func:`import_rows` turns records into the rows of the import format
(:data:`barcode_db.registry_files.COLUMNS`), which the CSV holds. So what is published loads
with ``flask registry import`` (the CSV as it is; the JSON through :func:`read_catalogue_json`),
and another association can load it into its own registry.

Only the active registry is published: retired records are not (a product of a retired brand
is published without a brand, a retired brand's certifications not at all, as verdicts see
them). Sample records are marked as such: ``is_sample`` on a JSON company, and in the CSV the
comment line :data:`~barcode_db.registry_files.SAMPLE_COMPANIES` the import reads back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_, Message
from barcode_db.models import Brand, Certification, Company, Product
from barcode_db.registry_files import COLUMNS, SAMPLE_COMPANIES, RowError

#: The licence of what is published: reuse it freely, naming the association as its source.
LICENCE_ID = "CC-BY-4.0"
LICENCE_NAME = "Creative Commons Attribution 4.0 International"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
#: Companies a JSON page holds at most (their records come whole).
MAX_PAGE = 500
#: Companies read from the database at once when the whole registry is written out.
_BATCH = 200


@dataclass(frozen=True)
class CataloguePage:
    """Companies of the active registry with their records, and where the next page starts."""

    records: list[dict[str, Any]]
    #: The ``after`` of the next page; None on the last one.
    next_after: int | None


def _active_companies(session: Session, *, after: int | None, limit: int) -> list[Company]:
    statement = (
        sa.select(Company)
        .where(Company.retired_at.is_(None))
        .options(
            selectinload(Company.prefixes),
            selectinload(Company.brands),
            selectinload(Company.certifications).selectinload(Certification.brand),
        )
        .order_by(Company.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(Company.id > after)
    return list(session.scalars(statement))


def _products_of(session: Session, companies: Sequence[Company]) -> dict[int, list[Product]]:
    products: dict[int, list[Product]] = {c.id: [] for c in companies}
    if companies:
        for product in session.scalars(
            sa.select(Product)
            .where(Product.company_id.in_(list(products)), Product.retired_at.is_(None))
            .options(selectinload(Product.brand))
            .order_by(Product.gtin)
        ):
            products[product.company_id].append(product)
    return products


def _active_brand(brand: Brand | None) -> Brand | None:
    return brand if brand is not None and brand.retired_at is None else None


def company_record(company: Company, products: Iterable[Product]) -> dict[str, Any]:
    """A company of the active registry as published: its facts, its active prefixes, brands
    (with categories), products (GTIN as printed, own category: None means its brand's) and
    certifications. Plain JSON values; dates as YYYY-MM-DD."""
    return {
        "code": company.code,
        "name": company.name,
        "tax_code": company.tax_code,
        "address": company.address,
        "province_code": company.province_code,
        "website": company.website,
        "made_in": company.made_in,
        "owner_group": company.owner_group,
        "owner_country": company.owner_country,
        "source": company.source,
        "checked_on": company.checked_on.isoformat() if company.checked_on else None,
        "is_sample": company.is_sample,
        "prefixes": [p.prefix for p in company.prefixes if p.retired_at is None],
        "brands": [
            {"name": b.name, "category": b.category} for b in company.brands if b.retired_at is None
        ],
        "products": [
            {
                "gtin": printed_gtin(p.gtin),
                "name": p.name,
                "brand": brand.name if (brand := _active_brand(p.brand)) else None,
                "category": p.category,
            }
            for p in products
        ],
        "certifications": [
            {
                "programme": c.programme.value,
                "year": c.year,
                "stars": c.stars,
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "evidence_ref": c.evidence_ref,
                "brand": c.brand.name if c.brand else None,
            }
            for c in sorted(
                company.certifications, key=lambda c: (c.subject_key, c.programme.value, c.year)
            )
            # Withdrawn ones, and those of a brand no longer listed, are not the registry's.
            if c.retired_at is None and (c.brand is None or c.brand.retired_at is None)
        ],
    }


def fetch_catalogue_page(session: Session, *, after: int | None, limit: int) -> CataloguePage:
    """One page of the active registry: up to ``limit`` companies after the one ``after``
    names (keyset by id: a company added or retired meanwhile moves no other page)."""
    companies = _active_companies(session, after=after, limit=limit + 1)
    more = len(companies) > limit
    companies = companies[:limit]
    products = _products_of(session, companies)
    return CataloguePage(
        records=[company_record(c, products[c.id]) for c in companies],
        next_after=companies[-1].id if more else None,
    )


def all_company_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every company of the active registry as published, read a batch at a time."""
    after: int | None = None
    while True:
        page = fetch_catalogue_page(session, after=after, limit=_BATCH)
        yield from page.records
        if page.next_after is None:
            return
        after = page.next_after


# --- the import format ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError("not text")
    return str(value)


def _row(kind: str, code: str, **values: Any) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update({"record": kind, "company_code": code})
    row.update({column: _text(value) for column, value in values.items()})
    return row


def import_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The rows of the import format that load the companies' records: a company row, then its
    prefixes, brands, products and certifications. Every row has every column, so an import
    sets each value as published (an empty category clears one)."""
    rows: list[dict[str, str]] = []
    for record in records:
        code = _text(record["code"])
        rows.append(
            _row(
                "company",
                code,
                name=record["name"],
                **{
                    column: record.get(column)
                    for column in (
                        "tax_code",
                        "address",
                        "province_code",
                        "website",
                        "made_in",
                        "owner_group",
                        "owner_country",
                        "source",
                        "checked_on",
                    )
                },
            )
        )
        rows += [_row("prefix", code, prefix=prefix) for prefix in record.get("prefixes") or ()]
        rows += [
            _row("brand", code, brand=b["name"], category=b.get("category"))
            for b in record.get("brands") or ()
        ]
        rows += [
            _row(
                "product",
                code,
                gtin=p["gtin"],
                name=p["name"],
                brand=p.get("brand"),
                category=p.get("category"),
            )
            for p in record.get("products") or ()
        ]
        rows += [
            _row(
                "certification",
                code,
                programme=c["programme"],
                year=c["year"],
                stars=c.get("stars"),
                valid_until=c.get("valid_until"),
                evidence_ref=c.get("evidence_ref"),
                brand=c.get("brand"),
            )
            for c in record.get("certifications") or ()
        ]
    return rows


def sample_codes(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The codes of the records' sample companies, in their order."""
    return [_text(r["code"]) for r in records if r.get("is_sample") is True]


def catalogue_csv(records: Sequence[Mapping[str, Any]], *, preamble: Sequence[str] = ()) -> str:
    """The records as a CSV in the import format: ``preamble`` as comment lines first (the
    import skips lines starting with "#"), then the sample companies' line, the header and the
    rows."""
    out = io.StringIO()
    for line in preamble:
        out.write(f"# {' '.join(line.split())}\n")
    samples = sample_codes(records)
    if samples:
        codes = io.StringIO()
        csv.writer(codes, lineterminator="").writerow(samples)
        out.write(f"{SAMPLE_COMPANIES} {codes.getvalue()}\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(import_rows(records))
    return out.getvalue()


# --- the JSON way back in ---------------------------------------------------------------------


def _not_a_catalogue(detail: str) -> list[RowError]:
    return [
        RowError(
            0,
            Message(
                "not_a_catalogue",
                N_(
                    "The file is not a catalogue of this registry (GET /api/v1/catalogue): %(detail)s"
                ),
                {"detail": detail},
            ),
        )
    ]


def read_catalogue_json(text: str) -> tuple[list[dict[str, str]], list[RowError]]:
    """The import rows of a JSON catalogue: one page of ``GET /api/v1/catalogue``, or a list of
    pages (every page of it, as fetched one after the other). Rows are numbered in their order
    (``_line``: the row's place in the list the JSON becomes); sample companies are marked as
    the CSV's comment line marks them (``_sample``)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return [], _not_a_catalogue(str(error))
    pages = document if isinstance(document, list) else [document]
    records: list[Mapping[str, Any]] = []
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("companies"), list):
            return [], _not_a_catalogue('no "companies" list')
        records += page["companies"]
    try:
        rows = import_rows(records)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [], _not_a_catalogue(f"a company record lacks or mistypes {error}")
    samples = set(sample_codes(records))
    for number, row in enumerate(rows, start=1):
        row["_line"] = str(number)
        if row["record"] == "company" and row["company_code"] in samples:
            row["_sample"] = "1"
    if not rows:
        return [], _not_a_catalogue("no companies")
    return rows, []
