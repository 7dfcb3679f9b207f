"""Background jobs: a big export is offered as a job, the job's page shows its progress and then
the file, which holds what the page would have given, for its owner only, audited once; a report's
file from its page; a queue that does not answer; a worker that died; files that expire."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.clock import utc_now
from app.jobs import queue
from complaints.jobs import Job, JobStatus, claim
from complaints.models import ExportEvent
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.jobs import run_queued_jobs
from tests.support.pages import check_page


@pytest.fixture
def small_jobs(app, monkeypatch):
    """Jobs from three cases on (the default is 5,000)."""
    monkeypatch.setitem(app.config, "JOB_EXPORT_ROWS", 2)


@pytest.fixture
def cases(make_complaint):
    made = [
        make_complaint(
            status="REFERRED",
            product_name=f"Nước mắm nhái nhãn {n}",
            store_name='=HYPERLINK("x")' if n == 0 else f"Tạp hoá {n}",
            contact_phone="0912 345 678",
        )
        for n in range(4)
    ]
    make_complaint(status="REFERRED", province_code="01", product_name="Ở tỉnh khác")
    return made


def _start(client, address: str):
    """GET the export (the offer), then press its button; the job's page address."""
    offer = client.get(address)
    assert offer.status_code == 200
    html = offer.get_data(as_text=True)
    assert 'id="start-job"' in html
    started = client.post(
        address, data={"csrf_token": hidden_value(html, "csrf_token")}, headers=REFERER
    )
    assert started.status_code == 303, started.get_data(as_text=True)
    return started.headers["Location"]


def _job(db_session) -> Job:
    [job] = db_session.scalars(sa.select(Job)).all()
    db_session.refresh(job)
    return job


def test_a_big_csv_export_is_made_by_a_job_and_holds_what_the_page_gives(
    client, app, make_user, cases, db_session, small_jobs
) -> None:
    inspector = make_user("inspector")
    login(client, inspector)
    offer = client.get("/inspect/export.csv?lang=en")
    check_page(offer, public=False)
    assert "4 cases match" in offer.get_data(as_text=True)
    assert db_session.scalars(sa.select(ExportEvent)).all() == []  # an offer exports nothing

    page_url = _start(client, "/inspect/export.csv?lang=en")
    waiting = client.get(page_url)
    assert waiting.status_code == 200 and waiting.headers["Refresh"] == "2"
    assert "Waiting for a worker" in waiting.get_data(as_text=True)
    assert db_session.scalars(sa.select(ExportEvent)).all() == []  # nothing made yet

    assert run_queued_jobs() == 1
    done = client.get(page_url)
    html = done.get_data(as_text=True)
    assert "Ready" in html and "Refresh" not in done.headers
    file = client.get(hidden_link(html, "job-file"))
    assert file.status_code == 200 and file.mimetype == "text/csv"
    made = file.get_data().decode("utf-8-sig")

    app.config["JOB_EXPORT_ROWS"] = 100  # the same export, made at once by the page
    direct = client.get("/inspect/export.csv?lang=en").get_data().decode("utf-8-sig")
    assert made == direct
    rows = list(csv.reader(io.StringIO(made)))
    assert len(rows) == 1 + 4
    assert "0912" not in made and "'=HYPERLINK" in made

    events = db_session.scalars(sa.select(ExportEvent).order_by(ExportEvent.id)).all()
    assert [(e.actor, e.format, e.rows, e.personal_data) for e in events] == [
        (inspector.username, "csv", 4, False),  # the job's
        (inspector.username, "csv", 4, False),  # the page's
    ]
    assert events[0].filters == {"lang": "en"}


def hidden_link(html: str, element_id: str) -> str:
    import re

    match = re.search(rf'id="{element_id}" href="([^"]+)"', html)
    assert match, f"no link #{element_id}"
    return match.group(1).replace("&amp;", "&")


def test_only_the_owner_sees_the_job_and_takes_its_file(
    client, app, make_user, cases, db_session, small_jobs
) -> None:
    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.csv")
    run_queued_jobs()
    file_url = hidden_link(client.get(page_url).get_data(as_text=True), "job-file")
    other = app.test_client()
    login(other, make_user("inspector"))
    assert other.get(page_url).status_code == 404
    assert other.get(file_url).status_code == 404
    assert other.get(page_url + ".json").status_code == 404
    assert "no-jobs" in other.get("/staff/jobs/").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(file_url).status_code in (302, 401)
    assert client.get(file_url).status_code == 200


