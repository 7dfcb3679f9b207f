"""Live scanning hands a still frame to the server when the in-browser reader cannot read the code.

Each test films a label with Chromium's fake camera (a ``.y4m`` file given at launch, so each test
launches its own browser) or, where only the server's answer matters, stands a canned answer in
for the server. The in-browser reader is the vendored ZXing ponyfill (Chromium on Linux has no
BarcodeDetector); the server runs ZBar and ZXing with the one-answer rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import BrowserType, Page, Request, expect

from app.campaign import counts
from barcode_db.decode import decode_image
from tests.support.labels import render_label, render_scene
from tests.support.y4m import still_video

pytestmark = pytest.mark.e2e

VINAMILK_PRODUCT = "8934673000017"
OTHER_PRODUCT = "8935049500018"
VIDEO_SIZE = (960, 720)
# A busy 2-core machine decodes, OCRs and answers slowly: wait long before calling it broken.
TIMEOUT = 30_000
SERVER_TRIES = 3  # scan.js SERVER_TRIES

# Shopper-facing messages (app/templates/public/scan.html), Vietnamese and English.
SENDING_VI = "Đang gửi ảnh khung hình lên máy chủ để đọc mã…"
SERVER_READ_VI = f"Máy chủ đã đọc được {VINAMILK_PRODUCT} từ khung hình."
SERVER_NONE_EN = "The server could not read a code in that frame either."
GAVE_UP_EN = "Neither the camera nor the server could read this barcode."
DISAGREE_EN = "The server read two different numbers in the frame"
BUSY_EN = "Too many photos have been sent from your connection for now"

# Every text the status line showed, in order (a quick server answer replaces "sending…" before
# an assertion could see it), and no native detector, so that the ponyfill is what reads.
WATCH_STATUS = """
    delete window.BarcodeDetector;
    window.__statuses = [];
    document.addEventListener("DOMContentLoaded", () => {
      const status = document.getElementById("camera-status");
      new MutationObserver(() => window.__statuses.push(status.textContent))
        .observe(status, { childList: true, characterData: true, subtree: true });
    });
