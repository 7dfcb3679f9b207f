"""The JSON API's hot path carries nothing it does not need (issue 10): no cookie session, a
strict CSP without a nonce; and brand matching remembers its answers."""

from __future__ import annotations

from barcode_db import matching
from barcode_db.matching import BrandEntry, BrandMatcher
from tests.support.forms import csrf_token, file_complaint_by_api

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


def counting_verify(monkeypatch) -> list[str]:
    from app.api import views

    calls: list[str] = []
    real = views.verify_parsed

    def verify_parsed(parsed, **kwargs):
        calls.append(parsed.input)
        return real(parsed, **kwargs)

    monkeypatch.setattr(views, "verify_parsed", verify_parsed)
    return calls


def test_the_same_question_gets_the_same_answer_without_working_it_out_again(
    client, sample_registry, monkeypatch
) -> None:
    calls = counting_verify(monkeypatch)
    first = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en")
    again = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en")
    assert first.get_data() == again.get_data()
    assert again.mimetype == "application/json"
    assert calls == [VINAMILK_PRODUCT]
    vietnamese = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=vi")
    assert vietnamese.get_json()["title"] != first.get_json()["title"]  # its own answer
    assert len(calls) == 2


def test_a_complaint_filed_changes_the_next_answer(client, sample_registry, monkeypatch) -> None:

    calls = counting_verify(monkeypatch)
    before = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    filed = file_complaint_by_api(client, VINAMILK_PRODUCT)
    assert filed.status_code == 201
    after = client.get(f"/api/v1/verify?code={VINAMILK_PRODUCT}&lang=en").get_json()
    assert len(calls) == 2  # worked out again, not served from before the complaint
    assert "open_complaints" in [r["code"] for r in after["reasons"]]
    assert "open_complaints" not in [r["code"] for r in before["reasons"]]


def test_suspect_answers_are_worked_out_and_recorded_every_time(
    client, sample_registry, monkeypatch
) -> None:
    from app.extensions import db
    from complaints.models import Signal

    calls = counting_verify(monkeypatch)
    lookalike = f"/api/v1/verify?code={VINAMILK_PRODUCT}&brand=Vinamllk&lang=en"
    for _ in range(2):
        assert client.get(lookalike).get_json()["level"] == "LOOKALIKE"
    assert len(calls) == 2
    assert db.session.query(Signal).count() == 2
