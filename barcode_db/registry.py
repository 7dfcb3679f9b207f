"""A read-only, in-memory snapshot of the trusted-brand registry, for verdicts.

Verification is the hot path and the registry changes rarely, so each process keeps one snapshot
and rebuilds it when the registry's version number (``registry_state``) has moved. Building it is a
few queries; looking things up in it touches no database, and the version itself is read at most
once every :data:`REGISTRY_CHECK_SECONDS` (:class:`SnapshotCache`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session, SessionTransaction, scoped_session, selectinload

from barcode_db.matching import BrandEntry, BrandMatcher
from barcode_db.models import (
    CertificationStatus,
    Company,
    Product,
    Programme,
    RegistryState,
    certification_status,
)
from barcode_db.textkey import match_key

#: A GS1 Vietnam company prefix is 893 plus 4 to 7 digits.
COMPANY_PREFIX_LENGTHS = range(10, 6, -1)


@dataclass(frozen=True)
class CertificationFact:
    programme: Programme
    year: int
    stars: int | None
    valid_until: dt.date | None
    evidence_ref: str
    brand: str | None  # None when the whole company holds it
    #: Withdrawn by an administrator: never current, and not shown to shoppers.
    retired: bool = False

    def status(self, today: dt.date) -> CertificationStatus:
        return certification_status(valid_until=self.valid_until, retired=self.retired, today=today)

    def is_current(self, today: dt.date) -> bool:
        return self.status(today) is CertificationStatus.CURRENT


@dataclass(frozen=True)
class CompanyFact:
    id: int
    code: str
    name: str
    tax_code: str | None
    address: str
    province_code: str | None
    prefixes: tuple[str, ...]
    brands: tuple[str, ...]
    certifications: tuple[CertificationFact, ...]
    is_sample: bool
    #: What the association checked about the company (issue 14), "" / None when not known.
    made_in: str = ""
    owner_group: str = ""
    owner_country: str | None = None
    source: str = ""
    checked_on: dt.date | None = None


@dataclass(frozen=True)
class ProductFact:
    gtin: str
    name: str
    brand: str | None
    company_id: int
    #: Its category code (barcode_db.categories): its own, else its brand's; None if neither.
    category: str | None = None


@dataclass
class RegistrySnapshot:
    """Everything a verdict needs to know of the registry, held in memory."""

    version: int = 0
    companies: dict[int, CompanyFact] = field(default_factory=dict)
    prefix_owner: dict[str, int] = field(default_factory=dict)
    products: dict[str, ProductFact] = field(default_factory=dict)
    brand_entries: tuple[BrandEntry, ...] = ()
    matcher: BrandMatcher = field(default_factory=lambda: BrandMatcher(()))
    #: Company names without their legal form ("sua viet nam"), for names read on labels.
    company_keys: dict[str, int] = field(default_factory=dict)
    #: The same keys by their number of spaces (a name is compared with names as long).
    company_keys_by_words: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: Products by category code (their own, else their brand's).
    by_category: dict[str, tuple[ProductFact, ...]] = field(default_factory=dict)
    #: What readers compute from the snapshot and keep with it (the catalogue's rankings of a
    #: category): replaced with it when the registry changes.
    derived: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def owner_of(self, gtin14: str) -> tuple[CompanyFact, str] | None:
        """The company holding the longest registered company prefix of a GTIN, with that prefix."""
        body = gtin14[1:]  # the indicator digit of a GTIN-14 is not part of the company prefix
        for length in COMPANY_PREFIX_LENGTHS:
            company_id = self.prefix_owner.get(body[:length])
            if company_id is not None:
                return self.companies[company_id], body[:length]
        return None

    def product(self, gtin14: str) -> ProductFact | None:
        return self.products.get(gtin14)

    def products_in(self, category: str) -> tuple[ProductFact, ...]:
        return self.by_category.get(category, ())

    def company(self, company_id: int) -> CompanyFact:
        return self.companies[company_id]

    def company_named(self, text: str) -> CompanyFact | None:
        """The registry company a maker's name on a label stands for, if it is one of them.

        Legal forms ("Công ty Cổ phần", "CTY TNHH MTV", "JSC") and a bracketed short name are
        set aside; the rest must be the same name, word for word, but for a letter or two (OCR).
        A name with a word more ("… Bình Tiên Xanh") is another company: imitators register
        near copies of a genuine maker's name.
        """
        key = company_key(text)
        if not key:
            return None
        found = self.company_keys.get(key)
        if found is None and len(key) >= 6:
            same_length = self.company_keys_by_words.get(key.count(" "), ())
            best = process.extractOne(key, same_length, scorer=fuzz.ratio, score_cutoff=92)
            found = self.company_keys[best[0]] if best else None
        return self.companies.get(found) if found is not None else None


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEGAL_FORMS = re.compile(
    r"\b(tong cong ty|cong ty|cty|co phan|cp|tnhh|trach nhiem huu han|mot thanh vien|mtv|"
    r"tap doan|chi nhanh|hop tac xa|htx|co so|nha may|jsc|joint stock company|company|"
    r"co ltd|ltd|limited|corporation|corp|inc)\b"
)


def company_key(name: str) -> str:
    """A company's name as compared with what labels print: no legal form, no diacritics."""
    key = match_key(_BRACKETS.sub(" ", name))
    return " ".join(_LEGAL_FORMS.sub(" ", key).split())


