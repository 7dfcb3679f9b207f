"""Reads of complaints: ``get_*`` for one row, ``fetch_*`` for lists and counts."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from barcode_db.textkey import LIKE_ESCAPE, like_pattern
from barcode_db.verdict import ConfirmedCase, History
from complaints.accounts import User, area_filter
from complaints.deadlines import VIETNAM
from complaints.duplicates import SHOP_WINDOW, DuplicateGroup, group_duplicates, same_shop
from complaints.models import Complaint, ComplaintEvent, EventKind, Signal
from complaints.workflow import OPEN_STATES, Category, Status


def get_by_tracking_code(session: Session, code: str) -> Complaint | None:
    return session.scalar(sa.select(Complaint).where(Complaint.tracking_code == code))


def get_by_idempotency_key(session: Session, key: str) -> Complaint | None:
    return session.scalar(sa.select(Complaint).where(Complaint.idempotency_key == key))


def fetch_people(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """The names of staff members, by the usernames that audit events record."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(sa.select(User.username, User.name).where(User.username.in_(wanted)))
    return {username: name for username, name in rows if name}


#: Confirmed categories that are about the genuine product itself, not a fake carrying its number.
ABOUT_GENUINE = frozenset({Category.POOR_QUALITY, Category.EXPIRED})
#: How many confirmed cases a verdict quotes.
CONFIRMED_SHOWN = 3


def fetch_history(session: Session, gtin14: str) -> History:
    """Confirmed cases and open complaints on one GTIN, for the verdict's REPORTED rule, with
    what a shopper may know of the latest confirmed cases (the label they carried, where, when)."""
    counts: dict[Status, int] = {
        status: number
        for status, number in session.execute(
            sa.select(Complaint.status, sa.func.count())
            .where(Complaint.gtin == gtin14)
            .group_by(Complaint.status)
        )
    }
    confirmed = counts.get(Status.CONFIRMED, 0)
    cases: tuple[ConfirmedCase, ...] = ()
    if confirmed:
        rows = session.execute(
            sa.select(
                Complaint.brand_seen,
                Complaint.province_code,
                Complaint.closed_at,
                Complaint.created_at,
                Complaint.category,
            )
            .where(Complaint.gtin == gtin14, Complaint.status == Status.CONFIRMED)
            .order_by(Complaint.closed_at.desc(), Complaint.id.desc())
            .limit(CONFIRMED_SHOWN)
        )
        cases = tuple(
            ConfirmedCase(
                brand_seen=brand,
                province_code=province,
                confirmed_on=(closed or filed).astimezone(VIETNAM).date(),
                about_genuine=category in ABOUT_GENUINE,
            )
            for brand, province, closed, filed, category in rows
        )
    return History(
        confirmed_cases=confirmed,
        open_complaints=sum(counts.get(s, 0) for s in OPEN_STATES),
        confirmed=cases,
    )


@dataclass(frozen=True)
class PublicNote:
    created_at: dt.datetime
    note: str


@dataclass(frozen=True)
class PublicComplaint:
    """What the tracking page and the public API may show: never personal data, never
    internal notes, never another reporter's tracking code."""

    tracking_code: str
    status: Status
    category: Category
    product_name: str
    brand_seen: str
    code_seen: str
    province_code: str
    commune_code: str | None
    photo_count: int
    filed_at: dt.datetime
    updated_at: dt.datetime
    #: When the case closed. A merged report's case goes on in the report it was merged into:
    #: its closing, not the merge, is this report's.
    closed_at: dt.datetime | None
    notes: tuple[PublicNote, ...]
    rating: int | None
    #: For a complaint merged into another: the status and public notes of the surviving case.
    followed_status: Status | None = None

    @property
    def can_rate(self) -> bool:
        return self.status in (Status.CONFIRMED, Status.DISMISSED) and self.rating is None


def _public_notes(
    session: Session, complaint_id: int, since: dt.datetime | None = None
) -> tuple[PublicNote, ...]:
    rows = session.execute(
        sa.select(ComplaintEvent.created_at, ComplaintEvent.note)
        .where(
            ComplaintEvent.complaint_id == complaint_id,
            ComplaintEvent.is_public.is_(True),
            ComplaintEvent.note != "",
            *([ComplaintEvent.created_at >= since] if since is not None else []),
        )
        .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
    ).all()
    return tuple(PublicNote(created_at=at, note=note) for at, note in rows)


