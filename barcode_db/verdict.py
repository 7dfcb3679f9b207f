"""The verdict: what a scan tells a shopper, with the reasons and the facts behind them.

Pure rules over values (DESIGN.md, "The verdict"): no Flask, no clock, no database. The caller
passes the parsed code, the GS1 prefix table, a registry snapshot, what the label claims, the
complaint history of the GTIN and today's date.

Honesty rules encoded here: a GS1 prefix says where a number was licensed, never where goods were
made; a barcode alone never proves a product fake or genuine, so suspect levels say "suspected" and
what else could explain them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field

from barcode_db.areas import provinces
from barcode_db.gtin import CodeSource, ParsedCode
from barcode_db.matching import BrandEntry, BrandMatch, MatchKind
from barcode_db.messages import N_, Message
from barcode_db.models import CertificationStatus
from barcode_db.prefixes import PrefixInfo, PrefixKind, PrefixTable
from barcode_db.registry import CertificationFact, CompanyFact, ProductFact, RegistrySnapshot
from barcode_db.textkey import match_key


class Level(enum.StrEnum):
    """Verdict levels, declared from good to bad: a later member is more serious."""

    TRUSTED = "TRUSTED"
    VIETNAMESE = "VIETNAMESE"
    FOREIGN = "FOREIGN"
    #: A valid product number whose range names no licensing country (GS1 Global Office's 950,
    #: the GTIN-8 ranges 960-969 it shares out): not "licensed abroad", since it does not say.
    NO_COUNTRY = "NO_COUNTRY"
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
    Level.NO_COUNTRY: N_("Valid barcode; it does not say where it was licensed"),
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


class Source(enum.StrEnum):
    """Where what a reason rests on came from."""

    BARCODE = "barcode"  # the number itself and its GS1 prefix
    REGISTRY = "registry"  # the trusted-brand registry
    TYPED = "typed"  # what the shopper typed (or corrected)
    LABEL = "label"  # what was read from the label photo (OCR): not the shopper's word
    HISTORY = "history"  # complaints and confirmed cases on record


class ReportHint(enum.StrEnum):
    """A reason that deserves a one-tap report suggests what to report (a complaint category)."""

    IMITATION = "imitation"
    COUNTERFEIT = "counterfeit"
    UNKNOWN_ORIGIN = "unknown_origin"
    NO_VIETNAMESE_LABEL = "unlabelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Reason:
    """One finding, and what the shopper should do about it (``advice``), said apart: staff
    pages show the finding of a complaint's verdict, not the advice the shopper was given."""

    message: Message
    tone: Tone = Tone.INFO
    source: Source = Source.BARCODE
    report: ReportHint | None = None
    advice: Message | None = None

    @property
    def code(self) -> str:
        return self.message.code


@dataclass(frozen=True)
class LabelClaims:
    """What the label says, typed by the shopper or read from a photo, each claim with its source.

    ``label_read`` says a label photo was read: only then does something *not* found (no maker,
    no Vietnamese text) say anything, and then only about what the photo showed.
    """

    brand: str | None = None
    brand_source: Source = Source.TYPED
    #: Further brand names read on the label (OCR), beside ``brand``.
    other_brands: tuple[str, ...] = ()
    made_in_vietnam: bool = False
    #: Who the label says made the goods or answers for them (not an importer or distributor).
    maker: str | None = None
    maker_source: Source = Source.TYPED
    importer: str | None = None
    origin: str | None = None
    origin_country: str | None = None  # ISO 3166-1 alpha-2
    origin_source: Source = Source.TYPED
    expires: dt.date | None = None
    expires_text: str | None = None
    expires_source: Source = Source.TYPED
    vietnamese_text: bool | None = None  # None: nobody looked
    #: A brand name read on the label, but not for certain (the readings disagreed).
    unsure_brand: str | None = None
    label_read: bool = False
    label_has_text: bool = False  # the photo showed words, not only the barcode

    def corrected_by(self, typed: LabelClaims) -> LabelClaims:
        """These claims with what the shopper typed put in place of what was read."""
        changes: dict[str, object] = {}
        if typed.brand:
            changes.update(
                brand=typed.brand,
                brand_source=typed.brand_source,
                other_brands=(),
                unsure_brand=None,
            )
        if typed.made_in_vietnam:
            changes.update(made_in_vietnam=True)
        if typed.maker:
            changes.update(maker=typed.maker, maker_source=typed.maker_source)
        if typed.origin:
            changes.update(
                origin=typed.origin,
                origin_country=typed.origin_country,
                origin_source=typed.origin_source,
            )
        if typed.expires:
            changes.update(
                expires=typed.expires,
                expires_text=typed.expires_text,
                expires_source=typed.expires_source,
            )
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def brands(self) -> tuple[tuple[str, Source], ...]:
        first = ((self.brand, self.brand_source),) if self.brand else ()
        return first + tuple((b, Source.LABEL) for b in self.other_brands)


