"""The machine-wide limit on expensive requests (issue 12, item 5): photo checks (web and API)
and complaints with photos work in one of a few slots; when none frees in time the shopper is
told to try again (503, Retry-After), and cheap pages are answered all the while.

A slot is held here the way another worker process holds it: an exclusive flock on its lock file
in the instance folder. Waits are configured tiny; nothing asserts on how long anything took."""

from __future__ import annotations

import fcntl
import io
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from app import expensive
from app.verification import DECODE_WORK, open_photo, read_photos
from tests.support import openapi
from tests.support.forms import REFERER, csrf_token, hidden_value, multipart
from tests.support.labels import render_label, to_jpeg_bytes
from tests.support.pages import check_page, text_of

VINAMILK_PRODUCT = "8934673000017"
BUSY = "The server is busy with other photos right now."


@pytest.fixture
def one_slot(app, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One slot, a 50 ms wait; the folder of the lock files."""
    monkeypatch.setitem(app.config, "EXPENSIVE_SLOTS", 1)
    monkeypatch.setitem(app.config, "EXPENSIVE_WAIT_SECONDS", 0.05)
    folder = Path(app.instance_path) / "expensive"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def slot_held(folder: Path, number: int = 0) -> Iterator[None]:
    """Hold a slot as another worker would, for the block."""
    fd = os.open(folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def slot_is_free(folder: Path, number: int = 0) -> bool:
    fd = os.open(folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def photo() -> bytes:
    return to_jpeg_bytes(render_label(VINAMILK_PRODUCT), quality=85)


def post_photo(client, data: bytes):
    body, content_type = multipart({"csrf_token": csrf_token(client)}, [("photo", data, "a.jpg")])
    return client.post(
        "/verify/photo?lang=en", data=body, content_type=content_type, headers=REFERER
    )


def api_photo(client, data: bytes):
    body, content_type = multipart({}, [("photo", data, "a.jpg")])
    return client.post("/api/v1/verify?lang=en", data=body, content_type=content_type)


def api_complaint(client, photos: list[bytes]):
    fields = {
        "category": "counterfeit",
        "province_code": "79",
        "description": "Hộp sữa in mờ, nắp không có tem.",
        "code": VINAMILK_PRODUCT,
    }
    body, content_type = multipart(
        fields, [("photos", data, f"p{i}.jpg") for i, data in enumerate(photos)]
    )
    return client.post(
        "/api/v1/complaints?lang=en",
        data=body,
        content_type=content_type,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


@pytest.fixture
def nothing_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if a photo is decoded: a refused request must not do the work."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the photos were read without a slot")

    monkeypatch.setattr("app.verification.read_photos", refuse)


# --- no slot frees in time: 503 -----------------------------------------------------------------


def test_a_photo_check_gets_a_busy_page_with_retry_after(client, one_slot, nothing_read) -> None:
    with slot_held(one_slot):
        response = post_photo(client, photo())
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    check_page(response)
    assert BUSY + " Nothing was saved: please try again in a minute." in text_of(response)


def test_an_api_photo_check_gets_a_json_busy_error(client, one_slot, nothing_read) -> None:
    with slot_held(one_slot):
        response = api_photo(client, photo())
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    body = response.get_json()
    assert body["error"]["code"] == "busy" and body["error"]["status"] == 503
    assert body["error"]["message"].startswith(BUSY)
    openapi.validate(client, body, "Error")


def test_the_api_documents_the_busy_answer(client) -> None:
    paths = openapi.document(client)["paths"]
    assert "503" in paths["/api/v1/verify"]["post"]["responses"]
    assert "503" in paths["/api/v1/complaints"]["post"]["responses"]


def test_cheap_pages_are_answered_while_the_slot_is_held(client, one_slot, sample_registry) -> None:
    with slot_held(one_slot):
        assert client.get("/about").status_code == 200
        assert client.get("/").status_code == 200
        answer = client.get(f"/verify?code={VINAMILK_PRODUCT}&lang=en")
        assert answer.status_code == 200
        assert "Trusted Vietnamese goods" in text_of(answer)


def test_a_complaint_with_photos_waits_for_a_slot_and_one_without_does_not(
    client, one_slot
) -> None:
    with slot_held(one_slot):
        refused = api_complaint(client, [photo()])
        filed = api_complaint(client, [])
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["code"] == "busy"
    assert filed.status_code == 201


def test_the_report_form_with_a_photo_is_told_to_try_again(client, one_slot) -> None:
    html = client.get("/report?lang=en", follow_redirects=True).get_data(as_text=True)
    fields = {
        "csrf_token": hidden_value(html, "csrf_token"),
        "idempotency_key": hidden_value(html, "idempotency_key"),
        "category": "counterfeit",
        "province": "79",
        "commune": "26740",
        "code": VINAMILK_PRODUCT,
        "description": "Hộp sữa in chữ Vinamilk nhưng mã vạch lạ, vỏ hộp mờ.",
        "anonymous": "y",
        "consent": "y",
    }
    body, content_type = multipart(fields, [("photos", photo(), "a.jpg")])
    with slot_held(one_slot):
        response = client.post(
            "/report?lang=en", data=body, content_type=content_type, headers=REFERER
        )
    assert response.status_code == 503
    check_page(response)
    assert BUSY in text_of(response)


def test_a_full_queue_answers_at_once(app, client, one_slot, monkeypatch, nothing_read) -> None:
    # No thread of this process may wait: the answer comes without a single wait.
    monkeypatch.setitem(app.config, "EXPENSIVE_QUEUE", 0)
    monkeypatch.setitem(app.config, "EXPENSIVE_WAIT_SECONDS", 30)

    def no_waiting(seconds: float) -> None:
        raise AssertionError("waited for a slot")

    monkeypatch.setattr(expensive.time, "sleep", no_waiting)
    with slot_held(one_slot):
        response = api_photo(client, photo())
    assert response.status_code == 503
    # The wait it would have had; Flask-Limiter may raise it to the end of the rate window.
    assert int(response.headers["Retry-After"]) >= 30


# --- a slot frees: the work goes on -------------------------------------------------------------


def test_a_free_slot_is_taken_and_given_back(client, one_slot, sample_registry) -> None:
    response = api_photo(client, photo())
    assert response.status_code == 200
    assert response.get_json()["gtin"].endswith(VINAMILK_PRODUCT)
    assert slot_is_free(one_slot)


def test_the_slot_is_given_back_when_the_photo_is_refused(client, one_slot) -> None:
    data = io.BytesIO()
    Image.new("RGB", (3000, 100), "white").save(data, "PNG")  # too long and narrow for a photo
    response = api_photo(client, data.getvalue())
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "too_narrow"
    assert slot_is_free(one_slot)


def test_a_waiting_request_gets_the_slot_when_it_frees(app, one_slot, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "EXPENSIVE_WAIT_SECONDS", 30)
    outcome: list[str] = []

    def request_in_a_thread() -> None:
        with app.test_request_context("/verify/photo"), expensive.expensive_work():
            outcome.append("worked")

    with slot_held(one_slot):
        waiter = threading.Thread(target=request_in_a_thread)
        waiter.start()
        for _ in range(500):  # until it waits (at most 5 s)
            if expensive._waiting:
                break
            time.sleep(0.01)
        assert expensive._waiting == 1
        assert outcome == []  # it waits while the slot is held
    waiter.join(timeout=30)
    assert outcome == ["worked"]
    assert slot_is_free(one_slot)


def test_nested_expensive_work_holds_the_one_slot(app, one_slot) -> None:
    with app.test_request_context("/api/v1/verify"):
        with expensive.expensive_work():
            with expensive.expensive_work():  # would wait for itself, and 503, if it took another
                assert expensive.slot_held()
            assert expensive.slot_held()
        assert not expensive.slot_held()
    assert slot_is_free(one_slot)


def test_two_slots_let_two_requests_work(app, one_slot, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "EXPENSIVE_SLOTS", 2)
    with (
        slot_held(one_slot, 0),
        app.test_request_context("/verify/photo"),
        expensive.expensive_work(),  # slot 0 is taken: it takes slot 1
    ):
        assert not slot_is_free(one_slot, 1)


# --- the budget over the photos of one check ------------------------------------------------------


def flat(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 40)).save(out, fmt)
    return out.getvalue()


def test_three_hostile_photos_cost_no_more_than_one_checks_budget() -> None:
    # Flat WebP, 16 MP: the slowest file per pixel a phone photo may be. The first photo's first
    # look runs whatever it costs; the others' do not fit in their share, and are not read.
    photos = [open_photo(flat((4000, 4000), "WEBP")) for _ in range(3)]
    readings = read_photos(photos)
    assert readings[0] is not None and readings[1:] == [None, None]
    assert readings[0].work <= DECODE_WORK


def test_three_large_flat_pngs_share_the_budget() -> None:
    photos = [open_photo(flat((4000, 4000), "PNG")) for _ in range(3)]
    readings = read_photos(photos)
    assert all(reading is not None for reading in readings)
    assert sum(reading.work for reading in readings if reading) <= DECODE_WORK