"""


def ink_spread(image: Image.Image, gain: float, module_px: float) -> Image.Image:
    """``image`` with every dark bar ``gain`` modules wider (half on each side), as print gain
    makes them: across the bars only, on columns split 20 ways, the dark grown by whole sub-columns."""
    factor = 20
    grow = round(gain * module_px * factor / 2)
    fine = np.repeat(np.asarray(image.convert("RGB"), dtype=np.uint8), factor, axis=1)
    spread = fine.copy()
    for shift in range(1, grow + 1):
        np.minimum(spread[:, shift:], fine[:, :-shift], out=spread[:, shift:])
        np.minimum(spread[:, :-shift], fine[:, shift:], out=spread[:, :-shift])
    coarse = spread.reshape(image.height, image.width, factor, 3).mean(axis=2)
    return Image.fromarray(np.rint(coarse).astype(np.uint8), "RGB")


def clean_label() -> Image.Image:
    return render_label(VINAMILK_PRODUCT, size=VIDEO_SIZE)


def uneven_label() -> Image.Image:
    """The label printed at 2 px a module with 0.4 module of ink spread, filmed at twice the
    size: ZXing (in the browser and on the server) misses it, ZBar reads it."""
    small = render_label(VINAMILK_PRODUCT, scale=0.5, size=(VIDEO_SIZE[0] // 2, VIDEO_SIZE[1] // 2))
    return ink_spread(small, gain=0.4, module_px=2).resize(VIDEO_SIZE, Image.Resampling.BICUBIC)


def blank_label() -> Image.Image:
    """The shelf and some label text, no barcode."""
    return render_scene([], size=VIDEO_SIZE)


@pytest.fixture
def camera_page(
    browser_type: BrowserType,
    browser_type_launch_args: dict[str, object],
    browser_context_args: dict[str, object],
    tmp_path: Path,
) -> Iterator[Callable[[Image.Image], Page]]:
    """Opens a phone-sized page in a Chromium of its own whose camera films ``image``."""
    browsers = []

    def open_page(image: Image.Image) -> Page:
        video = still_video(tmp_path / f"camera-{len(browsers)}.y4m", image)
        args = [*cast(list[str], browser_type_launch_args["args"])]
        args.append(f"--use-file-for-fake-video-capture={video}")
        browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
        browsers.append(browser)
        page = browser.new_context(**browser_context_args).new_page()
        page.set_default_timeout(TIMEOUT)
        page.add_init_script(WATCH_STATUS)
        return page

    yield open_page
    for browser in browsers:
        browser.close()


def _watch_frames_sent(page: Page) -> list[str]:
    """'sent' and 'answered' for each frame posted to the photo API, in order."""
    events: list[str] = []

    def is_frame(request: Request) -> bool:
        return request.method == "POST" and "/api/v1/verify" in request.url

    page.on("request", lambda r: events.append("sent") if is_frame(r) else None)
    page.on("requestfinished", lambda r: events.append("answered") if is_frame(r) else None)
    page.on("requestfailed", lambda r: events.append("answered") if is_frame(r) else None)
    return events


def _statuses(page: Page) -> list[str]:
    return page.evaluate("() => window.__statuses")


def test_the_frames_are_what_the_tests_say() -> None:
    # The uneven label is the case the fallback exists for: the server reads it (ZBar does)
    # (the browser's ZXing misses it: test_the_server_reads_what_the_browser_cannot).
    assert [d.text for d in decode_image(clean_label())] == [VINAMILK_PRODUCT]
    uneven = decode_image(uneven_label())
    assert [d.text for d in uneven] == [VINAMILK_PRODUCT]
    assert decode_image(blank_label()) == []


@pytest.mark.slow  # waits seconds of camera time by design
def test_a_code_the_browser_reads_sends_no_frame(
    camera_page: Callable[[Image.Image], Page], live_server: str, sample_registry
) -> None:
    wait_ms = 5000  # long enough for a slow machine to read a clean code live first
    page = camera_page(clean_label())
    frames = _watch_frames_sent(page)
    page.goto(f"{live_server}/?lang=en&scan_wait_ms={wait_ms}")
    page.click("#camera-start")
    expect(page.locator("#camera-status")).to_contain_text(
        f"Read {VINAMILK_PRODUCT}. Check it now", timeout=TIMEOUT
    )
    # Past the moment the fallback would have sent a frame: the accepted read cancelled it.
    page.wait_for_timeout(wait_ms + 1500)
    assert frames == []
    with page.expect_navigation(url=f"**/verify?code={VINAMILK_PRODUCT}&via=camera"):
        page.click("#camera-check")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")


@pytest.mark.slow  # waits seconds of camera time by design
def test_the_server_reads_what_the_browser_cannot(
    camera_page: Callable[[Image.Image], Page], live_server: str, sample_registry, app
) -> None:
    counts(app).discard()
    page = camera_page(uneven_label())
    frames = _watch_frames_sent(page)
    page.goto(f"{live_server}/?scan_wait_ms=1000")
    page.click("#camera-start")
    expect(page.locator("#camera-status")).to_contain_text(SERVER_READ_VI, timeout=TIMEOUT)
    statuses = _statuses(page)
    assert SENDING_VI in statuses
    # The browser never read it, not even once ("Đã đọc được …, đang xác nhận…").
    assert not [s for s in statuses if s.startswith("Đã đọc được")], statuses
    assert frames[:2] == ["sent", "answered"]
    # The number the server read is checked like one read live.
    with page.expect_navigation(url=f"**/verify?code={VINAMILK_PRODUCT}&via=camera"):
        page.click("#camera-check")
    expect(page.locator("#verdict")).to_have_attribute("data-level", "TRUSTED")
    expect(page.locator("#verdict-gtin")).to_have_text(VINAMILK_PRODUCT)
    # One check in the campaign figures, a camera one: the frames only read the number.
    assert [(k.channel, n) for k, n in counts(app).pending().items()] == [("camera", 1)]
    counts(app).discard()


@pytest.mark.slow  # waits seconds of camera time by design
def test_no_code_anywhere_stops_after_a_few_frames(
    camera_page: Callable[[Image.Image], Page], live_server: str, sample_registry
) -> None:
    wait_ms = 500
    page = camera_page(blank_label())
    frames = _watch_frames_sent(page)
    page.goto(f"{live_server}/?lang=en&scan_wait_ms={wait_ms}")
    page.click("#camera-start")
    expect(page.locator("#camera-status")).to_contain_text(GAVE_UP_EN, timeout=2 * TIMEOUT)
    assert any(s.startswith(SERVER_NONE_EN) for s in _statuses(page))
    # One frame at a time, each sent only once the last was answered, and no more after the last.
    assert frames == ["sent", "answered"] * SERVER_TRIES
    page.wait_for_timeout(4 * wait_ms)
    assert frames == ["sent", "answered"] * SERVER_TRIES
    expect(page.locator("#camera-read")).to_be_hidden()
    assert "/verify" not in page.url


def _answer_frames_with(page: Page, status: int, body: str) -> list[str]:
    frames: list[str] = []

    def answer(route) -> None:
        frames.append(route.request.url)
        route.fulfill(status=status, content_type="application/json", body=body)

    page.route("**/api/v1/verify*", answer)
    return frames


@pytest.mark.slow  # waits seconds of camera time by design
def test_two_numbers_from_the_server_are_shown_and_neither_is_picked(
    page: Page, live_server: str, sample_registry
) -> None:
    # Chromium's own fake camera (a test pattern) gives the frame; the server's answer is canned.
    page.add_init_script(WATCH_STATUS)
    frames = _answer_frames_with(
        page,
        200,
        f"""{{"chosen": null, "choices": ["{VINAMILK_PRODUCT}", "{OTHER_PRODUCT}"],
             "decoded": [{{"text": "{VINAMILK_PRODUCT}"}}, {{"text": "{OTHER_PRODUCT}"}}],
             "level": "UNKNOWN", "reasons": [{{"code": "codes_disagree", "message": "…"}}]}}""",
    )
    page.goto(f"{live_server}/?lang=en&scan_wait_ms=500")
    page.click("#camera-start")
    status = page.locator("#camera-status")
    expect(status).to_contain_text(DISAGREE_EN, timeout=TIMEOUT)
    expect(status).to_contain_text(f"{VINAMILK_PRODUCT}, {OTHER_PRODUCT}")
    page.wait_for_timeout(2000)
    assert len(frames) == 1
    expect(page.locator("#camera-read")).to_be_hidden()
    expect(status).to_contain_text(DISAGREE_EN)


@pytest.mark.slow  # waits seconds of camera time by design
def test_the_photo_rate_limit_stops_the_frames(
    page: Page, live_server: str, sample_registry
) -> None:
    page.add_init_script(WATCH_STATUS)
    frames = _answer_frames_with(
        page, 429, '{"error": {"status": 429, "message": "Too many requests."}}'
    )
    page.goto(f"{live_server}/?lang=en&scan_wait_ms=500")
    page.click("#camera-start")
    status = page.locator("#camera-status")
    expect(status).to_contain_text(BUSY_EN, timeout=TIMEOUT)
    page.wait_for_timeout(2000)
    assert len(frames) == 1
    # Stopping and starting the camera again does not start sending again.
    page.click("#camera-stop")
    page.click("#camera-start")
    expect(status).to_contain_text(BUSY_EN)
    page.wait_for_timeout(2000)
    assert len(frames) == 1