@dataclass(frozen=True)
class ConfirmedCase:
    """A case the association confirmed on this GTIN, as far as a shopper may know it."""

    brand_seen: str  # the brand on the confirmed product's label
    province_code: str
    confirmed_on: dt.date
    #: Poor quality or an expired batch of the genuine product (not a fake carrying its number).
    about_genuine: bool = False


@dataclass(frozen=True)
class History:
    """Complaint history of the GTIN (filled by the complaints core)."""

    confirmed_cases: int = 0
    open_complaints: int = 0
    #: The most recent confirmed cases, newest first (a few are enough to say what was found).
    confirmed: tuple[ConfirmedCase, ...] = ()


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
    claimed_company: CompanyFact | None = None  # whose brand the label shows (exact name only)
    lookalike_of: BrandEntry | None = None  # the trusted brand a lookalike name imitates
    maker_company: CompanyFact | None = None  # the registry company named as maker on the label
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


#: Advice to the shopper, said after a finding (``Reason.advice``).
REPORT_IT = Message("report_it", N_("Report it so the association can check."))
CHECK_THE_DATE = Message("check_the_date", N_("Check the date on the pack."))
ADVICE: tuple[Message, ...] = (REPORT_IT, CHECK_THE_DATE)
#: Reasons that only advise the shopper (how far a barcode check goes): staff pages leave them out.
SHOPPER_ONLY_REASONS = frozenset({"prefix_caveat", "not_proof"})


MAYBE_LOST_A_DIGIT = Message(
    "maybe_lost_a_digit",
    N_(
        "This number has 12 digits and starts with 893, like Vietnamese barcodes, which have 13. "
        "If the pack shows 13 digits, one was lost: check them and type the number again."
    ),
)


def _lost_a_vietnamese_digit(parsed: ParsedCode) -> bool:
    """12 digits starting 893: most likely a Vietnamese EAN-13 typed or read without one digit."""
    digits = "".join(c for c in parsed.input if c.isascii() and c.isdigit())
    return (
        parsed.source is not CodeSource.TEXT
        and len(digits) == 12
        and digits.startswith("893")
        and digits == parsed.input.replace(" ", "").replace("-", "")
    )


class _Builder:
    """Collects reasons and raises the level; the level never goes down."""

    def __init__(self) -> None:
        self.level = Level.TRUSTED
        self.raised = False
        self.reasons: list[Reason] = []

    def add(
        self,
        message: Message,
        tone: Tone = Tone.INFO,
        level: Level | None = None,
        *,
        source: Source = Source.BARCODE,
        report: ReportHint | None = None,
        advice: Message | None = None,
    ) -> None:
        self.reasons.append(Reason(message, tone, source, report, advice))
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
    label_done = False
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
        label_done = _rules_for_valid_gtin(parsed, prefixes, registry, today, claims, out, facts)
    if _lost_a_vietnamese_digit(parsed):
        out.add(MAYBE_LOST_A_DIGIT, Tone.WARNING)

    # 5 (without a usable number). What the label says is worth saying all the same.
    if not label_done:
        _label_rules(claims, None, None, registry, today, out, facts)

    # 6. History.
    _history_rules(history, out, facts)

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
) -> bool:
    """Rules 3-5 for a number with a valid check digit; False when rule 5 was not reached."""
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
        return False
    if not info.is_product_id:
        out.add(_not_a_product_message(info), Tone.INFO, Level.NOT_A_PRODUCT_ID)
        return False

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
    elif info.names_a_country:
        out.add(
            Message(
                "gs1_foreign",
                N_("The number was licensed by GS1 %(country)s."),
                {"country": info.country_name},
            ),
            Tone.INFO,
        )
    else:
        out.add(_no_country_message(info), Tone.INFO)
    # Said once, and only where a prefix names a country: there it could be taken for the origin.
    if info.names_a_country:
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
            source=Source.REGISTRY,
        )
    elif company is not None and info.names_a_country:
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
            source=Source.REGISTRY,
        )
    elif company is not None:
        out.add(
            Message(
                "registry_product_no_country",
                N_(
                    "The registry lists this product under %(company)s; its number does not say "
                    "where it was licensed."
                ),
                {"company": company.name},
            ),
            Tone.INFO,
            Level.NO_COUNTRY,
            source=Source.REGISTRY,
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
            source=Source.REGISTRY,
        )
    elif info.names_a_country:
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
    else:
        out.add(
            Message(
                "no_country_meaning",
                N_(
                    "It is a valid product number, but the number alone does not tell who owns it "
                    "or where the goods come from: look on the pack for the maker or importer and "
                    "the origin."
                ),
            ),
            Tone.INFO,
            Level.NO_COUNTRY,
        )

    if product is not None:
        out.add(
            Message(
                "registry_product",
                N_("Registered product: %(product)s."),
                {"product": product.name},
            ),
            Tone.GOOD,
            source=Source.REGISTRY,
        )
    if company is not None:
        # Retired certifications (withdrawn by the association) are neither current nor
        # shown as expired: the shopper sees what holds, and what ended by its own date.
        facts["certifications"] = tuple(
            c for c in company.certifications if c.status(today) is CertificationStatus.CURRENT
        )
        facts["expired_certifications"] = tuple(
            c for c in company.certifications if c.status(today) is CertificationStatus.ENDED
        )

    # 5. Label claims.
    _label_rules(claims, info, company, registry, today, out, facts)
    return True


