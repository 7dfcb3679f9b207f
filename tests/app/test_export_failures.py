"""Exports that cannot be made are refused before their first byte, with a message on the
inspectors' page; an export that fails after its first byte is never a quiet success, and only
an export that finished is recorded as such."""

from __future__ import annotations

import contextvars
import csv
import io
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.inspect import views
from complaints.exports import PDF_WORK_PER_CASE, PdfWork
from complaints.models import Evidence, ExportEvent
from tests.support.database import end_clean_transaction
from tests.support.factories import login
from tests.support.pages import check_page


class RowFailed(RuntimeError):
    """The failure a test puts in the middle of an export."""


def fail_on_row(monkeypatch, n: int, maker: str = "case_row") -> None:
    """``maker`` (``case_row`` for CSV and XLSX, ``build_case_file`` for PDF) raises on the
    ``n``-th case an export writes."""
    real = getattr(views, maker)
    written = [0]

    def failing(complaint, **kwargs):
        written[0] += 1
        if written[0] == n:
            raise RowFailed(f"case {n} could not be written")
        return real(complaint, **kwargs)

    monkeypatch.setattr(views, maker, failing)


def exports(session) -> list[ExportEvent]:
    session.expire_all()
    return list(session.scalars(sa.select(ExportEvent).order_by(ExportEvent.id)))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def follow(client, response) -> str:
    """The page a refusal sends the inspector back to, as they read it."""
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/inspect/?")
    page = client.get(response.headers["Location"])
    check_page(page, public=False)
    return text_of(page.get_data(as_text=True))


def read_streamed(client, url: str) -> tuple[int, list[bytes], BaseException | None]:
    """Status, the chunks received and the error that ended the body, read as a WSGI server
    does: chunk by chunk, in the request's own context (IsolatedClient reads bodies whole)."""
    end_clean_transaction(db.session())

    def run() -> tuple[int, list[bytes], BaseException | None]:
        response = FlaskClient.open(client, url, buffered=False)
        chunks: list[bytes] = []
        try:
            for chunk in response.response:
                chunks.append(chunk)
        except RowFailed as error:
            return response.status_code, chunks, error
        finally:
            response.close()
        return response.status_code, chunks, None

    return contextvars.Context().run(run)


# ---- PDF: bounded by work ------------------------------------------------------------------------


@pytest.fixture
def small_budget(app, monkeypatch):
    """A PDF budget of three cases without photos, one line of history each (as filed), for a
    PDF made at once and for one made by a background job (tests/app/test_jobs.py has a job's
    budget above the request's)."""
    budget = PdfWork(cases=3, events=3, photos=0, photo_pixels=0).units
    assert budget // PDF_WORK_PER_CASE == 3
    monkeypatch.setitem(app.config, "PDF_MAX_WORK", budget)
    monkeypatch.setitem(app.config, "PDF_JOB_MAX_WORK", budget)
    return budget


def test_a_pdf_of_more_cases_than_the_budget_allows_is_refused(
    client, make_user, make_complaint, db_session, small_budget
) -> None:
    login(client, make_user("inspector"))
    for n in range(3):
        make_complaint(status="REFERRED", product_name=f"Sữa giả {n}")
    made = client.get("/inspect/export.pdf?lang=en")
    assert made.status_code == 200 and made.get_data().startswith(b"%PDF")

    make_complaint(status="REFERRED", product_name="Sữa giả 4")
    refused = client.get("/inspect/export.pdf?lang=en&category=counterfeit")
    assert "category=counterfeit" in refused.headers["Location"]  # the filters are kept
    page = follow(client, refused)
    assert "More than 3 cases match: too many for one PDF." in page
    assert "Narrow the filters" in page and "download the CSV or XLSX" in page
    assert [e.rows for e in exports(db_session)] == [3]  # the refused one is not recorded


def test_photos_count_in_a_pdfs_work(
    client, make_user, make_complaint, db_session, small_budget
) -> None:
    login(client, make_user("inspector"))
    light = make_complaint(status="REFERRED")
    heavy = make_complaint(status="REFERRED")
    for n in range(8):  # a photo of 2560 × 1920 weighs more than a case
        db_session.add(
            Evidence(
                complaint_id=heavy.id,
                storage_key=f"2026/11/{n:032x}.jpg",
                sha256_original="0" * 64,
                sha256_stored="0" * 64,
                original_format="JPEG",
                original_bytes=1_000_000,
                width=2560,
                height=1920,
            )
        )
    db_session.commit()
    assert PdfWork(2, 2, 8, 8 * 2560 * 1920).units > small_budget >= PdfWork(2, 2, 0, 0).units

    assert client.get(f"/inspect/export.pdf?id={light.id}").status_code == 200
    refused = client.get(f"/inspect/export.pdf?lang=en&id={light.id}&id={heavy.id}")
    page = follow(client, refused)
    assert "The 2 case(s) chosen, with 8 photo(s) between them, are too much for one PDF." in page
    assert len(exports(db_session)) == 1