def _last_change(session: Session, complaint: Complaint) -> dt.datetime:
    last = session.scalar(
        sa.select(sa.func.max(ComplaintEvent.created_at)).where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.kind.in_([EventKind.FILED, EventKind.STATUS, EventKind.NOTE]),
        )
    )
    return last or complaint.created_at


#: How far a tracking page follows merges (a merged case merged again): a bound, never reached.
MERGE_HOPS = 10


def get_public_view(session: Session, code: str) -> PublicComplaint | None:
    complaint = get_by_tracking_code(session, code)
    if complaint is None:
        return None
    notes = _public_notes(session, complaint.id)
    followed_status = None
    updated_at = _last_change(session, complaint)
    closed_at = complaint.closed_at
    if complaint.status is Status.DUPLICATE and complaint.merged_into is not None:
        # The case goes on in the report this one was merged into (and, if that one was
        # merged in turn, in the next). Its notes from before the merge were written to its
        # own reporter, who may be named in them: only those since the merge are the case's.
        merged_at = complaint.closed_at
        case = complaint.merged_into
        for _hop in range(MERGE_HOPS):
            notes = notes + _public_notes(session, case.id, since=merged_at)
            updated_at = max(updated_at, _last_change(session, case))
            if case.status is not Status.DUPLICATE or case.merged_into is None:
                break
            case = case.merged_into
        followed_status = case.status
        closed_at = None if case.status is Status.DUPLICATE else case.closed_at
    filed_at = session.scalar(
        sa.select(ComplaintEvent.created_at).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.FILED
        )
    )
    return PublicComplaint(
        tracking_code=complaint.tracking_code,
        status=complaint.status,
        category=complaint.category,
        product_name=complaint.product_name,
        brand_seen=complaint.brand_seen,
        code_seen=complaint.code_seen,
        province_code=complaint.province_code,
        commune_code=complaint.commune_code,
        photo_count=len(complaint.evidence),
        filed_at=filed_at or complaint.created_at,
        updated_at=updated_at,
        closed_at=closed_at,
        notes=tuple(sorted(notes, key=lambda n: n.created_at)),
        rating=complaint.rating,
        followed_status=followed_status,
    )


# --- the staff queue -----------------------------------------------------------------------------


class Sort(enum.StrEnum):
    PRIORITY = "priority"  # most urgent first
    OLDEST = "oldest"
    NEWEST = "newest"


@dataclass(frozen=True)
class QueueFilters:
    statuses: tuple[Status, ...] = ()
    categories: tuple[Category, ...] = ()
    province_code: str | None = None
    commune_code: str | None = None
    levels: tuple[str, ...] = ()
    assigned_to: int | None = None
    unassigned: bool = False
    created_from: dt.datetime | None = None
    created_before: dt.datetime | None = None
    has_photos: bool = False
    overdue_at: dt.datetime | None = None  # set to "now" to keep only overdue open complaints
    search: str = ""  # a search key (barcode_db.textkey.search_key)
    gtin: str | None = None
    store_key: str | None = None
    #: More search keys that must all appear (the inspectors' brand and store boxes).
    also_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueuePage:
    rows: list[Complaint]
    next_cursor: str | None
    #: The page starts at the first match (no cursor, or one that could not be read).
    from_start: bool = True

    @property
    def holds_every_match(self) -> bool:
        """A first page with no next page: its rows are all the matches, no need to count them."""
        return self.from_start and self.next_cursor is None


#: ``search_text`` without its spaces, as PostgreSQL's trigram index holds it (migration 0006).
#: The spaces are literals, not bound parameters, so that every plan matches the index.
_JOINED_SEARCH_TEXT = sa.func.replace(
    Complaint.search_text, sa.literal_column("' '"), sa.literal_column("''")
)


def _contains(key: str) -> list[Any]:
    """``search_text`` holds the search key ``key``.

    The first condition follows from the second (remove the spaces from a text and from a piece
    of it, the piece is still in the text), so the matches are the same. It is there for the
    trigram index: trigrams across words make "sua tuoi 12" look for "i12", rather than for
    every text holding "sua", "tuoi" and a word starting with "12".
    """
    return [
        _JOINED_SEARCH_TEXT.like(like_pattern(key.replace(" ", "")), escape=LIKE_ESCAPE),
        Complaint.search_text.like(like_pattern(key), escape=LIKE_ESCAPE),
    ]


