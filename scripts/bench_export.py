#!/usr/bin/env python3
"""Benchmark: export 100,000 cases as CSV and XLSX through the app; time and peak memory. With
--pdf: what PDF case files cost, and how long the largest PDF the work budget allows takes.

    .venv/bin/python scripts/bench_export.py [--rows 100000]
    .venv/bin/python scripts/bench_export.py --pdf
    .venv/bin/python scripts/bench_export.py --job [--rows 100000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_export.py

Fills a temporary SQLite database (or a schema of its own on PostgreSQL, dropped afterwards) with
REFERRED cases, signs in as an inspector and downloads /inspect/export.csv and /inspect/export.xlsx
through the Flask test client, consuming the streamed body chunk by chunk. Reports wall time,
the peak of Python allocations during the export (tracemalloc) and the process's peak RSS, and
the same for a tenth of the rows, to show that memory does not grow with the row count.

--pdf fills cases with evidence photos as stored (2560 × 1920 JPEGs of about 1 MB, each one
different, as WeasyPrint would share identical images), downloads /inspect/export.pdf for sets
of them, and fits the work weights of complaints.exports (per case, per photo, per megapixel)
to the times. Then, at the default budget (PDF_MAX_WORK), it times the largest PDFs allowed:
all cases without photos, and cases with five full-size photos each. Those must stay well under
gunicorn's 30 s worker timeout: the budget aims at a third of it.

--job makes the exports as background jobs, as a big export is made: the web request that starts
the job (its time), then a job worker in a process of its own (``flask jobs worker``, as
``./scripts/run`` starts it) makes the file; reported are the job's time per 10,000 rows and the
worker process's peak RSS (VmHWM), one worker process per format.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SCHEMA = "bench_export"
TIMEOUT = 30.0  # gunicorn's worker timeout, seconds


def fill(db, start: int, rows: int) -> None:
    from complaints.models import Complaint

    batch = []
    for g in range(start + 1, start + rows + 1):
        batch.append(
            {
                "tracking_code": f"E{g:09d}",
                "status": "REFERRED",
                "category": "counterfeit",
                "source": "web",
                "code_seen": f"{8930000000000 + g % 50000}",
                "gtin": f"0{8930000000000 + g % 50000}",
                "product_name": f"Sữa tươi giả số {g % 977}",
                "brand_seen": "Vinamilk",
                "verdict_level": "MISMATCH",
                "store_name": f"Cửa hàng {g % 5000}",
                "store_name_key": f"cua hang {g % 5000}",
                "store_address": "Số 1 đường Lê Lợi",
                "province_code": "79",
                "description": "Hộp sữa in nhãn mờ, mã vạch không khớp thương hiệu.",
                "anonymous": False,
                "contact_name": "Nguyễn Văn A",
                "contact_phone": "0912345678",
                "contact_email": "",
                "priority": g % 1000,
                "photo_count": 0,
                "search_text": "sua tuoi gia",
                "rating_comment": "",
                "version": 1,
                "enforcement_ref": "",
            }
        )
        if len(batch) == 5000:
            db.session.execute(sa.insert(Complaint), batch)
            batch.clear()
    if batch:
        db.session.execute(sa.insert(Complaint), batch)
    db.session.commit()


def download(client, path: str, *, trace: bool) -> tuple[float, int, float]:
    """Stream one export; with ``trace``, also the peak of Python allocations (slower)."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    response = client.get(path, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    elapsed = time.perf_counter() - t0
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 200, response.status_code
    return elapsed, size, peak / 1e6