def test_personal_data_goes_into_a_job_only_for_a_role_that_may_and_when_asked(
    client, app, make_user, cases, db_session, small_jobs
) -> None:
    login(client, make_user("inspector"))
    assert client.get("/inspect/export.csv?personal=1").status_code == 403
    staff = app.test_client()
    login(staff, make_user("staff"))
    page_url = _start(staff, "/inspect/export.csv?personal=1")
    run_queued_jobs()
    text = (
        staff.get(hidden_link(staff.get(page_url).get_data(as_text=True), "job-file"))
        .get_data()
        .decode("utf-8-sig")
    )
    assert "0912 345 678" in text
    assert db_session.scalars(sa.select(ExportEvent.personal_data)).all() == [True]


def test_a_big_xlsx_export_by_a_job(client, make_user, cases, db_session, small_jobs) -> None:
    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.xlsx?lang=en")
    run_queued_jobs()
    state = client.get(page_url + ".json").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    response = client.get(state["file_url"])
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert len(values) == 1 + 4
    assert "Nước mắm nhái nhãn 3" in " ".join(str(v) for row in values for v in row if v)
    [event] = db_session.scalars(sa.select(ExportEvent)).all()
    assert (event.format, event.rows) == ("xlsx", 4)


def test_a_pdf_too_big_for_a_request_is_made_by_a_job(
    client, app, make_user, cases, db_session, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "PDF_MAX_WORK", 300)  # one case at once, not four
    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.pdf?lang=en")
    run_queued_jobs()
    state = client.get(page_url + ".json").get_json()
    assert state["status"] == "done", state
    pdf = client.get(state["file_url"])
    assert pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    for complaint in cases[:4]:
        assert f"#{complaint.id}" in text
    [event] = db_session.scalars(sa.select(ExportEvent)).all()
    assert (event.format, event.rows) == ("pdf", 4)


def test_a_pdf_beyond_what_a_job_may_make_is_refused_and_nothing_starts(
    client, app, make_user, cases, db_session, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "PDF_MAX_WORK", 300)
    monkeypatch.setitem(app.config, "PDF_JOB_MAX_WORK", 500)
    login(client, make_user("inspector"))
    response = client.get("/inspect/export.pdf?lang=en")
    assert response.status_code == 303
    assert "too many for one PDF" in client.get(response.headers["Location"]).get_data(as_text=True)
    page = client.get("/inspect/?lang=en").get_data(as_text=True)
    forged = client.post(
        "/inspect/export.pdf",
        data={"csrf_token": hidden_value(page, "csrf_token")},
        headers=REFERER,
    )
    assert forged.status_code == 303
    assert db_session.scalars(sa.select(Job)).all() == []


def test_starting_a_job_needs_the_form_token(
    client, make_user, cases, db_session, small_jobs
) -> None:
    login(client, make_user("inspector"))
    assert client.post("/inspect/export.csv", headers=REFERER).status_code == 400
    assert db_session.scalars(sa.select(Job)).all() == []


def test_a_report_file_is_made_by_a_job_from_the_report_page(
    client, make_user, cases, db_session
) -> None:
    login(client, make_user("staff"))
    address = "/reports/view?period=2026-Q4&province=79&lang=en"
    html = client.get(address).get_data(as_text=True)
    assert 'id="pdf-link"' in html
    started = client.post(
        "/reports/report.xlsx?period=2026-Q4&province=79&lang=en",
        data={"csrf_token": hidden_value(html, "csrf_token")},
        headers=REFERER,
    )
    assert started.status_code == 303
    run_queued_jobs()
    state = client.get(started.headers["Location"] + ".json").get_json()
    assert state["status"] == "done", state
    made = client.get(state["file_url"])
    direct = client.get("/reports/report.xlsx?period=2026-Q4&province=79&lang=en")
    assert made.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(made.get_data()))
    direct_book = openpyxl.load_workbook(io.BytesIO(direct.get_data()))
    assert book.sheetnames == direct_book.sheetnames


def test_a_report_for_another_province_is_refused_before_a_job_starts(
    client, make_user, db_session
) -> None:
    login(client, make_user("staff", province_code="79"))
    html = client.get("/reports/?lang=en").get_data(as_text=True)
    refused = client.post(
        "/reports/report.pdf?period=2026-Q4&province=01",
        data={"csrf_token": hidden_value(html, "csrf_token")},
        headers=REFERER,
    )
    assert refused.status_code == 403
    bad = client.post(
        "/reports/report.pdf?period=2026-Q9&province=79",
        data={"csrf_token": hidden_value(html, "csrf_token")},
        headers=REFERER,
    )
    assert bad.status_code == 400
    assert db_session.scalars(sa.select(Job)).all() == []


