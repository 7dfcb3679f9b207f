"""The verification hot path: what each process caches, and how soon a change reaches a verdict.

A change made in this process is in its very next verdict; one made by another process (another
gunicorn worker, another node, a script) within the documented bound: REGISTRY_CHECK_SECONDS for
the registry, HISTORY_SECONDS for complaint history. Time here is a clock the test moves by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import complaints.history_cache as history_module
from app.extensions import db, history_cache, registry_cache
from app.verification import verify_code
from barcode_db.models import Company, CompanyPrefix
from barcode_db.registry import REGISTRY_CHECK_SECONDS, SnapshotCache, bump_registry_version
from barcode_db.textkey import search_key
from complaints.history_cache import HISTORY_SECONDS, HistoryCache
from complaints.models import Complaint
from complaints.queries import fetch_history
from complaints.workflow import Category, Status
from tests.app.test_staff import detail, post_form, version_of
from tests.support.factories import login, with_check_digit
from tests.support.forms import file_complaint_by_api

VINAMILK_PRODUCT = "8934673000017"
#: A Vietnamese number whose owner is not in the sample registry.
UNLISTED = with_check_digit("893999912345")


class ManualClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        # Far from the wall clock's monotonic readings, so nothing cached before can look fresh.
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch, db_session) -> ManualClock:
    """The app's two verification caches on a clock that stands still unless moved."""
    clock = ManualClock()
    monkeypatch.setattr(registry_cache, "clock", clock)
    monkeypatch.setattr(history_cache, "clock", clock)
    registry_cache.clear()
    return clock


def verify(client, code: str) -> dict:
    response = client.get("/api/v1/verify", query_string={"code": code, "lang": "en"})
    assert response.status_code == 200
    return response.get_json()


def reasons(body: dict) -> list[str]:
    return [r["code"] for r in body["reasons"]]


@contextmanager
def elsewhere() -> Iterator[Session]:
    """A session as another process would have: its own connection, and none of the events
    through which this process's sessions tell its caches what they changed."""
    with Session(db.engine) as session, session.begin():
        yield session


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def complaint(gtin: str, status: Status, n: int) -> Complaint:
    return Complaint(
        tracking_code=f"HOT{n:07d}",
        status=status,
        category=Category.COUNTERFEIT,
        gtin=gtin.zfill(14),
        province_code="79",
        description="Hàng có dấu hiệu làm giả.",
        closed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC) if status.is_closed else None,
    )


def test_a_verification_with_fresh_caches_asks_the_database_nothing(
    client, sample_registry, clock
) -> None:
    assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"
    with statements() as seen:
        assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"
    assert seen == []
    clock.advance(REGISTRY_CHECK_SECONDS)
    with statements() as seen:
        verify(client, VINAMILK_PRODUCT)
    # Past the bound: the registry version and the history are read again.
    assert [s for s in seen if "registry_state" in s]
    assert [s for s in seen if "FROM complaint" in s]


def test_a_complaint_filed_in_this_process_is_in_the_next_verdict(
    client, sample_registry, clock
) -> None:
    assert "open_complaints" not in reasons(verify(client, VINAMILK_PRODUCT))
    filed = file_complaint_by_api(client, VINAMILK_PRODUCT)
    assert filed.status_code == 201, filed.get_data(as_text=True)
    # The clock has not moved: only the filing itself can have dropped the cached history.
    assert "open_complaints" in reasons(verify(client, VINAMILK_PRODUCT))


def test_a_status_change_in_this_process_is_in_the_next_verdict(
    client, db_session, sample_registry, make_complaint, make_user, clock
) -> None:
    referred = make_complaint(status="REFERRED", gtin=VINAMILK_PRODUCT)
    before = verify(client, VINAMILK_PRODUCT)
    assert (before["level"], "open_complaints" in reasons(before)) == ("TRUSTED", True)
    login(client, make_user("staff"))
    html = detail(client, referred)
    moved = post_form(
        client,
        f"/staff/complaints/{referred.id}/move",
        html,
        target="CONFIRMED",
        note="QLTT xác nhận hàng giả.",
        version=version_of(html),
    )
    assert moved.status_code == 303
    after = verify(client, VINAMILK_PRODUCT)
    assert after["level"] == "REPORTED"
    assert "open_complaints" not in reasons(after)


def test_a_change_rolled_back_leaves_no_trace_in_verdicts(db_session, sample_registry, clock):
    db_session.add(complaint(VINAMILK_PRODUCT, Status.CONFIRMED, 1))
    db_session.flush()
    # The transaction that wrote it sees it...
    assert verify_code(VINAMILK_PRODUCT).verdict.level.value == "REPORTED"
    db_session.rollback()
    # ...and once it is undone, nobody does, though the clock has not moved.
    assert verify_code(VINAMILK_PRODUCT).verdict.level.value == "TRUSTED"


# What another connection sees of this one's uncommitted work: real transactions.
@pytest.mark.real_transactions
def test_a_verification_while_a_complaint_is_being_filed_does_not_hide_it_after(
    client, db_session, sample_registry, clock
) -> None:
    db_session.add(complaint(VINAMILK_PRODUCT, Status.CONFIRMED, 3))
    db_session.flush()
    # Another request, meanwhile, cannot see the complaint yet (nor must it: not committed)...
    assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"
    db_session.commit()
    # ...and what it read does not outlive the commit.
    assert verify(client, VINAMILK_PRODUCT)["level"] == "REPORTED"