def photo_bytes(seed: int, size: tuple[int, int] = (2560, 1920)) -> bytes:
    """A JPEG like a stored evidence photo (complaints.evidence: 2560 px long, quality 85),
    different for every seed; noisy enough to weigh about 1 MB, as phone photos do."""
    import io
    import random

    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    width, height = size
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(base, Image.effect_noise(size, 80).convert("RGB"), 0.5)
    draw = ImageDraw.Draw(image)
    for _ in range(200):
        x, y = rnd.randrange(width), rnd.randrange(height)
        box = [x, y, x + rnd.randrange(20, width // 6), y + rnd.randrange(20, height // 6)]
        draw.rectangle(box, fill=tuple(rnd.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


class PdfCases:
    """Cases with photos, each set in a province of its own so that one filter selects it."""

    def __init__(self, db, store) -> None:
        self.db = db
        self.store = store
        self.provinces = iter(["01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24"])
        self.seed = 0

    def add(
        self,
        cases: int,
        photos: list[int],
        size: tuple[int, int] = (2560, 1920),
        notes: int = 0,
    ) -> str:
        """``cases`` referred cases, case i with ``photos[i % len(photos)]`` photos, a history of
        four lines plus ``notes``; the province code that selects them."""
        import datetime as dt
        import hashlib

        from complaints.models import Complaint, ComplaintEvent, EventKind, Evidence
        from complaints.storage import new_key
        from complaints.workflow import Category, Status

        province = next(self.provinces)
        now = dt.datetime.now(dt.UTC)
        for i in range(cases):
            self.seed += 1
            complaint = Complaint(
                tracking_code=f"P{self.seed:09d}",
                status=Status.REFERRED,
                category=Category.COUNTERFEIT,
                code_seen="8934673000011",
                gtin="08934673000011",
                product_name=f"Nước mắm Phú Quốc giả số {i}",
                brand_seen="Phú Quốc",
                verdict_level="MISMATCH",
                store_name=f"Tạp hóa số {i}",
                store_name_key=f"tap hoa so {i}",
                store_address="12 Lê Lợi, phường Bến Thành",
                province_code=province,
                description="Nhãn in mờ, mã vạch không khớp thương hiệu; giá rẻ bất thường. " * 3,
                search_text="nuoc mam",
                created_at=now,
            )
            self.db.session.add(complaint)
            self.db.session.flush()
            for step, (kind, before, after, note) in enumerate(
                [
                    (EventKind.FILED, None, Status.NEW, ""),
                    (EventKind.STATUS, Status.NEW, Status.TRIAGED, "Đã xem, đủ thông tin."),
                    (EventKind.NOTE, None, None, "Cửa hàng từng bị nhắc nhở năm ngoái."),
                    (EventKind.STATUS, Status.TRIAGED, Status.REFERRED, "Chuyển QLTT tỉnh."),
                ]
                + [(EventKind.NOTE, None, None, "Đã gọi điện cho cửa hàng, hẹn kiểm tra.")] * notes
            ):
                self.db.session.add(
                    ComplaintEvent(
                        complaint_id=complaint.id,
                        kind=kind,
                        actor=None if step == 0 else "bench",
                        from_status=before,
                        to_status=after,
                        note=note,
                        created_at=now,
                    )
                )
            count = photos[i % len(photos)]
            for _ in range(count):
                self.seed += 1
                data = photo_bytes(self.seed, size)
                key = new_key(now.date())
                self.store.put(key, data)
                digest = hashlib.sha256(data).hexdigest()
                self.db.session.add(
                    Evidence(
                        complaint_id=complaint.id,
                        storage_key=key,
                        sha256_original=digest,
                        sha256_stored=digest,
                        original_format="JPEG",
                        original_bytes=len(data),
                        width=size[0],
                        height=size[1],
                    )
                )
            complaint.photo_count = count
        self.db.session.commit()
        return province


def time_pdf(client, province: str, repeat: int = 2) -> tuple[float, float, int, int]:
    """The best of ``repeat`` downloads of the PDF of a province's cases: wall and CPU seconds
    (the test client runs in this process), status, bytes."""
    best, cpu, status, size = float("inf"), float("inf"), 0, 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(f"/inspect/export.pdf?province={province}")
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
        status, size = response.status_code, len(response.get_data())
        if status != 200:
            break
    return best, cpu, status, size


def bench_pdf(app, db, client) -> None:
    from complaints import exports
    from complaints.storage import LocalPhotoStore

    store = LocalPhotoStore(Path(app.config["UPLOAD_FOLDER"]))
    full, quarter = 2560 * 1920, 1280 * 960
    with app.app_context():
        made = PdfCases(db, store)
        sets = {  # name: (cases, history lines, photos, pixels), province
            "cases": ((40, 160, 0, 0), made.add(40, [0])),
            "history": ((12, 288, 0, 0), made.add(12, [0], notes=20)),
            "photos": ((12, 48, 60, 60 * full), made.add(12, [5])),
            "small": ((12, 48, 60, 60 * quarter), made.add(12, [5], size=(1280, 960))),
            "issue": ((158, 632, 105, 105 * full), made.add(158, [1, 0, 1])),  # as reported
        }
    budget = app.config.get("PDF_MAX_WORK", exports.PDF_MAX_WORK)
    app.config["PDF_MAX_WORK"] = 10**9  # measure, do not refuse
    times = {
        name: time_pdf(client, province, repeat=1 if name == "issue" else 3)
        for name, (_, province) in sets.items()
    }
    print("PDF case files through the app: wall time and this process's CPU time (best of 3):")
    for name, ((cases, events, photos, _), _) in sets.items():
        seconds, cpu, status, size = times[name]
        print(
            f"  {name:8s} {cases:4d} cases, {events:4d} history lines, {photos:3d} photos: "
            f"{seconds:6.2f} s (CPU {cpu:6.2f} s), {size / 1e6:5.1f} MB (HTTP {status})"
        )
    # Fitted on CPU time, the PDF's own work (the wall time also holds whatever else runs).
    cpu = {name: times[name][1] for name in sets}
    per_event = (cpu["history"] / 12 - cpu["cases"] / 40) / 20
    per_case = cpu["cases"] / 40 - 4 * per_event
    per_photo_full = (cpu["photos"] - 12 * (per_case + 4 * per_event)) / 60
    per_photo_quarter = (cpu["small"] - 12 * (per_case + 4 * per_event)) / 60
    per_megapixel = (per_photo_full - per_photo_quarter) / ((full - quarter) / 1e6)
    per_photo = per_photo_quarter - quarter / 1e6 * per_megapixel
    print(
        f"  fitted (ms): {per_case * 1000:.0f} a case, {per_event * 1000:.0f} a history line, "
        f"{per_photo * 1000:.0f} a photo, {per_megapixel * 1000:.0f} a megapixel; in "
        f"complaints.exports: {exports.PDF_WORK_PER_CASE}, {exports.PDF_WORK_PER_EVENT}, "
        f"{exports.PDF_WORK_PER_PHOTO}, {exports.PDF_WORK_PER_MEGAPIXEL}"
    )
    for name, ((cases, events, photos, pixels), _) in sets.items():
        estimate = exports.PdfWork(cases, events, photos, pixels).units / 1000
        print(f"  {name:8s} estimated {estimate:6.2f} s, CPU {cpu[name]:6.2f} s")
    issue = exports.PdfWork(*sets["issue"][0])
    print(
        f"  the issue's PDF (158 cases, 105 photos): work {issue.units}: "
        f"{'refused' if issue.units > budget else 'allowed'} at the default budget of {budget}"
    )

    app.config["PDF_MAX_WORK"] = budget
    case_of = {  # one case: (history lines, photos, pixels)
        "largest, no photos": (4, 0, 0),
        "largest, 5 photos a case": (4, 5, 5 * full),
    }
    largest = {}
    for name, (events, photos, pixels) in case_of.items():
        one = exports.PdfWork(1, events, photos, pixels)
        largest[name] = min(budget // one.units, budget // exports.PDF_WORK_PER_CASE)
    with app.app_context():
        provinces = {name: made.add(largest[name], [case_of[name][1]]) for name in case_of}
        over = made.add(largest["largest, 5 photos a case"] + 1, [5])
    print(f"At the default budget, PDF_MAX_WORK = {budget}:")
    for name, (events, photos, pixels) in case_of.items():
        cases = largest[name]
        work = exports.PdfWork(cases, cases * events, cases * photos, cases * pixels)
        seconds, cpu_s, status, size = time_pdf(client, provinces[name], repeat=3)
        print(
            f"  {name}: {cases} cases, {work.photos} photos, work {work.units}: {seconds:.2f} s "
            f"(CPU {cpu_s:.2f} s; HTTP {status}, {size / 1e6:.1f} MB); {TIMEOUT / seconds:.1f}x "
            f"under the {TIMEOUT:.0f} s timeout"
        )
    seconds, _, status, _ = time_pdf(client, over)
    print(f"  one case more: HTTP {status} (refused: a redirect to the list) in {seconds:.2f} s")


def bench_jobs(app, db, client, url: str, options: dict, tmp: str, rows: int) -> None:
    """Start each export as a job through the page, then make it in a worker process."""
    import signal
    import subprocess
    from urllib.parse import quote

    from complaints.jobs import Job, JobStatus
    from tests.support.forms import REFERER, hidden_value

    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "JOBS_URL": os.environ["JOBS_URL"],
        "UPLOAD_FOLDER": f"{tmp}/uploads",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
    }
    search_path = options.get("connect_args", {}).get("options")  # type: ignore[union-attr]
    if search_path:
        env["DATABASE_URL"] = f"{url}?options={quote(search_path)}"
    for fmt in ("csv", "xlsx"):
        offer = client.get(f"/inspect/export.{fmt}").get_data(as_text=True)
        token = hidden_value(offer, "csrf_token")
        t0 = time.perf_counter()
        started = client.post(f"/inspect/export.{fmt}", data={"csrf_token": token}, headers=REFERER)
        request_ms = (time.perf_counter() - t0) * 1000
        assert started.status_code == 303, started.status_code
        job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "jobs", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                with app.app_context():
                    job = db.session.get(Job, job_id)
                    status = job.status
                    db.session.remove()
                if status in (JobStatus.DONE, JobStatus.FAILED):
                    break
                time.sleep(0.2)
            status_file = Path(f"/proc/{worker.pid}/status").read_text()
            hwm = int(next(x for x in status_file.splitlines() if x.startswith("VmHWM")).split()[1])
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=60)
        with app.app_context():
            job = db.session.get(Job, job_id)
            seconds = (job.finished_at - job.started_at).total_seconds()
            print(
                f"{fmt:4s} {rows:>7,} rows as a job ({job.status.value}): request that starts it "
                f"{request_ms:5.0f} ms; job {seconds:6.1f} s = {seconds / rows * 10_000:5.2f} s "
                f"per 10,000 rows, {job.size / 1e6:5.1f} MB; worker process peak RSS "
                f"{hwm / 1024:4.0f} MB"
            )
            db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pdf", action="store_true", help="PDF case files instead")
    parser.add_argument("--job", action="store_true", help="exports made by a job worker")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.TemporaryDirectory()
    if args.job:  # before the app is imported: the web side and the worker share this queue
        import tests  # noqa: F401  (it sets the tests' own queue: this one replaces it)

        os.environ["JOBS_URL"] = f"sqlite:///{tmp.name}/jobs.sqlite3"
    options: dict[str, object] = {}
    if url and url.startswith("postgresql"):
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA},public"}}
    else:
        url = f"sqlite:///{tmp.name}/bench.sqlite3"

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from complaints.accounts import Role, User
    from tests.support.factories import PASSWORD, login

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
            "UPLOAD_FOLDER": f"{tmp.name}/uploads",
            # Without --job every export is made within the request, as measured before jobs
            # (above JOB_EXPORT_ROWS the page would offer a job instead of the file).
            "JOB_EXPORT_ROWS": 5_000 if args.job else 10**9,
        }
    )
    try:
        with app.app_context():
            upgrade()
            user = User(
                username="bench-inspector",
                name="Bench",
                role=Role.INSPECTOR,
                province_code=None if args.pdf else "79",  # --pdf: cases in several provinces
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        with app.app_context():
            login(client, db.session.scalar(sa.select(User)))
        if args.pdf:
            bench_pdf(app, db, client)
            return
        if args.job:
            with app.app_context():
                fill(db, 0, args.rows)
            bench_jobs(app, db, client, url, options, tmp.name, args.rows)
            return
        done = 0
        for target in (args.rows // 10, args.rows):
            with app.app_context():
                fill(db, done, target - done)
            done = target
            for fmt in ("csv", "xlsx"):
                elapsed, size, _ = download(client, f"/inspect/export.{fmt}", trace=False)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                _, _, peak = download(client, f"/inspect/export.{fmt}", trace=True)
                print(
                    f"{fmt:4s} {target:>7,} rows: {elapsed:6.1f} s, {size / 1e6:6.1f} MB; "
                    f"process peak RSS {rss:4.0f} MB; peak Python allocations during the "
                    f"export {peak:5.1f} MB (traced run)"
                )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if url.startswith("postgresql"):
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        tmp.cleanup()


if __name__ == "__main__":
    main()
