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
from typing import cast

from barcode_db.categories import category as category_named
from barcode_db.models import Programme
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, RegistrySnapshot
from barcode_db.verdict import SUSPECT_LEVELS, Level, Verdict

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
    if category is None or category_named(category) is None:
        return []
    found: list[Alternative] = []
    for alternative in ranked(snapshot, category, today):
        if len(found) == limit:
            break
        if alternative.gtin != exclude:
            found.append(alternative)
    return found


def ranked(snapshot: RegistrySnapshot, category: str, today: dt.date) -> tuple[Alternative, ...]:
    """Every trusted Vietnamese product in ``category``, best first.

    Ranked once per snapshot, category and day, and kept with the snapshot (which is replaced
    when the registry changes): a verification then takes the first few (issue 14: p95 ≤ 5 ms
    at 20,000 products; ``scripts/bench_alternatives.py``)."""
    key = ("alternatives", category)
    kept = snapshot.derived.get(key)
    if isinstance(kept, tuple) and kept[0] == today:
        return cast("tuple[Alternative, ...]", kept[1])
    found = []
    covering: dict[tuple[int, str | None], tuple[CertificationFact, ...]] = {}
    for product in snapshot.products_in(category):
        if not is_trusted_product(snapshot, product):
            continue
        company = snapshot.company(product.company_id)
        held = covering.get((company.id, product.brand))
        if held is None:
            held = covering[company.id, product.brand] = current_certifications(
                company, product.brand, today
            )
        found.append(Alternative(product, company, held))
    found.sort(key=_rank)
    result = tuple(found)
    snapshot.derived[key] = (today, result)
    return result


#: The verdicts after which alternatives are offered: a number licensed abroad or that names no
#: country, a Vietnamese number whose owner the registry does not know, and the suspect ones.
OFFERED_AFTER: frozenset[Level] = frozenset(
    {Level.FOREIGN, Level.NO_COUNTRY, Level.VIETNAMESE, *SUSPECT_LEVELS}
)


def scan_category(verdict: Verdict, said: str | None) -> str | None:
    """What the scanned product is: its registry product's category, else what the shopper
    said (a known category code); never guessed from the barcode."""
    product = verdict.facts.product
    if product is not None and product.category:
        return product.category
    return said if category_named(said) is not None else None


def alternatives_after(
    snapshot: RegistrySnapshot, verdict: Verdict, category: str | None, *, today: dt.date
) -> list[Alternative]:
    """The alternatives to offer after ``verdict`` in ``category`` (:func:`scan_category`):
    none after a verdict not in :data:`OFFERED_AFTER`; never the scanned number itself."""
    if verdict.level not in OFFERED_AFTER:
        return []
    parsed = verdict.facts.parsed
    return alternatives(
        snapshot, category, today=today, exclude=parsed.gtin14 if parsed.valid else None
    )
