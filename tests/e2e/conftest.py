"""Browser tests: Debian's Chromium, driven by pytest-playwright, against a live local server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.support.live import served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# CI machines are small and busy (2 cores): give pages time before calling them broken.
expect.set_options(timeout=15_000)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    # Never a downloaded browser: the system's Chromium, with its network chatter off (the
    # machine has no internet) and a fake camera for the live-scanning test.
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "locale": "vi-VN",
    }


@pytest.fixture
def live_server(app: Flask, real_transactions, db_session) -> Iterator[str]:
    """The test app served on a free loopback port for the length of one test.

    Its threads have connections of their own: the test's rows are committed for real
    (``real_transactions``), and emptied after it."""
    with served(app) as url:
        yield url