def _label_rules(
    claims: LabelClaims,
    info: PrefixInfo | None,
    owner: CompanyFact | None,
    registry: RegistrySnapshot,
    today: dt.date,
    out: _Builder,
    facts: dict[str, object],
) -> None:
    """What the label says against what the number and the registry say (DESIGN.md rule 5).

    ``info`` is None when the number itself is unusable: then only what the label says by itself
    (a lookalike name, an expiry date) is worth saying.
    """
    product = facts.get("product")
    assert product is None or isinstance(product, ProductFact)
    seen_entries: set[BrandEntry] = set()
    for text, source in claims.brands:
        match = registry.matcher.match(text, printed=source is Source.LABEL)
        facts.setdefault("brand_match", match)
        if match.entry is None or match.entry in seen_entries:
            if match.entry is None and source is Source.TYPED:
                _unknown_brand(text, product, info, out)
            continue
        seen_entries.add(match.entry)
        if match.kind is MatchKind.CLOSE:
            facts.setdefault("lookalike_of", match.entry)
            out.add(
                _lookalike_message(match, source, owner),
                Tone.BAD,
                Level.LOOKALIKE,
                source=source,
                report=ReportHint.IMITATION,
            )
        elif info is not None:
            _exact_brand(match, source, owner, product, registry, out, facts)
    if claims.unsure_brand and not claims.brand:
        out.add(
            Message(
                "brand_unsure",
                N_(
                    "We could not read the brand on the label for certain (it may say “%(seen)s”). "
                    "Compare it letter by letter with the brand registered for this number: "
                    "imitation labels change one letter or one mark of the name."
                ),
                {"seen": claims.unsure_brand},
            ),
            Tone.WARNING,
            source=Source.LABEL,
        )
    if info is not None and claims.maker:
        _maker_rules(claims, info, owner, registry, out, facts)
    if info is not None:
        _origin_rules(claims, info, out)
    if claims.expires is not None and claims.expires < today:
        out.add(
            Message(
                "expired",
                N_("The label says the goods expired on %(date)s (hết hạn sử dụng)."),
                {"date": claims.expires},
            )
            if claims.expires_source is Source.TYPED
            else Message(
                "expired",
                N_(
                    "The expiry date read on the label, “%(text)s”, is past: the goods expired on "
                    "%(date)s (hết hạn sử dụng)."
                ),
                {"date": claims.expires, "text": claims.expires_text or claims.expires},
            ),
            Tone.BAD,
            source=claims.expires_source,
            report=ReportHint.EXPIRED,
            advice=None if claims.expires_source is Source.TYPED else CHECK_THE_DATE,
        )