# ---- XLSX: a sheet's rows --------------------------------------------------------------------


def test_an_xlsx_of_more_rows_than_a_sheet_holds_is_refused(
    client, make_user, make_complaint, db_session, monkeypatch
) -> None:
    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 3)  # a header and two cases
    login(client, make_user("inspector"))
    make_complaint(status="REFERRED")
    make_complaint(status="CONFIRMED")
    assert client.get("/inspect/export.xlsx").status_code == 200
    make_complaint(status="REFERRED")
    page = follow(client, client.get("/inspect/export.xlsx?lang=en"))
    assert "More than 2 cases match: too many for one spreadsheet." in page
    assert [e.format for e in exports(db_session)] == ["xlsx"]


# ---- failures after the checks -----------------------------------------------------------------


def test_an_xlsx_or_pdf_that_fails_is_an_error_and_is_not_recorded(
    client, make_user, make_complaint, db_session, monkeypatch
) -> None:
    login(client, make_user("inspector"))
    for n in range(3):
        make_complaint(status="REFERRED", product_name=f"Sữa giả {n}")
    fail_on_row(monkeypatch, 2)
    # Built in full before the first byte: the failure is an error response (under TESTING the
    # exception itself), never a file.
    with pytest.raises(RowFailed):
        client.get("/inspect/export.xlsx")
    fail_on_row(monkeypatch, 2, "build_case_file")
    with pytest.raises(RowFailed):
        client.get("/inspect/export.pdf")
    assert exports(db_session) == []


def test_a_csv_that_fails_half_way_ends_as_failed_and_is_not_recorded_as_finished(
    client, make_user, make_complaint, db_session, monkeypatch
) -> None:
    inspector = make_user("inspector")
    login(client, inspector)
    for n in range(5):
        make_complaint(status="REFERRED", product_name=f"Sữa giả {n}")
    fail_on_row(monkeypatch, 3)

    status, chunks, error = read_streamed(client, "/inspect/export.csv?lang=en")
    # The headers had left (200): the body must say it failed, and the transfer must fail.
    assert status == 200
    assert isinstance(error, RowFailed)  # the server sees it and drops the connection
    text = b"".join(chunks).decode("utf-8-sig")
    last = list(csv.reader(io.StringIO(text)))[-1]
    assert last == [
        "EXPORT INCOMPLETE: an error stopped this export before its end. "
        "Do not use this file; download it again."
    ]
    [event] = exports(db_session)
    assert (event.actor, event.format) == (inspector.username, "csv")
    assert event.rows == views.ROWS_NOT_FINISHED  # started, recorded, never finished

    # As a whole-body client reads it: no response, the error.
    fail_on_row(monkeypatch, 3)
    with pytest.raises(RowFailed):
        client.get("/inspect/export.csv")


def test_a_csv_whose_end_cannot_be_recorded_ends_as_failed(
    client, make_user, make_complaint, db_session, monkeypatch
) -> None:
    login(client, make_user("inspector"))
    make_complaint(status="REFERRED", product_name="Sữa giả")

    def cannot_record(event_id: int, rows: int) -> None:
        raise RowFailed("the audit database went away")

    monkeypatch.setattr(views, "_record_row_count", cannot_record)
    status, chunks, error = read_streamed(client, "/inspect/export.csv?lang=en")
    assert status == 200 and isinstance(error, RowFailed)
    assert b"EXPORT INCOMPLETE" in chunks[-1]
    assert [e.rows for e in exports(db_session)] == [views.ROWS_NOT_FINISHED]


def test_a_csv_that_finishes_is_recorded_with_its_rows_after_the_last_one(
    client, make_user, make_complaint, db_session
) -> None:
    login(client, make_user("inspector"))
    for n in range(3):
        make_complaint(status="REFERRED", product_name=f"Sữa giả {n}")
    status, chunks, error = read_streamed(client, "/inspect/export.csv")
    assert (status, error) == (200, None)
    assert b"EXPORT INCOMPLETE" not in b"".join(chunks)
    assert len(list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))) == 4
    assert [e.rows for e in exports(db_session)] == [3]


def test_a_bad_filter_is_refused_before_anything_is_recorded(
    client, make_user, make_complaint, db_session
) -> None:
    login(client, make_user("inspector"))
    make_complaint(status="REFERRED")
    for fmt in ("csv", "xlsx", "pdf"):
        response = client.get(f"/inspect/export.{fmt}?from=2026-13-45")
        assert response.status_code == 400, fmt
    assert exports(db_session) == []
