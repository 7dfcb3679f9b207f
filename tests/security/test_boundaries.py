"""One test per class of the hardening issue that a boundary of the app answers: redirects,
refused characters, query strings, ids, empty and oversized uploads, 405s, and the database
being unreachable. (The whole hostile table runs in test_hostile_input.py.)"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
import sqlalchemy as sa

from app.redirects import safe_target
from complaints.models import Complaint
from tests.app.test_report import fields, photo, report_page
from tests.conftest import make_test_app
from tests.support.database import Database
from tests.support.factories import login
from tests.support.forms import REFERER, multipart

# ---- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        " //evil.example",
        "/\r\n/evil.example",
        "/\n/x",
        "evil.example",
    ],
)
def test_a_redirect_never_leaves_the_site(target) -> None:
    assert safe_target(target, "/fallback") == "/fallback"


def test_a_path_stays_a_path() -> None:
    assert safe_target("/brands?q=vina", "/f") == "/brands?q=vina"
    assert safe_target("/%09/evil.example", "/f") == "/%09/evil.example"  # still escaped: a path
    assert safe_target("/staff/?sort=newest", "/f", within="/staff") == "/staff/?sort=newest"
    assert safe_target("/brands", "/f", within="/staff") == "/f"
    assert safe_target("/staffing", "/f", within="/staff") == "/f"


@pytest.mark.parametrize(
    "query",
    ["next=/%09/evil.example", "next=/%0A/x", "next=/%0D%0A/x", "next=//evil.example",
     "next=/%5Cevil.example", "next=https://evil.example"],
)  # fmt: skip
def test_the_language_switch_redirects_only_on_this_site(client, db_session, query) -> None:
    response = client.get(f"/lang/en?{query}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]


def test_a_path_on_the_site_is_kept(client, db_session) -> None:
    response = client.get("/lang/en?next=/brands%3Fq%3Dvina")
    assert response.headers["Location"] == "/brands?q=vina"


def test_sign_in_redirects_only_on_this_site(client, db_session, make_user) -> None:
    user = make_user("staff")
    login(client, user)
    for target in ("/%09/evil.example", "/%0D%0A/x", "//evil.example"):
        response = client.get(f"/staff/login?next={target}")
        assert response.status_code == 302
        assert response.headers["Location"] == "/staff/", target


# ---- refused characters -------------------------------------------------------------------


def _count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(Complaint)) or 0


@pytest.mark.parametrize(
    ("field", "value", "named", "kept"),
    [
        ("store_name", "Tạp hoá \u202eabc", "U+202E RIGHT-TO-LEFT OVERRIDE", "Tạp hoá abc"),
        ("brand", "Vina\u200bmilk", "U+200B ZERO WIDTH SPACE", "Vinamilk"),
        ("description", "Hộp sữa in chữ\x00 Vinamilk, mã lạ.", "U+0000", "Hộp sữa in chữ Vinamilk"),
    ],
)
def test_the_report_form_marks_an_invisible_character_and_keeps_the_rest(
    client, db_session, field, value, named, kept
) -> None:
    """Pasted text carrying an invisible character: the form comes back with the character
    taken out and named under its field, everything else as typed, nothing saved."""
    before = _count(db_session)
    data = fields(report_page(client), **{field: value})
    response = client.post("/report?lang=en", data=data, headers=REFERER)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert named in page and "It has been taken out: check the text and send again." in page
    assert (kept in page and "Tạp hoá Cô Ba" in page) or field == "store_name"
    assert "\u200b" not in page and "\u202e" not in page and "\x00" not in page
    assert _count(db_session) == before


def test_a_refused_character_outside_the_forms_text_is_refused_outright(client, db_session):
    before = _count(db_session)
    data = fields(report_page(client))
    data["refresh\u200barea"] = "1"
    response = client.post(
        "/report?lang=en", data=data, headers={"Referer": "http://localhost/report?lang=en"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your request was not accepted." in page
    assert 'href="/report?lang=en" data-history-back>Back to the form<' in page
    assert _count(db_session) == before


def test_a_foreign_referrer_is_no_way_back(client, db_session) -> None:
    data = fields(report_page(client))
    data["other\u200b"] = "x"
    response = client.post(
        "/report?lang=en", data=data, headers={"Referer": "https://evil.example/report"}
    )
    assert response.status_code == 400
    assert "Back to the form" not in response.get_data(as_text=True)


def test_emoji_in_a_description_are_accepted(client, db_session) -> None:
    before = _count(db_session)
    text = "Hộp sữa giả, cả nhà 👨‍👩‍👧 uống xong bị đau bụng ❤️."
    response = client.post(
        "/report?lang=en", data=fields(report_page(client), description=text), headers=REFERER
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert _count(db_session) == before + 1


def test_the_api_names_the_field_with_a_refused_character(client, db_session) -> None:
    response = client.post(
        "/api/v1/complaints?lang=en",
        data={"category": "counterfeit", "province_code": "79", "store_name": "a\x00b"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert "U+0000" in error["fields"]["store_name"][0]


@pytest.mark.parametrize("path", ["/brands?q=%00", "/brands/%00", "/verify?code=%E2%80%AE893"])
def test_a_refused_character_in_an_address_is_a_400(client, db_session, path) -> None:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 400
    assert "cannot be accepted" in response.get_data(as_text=True)


# ---- query strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("assigned=%C2%B2", "Choose “me”, “none” or a member of staff."),
        ("from=0001-01-01", "Choose a day between 01/01/2000 and 31/12/2099."),
        ("to=9999-12-31", "Choose a day between 01/01/2000 and 31/12/2099."),
        ("after=2026-01-01~1", "This page link is not valid"),
        ("after=99999999999999999999~1", "This page link is not valid"),
        ("gtin=%C2%B2", "A GTIN is 1 to 14 digits."),
        ("status=LOST", "Must be one of"),
    ],
)
def test_a_bad_queue_filter_is_a_400_that_says_which_and_why(
    client, db_session, make_user, query, says
) -> None:
    login(client, make_user("admin", province_code=None))
    response = client.get(f"/staff/?lang=en&{query}")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "query", "label"),
    [
        ("en", "from=0001-01-01", "“From”"),
        ("vi", "from=0001-01-01", "“Từ ngày”"),
        ("en", "level=GREEN", "“Verdict”"),
        ("vi", "assigned=x", "“Giao cho”"),
    ],
)
def test_the_error_page_names_the_box_as_the_form_labels_it(
    client, db_session, make_user, lang, query, label
) -> None:
    login(client, make_user("admin", province_code=None))
    page = client.get(f"/staff/?lang={lang}&{query}").get_data(as_text=True)
    assert label in page
    assert f"“{query.split('=')[0]}”" not in page
    # The form shows the same words over the box.
    assert label.strip("“”") in client.get(f"/staff/?lang={lang}").get_data(as_text=True)


def test_the_api_still_names_the_parameter(client, db_session, make_user) -> None:
    from complaints.api_tokens import issue_api_token

    admin = make_user("admin", province_code=None)
    token = issue_api_token(
        db_session,
        make_user("inspector", province_code=None),
        name="QLTT",
        actor=admin,
        now=dt.datetime.now(dt.UTC),
    )
    db_session.commit()
    response = client.get(
        "/api/v1/cases?from=0001-01-01", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (400, 422)
    assert "from" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["from=0001-01-01", "after=2026-01-01~1", "id=%C2%B2", "to=null"])
def test_a_bad_inspector_filter_is_a_400(client, db_session, make_user, query) -> None:
    login(client, make_user("inspector", province_code=None))
    for path in ("/inspect/", "/inspect/export.csv", "/inspect/export.pdf"):
        assert client.get(f"{path}?{query}").status_code == 400, path


def test_a_huge_page_number_is_a_400(client, db_session) -> None:
    response = client.get("/brands?lang=en&page=99999999999999999999999")
    assert response.status_code == 400
    assert "Must be a whole number from 1 to 2147483647." in response.get_data(as_text=True)


def test_the_queue_pages_on_with_its_own_next_link(
    client, db_session, make_user, make_complaint
) -> None:
    for _ in range(3):
        make_complaint()
    login(client, make_user("admin", province_code=None))
    from complaints import queries

    page = queries.fetch_queue(
        db_session, make_user("admin", province_code=None), queries.QueueFilters(),
        sort=queries.Sort.NEWEST, limit=1,
    )  # fmt: skip
    assert page.next_cursor and "+" not in page.next_cursor
    response = client.get(f"/staff/?sort=newest&after={page.next_cursor}")
    assert response.status_code == 200
    # A "+01:00" that lost its escaping on the way ("+" read as a space) still reads.
    assert queries.read_cursor("2026-11-27T05:00:00 07:00~3") is not None


# ---- uploads and bodies -------------------------------------------------------------------


def test_an_empty_photo_is_refused_not_dropped(client, db_session) -> None:
    before = _count(db_session)
    body, content_type = multipart(
        {"category": "counterfeit", "province_code": "79", "code": "8934673000175",
         "description": "Hàng giả bán ở chợ Bến Thành", "anonymous": "true"},
        [("photos", b"", "IMG_0001.jpg")],
    )  # fmt: skip
    response = client.post(
        "/api/v1/complaints?lang=en",
        data=body,
        content_type=content_type,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    assert "IMG_0001.jpg" in response.get_json()["error"]["message"]
    assert "empty" in response.get_json()["error"]["message"]
    assert _count(db_session) == before


def test_an_empty_file_box_on_the_form_is_no_photo(client, db_session) -> None:
    before = _count(db_session)
    data = fields(report_page(client))
    data["photos"] = (io.BytesIO(b""), "")
    response = client.post("/report?lang=en", data=data, headers=REFERER)
    assert response.status_code == 303
    assert _count(db_session) == before + 1


def test_a_huge_text_field_is_too_large_without_talking_of_photos_only(client, db_session) -> None:
    response = client.post(
        "/api/v1/complaints?lang=en",
        data={"description": "x" * (60 * 1024 * 1024)},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 413
    message = response.get_json()["error"]["message"]
    assert "at most 50 MB in all" in message and "photos up to 10 MB each" in message


def test_a_photo_in_the_report_form_still_files(client, db_session) -> None:
    data = fields(report_page(client))
    data["photos"] = (io.BytesIO(photo()), "label.jpg")
    assert client.post("/report", data=data, headers=REFERER).status_code == 303


# ---- methods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "/api/v1/complaints", {"POST"}), ("put", "/brands", {"GET", "HEAD"}),
     ("post", "/about", {"GET", "HEAD"})],
)  # fmt: skip
def test_a_405_says_what_is_allowed(client, db_session, method, path, allowed) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


# ---- the database unreachable ---------------------------------------------------------------


@pytest.fixture
def unreachable(tmp_path):
    """The app configured with a PostgreSQL server that does not answer (nothing listens on
    port 1), as when the database is down or the network to it is cut."""
    database = Database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    app = make_test_app(database, tmp_path)
    return app.test_client()


def test_pages_say_the_service_is_briefly_unavailable(unreachable) -> None:
    response = unreachable.get("/brands?lang=en")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "briefly unavailable" in response.get_data(as_text=True)


def test_the_api_says_so_in_json(unreachable) -> None:
    response = unreachable.get("/api/v1/verify?code=8934673000175&lang=en")
    assert response.status_code == 503
    # At least our 30 s; the rate limiter may ask for longer (the end of its window).
    assert int(response.headers["Retry-After"]) >= 30
    assert response.get_json()["error"]["code"] == "unavailable"


def test_readiness_names_what_failed_and_liveness_still_answers(unreachable) -> None:
    ready = unreachable.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("failed")
    assert ready.get_json()["checks"]["photo_store"] == "ok"
    assert unreachable.get("/healthz").status_code == 200
    assert unreachable.get("/about").status_code == 200  # pages that need no database


def test_readiness_is_ready_with_the_database_up(client, db_session) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok"


def test_the_complaints_api_refuses_a_field_it_does_not_know(client, db_session) -> None:
    """Its body is documented closed (additionalProperties: false), and is."""
    before = _count(db_session)
    response = client.post(
        "/api/v1/complaints?lang=en",
        data={"category": "counterfeit", "province_code": "79", "code": "8934673000175",
              "description": "Hàng giả bán ở chợ Bến Thành", "status": "CONFIRMED"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["status"] == [
        "This field is not part of the request."
    ]
    assert _count(db_session) == before


def test_a_text_part_where_a_photo_goes_is_refused(client, db_session) -> None:
    response = client.post(
        "/api/v1/verify?lang=en", data={"code": "8934673000175", "photo": "not a file"}
    )
    assert response.status_code == 400
    assert "Send a file here, not text." in response.get_json()["error"]["message"]