def _exact_brand(
    match: BrandMatch,
    source: Source,
    owner: CompanyFact | None,
    product: ProductFact | None,
    registry: RegistrySnapshot,
    out: _Builder,
    facts: dict[str, object],
) -> None:
    """A registered brand's exact name: the owner's (consistent) or another company's (mismatch)."""
    assert match.entry is not None
    candidates = (match.entry, *match.alternatives)
    owned = next((e for e in candidates if owner is not None and e.company_id == owner.id), None)
    if owned is not None:
        facts.setdefault("claimed_company", owner)
        out.add(
            Message(
                "brand_matches_owner",
                N_("The brand on the label, %(brand)s, belongs to the owner of this number."),
                {"brand": owned.name},
            ),
            Tone.GOOD,
            source=source,
        )
        if (
            product is not None
            and product.brand
            and match_key(product.brand) != match_key(owned.name)
        ):
            _product_brand_differs(match.seen or match.query, product, source, out)
        return
    claimed = registry.company(match.entry.company_id)
    facts.setdefault("claimed_company", claimed)
    params = {"brand": match.entry.name, "company": claimed.name}
    if owner is not None:
        message = Message(
            "brand_mismatch",
            N_(
                "The label shows %(brand)s, a trusted brand of %(company)s, but this number is "
                "registered to %(owner)s. Counterfeits often look like this; it may also be a gap "
                "in our registry."
            ),
            {**params, "owner": owner.name},
        )
    else:
        message = Message(
            "brand_mismatch",
            N_(
                "The label shows %(brand)s, a trusted brand of %(company)s, but this number is not "
                "registered to %(company)s. Counterfeits often look like this; it may also be a gap "
                "in our registry."
            ),
            params,
        )
    out.add(
        message,
        Tone.BAD,
        Level.MISMATCH,
        source=source,
        report=ReportHint.COUNTERFEIT,
        advice=REPORT_IT,
    )


def _unknown_brand(
    text: str, product: ProductFact | None, info: PrefixInfo | None, out: _Builder
) -> None:
    if info is not None and product is not None and product.brand:
        _product_brand_differs(text, product, Source.TYPED, out)
        return
    out.add(
        Message(
            "brand_not_in_registry",
            N_("The brand “%(brand)s” is not in our registry; nothing to compare it with."),
            {"brand": text},
        ),
        Tone.INFO,
        source=Source.TYPED,
    )


def _product_brand_differs(seen: str, product: ProductFact, source: Source, out: _Builder) -> None:
    out.add(
        Message(
            "product_brand_differs",
            N_(
                "The registry lists this number for %(product)s, of the brand %(brand)s; the label "
                "shows “%(seen)s”. A barcode copied from another product looks like this; it may "
                "also be a product our registry does not list yet."
            ),
            {"product": product.name, "brand": product.brand, "seen": seen},
        ),
        Tone.WARNING,
        Level.MISMATCH,
        source=source,
        report=ReportHint.COUNTERFEIT,
    )


def _lookalike_message(match: BrandMatch, source: Source, owner: CompanyFact | None) -> Message:
    """Quotes the label exactly and names the genuine brand, never its owner as the imitator's."""
    assert match.entry is not None
    params = {"seen": match.seen or match.query, "brand": match.entry.name}
    on_own_number = owner is not None and match.entry.company_id == owner.id
    if source is Source.LABEL:
        msgid = (
            N_(
                "The name read on the label, “%(seen)s”, is not exactly the trusted brand "
                "%(brand)s, although the number is that brand's. Imitation labels copy genuine "
                "barcodes and change a letter or a mark of the name. Check that this is what your "
                "label says, letter by letter."
            )
            if on_own_number
            else N_(
                "The name read on the label, “%(seen)s”, looks like the trusted brand %(brand)s "
                "but is not the same. Imitation labels often do this. Check that this is what "
                "your label says, letter by letter."
            )
        )
    else:
        msgid = (
            N_(
                "The name on the label, “%(seen)s”, is not exactly the trusted brand %(brand)s, "
                "although the number is that brand's. Imitation labels copy genuine barcodes and "
                "change a letter or a mark of the name."
            )
            if on_own_number
            else N_(
                "The name on the label, “%(seen)s”, looks like the trusted brand %(brand)s but is "
                "not the same. Imitation labels often do this."
            )
        )
    return Message("brand_lookalike", msgid, params)


