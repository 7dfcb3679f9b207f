"""Every route's query string, every form and API field, and every path part, fed the hostile
input table (tests/support/hostile.py) as an administrator would send it: no server error on
either database, a refused character is refused at the boundary (400, or 422 in the API), and no
refused character is ever stored.

Which parameters a route reads is found, not listed: one harmless request per route offers every
name the app uses, and the names the route looked up are the ones probed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict, TypeConversionDict

from app.extensions import db, limiter
from barcode_db.text_safety import forbidden_character
from tests.support.factories import login
from tests.support.hostile import ALL, FORBIDDEN, PARAMETER_NAMES

pytestmark = pytest.mark.slow

#: Routes left out, and why.
SKIPPED = {
    "static": "files on disk, no input",
    "auth.logout": "ends the session the probe works in (tests/security/test_sessions… covers it)",
}


def _form_field_names() -> set[str]:
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if hasattr(getattr(form, name), "field_class"))
    return names


def _api_field_names(app) -> set[str]:
    document = app.test_client().get("/api/openapi.json").get_json()
    names: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):  # a path's own "parameters"
                names.update(p["name"] for p in operation)
                continue
            names.update(p["name"] for p in operation.get("parameters", []))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names.update(_properties(document, content.get("schema", {})))
    return names


def _properties(document: dict, schema: dict) -> set[str]:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


@contextlib.contextmanager
def _recording(read: set[str]) -> Iterator[None]:
    """Remember every key looked up in a request's args or form while the block runs."""
    originals = {
        (MultiDict, "__getitem__"): MultiDict.__getitem__,
        (MultiDict, "getlist"): MultiDict.getlist,
        (TypeConversionDict, "get"): TypeConversionDict.get,
    }

    def wrap(original):
        def recorded(self, key, *args, **kwargs):
            if isinstance(key, str):
                read.add(key)
            return original(self, key, *args, **kwargs)

        return recorded

    try:
        for (owner, name), original in originals.items():
            setattr(owner, name, wrap(original))
        yield
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


@pytest.fixture
def probe(app, client, db_session, sample_registry, make_user, make_complaint, monkeypatch):
    """A signed-in administrator's client, CSRF and rate limits off (the probe is about what
    a view does with what reaches it), and real ids for every ``<int:…>`` in a route."""
    admin = make_user("admin", province_code=None)
    assert login(client, admin).status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setattr(limiter, "enabled", False)
    complaint = make_complaint(gtin="8934673000175", store_name="Tạp hóa Minh")
    from barcode_db.models import Brand, Certification, Company, Product

    def first_id(model) -> int:
        return db_session.scalar(sa.select(model.id).order_by(model.id).limit(1)) or 1

    company_id = first_id(Company)
    survey = _survey(db_session)
    from app.clock import utc_now
    from complaints.jobs import JobKind, new_job

    job = new_job(db_session, JobKind.EXPORT_CSV, admin.id, {}, now=utc_now())
    db_session.commit()
    ids = {
        "job_id": job.id,
        "complaint_id": complaint.id,
        "company_id": company_id,
        "item_id": company_id,
        "brand_id": first_id(Brand),
        "product_id": first_id(Product),
        "certification_id": first_id(Certification),
        "evidence_id": 1,
        "number": 1,
        "survey_id": survey.id,
    }
    strings = {
        "code": complaint.tracking_code,
        "tracking_code": complaint.tracking_code,
        "lang": "vi",
        "province_code": "79",
        "gtin": "8934673000017",
    }
    return client, ids, strings


def _survey(db_session):
    """A survey of the whole country, open today, for the survey pages' ``<int:survey_id>``."""
    import datetime as dt

    from app.clock import local_today, utc_now
    from surveys.design import Design, create_survey

    today = local_today()
    survey = create_survey(
        db_session,
        Design(title="Khảo sát thử", opens_on=today, closes_on=today + dt.timedelta(days=30)),
        actor="probe",
        now=utc_now(),
    )
    db_session.commit()
    return survey


