"""Reads of the registry for the public catalogue: the brand directory, the pages of a company,
a brand and a product, and the sitemap.

Shoppers see active rows only: a retired company, brand or product has no page, and neither
has anything of a retired company. Certifications an administrator retired (withdrew) are never
shown; ended ones are, as ended (:meth:`barcode_db.models.Certification.status`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from barcode_db.categories import BY_CODE as CATEGORIES_BY_CODE
from barcode_db.models import Brand, Certification, Company, Product
from barcode_db.textkey import LIKE_ESCAPE, like_pattern, search_key

#: The certifications the public pages load: not those an administrator retired.
LISTED_CERTIFICATIONS = selectinload(
    Company.certifications.and_(Certification.retired_at.is_(None))
)
_ACTIVE_BRANDS = selectinload(Company.brands.and_(Brand.retired_at.is_(None)))
_COMPANY_PAGE = (LISTED_CERTIFICATIONS, _ACTIVE_BRANDS, selectinload(Company.prefixes))


def _brands_in(category: str) -> sa.Select[tuple[int]]:
    return sa.select(Brand.company_id).where(Brand.category == category, Brand.retired_at.is_(None))


def _products_in(category: str) -> sa.Select[tuple[int]]:
    """Companies with an active product in ``category``: its own, or its brand's when it names
    none (the rule of :func:`barcode_db.registry.load_snapshot`)."""
    brand_category = sa.select(Brand.category).where(Brand.id == Product.brand_id).scalar_subquery()
    return sa.select(Product.company_id).where(
        Product.retired_at.is_(None),
        sa.func.coalesce(Product.category, brand_category) == category,
    )


def directory_statement(*, query: str = "", province: str = "", category: str = "") -> sa.Select:
    """Active companies, by name, matching a search (company or brand name, diacritics
    aside), a province and a category (of a brand or a product of theirs); an empty filter is
    no filter. Rows carry their active brands, prefixes and listed certifications."""
    statement = (
        sa.select(Company)
        .where(Company.retired_at.is_(None))
        .options(*_COMPANY_PAGE)
        .order_by(Company.name_key, Company.id)
        # Rows already in the session (with every certification) are read again.
        .execution_options(populate_existing=True)
    )
    if query:
        key = like_pattern(search_key(query))
        brand_match = sa.select(Brand.company_id).where(
            Brand.name_key.like(key, escape=LIKE_ESCAPE), Brand.retired_at.is_(None)
        )
        statement = statement.where(
            sa.or_(Company.name_key.like(key, escape=LIKE_ESCAPE), Company.id.in_(brand_match))
        )
    if province:
        statement = statement.where(Company.province_code == province)
    if category:
        statement = statement.where(
            sa.or_(Company.id.in_(_brands_in(category)), Company.id.in_(_products_in(category)))
        )
    return statement


def get_company(session: Session, code: str) -> Company | None:
    """An active company by its code, with its active brands, prefixes and listed
    certifications."""
    return session.scalar(
        sa.select(Company)
        .where(Company.code == code, Company.retired_at.is_(None))
        .options(*_COMPANY_PAGE)
        .execution_options(populate_existing=True)
    )


def get_brand(session: Session, company_code: str, brand_id: int) -> Brand | None:
    """An active brand of an active company (its page's address names both)."""
    return session.scalar(
        sa.select(Brand)
        .join(Brand.company)
        .where(
            Brand.id == brand_id,
            Brand.retired_at.is_(None),
            Company.code == company_code,
            Company.retired_at.is_(None),
        )
        .options(selectinload(Brand.company).options(LISTED_CERTIFICATIONS))
        .execution_options(populate_existing=True)
    )


def get_product(session: Session, gtin14: str) -> Product | None:
    """An active product of an active company by its GTIN-14, with its company and brand."""
    return session.scalar(
        sa.select(Product)
        .join(Product.company)
        .where(
            Product.gtin == gtin14,
            Product.retired_at.is_(None),
            Company.retired_at.is_(None),
        )
        .options(
            selectinload(Product.company).options(LISTED_CERTIFICATIONS),
            selectinload(Product.brand),
        )
        .execution_options(populate_existing=True)
    )


def fetch_products(
    session: Session, company_id: int, *, brand_id: int | None = None
) -> list[Product]:
    """The active products of a company (of one of its brands), by name."""
    statement = (
        sa.select(Product)
        .where(Product.company_id == company_id, Product.retired_at.is_(None))
        .options(selectinload(Product.brand))
        .order_by(Product.name, Product.gtin)
    )
    if brand_id is not None:
        statement = statement.where(Product.brand_id == brand_id)
    return list(session.scalars(statement))


def product_category(product: Product) -> str | None:
    """A product's category: its own, else its brand's (an active brand's); None if neither."""
    brand = product.brand if product.brand and product.brand.retired_at is None else None
    return product.category or (brand.category if brand else None)


def categories_of(brands: list[Brand], products: list[Product]) -> list[str]:
    """The category codes of these brands and products, in the taxonomy's order."""
    found = {b.category for b in brands} | {product_category(p) for p in products}
    return [code for code in CATEGORIES_BY_CODE if code in found]


def covering_certifications(company: Company, brand_id: int | None) -> list[Certification]:
    """The listed certifications that cover a product of a brand (``None``: of no brand): the
    company's own and that brand's, not another brand's (the rule of
    :func:`barcode_db.catalogue.current_certifications`, over the snapshot's facts)."""
    return [c for c in company.certifications if c.brand_id is None or c.brand_id == brand_id]


def shown_certifications(company: Company) -> list[Certification]:
    """The listed certifications of a company page: the company's own and its active brands'
    (a retired brand's certification goes with the brand)."""
    active = {b.id for b in company.brands if b.retired_at is None}
    return [c for c in company.certifications if c.brand_id is None or c.brand_id in active]


@dataclass(frozen=True)
class SitemapEntry:
    """One page of the catalogue: what its address is made of, and when its row last changed."""

    kind: str  # "company", "brand" or "product"
    company_code: str
    key: str  # "" for a company, the brand's id, the product's GTIN-14
    updated_at: dt.datetime


def fetch_sitemap_entries(session: Session) -> Iterator[SitemapEntry]:
    """Every company, brand and product page of active rows (sample ones included)."""
    active = Company.retired_at.is_(None)
    for code, updated in session.execute(
        sa.select(Company.code, Company.updated_at).where(active).order_by(Company.code)
    ):
        yield SitemapEntry("company", code, "", updated)
    for code, brand_id, updated in session.execute(
        sa.select(Company.code, Brand.id, Brand.updated_at)
        .join(Brand.company)
        .where(active, Brand.retired_at.is_(None))
        .order_by(Company.code, Brand.id)
    ):
        yield SitemapEntry("brand", code, str(brand_id), updated)
    for code, gtin, updated in session.execute(
        sa.select(Company.code, Product.gtin, Product.updated_at)
        .join(Product.company)
        .where(active, Product.retired_at.is_(None))
        .order_by(Product.gtin)
    ):
        yield SitemapEntry("product", code, gtin, updated)