def _maker_rules(
    claims: LabelClaims,
    info: PrefixInfo,
    owner: CompanyFact | None,
    registry: RegistrySnapshot,
    out: _Builder,
    facts: dict[str, object],
) -> None:
    assert claims.maker
    company = registry.company_named(claims.maker)
    facts["maker_company"] = company
    source = claims.maker_source
    if company is not None and owner is not None and company.id == owner.id:
        out.add(
            Message(
                "maker_matches_owner",
                N_(
                    "The maker named on the label, “%(seen)s”, is %(company)s, the owner of this "
                    "number."
                ),
                {"seen": claims.maker, "company": company.name},
            ),
            Tone.GOOD,
            source=source,
        )
    elif company is not None and (owner is not None or info.is_vietnam):
        message = (
            Message(
                "maker_mismatch",
                N_(
                    "The label names %(maker)s as the maker, but this number is registered to "
                    "%(owner)s. Counterfeits often look like this; it may also be a gap in our "
                    "registry."
                ),
                {"maker": company.name, "owner": owner.name},
            )
            if owner is not None
            else Message(
                "maker_mismatch",
                N_(
                    "The label names %(maker)s as the maker, but this number is not one of "
                    "%(maker)s's. Counterfeits often look like this; it may also be a gap in our "
                    "registry."
                ),
                {"maker": company.name},
            )
        )
        out.add(message, Tone.BAD, Level.MISMATCH, source=source, report=ReportHint.COUNTERFEIT)
    else:
        out.add(
            Message(
                "maker_named",
                N_("The label names “%(maker)s” as responsible for the goods."),
                {"maker": claims.maker},
            ),
            Tone.INFO,
            source=source,
        )


def _origin_rules(claims: LabelClaims, info: PrefixInfo, out: _Builder) -> None:
    made_in_vietnam = claims.made_in_vietnam or claims.origin_country == "VN"
    source = claims.origin_source if claims.origin_country == "VN" else Source.TYPED
    if made_in_vietnam and not info.is_vietnam:
        out.add(
            Message(
                "made_in_vn_foreign_number",
                N_(
                    "The label says “Made in Vietnam” while the number was licensed by GS1 "
                    "%(country)s. That alone is not a fault: companies may license numbers "
                    "abroad or make goods here for a foreign brand."
                ),
                {"country": info.country_name},
            )
            if info.names_a_country
            else Message(
                "made_in_vn_no_country_number",
                N_(
                    "The label says “Made in Vietnam”. The number does not say where it was "
                    "licensed, so it neither confirms nor contradicts that."
                ),
            ),
            Tone.INFO,
            source=source,
        )
    elif claims.origin and not made_in_vietnam:
        out.add(
            Message(
                "origin_read",
                N_(
                    "The label gives the origin as “%(origin)s”. A Vietnamese barcode on goods "
                    "made abroad, or the other way round, is not by itself a fault."
                )
                if info.is_vietnam
                else N_("The label gives the origin as “%(origin)s”."),
                {"origin": claims.origin},
            ),
            Tone.INFO,
            source=claims.origin_source,
        )
    if not claims.label_read:
        return
    if not claims.label_has_text:
        out.add(
            Message(
                "photo_only_barcode",
                N_(
                    "The photo shows the barcode but no label text we could read. To check the "
                    "brand, the maker, the origin and the dates too, add a photo of the label."
                ),
            ),
            Tone.INFO,
            source=Source.LABEL,
        )
        return
    if not (claims.maker or claims.importer or claims.origin or claims.made_in_vietnam):
        out.add(
            Message(
                "no_maker_no_origin",
                N_(
                    "We could not find on this photo who is responsible for these goods or where "
                    "they come from (a maker or importer, “Xuất xứ”, “Sản xuất tại”). Labels must "
                    "show both: look for them on the pack. If the pack has neither, these are goods "
                    "of unknown origin (hàng không rõ nguồn gốc) and you may report them."
                ),
            ),
            Tone.WARNING,
            source=Source.LABEL,
            report=ReportHint.UNKNOWN_ORIGIN,
        )
    if not info.is_vietnam and claims.vietnamese_text is False:
        out.add(
            Message(
                "no_vietnamese_sublabel",
                N_(
                    "We could not find a Vietnamese sub-label (nhãn phụ) on this photo. Imported "
                    "goods sold in Vietnam must carry one (Decree 43/2017, amended by Decree "
                    "111/2021): check the pack."
                ),
            ),
            Tone.WARNING,
            source=Source.LABEL,
            report=ReportHint.NO_VIETNAMESE_LABEL,
        )


