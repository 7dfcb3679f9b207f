"""The registry as a catalogue for shoppers: Vietnamese alternatives in a category.

A product is offered as an alternative only if a scan of its own number would be TRUSTED: its
number is licensed by GS1 Vietnam (893) under a company prefix the registry gives to the company
that lists it. Alternatives are chosen by category (:mod:`barcode_db.categories`) and never
guessed: no category, no alternatives. Ranking, published on the about page: the number of
certifications current today (the company's and the product's brand's), then whether one of
them is the national brand programme, then the product's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from barcode_db.categories import category as category_named
from barcode_db.models import Programme
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, RegistrySnapshot

#: At most this many alternatives are offered.
MAX_ALTERNATIVES = 5
#: GS1 Vietnam's prefix, in a GTIN-14 after its indicator digit.
_VIETNAM = "893"


@dataclass(frozen=True)
class Alternative:
    """A trusted Vietnamese product of the same category, with what it is ranked by."""

    product: ProductFact
    company: CompanyFact
    #: The certifications current today that cover it: the company's, and its brand's own.
    certifications: tuple[CertificationFact, ...]

    @property
    def gtin(self) -> str:
        return self.product.gtin

    @property
    def is_sample(self) -> bool:
        return self.company.is_sample


def is_trusted_product(snapshot: RegistrySnapshot, product: ProductFact) -> bool:
    """A scan of this product's number would be TRUSTED: 893, owned by the company listing it."""
    if product.gtin[1:4] != _VIETNAM:
        return False
    owner = snapshot.owner_of(product.gtin)
    return owner is not None and owner[0].id == product.company_id


def current_certifications(
    company: CompanyFact, brand: str | None, today: dt.date
) -> tuple[CertificationFact, ...]:
    """The certifications current today that cover a product of ``brand``: the company's own
    and that brand's (another brand's certification does not cover it)."""
    return tuple(
        c
        for c in company.certifications
        if c.is_current(today) and (c.brand is None or c.brand == brand)
    )


def _rank(alternative: Alternative) -> tuple[int, int, str]:
    certifications = alternative.certifications
    national = any(c.programme is Programme.NATIONAL_BRAND for c in certifications)
    return (-len(certifications), 0 if national else 1, alternative.product.name.casefold())


def alternatives(
    snapshot: RegistrySnapshot,
    category: str | None,
    *,
    today: dt.date,
    exclude: str | None = None,
    limit: int = MAX_ALTERNATIVES,
) -> list[Alternative]:
    """Up to ``limit`` trusted Vietnamese products in ``category``, best first; ``exclude`` (a
    GTIN-14: the scanned product) is never offered. An unknown or empty category gives none."""
    if category_named(category) is None:
        return []
    found = []
    for product in snapshot.products_in(category or ""):
        if product.gtin == exclude or not is_trusted_product(snapshot, product):
            continue
        company = snapshot.company(product.company_id)
        found.append(
            Alternative(product, company, current_certifications(company, product.brand, today))
        )
    found.sort(key=_rank)
    return found[:limit]