def _conditions(user: User, filters: QueueFilters) -> list[Any]:
    conditions: list[Any] = [area_filter(user, Complaint.province_code, Complaint.commune_code)]
    if filters.statuses:
        conditions.append(Complaint.status.in_(filters.statuses))
    if filters.categories:
        conditions.append(Complaint.category.in_(filters.categories))
    if filters.province_code:
        conditions.append(Complaint.province_code == filters.province_code)
    if filters.commune_code:
        conditions.append(Complaint.commune_code == filters.commune_code)
    if filters.levels:
        conditions.append(Complaint.verdict_level.in_(filters.levels))
    if filters.assigned_to is not None:
        conditions.append(Complaint.assigned_to_id == filters.assigned_to)
    if filters.unassigned:
        conditions.append(Complaint.assigned_to_id.is_(None))
    if filters.created_from is not None:
        conditions.append(Complaint.created_at >= filters.created_from)
    if filters.created_before is not None:
        conditions.append(Complaint.created_at < filters.created_before)
    if filters.has_photos:
        conditions.append(Complaint.photo_count > 0)
    if filters.overdue_at is not None:
        conditions.append(Complaint.deadline_at < filters.overdue_at)
        conditions.append(Complaint.status.in_(list(OPEN_STATES)))
    for key in (filters.search, *filters.also_contains):
        if key:
            conditions.extend(_contains(key))
    if filters.gtin:
        conditions.append(Complaint.gtin == filters.gtin)
    if filters.store_key:
        conditions.append(Complaint.store_name_key == filters.store_key)
    return conditions


def _encode_cursor(*values: Any) -> str:
    """``priority~id`` or ``2026-11-27T05:30:00.123456Z~id``: nothing a URL must escape."""
    return "~".join(
        v.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        if isinstance(v, dt.datetime)
        else str(v)
        for v in values
    )


#: Keys and ids are 32-bit integers in the database; a cursor beyond them was not made here.
MAX_KEY = 2**31 - 1


def _ascii_int(text: str) -> int | None:
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        return None
    value = int(text)
    return value if -MAX_KEY <= value <= MAX_KEY else None


def read_id(text: str | None) -> int | None:
    """An id typed or sent as text: ASCII digits, 1 to 2³¹ − 1; None for anything else ("²",
    "٣", "-1", a number no row can have)."""
    value = _ascii_int((text or "").strip())
    return value if value is not None and value >= 1 else None


def read_ids(text: str) -> list[int]:
    """The ids in a list typed with spaces or commas (unreadable parts are left out)."""
    return sorted({i for part in text.replace(",", " ").split() if (i := read_id(part))})


def read_cursor(cursor: str) -> tuple[int | dt.datetime, int] | None:
    """A page cursor as :func:`fetch_queue` writes it — ``priority~id`` or ``timestamp~id``, the
    timestamp with its UTC offset — or None for anything else (a cursor edited by hand)."""
    # A "+01:00" pasted into a URL unescaped arrives as " 01:00".
    first, separator, last = cursor.replace(" ", "+").partition("~")
    complaint_id = _ascii_int(last)
    if not separator or complaint_id is None or complaint_id < 1:
        return None
    key: int | dt.datetime | None = _ascii_int(first)
    if key is None:
        try:
            key = dt.datetime.fromisoformat(first)
        except ValueError:
            return None
        if key.tzinfo is None or key.utcoffset() is None or not 1970 <= key.year <= 9998:
            return None
    return key, complaint_id


def _decode_cursor(sort: Sort, cursor: str) -> tuple[Any, int] | None:
    """The cursor for ``sort``; None (the first page) for one of another order or unreadable."""
    read = read_cursor(cursor)
    if read is None or isinstance(read[0], int) != (sort is Sort.PRIORITY):
        return None
    return read