def _history_rules(history: History, out: _Builder, facts: dict[str, object]) -> None:
    """Confirmed cases say what was confirmed, so that buyers of the genuine product can compare."""
    owner = facts.get("company")
    product = facts.get("product")
    genuine_brand = (
        product.brand
        if isinstance(product, ProductFact) and product.brand
        else (owner.brands[0] if isinstance(owner, CompanyFact) and owner.brands else None)
    )
    match = facts.get("brand_match")
    label_is_genuine_brand = (
        isinstance(match, BrandMatch)
        and match.kind is MatchKind.EXACT
        and isinstance(owner, CompanyFact)
        and match.entry is not None
        and match.entry.company_id == owner.id
    )
    for case in history.confirmed[:3]:
        where = provinces().get(case.province_code)
        params = {
            "month": f"{case.confirmed_on.month:02d}/{case.confirmed_on.year}",
            "province": where.name if where else case.province_code,
            "brand": case.brand_seen,
        }
        if case.about_genuine:
            out.add(
                Message(
                    "confirmed_genuine_problem",
                    N_(
                        "In %(month)s the association confirmed a problem with this product itself "
                        "(poor quality or an expired batch), found in %(province)s."
                    ),
                    params,
                ),
                Tone.BAD,
                Level.REPORTED,
                source=Source.HISTORY,
            )
            continue
        differs = bool(case.brand_seen) and (
            genuine_brand is None or match_key(case.brand_seen) != match_key(genuine_brand)
        )
        if label_is_genuine_brand and differs:
            out.add(
                Message(
                    "confirmed_other_label",
                    N_(
                        "In %(month)s the association confirmed a counterfeit that carried this "
                        "barcode under the label “%(brand)s”, found in %(province)s. Your label "
                        "shows the genuine brand; compare the pack with a genuine one all the same."
                    ),
                    params,
                ),
                Tone.WARNING,
                source=Source.HISTORY,
            )
            continue
        if case.brand_seen and genuine_brand and differs:
            how_to_tell = N_(
                "In %(month)s the association confirmed a counterfeit carrying this barcode, "
                "labelled “%(brand)s”, found in %(province)s. The genuine product with this number "
                "carries the brand %(genuine)s: compare your pack's brand, maker and printing with "
                "it."
            )
        elif case.brand_seen:
            how_to_tell = N_(
                "In %(month)s the association confirmed a counterfeit carrying this barcode, "
                "labelled “%(brand)s”, found in %(province)s. Compare your pack's brand, maker "
                "and printing with a genuine one bought from a trusted shop."
            )
        else:
            how_to_tell = N_(
                "In %(month)s the association confirmed a counterfeit carrying this barcode, found "
                "in %(province)s. Compare your pack's brand, maker and printing with a genuine one "
                "bought from a trusted shop."
            )
        out.add(
            Message("confirmed_case", how_to_tell, {**params, "genuine": genuine_brand or ""}),
            Tone.BAD,
            Level.REPORTED,
            source=Source.HISTORY,
        )
    if history.confirmed_cases and not history.confirmed:
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
            source=Source.HISTORY,
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
            source=Source.HISTORY,
        )
    elif history.open_complaints:
        out.add(
            Message(
                "open_complaints",
                N_("%(count)s report(s) about this barcode are being checked by the association."),
                {"count": history.open_complaints},
            ),
            Tone.WARNING,
            source=Source.HISTORY,
        )


def _no_country_message(info: PrefixInfo) -> Message:
    """A product number from GS1 Global Office or a GTIN-8 range it shares out: no country."""
    if info.kind is PrefixKind.GTIN8:
        msgid = N_(
            "This short number (GTIN-8) comes from a range that GS1 Global Office shares out "
            "among GS1 organisations: it does not say in which country it was licensed."
        )
    else:
        msgid = N_(
            "The number was licensed by GS1 Global Office, the head office of GS1, not by the "
            "GS1 organisation of a country: it does not say in which country."
        )
    return Message("gs1_no_country", msgid)


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
    PrefixKind.EPC_GID: N_(
        "Numbers starting with %(prefix)s are used by GS1 for electronic tags (EPC), not as "
        "product barcodes."
    ),
}


def _not_a_product_message(info: PrefixInfo) -> Message:
    # Every kind that is neither a product number nor unassigned has its own words: GS1's English
    # name of the range is never shown.
    return Message(
        f"not_a_product_{info.kind.value}", _NOT_A_PRODUCT[info.kind], {"prefix": info.prefix}
    )
