"""Staff sessions end on the server, and sign-in failures lock a name however fast they come.

- A sign-out ends the session itself: a copy of the cookie taken before is refused after.
- Failures are counted per username before the password is checked, so twenty attempts at once
  check at most five passwords; a locked name, an unknown name and a wrong password get one
  answer, and an unknown name costs a password check like a real one.
- Production pages carry HSTS; development pages do not.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

import complaints.accounts as accounts
from app import create_app
from complaints.accounts import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    fetch_session_user,
    start_session,
)
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.live import served

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
EIGHT_HOURS = dt.timedelta(hours=8)


def sign_out(client) -> None:
    page = client.get("/staff/").get_data(as_text=True)
    response = client.post(
        "/staff/logout", data={"csrf_token": hidden_value(page, "csrf_token")}, headers=REFERER
    )
    assert response.status_code == 302


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def login_error(response) -> str:
    """The sign-in form's one error message, as shown."""
    found = re.search(r'id="login-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert found, "no error shown"
    return found.group(1).strip()


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Every password hash checked, for a real account or for an unknown name."""
    checks: list[str] = []
    lock = threading.Lock()
    real = accounts.check_password_hash

    def check_password_hash(pwhash: str, password: str) -> bool:
        with lock:
            checks.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", check_password_hash)
    return checks


# --- sessions ------------------------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, make_user) -> None:
    login(client, make_user("staff"))
    stolen = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 200  # the copy works while the session lasts

    sign_out(client)

    refused = thief.get("/staff/")
    assert refused.status_code == 302
    assert "/staff/login" in refused.headers["Location"]
    assert client.get("/staff/").status_code == 302


def test_signing_out_ends_only_that_session(app, client, make_user) -> None:
    staff = make_user("staff")
    login(client, staff)
    phone = app.test_client()
    login(phone, staff)
    sign_out(client)
    assert phone.get("/staff/").status_code == 200


@pytest.mark.parametrize(
    ("change", "signed_in"),
    [
        (lambda user: None, True),  # nothing changed: the session holds
        (lambda user: user.set_password("a new long password"), False),  # password changed
        (lambda user: setattr(user, "active", False), False),  # account disabled
    ],
)
def test_a_session_ends_when_the_account_changes(db_session, make_user, change, signed_in):
    user = make_user("staff")
    key = start_session(db_session, user, now=T0, lifetime=EIGHT_HOURS)
    change(user)
    db_session.flush()
    assert (fetch_session_user(db_session, key, now=T0) is user) is signed_in


@pytest.mark.parametrize(
    ("later", "signed_in"),
    [
        (dt.timedelta(0), True),  # just signed in
        (EIGHT_HOURS - dt.timedelta(seconds=1), True),  # the last second of the session
        (EIGHT_HOURS, False),  # over, whatever the cookie says
    ],
)
def test_a_session_lasts_its_lifetime(db_session, make_user, later, signed_in) -> None:
    user = make_user("staff")
    key = start_session(db_session, user, now=T0, lifetime=EIGHT_HOURS)
    found = fetch_session_user(db_session, key, now=T0 + later)
    assert (found is not None) is signed_in
    assert fetch_session_user(db_session, key + "x", now=T0) is None  # another key: nobody


def test_the_cookie_carries_a_key_the_database_only_knows_the_hash_of(
    client, make_user, db_session
) -> None:
    import sqlalchemy as sa

    staff = make_user("staff")
    login(client, staff)
    stored = db_session.scalars(sa.select(accounts.StaffSession.key_hash)).all()
    assert len(stored) == 1
    assert stored[0] not in session_cookie(client)
    assert staff.session_token not in session_cookie(client)


# --- lockout -------------------------------------------------------------------------------


def test_a_locked_name_an_unknown_name_and_a_wrong_password_get_one_answer(
    client, make_user, password_checks
) -> None:
    staff = make_user("staff")
    client.get("/staff/login?lang=en")
    wrong = login(client, staff, password="not the password")
    for _ in range(MAX_FAILED_LOGINS - 1):
        login(client, staff, password="not the password")
    locked = login(client, staff)  # the right password, but the name is locked
    staff.username = "nobody-here"
    unknown = login(client, staff)
    assert wrong.status_code == locked.status_code == unknown.status_code == 400
    assert login_error(wrong) == login_error(locked) == login_error(unknown)
    assert "locked for 15 minutes" in login_error(locked)
    # Five checks for the five failures, none while locked, one for the unknown name: its
    # answer takes as long as a wrong password's.
    assert len(password_checks) == MAX_FAILED_LOGINS + 1


def test_unknown_names_lock_like_real_ones(client, make_user, password_checks) -> None:
    ghost = make_user("staff")
    ghost.username = "ghost-account"
    for _ in range(MAX_FAILED_LOGINS + 3):
        assert login(client, ghost).status_code == 400
    assert len(password_checks) == MAX_FAILED_LOGINS


def test_a_success_starts_the_count_again(client, make_user) -> None:
    staff = make_user("staff")
    for _ in range(MAX_FAILED_LOGINS - 1):
        login(client, staff, password="not the password")
    assert login(client, staff).status_code == 302
    sign_out(client)
    for _ in range(MAX_FAILED_LOGINS - 1):
        login(client, staff, password="not the password")
    assert login(client, staff).status_code == 302


def test_the_lock_ends_after_its_time(client, make_user, monkeypatch) -> None:
    from app.auth import views

    now = [T0]
    monkeypatch.setattr(views, "utc_now", lambda: now[0])
    staff = make_user("staff")
    for _ in range(MAX_FAILED_LOGINS):
        login(client, staff, password="not the password")
    now[0] = T0 + LOCKOUT - dt.timedelta(seconds=1)
    assert login(client, staff).status_code == 400  # still locked
    now[0] = T0 + LOCKOUT
    assert login(client, staff).status_code == 302


@pytest.fixture
def live_server(app, real_transactions, db_session, monkeypatch) -> Iterator[str]:
    """The test app on a loopback port, with threads of its own: racing sign-ins, for real.
    The form's CSRF token and the per-client rate limit are not what this is about."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")
    with served(app) as url:
        yield url


def race_sign_ins(url: str, username: str, password: str, count: int) -> list[int]:
    """``count`` sign-ins sent at the same moment; their status codes."""
    start = threading.Barrier(count)
    statuses: list[int] = []
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()

    def attempt() -> None:
        request = urllib.request.Request(f"{url}/staff/login?lang=en", data=body)
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.slow
def test_twenty_sign_ins_at_once_check_at_most_five_passwords(
    live_server, make_user, password_checks
) -> None:
    staff = make_user("staff")
    statuses = race_sign_ins(live_server, staff.username, "not the password", 20)
    assert statuses == [400] * 20  # every one answered, none failed on the database
    assert len(password_checks) == MAX_FAILED_LOGINS
    # The right password is refused now: the name is locked.
    assert race_sign_ins(live_server, staff.username, "correct horse battery", 1) == [400]
    assert len(password_checks) == MAX_FAILED_LOGINS


# --- HSTS ----------------------------------------------------------------------------------


def test_production_pages_tell_browsers_to_use_https_only() -> None:
    production = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "production",
            "SECRET_KEY": "production-test-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    response = production.test_client().get("/no-such-page")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.fullmatch(r"max-age=(\d+)(;.*)?", hsts).group(1))
    assert max_age >= 365 * 24 * 3600


def test_development_pages_do_not(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/no-such-page").headers