def build_snapshot(
    version: int,
    companies: Iterable[CompanyFact],
    products: Iterable[ProductFact],
    brand_entries: Iterable[BrandEntry],
) -> RegistrySnapshot:
    """Assemble a snapshot from plain facts (used by :func:`load_snapshot` and by tests)."""
    by_id = {c.id: c for c in companies}
    entries = tuple(brand_entries)
    keys = {key: c.id for c in by_id.values() if (key := company_key(c.name))}
    products = tuple(products)
    by_category: dict[str, list[ProductFact]] = {}
    for product in products:
        if product.category:
            by_category.setdefault(product.category, []).append(product)
    return RegistrySnapshot(
        version=version,
        companies=by_id,
        prefix_owner={p: c.id for c in by_id.values() for p in c.prefixes},
        products={p.gtin: p for p in products},
        brand_entries=entries,
        matcher=BrandMatcher(entries),
        company_keys=keys,
        company_keys_by_words={
            words: tuple(k for k in keys if k.count(" ") == words)
            for words in {k.count(" ") for k in keys}
        },
        by_category={code: tuple(found) for code, found in by_category.items()},
    )


#: How long a process trusts its snapshot before it reads the registry version again: a change
#: committed by another process is in every verdict within this many seconds (and the time to
#: rebuild the snapshot); one committed by this process, at once (:meth:`SnapshotCache.watch`).
REGISTRY_CHECK_SECONDS = 1.0
#: ``session.info`` key: this session's transaction changed the registry.
REGISTRY_CHANGED = "registry_changed"


def session_info(session: Session) -> dict[Any, Any]:
    """``session.info``; for a ``scoped_session`` with no session in its scope yet (which has
    then changed nothing), an empty dict rather than a new session: a verification answered
    from the caches never makes one."""
    if isinstance(session, scoped_session):
        return session.registry().info if session.registry.has() else {}
    return session.info


def fetch_registry_version(session: Session) -> int:
    return session.scalar(sa.select(RegistryState.version).where(RegistryState.id == 1)) or 0