# What another connection sees of this one's uncommitted work: real transactions.
@pytest.mark.real_transactions
def test_what_a_transaction_has_not_committed_is_never_shown_to_others(
    client, db_session, sample_registry, clock
) -> None:
    db_session.add(complaint(VINAMILK_PRODUCT, Status.CONFIRMED, 4))
    db_session.flush()
    assert verify_code(VINAMILK_PRODUCT).verdict.level.value == "REPORTED"  # its own view
    assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"  # another request's
    db_session.rollback()


def test_complaints_changed_by_another_process_reach_verdicts_within_the_bound(
    client, sample_registry, clock
) -> None:
    assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"
    with elsewhere() as session:
        session.add(complaint(VINAMILK_PRODUCT, Status.REFERRED, 2))
    clock.advance(HISTORY_SECONDS * 0.99)
    assert "open_complaints" not in reasons(verify(client, VINAMILK_PRODUCT))  # not yet
    clock.advance(HISTORY_SECONDS * 0.01)
    assert "open_complaints" in reasons(verify(client, VINAMILK_PRODUCT))
    with elsewhere() as session:
        session.execute(
            sa.update(Complaint)
            .where(Complaint.tracking_code == "HOT0000002")
            .values(status=Status.CONFIRMED, closed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
        )
    assert verify(client, VINAMILK_PRODUCT)["level"] == "TRUSTED"  # not yet
    clock.advance(HISTORY_SECONDS)
    assert verify(client, VINAMILK_PRODUCT)["level"] == "REPORTED"


def test_a_registry_change_in_this_process_is_in_the_next_verdict(
    client, registry, sample_registry, clock
) -> None:
    assert verify(client, UNLISTED)["level"] == "VIETNAMESE"
    registry.company("Công ty Cổ phần Bình Minh", prefix="8939999", brands=("Bình Minh",))
    assert verify(client, UNLISTED)["level"] == "TRUSTED"


def test_a_registry_change_by_another_process_reaches_verdicts_within_the_bound(
    client, sample_registry, clock
) -> None:
    assert verify(client, UNLISTED)["level"] == "VIETNAMESE"
    with elsewhere() as session:
        name = "Công ty Cổ phần Bình Minh"
        company = Company(code="BM", name=name, name_key=search_key(name), address="", website="")
        session.add(company)
        session.flush()
        session.add(CompanyPrefix(prefix="8939999", company_id=company.id))
        bump_registry_version(session)
    clock.advance(REGISTRY_CHECK_SECONDS * 0.99)
    assert verify(client, UNLISTED)["level"] == "VIETNAMESE"  # not yet
    clock.advance(REGISTRY_CHECK_SECONDS * 0.01)
    assert verify(client, UNLISTED)["level"] == "TRUSTED"


def test_a_history_read_overtaken_by_a_change_is_not_kept(db_session, monkeypatch) -> None:
    clock = ManualClock()
    cache = HistoryCache(clock=clock)
    gtin = VINAMILK_PRODUCT.zfill(14)
    reads = []

    def read_while_a_complaint_is_filed(session, gtin14):  # type: ignore[no-untyped-def]
        reads.append(gtin14)
        history = fetch_history(session, gtin14)
        if len(reads) == 1:
            cache.invalidate([gtin14])  # another request of this process commits meanwhile
        return history

    monkeypatch.setattr(history_module, "fetch_history", read_while_a_complaint_is_filed)
    cache.get(db_session, gtin)
    cache.get(db_session, gtin)  # the first read was older than the change: read again
    cache.get(db_session, gtin)  # the second is kept
    assert len(reads) == 2


def test_a_registry_version_read_overtaken_by_a_change_is_not_trusted(
    db_session, sample_registry, monkeypatch
) -> None:
    import barcode_db.registry as registry_module

    cache = SnapshotCache(clock=ManualClock())
    reads = []
    read_version = registry_module.fetch_registry_version

    def read_while_the_registry_changes(session):  # type: ignore[no-untyped-def]
        reads.append(1)
        version = read_version(session)
        if len(reads) == 1:
            cache.expire()  # another request of this process commits a registry change meanwhile
        return version

    monkeypatch.setattr(registry_module, "fetch_registry_version", read_while_the_registry_changes)
    cache.get(db_session)  # reads the version, then builds the snapshot (which reads it too)
    cache.get(db_session)  # the first read was older than the change: read again
    cache.get(db_session)  # the second is trusted
    assert len(reads) == 3


def test_the_history_cache_keeps_at_most_max_entries(db_session) -> None:
    cache = HistoryCache(clock=ManualClock(), max_entries=2)
    for payload in ("893467312345", "893467312346", "893467312347"):
        cache.get(db_session, with_check_digit(payload).zfill(14))
    assert list(cache._entries) == [
        with_check_digit(p).zfill(14) for p in ("893467312346", "893467312347")
    ]
