"""Complaint history by GTIN, cached for a second in each process, for verdicts.

Every verification of a valid number reads the complaint history of that number (its REPORTED
rule); that read was one of the two database round trips of a verification. A popular product is
verified many times a second, and its history changes only when a complaint on it is filed or
moves, so each process keeps what it read for :data:`HISTORY_SECONDS`:

- a complaint filed, changed or deleted through a session of this process drops the history of
  its GTIN at once — when the session flushes, and again when its transaction ends, so that
  nothing read in between by another request outlives the commit (:meth:`HistoryCache.watch`);
- a change made by another process (another gunicorn worker, another app node, a script) is seen
  within :data:`HISTORY_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from barcode_db.registry import session_info
from barcode_db.verdict import History
from complaints.models import Complaint
from complaints.queries import fetch_history

#: How long a process keeps the history of a GTIN: the most a change made in another process
#: can take to reach a verdict here.
HISTORY_SECONDS = 1.0
#: GTINs kept at most (a few MB); past it the oldest go first.
MAX_ENTRIES = 20_000
#: ``session.info`` key: the GTINs whose history the session's transaction changed.
TOUCHED = "complaint_history_touched"
#: In :data:`TOUCHED`: a bulk statement changed complaints, any GTIN may have moved.
EVERY_GTIN = "*"


class HistoryCache:
    """The complaint history of recently verified GTINs; see the module docstring.

    ``clock`` is a monotonic clock in seconds; tests pass one they drive by hand.
    """

    def __init__(
        self,
        *,
        keep_for: float = HISTORY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.keep_for = keep_for
        self.clock = clock
        self.max_entries = max_entries
        #: GTIN → (clock reading until which it may be used, history), oldest first.
        self._entries: dict[str, tuple[float, History]] = {}
        #: Moves on every invalidation, so that a read begun before it is not kept.
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, session: Session, gtin14: str) -> History:
        """The history of ``gtin14``, from the cache while it is fresh, else from ``session``."""
        if session_info(session).get(TOUCHED):
            # This transaction changed complaints: it reads them as it sees them, and what it
            # sees is not committed yet, so it is not kept.
            return fetch_history(session, gtin14)
        now = self.clock()
        entry = self._entries.get(gtin14)
        if entry is not None and now < entry[0]:
            return entry[1]
        generation = self._generation
        history = fetch_history(session, gtin14)
        with self._lock:
            if generation == self._generation:
                self._entries.pop(gtin14, None)  # re-inserted last: the dict stays oldest first
                while len(self._entries) >= self.max_entries:
                    del self._entries[next(iter(self._entries))]
                # From when the read began: what it saw is at most keep_for old when dropped.
                self._entries[gtin14] = (now + self.keep_for, history)
        return history

    def invalidate(self, gtins: Iterable[str]) -> None:
        """Drop these GTINs' history (:data:`EVERY_GTIN` among them: all of it)."""
        gtins = set(gtins)
        with self._lock:
            self._generation += 1
            if EVERY_GTIN in gtins:
                self._entries.clear()
            for gtin in gtins:
                self._entries.pop(gtin, None)

    def clear(self) -> None:
        self.invalidate({EVERY_GTIN})

    def watch(self, sessions: Any) -> None:
        """Invalidate what sessions (of ``sessions``: a Session class, a sessionmaker or a
        scoped_session) change: at each flush, and again when their transaction ends."""
        sa.event.listen(sessions, "after_flush", self._after_flush)
        sa.event.listen(sessions, "do_orm_execute", self._on_orm_execute)
        sa.event.listen(sessions, "after_transaction_end", self._after_transaction_end)

    def _touch(self, session: Session, gtins: set[str]) -> None:
        if gtins:
            session.info.setdefault(TOUCHED, set()).update(gtins)
            self.invalidate(gtins)

    def _after_flush(self, session: Session, flush_context: UOWTransaction) -> None:
        # new, dirty and deleted still hold what this flush wrote.
        self._touch(
            session,
            {
                gtin
                for obj in (*session.new, *session.dirty, *session.deleted)
                if isinstance(obj, Complaint)
                for gtin in _gtins_of(obj)
            },
        )

    def _on_orm_execute(self, state: ORMExecuteState) -> None:
        # Bulk INSERT / UPDATE / DELETE of complaints: which GTINs they touch is not known here.
        if (state.is_insert or state.is_update or state.is_delete) and (
            state.bind_mapper is not None and state.bind_mapper.class_ is Complaint
        ):
            self._touch(state.session, {EVERY_GTIN})

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and (touched := session.info.pop(TOUCHED, None)):
            self.invalidate(touched)


def _gtins_of(complaint: Complaint) -> set[str]:
    """The complaint's GTIN, and the one it had before this flush if that changed."""
    history = sa.inspect(complaint).attrs.gtin.history
    return {g for g in (complaint.gtin, *history.deleted) if g}
