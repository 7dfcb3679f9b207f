""" "How Vietnamese is this?": the facts behind a verdict, each with its source and date.

No single score: separate facts the shopper weighs for themselves (as Poland's Pola shows them),
each saying where it comes from and when it was last checked. Who licensed the barcode (from
the GS1 prefix table), and for a number the registry gives an owner: who owns the brand (a
company registered in Vietnam has a tax code), the group it belongs to and that group's
country, where its goods are made, and the certifications it holds now. What the registry does
not record is said to be not recorded; a company whose facts nobody checked says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from barcode_db.messages import N_, Message
from barcode_db.models import PROGRAMME_NAMES
from barcode_db.prefixes import TABLE_DATA_DATE, country_name
from barcode_db.registry import CertificationFact, CompanyFact
from barcode_db.verdict import Facts

#: Each fact's stable code (what the API carries) and its name, as msgids.
FACT_NAMES: dict[str, str] = {
    "barcode_licensed_by": N_("Barcode licensed by"),
    "brand_owner": N_("Brand owner"),
    "owner_group": N_("Group"),
    "made_in": N_("Made in"),
    "certification": N_("Certification held now"),
}

GS1_PREFIX_TABLE = Message("source_gs1_prefix_table", N_("GS1 prefix table"))
NOT_CHECKED = Message("source_not_checked", N_("not checked"))
NOT_RECORDED = Message("not_recorded", N_("not recorded"))
REGISTRY = Message("source_registry", N_("the association’s registry of trusted brands"))


@dataclass(frozen=True)
class ProvenanceFact:
    """One fact about where a product comes from, with its source and the date it was last
    checked (None: no date recorded)."""

    fact: str  # a key of FACT_NAMES
    value: Message
    source: Message
    checked_on: dt.date | None

    @property
    def name(self) -> Message:
        return Message(f"fact_{self.fact}", FACT_NAMES[self.fact])


def as_recorded(code: str, text: str) -> Message:
    """Text stored in the registry (a place, a source), shown as it was recorded: no msgid."""
    return Message(code, "%(text)s", {"text": text})


def provenance(facts: Facts) -> tuple[ProvenanceFact, ...]:
    """The facts of a verdict: the GS1 one for any valid product number, the registry owner's
    when there is one."""
    found: list[ProvenanceFact] = []
    prefix = facts.prefix
    if facts.parsed.valid and prefix is not None and prefix.is_product_id:
        found.append(
            ProvenanceFact(
                "barcode_licensed_by",
                Message(
                    "licensed_by",
                    N_("Prefix %(prefix)s: %(organisation)s"),
                    {"prefix": prefix.prefix, "organisation": prefix.description},
                ),
                GS1_PREFIX_TABLE,
                TABLE_DATA_DATE,
            )
        )
    company = facts.company
    if company is None:
        return tuple(found)
    source = as_recorded("source", company.source) if company.source else NOT_CHECKED
    checked_on = company.checked_on
    found += [
        ProvenanceFact("brand_owner", _owner(company), source, checked_on),
        ProvenanceFact("owner_group", _group(company), source, checked_on),
        ProvenanceFact(
            "made_in",
            as_recorded("made_in", company.made_in) if company.made_in else NOT_RECORDED,
            source,
            checked_on,
        ),
    ]
    # The certifications current today (the verdict's); with the registry's product known,
    # only those covering it: the company's own, and its brand's.
    brand = facts.product.brand if facts.product is not None else None
    held = [c for c in facts.certifications if brand is None or c.brand in (None, brand)]
    found += [
        ProvenanceFact(
            "certification",
            certification_words(c),
            as_recorded("evidence", c.evidence_ref) if c.evidence_ref else NOT_RECORDED,
            None,
        )
        for c in held
    ]
    if not held:
        found.append(
            ProvenanceFact(
                "certification",
                Message("no_certification", N_("none held now")),
                REGISTRY,
                None,
            )
        )
    return tuple(found)


def _owner(company: CompanyFact) -> Message:
    if company.tax_code:
        return Message(
            "owner_registered_in_vietnam",
            N_("%(company)s, registered in Vietnam (tax code %(tax_code)s)"),
            {"company": company.name, "tax_code": company.tax_code},
        )
    return Message(
        "owner_no_tax_code",
        N_("%(company)s; no Vietnamese tax code on record"),
        {"company": company.name},
    )


def _group(company: CompanyFact) -> Message:
    if not company.owner_group:
        return Message("no_group", N_("none recorded"))
    country = country_name(company.owner_country) if company.owner_country else None
    if country is None:
        return Message(
            "owner_group", N_("Part of the group %(group)s"), {"group": company.owner_group}
        )
    return Message(
        "owner_group",
        N_("Part of the group %(group)s (%(country)s)"),
        {"group": company.owner_group, "country": country},
    )


def certification_words(cert: CertificationFact) -> Message:
    """A certification as a shopper reads it: programme and year, then its stars, the brand it
    is for and its validity, where the registry records them."""
    words = Message(
        "certification",
        N_("%(programme)s %(year)s"),
        {
            "programme": Message(
                f"programme_{cert.programme.value}", PROGRAMME_NAMES[cert.programme]
            ),
            "year": cert.year,
        },
    )
    if cert.stars:
        words = Message(
            "certification_stars",
            N_("%(certification)s, %(stars)s stars"),
            {"certification": words, "stars": cert.stars},
        )
    if cert.brand:
        words = Message(
            "certification_brand",
            N_("%(certification)s, for the brand %(brand)s"),
            {"certification": words, "brand": cert.brand},
        )
    if cert.valid_until:
        words = Message(
            "certification_valid_until",
            N_("%(certification)s, valid until %(date)s"),
            {"certification": words, "date": cert.valid_until},
        )
    return words