def fetch_queue(
    session: Session,
    user: User,
    filters: QueueFilters,
    *,
    sort: Sort = Sort.PRIORITY,
    cursor: str | None = None,
    limit: int = 50,
    with_history: bool = False,
) -> QueuePage:
    """One page of the queue the user may see, in keyset order (fast at any depth).

    ``with_history`` loads each complaint's events and assignee in two extra queries per page
    (exports read them), instead of one query per complaint.
    """
    statement = sa.select(Complaint).where(*_conditions(user, filters))
    if with_history:
        statement = statement.options(
            selectinload(Complaint.events), selectinload(Complaint.assigned_to)
        )
    after = _decode_cursor(sort, cursor) if cursor else None
    order: tuple[Any, ...]
    if sort is Sort.PRIORITY:
        order = (Complaint.priority.desc(), Complaint.id.desc())
        if after:
            statement = statement.where(sa.tuple_(Complaint.priority, Complaint.id) < after)
    elif sort is Sort.OLDEST:
        order = (Complaint.created_at.asc(), Complaint.id.asc())
        if after:
            statement = statement.where(sa.tuple_(Complaint.created_at, Complaint.id) > after)
    else:
        order = (Complaint.created_at.desc(), Complaint.id.desc())
        if after:
            statement = statement.where(sa.tuple_(Complaint.created_at, Complaint.id) < after)
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        key = last.priority if sort is Sort.PRIORITY else last.created_at
        next_cursor = _encode_cursor(key, last.id)
    return QueuePage(rows=rows, next_cursor=next_cursor, from_start=after is None)


def count_queue(session: Session, user: User, filters: QueueFilters, cap: int = 10_000) -> int:
    """How many complaints match, counted up to ``cap`` (an exact count of millions is slow)."""
    inner = sa.select(Complaint.id).where(*_conditions(user, filters)).limit(cap + 1).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0


def related_open_condition(complaint: Complaint) -> Any | None:
    """Other open complaints on the same GTIN, or about the same store in the same province."""
    same = []
    if complaint.gtin:
        same.append(Complaint.gtin == complaint.gtin)
    if complaint.store_name_key:
        same.append(
            sa.and_(
                Complaint.store_name_key == complaint.store_name_key,
                Complaint.province_code == complaint.province_code,
            )
        )
    if not same:
        return None
    return sa.and_(
        sa.or_(*same), Complaint.id != complaint.id, Complaint.status.in_(list(OPEN_STATES))
    )


def fetch_related_open(session: Session, complaint: Complaint, *, limit: int) -> list[Complaint]:
    """The complaints of :func:`related_open_condition`, newest first."""
    condition = related_open_condition(complaint)
    if condition is None:
        return []
    return list(
        session.scalars(
            sa.select(Complaint).where(condition).order_by(Complaint.id.desc()).limit(limit)
        )
    )


# --- duplicates ----------------------------------------------------------------------------------


def fetch_duplicate_candidates(
    session: Session, user: User, complaint: Complaint
) -> list[Complaint]:
    """Open complaints that look like the same case: same GTIN, or the same shop (fuzzy name)
    in the same province within :data:`complaints.duplicates.SHOP_WINDOW`."""
    open_states = [s for s in OPEN_STATES]
    visible = area_filter(user, Complaint.province_code, Complaint.commune_code)
    found: dict[int, Complaint] = {}
    if complaint.gtin:
        for other in session.scalars(
            sa.select(Complaint)
            .where(
                Complaint.gtin == complaint.gtin,
                Complaint.id != complaint.id,
                Complaint.status.in_(open_states),
                visible,
            )
            .order_by(Complaint.id)
            .limit(100)
        ):
            found[other.id] = other
    if complaint.store_name_key and complaint.created_at is not None:
        nearby = session.scalars(
            sa.select(Complaint)
            .where(
                Complaint.province_code == complaint.province_code,
                Complaint.id != complaint.id,
                Complaint.status.in_(open_states),
                Complaint.store_name_key != "",
                Complaint.created_at >= complaint.created_at - SHOP_WINDOW,
                Complaint.created_at <= complaint.created_at + SHOP_WINDOW,
                visible,
            )
            .order_by(Complaint.id)
            .limit(2000)
        )
        for other in nearby:
            if same_shop(other, complaint):
                found.setdefault(other.id, other)
    return sorted(found.values(), key=lambda c: c.id)