def test_a_queue_that_does_not_answer_refuses_the_job_with_a_message(
    client, make_user, cases, db_session, small_jobs, monkeypatch
) -> None:
    from huey.storage import RedisStorage

    # A Redis that is not there (nothing listens on port 9 of this machine).
    monkeypatch.setattr(
        queue.huey, "storage", RedisStorage("hangviet", url="redis://127.0.0.1:9/0")
    )
    login(client, make_user("inspector"))
    offer = client.get("/inspect/export.csv?lang=en").get_data(as_text=True)
    refused = client.post(
        "/inspect/export.csv?lang=en",
        data={"csrf_token": hidden_value(offer, "csrf_token")},
        headers=REFERER,
    )
    assert refused.status_code == 503
    assert "Background jobs cannot be started right now" in refused.get_data(as_text=True)
    job = _job(db_session)
    assert (job.status, job.error) == (JobStatus.FAILED, "not_queued")
    assert db_session.scalars(sa.select(ExportEvent)).all() == []


def _lose_the_worker(db_session, job_id: int, app) -> None:
    """A worker claimed the job, then died: its last beat is older than JOB_STALE_SECONDS."""
    before = utc_now() - dt.timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    assert claim(db_session, job_id, now=before)
    db_session.commit()


def test_a_job_whose_worker_died_runs_again_then_fails_never_stays_running(
    client, app, make_user, cases, db_session, small_jobs
) -> None:
    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.csv?lang=en")
    huey_task = queue.huey.dequeue()  # the first worker took it off the queue, and died
    assert huey_task is not None
    job = _job(db_session)
    _lose_the_worker(db_session, job.id, app)
    page = client.get(page_url).get_data(as_text=True)
    assert 'id="job-stale"' in page

    with app.test_request_context():
        reaped, _ = queue.housekeeping()
    assert reaped.requeued == (job.id,)
    assert run_queued_jobs() == 1  # queued again, made by the next worker
    job = _job(db_session)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)

    # A second job whose worker dies twice is given up, with a message.
    page_url = _start(client, "/inspect/export.csv?lang=en")
    queue.huey.flush()
    second = db_session.scalars(sa.select(Job).order_by(Job.id.desc())).first()
    for _ in range(2):
        _lose_the_worker(db_session, second.id, app)
        with app.test_request_context():
            queue.housekeeping()
        queue.huey.flush()
    db_session.refresh(second)
    assert (second.status, second.error) == (JobStatus.FAILED, "worker_lost")
    assert "stopped twice" in client.get(page_url).get_data(as_text=True)


def test_files_expire_and_are_removed(
    client, app, make_user, cases, db_session, small_jobs, monkeypatch
) -> None:
    from app.complaint_service import photo_store

    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.csv?lang=en")
    run_queued_jobs()
    job = _job(db_session)
    key = job.storage_key
    with app.test_request_context():
        assert photo_store().exists(key)
    later = job.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr("app.jobs.queue.utc_now", lambda: later)
    with app.test_request_context():
        _, removed = queue.housekeeping()
        assert removed == 1
        assert not photo_store().exists(key)
    db_session.refresh(job)
    assert job.status is JobStatus.EXPIRED
    gone = client.get(f"/staff/jobs/{job.id}/file?lang=en")
    assert gone.status_code == 410
    assert "removed when its time was up" in gone.get_data(as_text=True)
    assert 'id="job-expired"' in client.get(page_url).get_data(as_text=True)


def test_metrics_show_the_jobs_and_the_queue(
    client, make_user, cases, db_session, small_jobs
) -> None:
    login(client, make_user("inspector"))
    _start(client, "/inspect/export.csv")
    _start(client, "/inspect/export.xlsx")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hangviet_jobs{kind="export_csv",status="queued"} 1.0' in text
    assert "hangviet_job_queue_depth 2.0" in text
    run_queued_jobs()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hangviet_jobs{kind="export_xlsx",status="done"} 1.0' in text
    assert "hangviet_job_queue_depth 0.0" in text


def test_a_job_that_fails_half_way_leaves_no_file_and_no_export_record(
    client, app, make_user, cases, db_session, small_jobs, monkeypatch
) -> None:
    from app.complaint_service import photo_store
    from app.inspect import views

    login(client, make_user("inspector"))
    page_url = _start(client, "/inspect/export.csv?lang=en")
    rows = {"n": 0}
    real_row = views._row

    def row_then_fail(complaint, personal):
        rows["n"] += 1
        if rows["n"] == 3:
            raise OSError("disk full")
        return real_row(complaint, personal)

    monkeypatch.setattr(views, "_row", row_then_fail)
    with app.test_request_context():
        stored_before = {stored.key for stored in photo_store().listing()}
    run_queued_jobs()
    job = _job(db_session)
    assert (job.status, job.error, job.storage_key) == (JobStatus.FAILED, "error", None)
    assert "Nothing was exported" in client.get(page_url + "?lang=en").get_data(as_text=True)
    assert db_session.scalars(sa.select(ExportEvent)).all() == []
    with app.test_request_context():
        assert {stored.key for stored in photo_store().listing()} == stored_before
