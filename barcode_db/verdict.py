"""The verdict: what a scan tells a shopper, with the reasons and the facts behind them.

Pure rules over values (DESIGN.md, "The verdict"): no Flask, no clock, no database. The caller
passes the parsed code, the GS1 prefix table, a registry snapshot, what the label claims, the
complaint history of the GTIN and today's date.

Honesty rules encoded here: a GS1 prefix says where a number was licensed, never where goods were
made; a barcode alone never proves a product fake or genuine, so suspect levels say "suspected" and
what else could explain them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from barcode_db.gtin import CodeSource, ParsedCode
from barcode_db.matching import BrandMatch, MatchKind
from barcode_db.messages import N_, Localized, Message
from barcode_db.prefixes import PrefixInfo, PrefixKind, PrefixTable
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, RegistrySnapshot


class Level(enum.StrEnum):
    """Verdict levels, declared from good to bad: a later member is more serious."""

    TRUSTED = "TRUSTED"
    VIETNAMESE = "VIETNAMESE"
    FOREIGN = "FOREIGN"
    NOT_A_PRODUCT_ID = "NOT_A_PRODUCT_ID"
    UNKNOWN = "UNKNOWN"
    INVALID = "INVALID"
    LOOKALIKE = "LOOKALIKE"
    MISMATCH = "MISMATCH"
    REPORTED = "REPORTED"

    @property
    def severity(self) -> int:
        return list(Level).index(self)

    @property
    def is_suspect(self) -> bool:
        """Suspect levels offer a one-tap complaint."""
        return self in SUSPECT_LEVELS


SUSPECT_LEVELS = frozenset({Level.INVALID, Level.LOOKALIKE, Level.MISMATCH, Level.REPORTED})

#: Levels in words, as msgids.
LEVEL_TITLES: dict[Level, str] = {
    Level.TRUSTED: N_("Trusted Vietnamese goods"),
    Level.VIETNAMESE: N_("Vietnamese barcode"),
    Level.FOREIGN: N_("Barcode licensed abroad"),
    Level.NOT_A_PRODUCT_ID: N_("Not a product barcode"),
    Level.UNKNOWN: N_("No product number found"),
    Level.INVALID: N_("Invalid barcode number"),
    Level.LOOKALIKE: N_("Suspected imitation label"),
    Level.MISMATCH: N_("Suspected counterfeit: brand and barcode do not match"),
    Level.REPORTED: N_("Reported: confirmed cases on record"),
}


class Tone(enum.StrEnum):
    GOOD = "good"
    INFO = "info"
    WARNING = "warning"
    BAD = "bad"


@dataclass(frozen=True)
class Reason:
    message: Message
    tone: Tone = Tone.INFO

    @property
    def code(self) -> str:
        return self.message.code


@dataclass(frozen=True)
class LabelClaims:
    """What the label says, read from a photo or typed by the shopper."""

    brand: str | None = None
    made_in_vietnam: bool = False


@dataclass(frozen=True)
class History:
    """Complaint history of the GTIN (filled by the complaints core)."""

    confirmed_cases: int = 0
    open_complaints: int = 0


#: Open complaints on one GTIN from which the verdict says "reported" even before confirmation.
OPEN_COMPLAINTS_THRESHOLD = 5


@dataclass(frozen=True)
class Facts:
    parsed: ParsedCode
    prefix: PrefixInfo | None = None
    company: CompanyFact | None = None  # who owns the number, per the registry
    company_prefix: str | None = None
    product: ProductFact | None = None
    brand_match: BrandMatch | None = None
    claimed_company: CompanyFact | None = None  # whose brand the label shows
    certifications: tuple[CertificationFact, ...] = ()  # the owner's, current as of today
    expired_certifications: tuple[CertificationFact, ...] = ()
    history: History = field(default_factory=History)


@dataclass(frozen=True)
class Verdict:
    level: Level
    reasons: tuple[Reason, ...]
    facts: Facts

    @property
    def is_suspect(self) -> bool:
        return self.level.is_suspect

    @property
    def title(self) -> str:
        return LEVEL_TITLES[self.level]


PREFIX_CAVEAT = Message(
    "prefix_caveat",
    N_("A barcode prefix tells where the number was licensed, not where the goods were made."),
)
NOT_PROOF = Message(
    "not_proof",
    N_(
        "A barcode check cannot prove a product genuine or fake; look at the packaging, the seller "
        "and the price too."
    ),
)


class _Builder:
    """Collects reasons and raises the level; the level never goes down."""

    def __init__(self) -> None:
        self.level = Level.TRUSTED
        self.raised = False
        self.reasons: list[Reason] = []

    def add(self, message: Message, tone: Tone = Tone.INFO, level: Level | None = None) -> None:
        self.reasons.append(Reason(message, tone))
        if level is not None and (not self.raised or level.severity > self.level.severity):
            self.level = level
            self.raised = True


def verdict_for(
    parsed: ParsedCode,
    *,
    prefixes: PrefixTable,
    registry: RegistrySnapshot,
    today: dt.date,
    claims: LabelClaims | None = None,
    history: History | None = None,
) -> Verdict:
    """Apply the verdict rules of DESIGN.md, in order, to one scan."""
    claims = claims or LabelClaims()
    history = history or History()
    out = _Builder()
    facts: dict[str, object] = {"parsed": parsed, "history": history}

    # 1–2. Parse and check digit.
    if parsed.source is CodeSource.EMPTY:
        out.add(parsed.problems[0], Tone.INFO, Level.UNKNOWN)
    elif parsed.source is CodeSource.TEXT or (parsed.gtin is None and parsed.text is not None):
        out.add(
            Message(
                "not_a_product_code",
                N_(
                    "The code holds text, not a product number. It is shown below; links in it are "
                    "not opened for you."
                ),
            ),
            Tone.INFO,
            Level.UNKNOWN,
        )
        for problem in parsed.problems:
            out.add(problem, Tone.INFO)
    elif not parsed.valid:
        for problem in parsed.problems:
            out.add(problem, Tone.BAD, Level.INVALID)
        out.add(
            Message(
                "invalid_meaning",
                N_(
                    "This is not a valid barcode number. Check the digits you typed; if they match the "
                    "label, the barcode was misprinted or made up."
                ),
            ),
            Tone.WARNING,
        )
    else:
        _rules_for_valid_gtin(parsed, prefixes, registry, today, claims, out, facts)

    # 5 (name only). A lookalike name is worth saying even when the number is unusable.
    if "brand_match" not in facts and claims.brand:
        match = registry.matcher.match(claims.brand)
        facts["brand_match"] = match
        if match.kind is MatchKind.CLOSE and match.entry is not None:
            out.add(_lookalike_message(claims.brand, match), Tone.BAD, Level.LOOKALIKE)

    # 6. History.
    if history.confirmed_cases:
        out.add(
            Message(
                "confirmed_cases",
                N_(
                    "The association has confirmed %(count)s counterfeit case(s) with this barcode."
                ),
                {"count": history.confirmed_cases},
            ),
            Tone.BAD,
            Level.REPORTED,
        )
    elif history.open_complaints >= OPEN_COMPLAINTS_THRESHOLD:
        out.add(
            Message(
                "many_open_complaints",
                N_("%(count)s shoppers have reported this barcode; the association is checking."),
                {"count": history.open_complaints},
            ),
            Tone.BAD,
            Level.REPORTED,
        )
    elif history.open_complaints:
        out.add(
            Message(
                "open_complaints",
                N_("%(count)s report(s) about this barcode are being checked by the association."),
                {"count": history.open_complaints},
            ),
            Tone.WARNING,
        )

    if out.level.is_suspect:
        out.add(NOT_PROOF, Tone.INFO)
    # What is wrong comes first; otherwise the rules' order, which follows the checks made.
    out.reasons.sort(key=lambda r: {Tone.BAD: 0, Tone.WARNING: 1}.get(r.tone, 2))
    return Verdict(level=out.level, reasons=tuple(out.reasons), facts=Facts(**facts))  # type: ignore[arg-type]


def _rules_for_valid_gtin(
    parsed: ParsedCode,
    prefixes: PrefixTable,
    registry: RegistrySnapshot,
    today: dt.date,
    claims: LabelClaims,
    out: _Builder,
    facts: dict[str, object],
) -> None:
    assert parsed.gtin is not None and parsed.gtin14 is not None
    gtin14 = parsed.gtin14

    # 3. GS1 prefix.
    info = prefixes.lookup(parsed.gtin)
    facts["prefix"] = info
    if info is None or info.kind in (PrefixKind.UNASSIGNED, PrefixKind.RESERVED):
        out.add(
            Message(
                "prefix_unassigned",
                N_(
                    "No GS1 organisation issues product numbers starting with %(prefix)s: the number "
                    "was misprinted or made up."
                ),
                {"prefix": parsed.gtin.zfill(13)[:3] if len(parsed.gtin) != 8 else parsed.gtin[:3]},
            ),
            Tone.BAD,
            Level.INVALID,
        )
        return
    if not info.is_product_id:
        out.add(_not_a_product_message(info), Tone.INFO, Level.NOT_A_PRODUCT_ID)
        return

    # 4. Registry: longest registered company prefix, then the exact product.
    owned = registry.owner_of(gtin14) if info.is_vietnam else None
    product = registry.product(gtin14)
    company, company_prefix = owned if owned else (None, None)
    if company is None and product is not None:
        company = registry.company(product.company_id)
    facts.update(company=company, company_prefix=company_prefix, product=product)

    if info.is_vietnam:
        out.add(
            Message(
                "gs1_vietnam",
                N_("The number was licensed by GS1 Vietnam (prefix 893)."),
            ),
            Tone.GOOD,
        )
    else:
        out.add(
            Message(
                "gs1_foreign",
                N_("The number was licensed by %(organisation)s (%(country)s)."),
                {
                    "organisation": info.organisation,
                    "country": info.country_name or Localized({"en": info.organisation}),
                },
            ),
            Tone.INFO,
        )
    out.add(PREFIX_CAVEAT, Tone.INFO)

    if company is not None and info.is_vietnam:
        out.add(
            Message(
                "registry_owner",
                N_(
                    "%(company)s owns this number and is in the registry of trusted Vietnamese brands."
                ),
                {"company": company.name},
            ),
            Tone.GOOD,
            Level.TRUSTED,
        )
    elif company is not None:
        out.add(
            Message(
                "registry_product_foreign",
                N_(
                    "The registry lists this product under %(company)s, with a number licensed "
                    "abroad."
                ),
                {"company": company.name},
            ),
            Tone.INFO,
            Level.FOREIGN,
        )
    elif info.is_vietnam:
        out.add(
            Message(
                "not_in_registry",
                N_(
                    "The company that owns this number is not in our registry of trusted brands. That "
                    "is not a fault: the registry lists only brands the association has checked."
                ),
            ),
            Tone.INFO,
            Level.VIETNAMESE,
        )
    else:
        out.add(
            Message(
                "foreign_meaning",
                N_(
                    "Imported goods and goods of foreign brands carry such numbers, and so may goods "
                    "made in Vietnam."
                ),
            ),
            Tone.INFO,
            Level.FOREIGN,
        )

    if product is not None:
        out.add(
            Message(
                "registry_product",
                N_("Registered product: %(product)s."),
                {"product": product.name},
            ),
            Tone.GOOD,
        )
    if company is not None:
        current = tuple(c for c in company.certifications if c.is_current(today))
        facts["certifications"] = current
        facts["expired_certifications"] = tuple(
            c for c in company.certifications if not c.is_current(today)
        )

    # 5. Label claims.
    if claims.brand:
        match = registry.matcher.match(claims.brand)
        facts["brand_match"] = match
        _brand_rules(claims.brand, match, company, registry, out, facts)
    if claims.made_in_vietnam and not info.is_vietnam:
        out.add(
            Message(
                "made_in_vn_foreign_number",
                N_(
                    "The label says “Made in Vietnam” while the number was licensed by "
                    "%(organisation)s. That alone is not a fault: companies may license numbers abroad "
                    "or make goods here for a foreign brand."
                ),
                {"organisation": info.organisation},
            ),
            Tone.INFO,
        )


def _brand_rules(
    seen: str,
    match: BrandMatch,
    owner: CompanyFact | None,
    registry: RegistrySnapshot,
    out: _Builder,
    facts: dict[str, object],
) -> None:
    if match.kind is MatchKind.NONE or match.entry is None:
        out.add(
            Message(
                "brand_not_in_registry",
                N_("The brand “%(brand)s” is not in our registry; nothing to compare it with."),
                {"brand": seen},
            ),
            Tone.INFO,
        )
        return
    candidates = (match.entry, *match.alternatives)
    owner_entry = next((e for e in candidates if owner and e.company_id == owner.id), None)
    if owner_entry is not None:
        facts["claimed_company"] = owner
        if match.kind is MatchKind.EXACT:
            out.add(
                Message(
                    "brand_matches_owner",
                    N_("The brand on the label, %(brand)s, belongs to the owner of this number."),
                    {"brand": owner_entry.name},
                ),
                Tone.GOOD,
            )
        else:
            out.add(
                Message(
                    "brand_close_to_owner",
                    N_("“%(seen)s” was read as %(brand)s, a brand of the owner of this number."),
                    {"seen": seen, "brand": owner_entry.name},
                ),
                Tone.INFO,
            )
        return
    claimed = registry.company(match.entry.company_id)
    facts["claimed_company"] = claimed
    if match.kind is MatchKind.EXACT:
        out.add(
            Message(
                "brand_mismatch",
                N_(
                    "The label shows %(brand)s, a trusted brand of %(company)s, but this number is not "
                    "registered to %(company)s. Counterfeits often look like this; it may also be a gap "
                    "in our registry. Report it so the association can check."
                ),
                {"brand": match.entry.name, "company": claimed.name},
            ),
            Tone.BAD,
            Level.MISMATCH,
        )
    else:
        out.add(_lookalike_message(seen, match), Tone.BAD, Level.LOOKALIKE)


def _lookalike_message(seen: str, match: BrandMatch) -> Message:
    assert match.entry is not None
    return Message(
        "brand_lookalike",
        N_(
            "The name on the label, “%(seen)s”, looks like the trusted brand %(brand)s but is not "
            "the same. Imitation labels often do this."
        ),
        {"seen": seen, "brand": match.entry.name},
    )


_NOT_A_PRODUCT = {
    PrefixKind.RESTRICTED: N_(
        "Numbers starting with %(prefix)s are for use inside a shop or "
        "company (weighed goods, shop labels); they identify no product "
        "elsewhere."
    ),
    PrefixKind.ISBN: N_("This is a book number (ISBN), not a product barcode."),
    PrefixKind.ISSN: N_("This is a periodical number (ISSN), not a product barcode."),
    PrefixKind.COUPON: N_("This is a coupon number, not a product barcode."),
    PrefixKind.REFUND: N_("This is a refund receipt number, not a product barcode."),
    PrefixKind.DEMO: N_("This number is reserved for demonstrations and is not on real products."),
}


def _not_a_product_message(info: PrefixInfo) -> Message:
    msgid = _NOT_A_PRODUCT.get(
        info.kind,
        N_("Numbers starting with %(prefix)s are not product numbers (%(organisation)s)."),
    )
    return Message(
        f"not_a_product_{info.kind.value}",
        msgid,
        {"prefix": info.prefix, "organisation": info.organisation},
    )