def fetch_duplicate_groups(
    session: Session, user: User, *, limit: int = 50
) -> list[DuplicateGroup]:
    """Open complaints in the user's area that may be one case, grouped so that each is in one
    group only, with what each shares with its keeper (:func:`complaints.duplicates.group_duplicates`).

    The reports looked at: those of the ``limit`` barcodes and the ``limit`` shop names (per
    province) most reported more than once."""
    visible = area_filter(user, Complaint.province_code, Complaint.commune_code)
    open_filter = Complaint.status.in_(list(OPEN_STATES))
    gtins = (
        sa.select(Complaint.gtin)
        .where(open_filter, visible, Complaint.gtin.is_not(None))
        .group_by(Complaint.gtin)
        .having(sa.func.count() > 1)
        .order_by(sa.func.count().desc(), Complaint.gtin)
        .limit(limit)
    )
    stores = (
        sa.select(Complaint.province_code, Complaint.store_name_key)
        .where(open_filter, visible, Complaint.store_name_key != "")
        .group_by(Complaint.province_code, Complaint.store_name_key)
        .having(sa.func.count() > 1)
        .order_by(sa.func.count().desc(), Complaint.province_code, Complaint.store_name_key)
        .limit(limit)
    )
    shared_gtins = session.scalars(gtins).all()
    shared_stores = session.execute(stores).all()
    conditions = []
    if shared_gtins:
        conditions.append(Complaint.gtin.in_(shared_gtins))
    if shared_stores:
        conditions.append(
            sa.tuple_(Complaint.province_code, Complaint.store_name_key).in_(
                [tuple(row) for row in shared_stores]
            )
        )
    if not conditions:
        return []
    pool = session.scalars(
        sa.select(Complaint).where(open_filter, visible, sa.or_(*conditions)).order_by(Complaint.id)
    ).all()
    return group_duplicates(pool)


# --- signals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpot:
    gtin: str | None
    code_seen: str
    total: int
    recent: int  # in the last `window`
    previous: int  # in the window before
    last_level: str
    last_seen: dt.datetime

    @property
    def trend(self) -> int:
        return self.recent - self.previous


def fetch_hot_spots(
    session: Session,
    *,
    now: dt.datetime,
    window: dt.timedelta = dt.timedelta(days=7),
    limit: int = 100,
) -> list[HotSpot]:
    """Anonymous signals grouped by GTIN (or by the code as seen, for invalid numbers).

    Signals with no code at all (a photo where no barcode was read) are no hot spot: nothing
    names the product, and no complaint can be opened from them (:func:`fetch_codeless_scans`)."""
    key = sa.func.coalesce(Signal.gtin, Signal.code_seen)
    recent_start = now - window
    previous_start = now - 2 * window
    rows = session.execute(
        sa.select(
            key.label("key"),
            sa.func.max(Signal.gtin),
            sa.func.count(),
            sa.func.sum(sa.case((Signal.created_at >= recent_start, 1), else_=0)),
            sa.func.sum(
                sa.case(
                    (
                        sa.and_(
                            Signal.created_at >= previous_start, Signal.created_at < recent_start
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            sa.func.max(Signal.created_at),
        )
        .where(key != "")
        .group_by(key)
        .order_by(sa.func.count().desc(), key)
        .limit(limit)
    ).all()
    spots = []
    for code, gtin, total, recent, previous, last_seen in rows:
        last_level = session.scalar(
            sa.select(Signal.level).where(key == code).order_by(Signal.created_at.desc()).limit(1)
        )
        spots.append(
            HotSpot(
                gtin=gtin,
                code_seen=code,
                total=total,
                recent=int(recent or 0),
                previous=int(previous or 0),
                last_level=last_level or "",
                last_seen=last_seen,
            )
        )
    return spots


@dataclass(frozen=True)
class CodelessScans:
    """Suspect scans where no barcode was read (photos of a label): counted, not listed."""

    total: int
    #: The names most often read on those labels (a lookalike brand, say), most seen first.
    names_seen: tuple[str, ...]


def fetch_codeless_scans(session: Session, *, names: int = 5) -> CodelessScans:
    """How many signals carry no code, and the names most read on their labels."""
    codeless = sa.and_(Signal.gtin.is_(None), Signal.code_seen == "")
    total = session.scalar(sa.select(sa.func.count()).select_from(Signal).where(codeless))
    seen = session.scalars(
        sa.select(Signal.brand_seen)
        .where(codeless, Signal.brand_seen != "")
        .group_by(Signal.brand_seen)
        .order_by(sa.func.count().desc(), Signal.brand_seen)
        .limit(names)
    ).all()
    return CodelessScans(total=total or 0, names_seen=tuple(seen))