def bump_registry_version(session: Session) -> None:
    """Record that the registry changed; every process rebuilds its snapshot on its next read."""
    updated = session.execute(
        sa.update(RegistryState)
        .where(RegistryState.id == 1)
        .values(version=RegistryState.version + 1)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(RegistryState(id=1, version=1))
    session.flush()
    session.info[REGISTRY_CHANGED] = True


def load_snapshot(session: Session) -> RegistrySnapshot:
    """Read the active (not retired) registry into a snapshot."""
    version = fetch_registry_version(session)
    companies = session.scalars(
        sa.select(Company)
        .where(Company.retired_at.is_(None))
        .options(
            selectinload(Company.prefixes),
            selectinload(Company.brands),
            selectinload(Company.certifications),
        )
    ).all()
    facts = []
    entries = []
    brand_names: dict[int, str] = {}
    brand_categories: dict[int, str | None] = {}
    for company in companies:
        active_brands = [b for b in company.brands if b.retired_at is None]
        for brand in active_brands:
            brand_names[brand.id] = brand.name
            brand_categories[brand.id] = brand.category
            entries.append(BrandEntry(brand_id=brand.id, name=brand.name, company_id=company.id))
        facts.append(
            CompanyFact(
                id=company.id,
                code=company.code,
                name=company.name,
                tax_code=company.tax_code,
                address=company.address,
                province_code=company.province_code,
                prefixes=tuple(p.prefix for p in company.prefixes if p.retired_at is None),
                brands=tuple(b.name for b in active_brands),
                certifications=tuple(
                    CertificationFact(
                        programme=c.programme,
                        year=c.year,
                        stars=c.stars,
                        valid_until=c.valid_until,
                        evidence_ref=c.evidence_ref,
                        brand=brand_names.get(c.brand_id) if c.brand_id else None,
                        retired=c.retired_at is not None,
                    )
                    for c in company.certifications
                    # A retired brand's certification goes with the brand: without its name
                    # it would read as the whole company's.
                    if c.brand_id is None or c.brand_id in brand_names
                ),
                is_sample=company.is_sample,
                made_in=company.made_in,
                owner_group=company.owner_group,
                owner_country=company.owner_country,
                source=company.source,
                checked_on=company.checked_on,
            )
        )
    active_ids = {c.id for c in facts}
    products = [
        ProductFact(
            gtin=gtin,
            name=name,
            brand=brand_names.get(brand_id) if brand_id else None,
            company_id=company_id,
            category=category or (brand_categories.get(brand_id) if brand_id else None),
        )
        for gtin, name, brand_id, company_id, category in session.execute(
            sa.select(
                Product.gtin, Product.name, Product.brand_id, Product.company_id, Product.category
            ).where(Product.retired_at.is_(None))
        )
        if company_id in active_ids
    ]
    return build_snapshot(version, facts, products, entries)


class SnapshotCache:
    """One snapshot per process, rebuilt when the registry version in the database moves.

    The version is read at most once every ``check_every`` seconds of ``clock`` (a monotonic
    clock; tests pass one they drive by hand), and at once after a session of this process that
    changed the registry (:func:`bump_registry_version`) ends its transaction: see :meth:`watch`.
    """

    def __init__(
        self,
        *,
        check_every: float = REGISTRY_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_every = check_every
        self.clock = clock
        self._snapshot: RegistrySnapshot | None = None
        #: The clock when the last version read that found the snapshot current began.
        self._checked_at = -float("inf")
        #: Moves on every :meth:`expire`, so that a version read begun before it is not trusted.
        self._generation = 0
        self._lock = threading.Lock()
        #: Called by :meth:`clear` (caches that must be emptied with this one).
        self.also_clear: list[Callable[[], None]] = []

    def get(self, session: Session) -> RegistrySnapshot:
        snapshot = self._snapshot
        now = self.clock()
        if (
            snapshot is not None
            and now - self._checked_at < self.check_every
            # A transaction that changed the registry reads it as it now stands.
            and not session_info(session).get(REGISTRY_CHANGED)
        ):
            return snapshot
        generation = self._generation
        version = fetch_registry_version(session)
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = load_snapshot(session)
            if generation == self._generation:
                self._checked_at = now
            return self._snapshot

    def expire(self) -> None:
        """Read the registry version again on the next :meth:`get`."""
        with self._lock:
            self._generation += 1
            self._checked_at = -float("inf")

    def clear(self) -> None:
        """Forget the snapshot (tests do, when they empty the database)."""
        with self._lock:
            self._snapshot = None
            self._generation += 1
            self._checked_at = -float("inf")
        for forget in self.also_clear:
            forget()

    def watch(self, sessions: Any) -> None:
        """Expire the snapshot when a session (of ``sessions``: a Session class, a sessionmaker
        or a scoped_session) that changed the registry ends its transaction, committed or not."""
        sa.event.listen(sessions, "after_transaction_end", self._after_transaction_end)

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and session.info.pop(REGISTRY_CHANGED, False):
            self.expire()
