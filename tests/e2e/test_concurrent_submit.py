"""Two identical submissions racing (a double tap on a flaky network) file one complaint."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.request

import sqlalchemy as sa

from complaints.models import Complaint
from tests.support.forms import hidden_value, multipart


def test_racing_resubmissions_file_one_complaint(live_server: str, db_session) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{live_server}/report?lang=en").read().decode()
    body, content_type = multipart(
        {
            "csrf_token": hidden_value(html, "csrf_token"),
            "idempotency_key": hidden_value(html, "idempotency_key"),
            "category": "expired",
            "province": "01",
            "description": "Sữa chua hết hạn từ tuần trước vẫn bày bán.",
            "anonymous": "y",
        }
    )
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        request = urllib.request.Request(
            f"{live_server}/report",
            data=body,
            method="POST",
            headers={"Content-Type": content_type},
        )
        barrier.wait()
        try:
            with opener.open(request) as response:  # follows the 303 to the receipt
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200, 200, 200]
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
