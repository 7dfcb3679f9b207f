"""The JSON API's hot path carries nothing it does not need (issue 10): no cookie session, a
strict CSP without a nonce; and brand matching remembers its answers."""

from __future__ import annotations

from barcode_db import matching
from barcode_db.matching import BrandEntry, BrandMatcher
from tests.support.forms import csrf_token

VINAMILK_PRODUCT = "8934673000017"


def test_the_api_opens_no_cookie_session(app, client, sample_registry) -> None:
    from flask import request
    from flask.sessions import NullSession

    with app.test_request_context("/api/v1/verify?code=1"):
        assert isinstance(app.session_interface.open_session(app, request), NullSession)
    with app.test_request_context("/"):
        assert not isinstance(app.session_interface.open_session(app, request), NullSession)
    csrf_token(client)  # a page visit: the browser now holds a session cookie
    response = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert csp == "default-src 'none'; frame-ancestors 'none'"


def test_pages_keep_their_nonce_policy(client, sample_registry) -> None:
    response = client.get("/")
    assert "nonce-" in response.headers["Content-Security-Policy"]


def test_a_matcher_remembers_answers_and_forgets_past_its_limit(monkeypatch) -> None:
    matcher = BrandMatcher([BrandEntry(1, "Vinamilk", 1), BrandEntry(2, "Hảo Hảo", 2)])
    first = matcher.match("Vinamllk")
    assert matcher.match("Vinamllk") is first  # remembered, not searched again
    assert first.kind.value == matcher.find("Vinamllk").kind.value
    monkeypatch.setattr(matching, "MATCH_MEMORY", 2)
    matcher.match("Hảo Hạo")
    matcher.match("Unknown brand")  # the memory is full: it starts again
    assert matcher.match("Vinamllk") is not first
