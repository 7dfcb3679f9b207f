"""The one unit of work of a request: commit what the cores flushed, or roll it all back.

Operations in the cores (``complaints``, ``barcode_db``) only add and flush; a view (or the
command line) decides that a request's changes belong together and wraps them in
:func:`unit_of_work` or decorates itself with :func:`transactional`. On the way out:

- success → one ``commit``;
- a :class:`~barcode_db.messages.Refusal` (a rule said no) → rollback, and the refusal goes on;
- ``StaleDataError`` (someone saved the same row since it was read) → rollback and a
  :class:`Conflict` (409) saying so;
- ``IntegrityError`` (a unique or foreign key said no at commit: most often the same thing sent
  twice at once) → rollback and a :class:`Conflict` (409);
- ``DataError`` (a value the database cannot hold) → rollback and a 400 refusal.

A refusal that leaves a view is shown by :func:`handle_refusal` (registered for the whole app):
an error page or, under ``/api/``, a JSON error body, in the reader's language. A view that wants
to show the refusal on its own form passes ``on_refusal``. No view calls ``commit`` itself
(``tests/app/test_unit_of_work.py`` checks the source).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.i18n import render_message
from barcode_db.messages import N_, Message, Refusal

F = TypeVar("F", bound=Callable[..., Any])


class Conflict(Refusal):
    """The stored state changed under the request (another save, the same key used twice)."""

    status = 409


STALE = Message(
    "stale_edit_race",
    N_("Someone saved this at the same moment. Nothing was saved: reload the page and try again."),
)
DUPLICATE = Message(
    "conflict",
    N_(
        "This conflicts with something saved a moment ago. Nothing was saved: reload and try again."
    ),
)
UNSTORABLE = Message(
    "unstorable_value",
    N_("A value in the request cannot be stored (too long, or not valid). Nothing was saved."),
)


@contextmanager
def _rolled_back_on_failure() -> Iterator[None]:
    """Roll the session back on any exception; the database's refusals become a Refusal."""
    try:
        yield
    except BaseException as error:
        db.session.rollback()
        refusal = _refusal_for(error)
        if refusal is None:
            raise
        raise refusal from error


def _refusal_for(error: BaseException) -> Refusal | None:
    if isinstance(error, StaleDataError):
        return Conflict(STALE)
    if isinstance(error, IntegrityError):
        return Conflict(DUPLICATE)
    if isinstance(error, DataError):
        return Refusal(UNSTORABLE)
    return None


def commit() -> None:
    """Commit the request's session, turning the database's refusals into :class:`Refusal`."""
    with _rolled_back_on_failure():
        db.session.commit()


@contextmanager
def unit_of_work() -> Iterator[Any]:
    """``with unit_of_work() as session:`` — commit on success, roll back on any exception.

    Database refusals met while flushing inside the block are turned into refusals as
    :func:`commit` does."""
    with _rolled_back_on_failure():
        yield db.session
    commit()


def transactional(
    view: F | None = None, *, on_refusal: Callable[[Refusal], Any] | None = None
) -> Any:
    """A view whose changes are one unit of work.

    The view's response commits when its status is below 400; an error response (a form shown
    again with its problems) rolls back. A refusal rolls back and goes to ``on_refusal`` (which
    returns the response, e.g. the form with the message) or, without one, to the app's refusal
    page."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                with unit_of_work():
                    result = func(*args, **kwargs)
                    if _status_of(result) >= 400:
                        raise _Discard(result)
            except _Discard as discarded:
                return discarded.response
            except Refusal as refusal:
                if on_refusal is None:
                    raise
                return on_refusal(refusal)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


class _Discard(Exception):
    """An error response: roll back what the view flushed, then send it."""

    def __init__(self, response: Any) -> None:
        super().__init__("error response")
        self.response = response


def _status_of(result: Any) -> int:
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple) and len(result) >= 2 and isinstance(result[1], int):
        return result[1]
    return 200


def refusal_body(refusal: Refusal) -> tuple[Response, int]:
    """The API's JSON error for a refusal: ``{"error": {"status", "code", "message"}}``."""
    return (
        jsonify(
            {
                "error": {
                    "status": refusal.status,
                    "code": refusal.message.code,
                    "message": render_message(refusal.message),
                }
            }
        ),
        refusal.status,
    )


def handle_refusal(refusal: Refusal) -> Any:
    """A refusal no view handled: the error page (or JSON under /api/) with its status."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        return refusal_body(refusal)
    return (
        render_template(
            "errors/error.html", status=refusal.status, message=render_message(refusal.message)
        ),
        refusal.status,
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(Refusal, handle_refusal)
