"""Schemathesis over every operation of the generated OpenAPI document, with every check:
no server error, every status, content type, header and body as documented, invalid input
refused and valid input accepted. Runs on SQLite and on PostgreSQL (the complaints it files go
to the database).

Rate limits are off here (hundreds of requests from one client); they have tests of their own.
(schemathesis' own pytest fixture loader does not run under pytest 9, so the operations are
listed from the document and each is given to hypothesis here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app import create_app
from app.clock import local_today
from app.extensions import limiter
from barcode_db.areas import communes_of


def _document() -> dict:
    """The document as the app serves it (building it needs no database)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    return app.test_client().get("/api/openapi.json").get_json()


SCHEMA = schemathesis.openapi.from_dict(_document())
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in SCHEMA.get_all_operations())
}


def test_every_operation_is_fuzzed() -> None:
    assert set(OPERATIONS) == {
        "GET /api/v1/verify",
        "POST /api/v1/verify",
        "GET /api/v1/areas/{province_code}/communes",
        "POST /api/v1/complaints",
        "GET /api/v1/complaints/{tracking_code}",
        "GET /api/v1/cases",
        "GET /api/v1/catalogue",
        "GET /api/v1/catalogue.csv",
        "GET /api/v1/surveys/{code}/results",
    }


def _keep_rules_the_document_cannot_state(name: str, case) -> None:
    """A request valid by the document can still break a rule JSON Schema cannot express: a
    commune must lie in the province sent with it, the date seen must be within three years of
    today, contact details need consent, an e-mail must have a domain with a dot, a photo check
    needs a photo (a real image) or a code. Positive cases are made to keep those rules (each is
    tested on its own, with its message, in test_report_rules_both_ways.py and test_api.py), so
    that any other refusal of a valid request is a failure."""
    body = case.body if isinstance(case.body, dict) else None
    if name == "POST /api/v1/complaints" and body is not None:
        communes = communes_of(body["province_code"])
        if "commune_code" in body:
            body["commune_code"] = communes[0].code
        if "date_seen" in body:
            body["date_seen"] = local_today().isoformat()
        if "contact_email" in body:
            body["contact_email"] = "an@example.vn"
        if "contact_phone" in body:
            body["contact_phone"] = "0912 345 678"
        if "description" in body and len(str(body["description"]).strip()) < 10:
            body["description"] = "Hộp sữa in mờ, nắp không có tem."
        body["consent"] = True
        body.pop("photos", None)
    if name == "POST /api/v1/verify" and body is not None:
        body.pop("photo", None)
        if not str(body.get("code", "")).strip():
            body["code"] = "8934673000014"


@pytest.fixture
def _no_rate_limits(app):
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.mark.usefixtures("_no_rate_limits", "sample_registry")
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_api_operation_keeps_its_documented_contract(app, client, name, mode) -> None:
    operation = OPERATIONS[name]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same requests every run: a failure here fails every time
        database=None,
    )
    def check(case) -> None:
        if mode is GenerationMode.POSITIVE:
            _keep_rules_the_document_cannot_state(name, case)
        statuses.append(case.call_and_validate(app=app, session=client).status_code)

    check()
    if mode is GenerationMode.POSITIVE and name == "POST /api/v1/complaints":
        # Generated reports get through the rules and are filed, not only refused.
        assert 201 in statuses
