"""Opening a complaint from anonymous scan signals (a hot spot on the staff's signals page).

Signals carry no personal data and, from the web, no area: a shopper's scan does not say where
it was made. A complaint needs a province (its queue) and may have a commune, so the area comes
from whoever opens it: the one they choose, else the staff member's own province (staff work on
one), else the province the signals name if they all name one — otherwise :class:`AreaNeeded`,
and the caller asks. Nothing is guessed: an administrator's complaint no longer lands in Hà Nội.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.areas import area_problem
from barcode_db.gtin import parse_code, printed_gtin
from barcode_db.messages import N_, Message, Refusal
from barcode_db.verdict import LEVEL_TITLES, Level
from complaints.accounts import User
from complaints.models import Complaint, ComplaintEvent, EventKind, Signal, Source
from complaints.operations import NewComplaint, file_complaint
from complaints.permissions import Permission, can_see_area, require
from complaints.workflow import Category, category_for_level


class AreaNeeded(Refusal):
    """The area of the complaint is not known: the caller must ask for it (``message`` says
    what to choose: a province, or a commune of the user's)."""


PROVINCE_NEEDED = Message(
    "province_needed",
    N_(
        "These scans do not say where they were made. Choose the province whose queue the "
        "complaint goes to (and its commune, if you know it)."
    ),
)
COMMUNE_NEEDED = Message(
    "commune_needed",
    N_("You work on some communes of your province: choose the commune of this complaint."),
)
#: The questions (the area is not known yet), as opposed to an area that does not fit.
AREA_QUESTIONS = (PROVINCE_NEEDED, COMMUNE_NEEDED)
OUTSIDE_AREA = Message(
    "outside_area", N_("This area is outside yours: choose a province and commune you work on.")
)
NO_SIGNALS = N_("There are no scan signals for “%(code)s”: nothing to open.")
OPENED_FROM_SIGNALS = N_("Opened from %(count)s anonymous scan signals (last verdict: %(level)s).")


@dataclass(frozen=True)
class SignalSummary:
    """The signals of one barcode (or one invalid code, as typed)."""

    code: str
    gtin: str | None
    count: int
    last_level: str
    #: The province every located signal names, when they name exactly one.
    province_code: str | None


def _signals_of(code: str) -> sa.ColumnElement[bool]:
    parsed = parse_code(code)
    if parsed.valid and parsed.gtin14:
        return Signal.gtin == parsed.gtin14
    return sa.and_(Signal.gtin.is_(None), Signal.code_seen == code)


def summarise_signals(session: Session, code: str) -> SignalSummary | None:
    """What the stored signals of ``code`` say (the hot spot's key: a GTIN or the code seen)."""
    code = code.strip()[:64]
    if not code:
        return None
    condition = _signals_of(code)
    count = session.scalar(sa.select(sa.func.count()).select_from(Signal).where(condition)) or 0
    if not count:
        return None
    last_level = session.scalar(
        sa.select(Signal.level).where(condition).order_by(Signal.created_at.desc()).limit(1)
    )
    provinces = session.scalars(
        sa.select(Signal.province_code)
        .where(condition, Signal.province_code.is_not(None))
        .distinct()
        .limit(2)
    ).all()
    parsed = parse_code(code)
    return SignalSummary(
        code=code,
        gtin=parsed.gtin14 if parsed.valid else None,
        count=count,
        last_level=last_level or "",
        province_code=provinces[0] if len(provinces) == 1 else None,
    )


def area_for(
    summary: SignalSummary,
    actor: User,
    province_code: str | None,
    commune_code: str | None,
) -> tuple[str, str | None]:
    """The complaint's province and commune, or :class:`AreaNeeded` when the caller must ask.

    Chosen > the actor's own province > the one province the signals name. A staff member
    limited to some communes gets their commune when they have one, and is asked otherwise."""
    province = province_code or actor.province_code or summary.province_code
    if not province:
        raise AreaNeeded(PROVINCE_NEEDED)
    commune = commune_code or None
    if commune is None and actor.province_code == province and actor.commune_codes:
        if len(actor.commune_codes) > 1:
            raise AreaNeeded(COMMUNE_NEEDED)
        commune = actor.commune_codes[0]
    problem = area_problem(province, commune)
    if problem is not None:
        raise AreaNeeded(problem)
    if not can_see_area(actor, province, commune):
        raise Refusal(OUTSIDE_AREA, 403)
    return province, commune


def open_from_signals(
    session: Session,
    code: str,
    *,
    province_code: str | None,
    commune_code: str | None = None,
    actor: User,
    now: dt.datetime,
    render: Callable[[Message], str] = str,
) -> Complaint:
    """Open an anonymous complaint (no reporter, no contact) from the signals of ``code``.

    The category follows the last verdict seen; the description, in the words ``render``
    gives, says how many signals and which verdict; the FILED event names who opened it.
    Refuses without signals, and asks (:class:`AreaNeeded`) when the area is not known."""
    require(actor, Permission.TRIAGE)
    summary = summarise_signals(session, code)
    if summary is None:
        raise Refusal(Message("no_signals", NO_SIGNALS, {"code": code.strip()[:64]}))
    province, commune = area_for(summary, actor, province_code, commune_code)
    description = render(
        Message(
            "opened_from_signals",
            OPENED_FROM_SIGNALS,
            {"count": summary.count, "level": _level_in_words(summary.last_level)},
        )
    )
    report = NewComplaint(
        category=category_for_level(summary.last_level) or Category.UNKNOWN_ORIGIN,
        description=description,
        province_code=province,
        commune_code=commune,
        code_seen=printed_gtin(summary.code),
        gtin=summary.gtin,
        source=Source.SIGNALS,
    )
    complaint = file_complaint(session, report, [], _NoPhotos(), photo_keys=[], now=now)
    filed = session.scalar(
        sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.FILED
        )
    )
    if filed is not None:
        filed.actor = actor.username
    session.flush()
    return complaint


def _level_in_words(level: str) -> Message | str:
    """The level's title (the words the shopper read), or its code if no longer known."""
    try:
        return Message(level, LEVEL_TITLES[Level(level)])
    except ValueError:
        return level


class _NoPhotos:
    """Signals have no photos: nothing is ever written."""

    def put(self, key: str, data: bytes) -> None:  # pragma: no cover - never called
        raise AssertionError("a complaint opened from signals has no photos")
