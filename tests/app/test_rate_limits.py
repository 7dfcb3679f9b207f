"""Public writes and photo checks are rate-limited per client, with a friendly page."""

from __future__ import annotations

import io

from tests.support.pages import check_page, text_of


def test_photo_checks_are_limited_per_client(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PHOTO_VERIFY_RATE_LIMIT", "2 per minute")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)

    def post(path: str):
        return client.post(
            path,
            data={"photo": (io.BytesIO(b"not an image"), "x.jpg")},
            content_type="multipart/form-data",
        )

    # One limit shared by the form and the API.
    assert post("/verify/photo?lang=en").status_code == 400  # refused as not an image
    assert post("/api/v1/verify?lang=en").status_code == 422
    page = post("/verify/photo?lang=en")
    assert page.status_code == 429
    check_page(page)
    assert "Too many requests" in text_of(page)
    api = post("/api/v1/verify?lang=en")
    assert api.status_code == 429
    assert api.get_json()["error"]["status"] == 429
    # Reading verdicts by typed code is not limited by the photo limit.
    assert client.get("/verify?code=8934673000017").status_code == 200
