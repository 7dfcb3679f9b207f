"""The public catalogue of the registry: the brand directory (search, province, category), a
page per company, brand and product, each with a share link and its QR code, and the sitemap.

Only active rows have pages; sample rows have them too, marked as sample on every page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from flask import Response, abort, redirect, render_template, url_for

from app.clock import local_today
from app.extensions import db
from app.public import blueprint
from app.public.qr import qr_response
from app.query_args import CatalogueQuery, read_query
from app.verification import snapshot, verify_code
from barcode_db.areas import provinces
from barcode_db.catalogue import alternatives
from barcode_db.categories import CATEGORIES
from barcode_db.categories import category as category_named
from barcode_db.directory import (
    categories_of,
    covering_certifications,
    directory_statement,
    fetch_products,
    fetch_sitemap_entries,
    get_brand,
    get_company,
    get_product,
    product_category,
    shown_certifications,
)
from barcode_db.gtin import parse_code, printed_gtin
from barcode_db.models import Certification
from barcode_db.provenance import ProvenanceFact, provenance
from barcode_db.verdict import Facts, Reason, Source, Verdict
from surveys.results import published_brand_figures

BRANDS_PER_PAGE = 20
#: A sitemap file lists at most this many addresses (sitemaps.org); past it /sitemap.xml is an
#: index of numbered parts.
SITEMAP_URLS = 50_000
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The lengths a product number is printed in (GTIN-8, UPC-A, EAN-13) or stored in (GTIN-14).
_GTIN_LENGTHS = (8, 12, 13, 14)
#: The provenance facts of a company's and a brand's page (the certifications are listed there,
#: ended ones too).
COMPANY_FACTS = frozenset({"brand_owner", "owner_group", "made_in"})


def _split_by_status(
    certifications: Iterable[Certification],
) -> tuple[list[Certification], list[Certification]]:
    """Current and ended certifications, as of today in Vietnam (retired ones are not loaded)."""
    today = local_today()
    current = [c for c in certifications if c.is_current(today)]
    return current, [c for c in certifications if not c.is_current(today)]


def _company_facts(company_id: int) -> tuple[ProvenanceFact, ...]:
    """What a verdict on one of the company's numbers says of it: who owns the brand (registered
    in Vietnam?), its group and the group's country, where its goods are made, with the source
    and the day they were checked (barcode_db.provenance, the verdict's own facts)."""
    company = snapshot().companies.get(company_id)
    if company is None:  # changed in the last second, not in this process's snapshot yet
        return ()
    found = provenance(Facts(parsed=parse_code(""), company=company))
    return tuple(fact for fact in found if fact.fact in COMPANY_FACTS)


def _share(endpoint: str, **values: Any) -> dict[str, str]:
    """A page's share link (its absolute address, in no particular language: the reader's own
    is chosen when it opens) and the address of its QR code."""
    return {
        "url": url_for(endpoint, **values, _external=True),
        "qr": url_for(f"{endpoint}_qr", **values),
    }


@blueprint.get("/brands")
def brands():
    args = read_query(CatalogueQuery)
    query, province, category = args["q"], args["province"], args["category"]
    statement = directory_statement(query=query, province=province, category=category)
    pagination = db.paginate(
        statement, page=args["page"], per_page=BRANDS_PER_PAGE, error_out=False
    )
    return render_template(
        "public/brands.html",
        pagination=pagination,
        query=query,
        province=province,
        category=category,
        categories=CATEGORIES,
        provinces=provinces(),
        split_by_status=_split_by_status,
        shown_certifications=shown_certifications,
    )


@blueprint.get("/brands/<code>")
def company(code: str):
    found = get_company(db.session, code) or abort(404)
    products = fetch_products(db.session, found.id)
    current, ended = _split_by_status(shown_certifications(found))
    return render_template(
        "public/company.html",
        company=found,
        facts=_company_facts(found.id),
        products=products,
        categories=[category_named(c) for c in categories_of(found.brands, products)],
        current=current,
        ended=ended,
        provinces=provinces(),
        share=_share("public.company", code=found.code),
    )


@blueprint.get("/brands/<code>/qr.png")
def company_qr(code: str):
    found = get_company(db.session, code) or abort(404)
    return qr_response(url_for("public.company", code=found.code, _external=True))


@blueprint.get("/brands/<code>/<int:brand_id>")
def brand(code: str, brand_id: int):
    found = get_brand(db.session, code, brand_id) or abort(404)
    products = fetch_products(db.session, found.company_id, brand_id=found.id)
    current, ended = _split_by_status(covering_certifications(found.company, found.id))
    return render_template(
        "public/brand.html",
        brand=found,
        company=found.company,
        facts=_company_facts(found.company_id),
        products=products,
        categories=[category_named(c) for c in categories_of([found], products)],
        current=current,
        ended=ended,
        share=_share("public.brand", code=code, brand_id=found.id),
        satisfaction=published_brand_figures(db.session, found.id, local_today()),
    )


@blueprint.get("/brands/<code>/<int:brand_id>/qr.png")
def brand_qr(code: str, brand_id: int):
    found = get_brand(db.session, code, brand_id) or abort(404)
    return qr_response(url_for("public.brand", code=code, brand_id=found.id, _external=True))


def _stored_gtin(gtin: str) -> str | None:
    """The GTIN-14 a product page's address names, or None if it names no product number."""
    if gtin.isascii() and gtin.isdigit() and len(gtin) in _GTIN_LENGTHS:
        return gtin.zfill(14)
    return None


def _confirmed_warnings(verdict: Verdict) -> list[Reason]:
    """What the verdict on a number says of the cases the association confirmed on it (the
    label the counterfeit carried, where, when): the verdict's own history rules and data."""
    return [
        r for r in verdict.reasons if r.source is Source.HISTORY and r.code.startswith("confirmed")
    ]


@blueprint.get("/products/<gtin>")
def product(gtin: str):
    """A product's page, at the number printed on its pack (a GTIN-14 is sent there)."""
    stored = _stored_gtin(gtin)
    if stored is not None and printed_gtin(stored) != gtin:
        return redirect(url_for("public.product", gtin=printed_gtin(stored)), 301)
    found = get_product(db.session, stored) if stored else None
    if found is None:
        return render_template("public/product_missing.html", gtin=gtin, digits=bool(stored)), 404
    category = product_category(found)
    # What a scan of this number says: the same facts, certifications and confirmed cases.
    verdict = verify_code(found.gtin).verdict
    return render_template(
        "public/product.html",
        product=found,
        company=found.company,
        brand=found.brand if found.brand and found.brand.retired_at is None else None,
        printed=gtin,
        category=category_named(category),
        facts=provenance(verdict.facts),
        warnings=_confirmed_warnings(verdict),
        alternatives=alternatives(snapshot(), category, today=local_today(), exclude=found.gtin),
        share=_share("public.product", gtin=gtin),
    )


@blueprint.get("/products/<gtin>/qr.png")
def product_qr(gtin: str):
    stored = _stored_gtin(gtin)
    found = (get_product(db.session, stored) if stored else None) or abort(404)
    printed = printed_gtin(found.gtin)
    return qr_response(url_for("public.product", gtin=printed, _external=True))


#: A page of the sitemap: its endpoint, the values of its address, the day its record changed.
SitemapPage = tuple[str, dict[str, Any], str | None]


def _sitemap_pages() -> list[SitemapPage]:
    """Every public page worth finding: the shoppers' own, then those of active records."""
    pages: list[SitemapPage] = [
        (endpoint, {}, None) for endpoint in ("public.scan", "public.about", "public.brands")
    ]
    for entry in fetch_sitemap_entries(db.session):
        day = entry.updated_at.date().isoformat()
        if entry.kind == "company":
            pages.append(("public.company", {"code": entry.company_code}, day))
        elif entry.kind == "brand":
            values = {"code": entry.company_code, "brand_id": int(entry.key)}
            pages.append(("public.brand", values, day))
        else:
            pages.append(("public.product", {"gtin": printed_gtin(entry.key)}, day))
    return pages


def _xml(root: str, items: Iterable[str]) -> Response:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{SITEMAP_NAMESPACE}">\n'
    body = "".join([head, *items, f"</{root}>\n"])
    return Response(body, mimetype="application/xml")


def _urlset(pages: Iterable[SitemapPage]) -> Response:
    return _xml(
        "urlset",
        (
            f"<url><loc>{escape(url_for(endpoint, **values, _external=True))}</loc>"
            + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
            + "</url>\n"
            for endpoint, values, lastmod in pages
        ),
    )


@blueprint.get("/sitemap.xml")
def sitemap():
    """The sitemap of the public pages; past :data:`SITEMAP_URLS` addresses, an index of parts."""
    pages = _sitemap_pages()
    if len(pages) <= SITEMAP_URLS:
        return _urlset(pages)
    parts = math.ceil(len(pages) / SITEMAP_URLS)
    return _xml(
        "sitemapindex",
        (
            f"<sitemap><loc>{escape(url_for('public.sitemap_part', number=n, _external=True))}"
            "</loc></sitemap>\n"
            for n in range(1, parts + 1)
        ),
    )


@blueprint.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    pages = _sitemap_pages()
    part = pages[(number - 1) * SITEMAP_URLS : number * SITEMAP_URLS] if number else []
    if len(pages) <= SITEMAP_URLS or not part:
        abort(404)
    return _urlset(part)