def _url(rule, ids: dict[str, int], strings: dict[str, str], hostile: str | None = None) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if hostile is not None and not converter:
            return quote(hostile, safe="")
        return str(ids[name]) if converter else quote(strings[name], safe="")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def _candidates(app) -> list[str]:
    return sorted(set(PARAMETER_NAMES) | _form_field_names() | _api_field_names(app))


def _routes(app, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if method in rule.methods and rule.endpoint not in SKIPPED:
            yield rule


def _send(client, method: str, url: str, values: dict[str, str]):
    if method == "GET":
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in values.items())
        return client.get(f"{url}?{query}" if query else url)
    return client.post(url, data=MultiDict(values), content_type="multipart/form-data")


class _Crashed:
    """What a request that raised is recorded as (the test app propagates exceptions)."""

    def __init__(self, error: Exception) -> None:
        self.status_code = 500
        self.error = error


def _answer(client, method: str, url: str, values: dict[str, str]):
    try:
        return _send(client, method, url, values)
    except Exception as error:  # the probe reports every crash, then goes on
        db.session.rollback()
        return _Crashed(error)


def _verdict(kind: str, response) -> str | None:
    """What is wrong with the answer to a hostile request, or None."""
    if isinstance(response, _Crashed):
        return f"raised {type(response.error).__name__}: {response.error}"[:200]
    if response.status_code >= 500:
        return f"{response.status_code} server error"
    if kind in FORBIDDEN and response.status_code not in (400, 404, 422):
        return f"{response.status_code}: a refused character was not refused"
    return None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_parameter_of_every_route_survives_hostile_input(app, probe, method) -> None:
    client, ids, strings = probe
    candidates = _candidates(app)
    failures: list[str] = []
    probed = 0
    for rule in _routes(app, method):
        url = _url(rule, ids, strings)
        read: set[str] = set()
        with _recording(read):
            _answer(client, method, url, dict.fromkeys(candidates, ""))
        for name in sorted(read & set(candidates)):
            for kind, value in ALL.items():
                response = _answer(client, method, url, {name: value})
                probed += 1
                problem = _verdict(kind, response)
                if problem:
                    failures.append(f"{method} {rule.rule} {name}={kind}: {problem}")
    assert probed > 500, "the probe found almost nothing to send"
    assert failures == [], "\n".join(failures[:60])


def test_every_path_part_survives_hostile_input(app, probe) -> None:
    client, ids, strings = probe
    failures: list[str] = []
    for rule in _routes(app, "GET"):
        if not re.search(r"<(\w+)>", rule.rule):
            continue
        for kind, value in ALL.items():
            if not value:
                continue
            response = _answer(client, "GET", _url(rule, ids, strings, hostile=value), {})
            problem = _verdict(kind, response)
            if problem:
                failures.append(f"GET {rule.rule} {kind}: {problem}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("path", ["/staff/complaints/{n}", "/inspect/cases/{n}.pdf"])
@pytest.mark.parametrize("number", ["²", "99999999999999999999999", "2147483648"])
def test_an_id_that_cannot_exist_is_not_found(probe, path, number) -> None:
    client, _, _ = probe
    assert client.get(path.format(n=quote(number))).status_code == 404


def test_no_refused_character_is_ever_stored(app, probe) -> None:
    """After the hostile posts of a whole form, every text column still holds clean text."""
    client, ids, strings = probe
    candidates = _candidates(app)
    for rule in _routes(app, "POST"):
        url = _url(rule, ids, strings)
        for value in FORBIDDEN.values():
            _send(client, "POST", url, dict.fromkeys(candidates, value))
    found = []
    for table in db.metadata.sorted_tables:
        text_columns = [c for c in table.columns if isinstance(c.type, sa.String)]
        if not text_columns:
            continue
        for row in db.session.execute(sa.select(*text_columns)):
            for column, value in zip(text_columns, row, strict=True):
                if isinstance(value, str) and forbidden_character(value):
                    found.append(f"{table.name}.{column.name}: {value!r}")
    assert found == []
