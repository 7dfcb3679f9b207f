"""Association staff at work: sign-in, roles on every route, the queue, the workflow, merging,
contact details, concurrent edits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from complaints.models import Complaint, ComplaintEvent, EventKind, Signal
from complaints.tracking import format_tracking_code
from complaints.workflow import Status
from tests.support.factories import login
from tests.support.forms import REFERER, hidden_value
from tests.support.pages import check_page, text_of


def shown_code(complaint) -> str:
    """A complaint's tracking code as the staff pages show it: as the reporter was given it."""
    return format_tracking_code(complaint.tracking_code)


def test_sign_in_and_out(client, make_user) -> None:
    staff = make_user("staff")
    assert client.get("/staff/").status_code == 302  # anonymous: sent to sign in
    response = login(client, staff)
    assert response.status_code == 302
    queue = client.get("/staff/?lang=en")
    assert queue.status_code == 200
    check_page(queue, public=False)
    html = queue.get_data(as_text=True)
    client.post(
        "/staff/logout", data={"csrf_token": hidden_value(html, "csrf_token")}, headers=REFERER
    )
    assert client.get("/staff/").status_code == 302


def test_wrong_password_then_lockout(client, make_user) -> None:
    staff = make_user("staff")
    client.get("/staff/login?lang=en")  # the answers in English
    for _ in range(5):
        response = login(client, staff, password="wrong password!")
        assert response.status_code == 400
        assert "Wrong username or password" in text_of(response)
    locked = login(client, staff)  # the right password, too late
    assert locked.status_code == 400
    assert "locked for 15 minutes" in text_of(locked) or "khóa" in text_of(locked)
    assert client.get("/staff/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user) -> None:
    staff = make_user("staff")
    wrong = text_of(login(client, staff, password="not the password"))
    staff.username = "nobody-here"
    unknown = text_of(login(client, staff))
    assert wrong.split("Đăng nhập")[0] == unknown.split("Đăng nhập")[0]


def test_disabled_user_is_signed_out_at_once(client, make_user, db_session) -> None:
    staff = make_user("staff")
    login(client, staff)
    assert client.get("/staff/").status_code == 200
    staff.active = False
    db_session.commit()
    assert client.get("/staff/").status_code == 302


def _url_for_rule(rule, complaint_id: int, evidence_id: int) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = {"complaint_id": complaint_id, "evidence_id": evidence_id}.get(arg, 1)
        url = re.sub(rf"<(?:\w+:)?{arg}>", str(value), url)
    return url


def staff_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/staff", "/inspect", "/reports"))
        and rule.endpoint not in ("auth.login", "auth.logout")
    ]


def test_every_staff_view_declares_its_roles(app) -> None:
    undecorated = [
        rule.endpoint
        for rule in staff_rules(app)
        if not hasattr(app.view_functions[rule.endpoint], "allowed_roles")
    ]
    assert undecorated == []


@pytest.mark.parametrize("role", ["admin", "staff", "inspector", "viewer", None])
def test_each_role_on_each_staff_route(app, client, make_user, make_complaint, role) -> None:
    complaint = make_complaint(province_code="79")
    if role:
        login(client, make_user(role))
    token = hidden_value(
        client.get("/report", follow_redirects=True).get_data(as_text=True), "csrf_token"
    )
    for rule in staff_rules(app):
        allowed = [r.value for r in app.view_functions[rule.endpoint].allowed_roles]
        url = _url_for_rule(rule, complaint.id, 0)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token}, headers=REFERER)
            where = f"{method} {url} as {role}"
            if role is None:
                assert (
                    response.status_code == 302 and "/staff/login" in response.headers["Location"]
                ), where
            elif role in allowed:
                assert response.status_code not in (302, 401, 403), where
            else:
                assert response.status_code == 403, where


def test_queue_shows_only_the_users_area(client, make_user, make_complaint) -> None:
    ours = make_complaint(province_code="79", product_name="Sữa bột Ông Thọ")
    theirs = make_complaint(province_code="01", product_name="Nước mắm Hà Nội")
    login(client, make_user("staff", province_code="79"))
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_code(ours) in html and shown_code(theirs) not in html
    assert client.get(f"/staff/complaints/{theirs.id}").status_code == 404


def test_communes_scope_a_staff_member(client, make_user, make_complaint) -> None:
    inside = make_complaint(province_code="01", commune_code="00070")
    outside = make_complaint(province_code="01", commune_code="00004")
    login(client, make_user("staff", province_code="01", communes=("00070",)))
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_code(inside) in html and shown_code(outside) not in html


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("q=sua+bot", {"milk"}),  # no diacritics finds "Sữa bột"
        ("q=TẠP+HOÁ", {"store"}),  # case and diacritics insensitive
        ("status=TRIAGED", {"triaged"}),
        ("category=expired", {"expired"}),
        ("photos=1", set()),
        ("level=MISMATCH", {"milk"}),
    ],
)
def test_queue_filters(client, make_user, make_complaint, query, expect) -> None:
    made = {
        "milk": make_complaint(product_name="Sữa bột trẻ em", verdict_level="MISMATCH"),
        "store": make_complaint(store_name="Tạp hoá Cô Ba"),
        "triaged": make_complaint(status="TRIAGED"),
        "expired": make_complaint(category="expired"),
    }
    login(client, make_user("admin", province_code=None))
    html = client.get(f"/staff/?{query}").get_data(as_text=True)
    shown = {name for name, c in made.items() if shown_code(c) in html}
    assert shown == expect


def test_queue_pages_by_keyset_without_overlap(client, make_user, make_complaint) -> None:
    codes = {
        shown_code(make_complaint(description=f"Phản ánh số {n} về hàng giả.")) for n in range(57)
    }
    login(client, make_user("staff"))
    first = client.get("/staff/?sort=oldest").get_data(as_text=True)
    next_url = re.search(
        r'id="next-page"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="next-page"', first
    )
    link = (next_url.group(1) or next_url.group(2)).replace("&amp;", "&")
    second = client.get(link).get_data(as_text=True)
    on_first = {c for c in codes if c in first}
    on_second = {c for c in codes if c in second}
    assert len(on_first) == 50 and len(on_second) == 7
    assert not on_first & on_second
    assert 'id="next-page"' not in second


def test_queue_count_is_of_every_match_on_every_page(client, make_user, make_complaint) -> None:
    for n in range(52):
        make_complaint(description=f"Phản ánh số {n} về hàng giả.")
    make_complaint(description="Nước mắm pha loãng.")
    login(client, make_user("staff"))
    first = client.get("/staff/?sort=oldest&lang=en")
    assert "53 complaint(s) match." in text_of(first)
    link = re.search(r'href="([^"]+)" id="next-page"', first.get_data(as_text=True))
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert "53 complaint(s) match." in text_of(second)  # all matches, not the 3 on this page
    few = client.get("/staff/?q=nuoc+mam&lang=en")
    assert "1 complaint(s) match." in text_of(few)


def deadline_cell(html: str, complaint) -> str:
    row = re.search(rf'<tr data-id="{complaint.id}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return re.sub(r"<[^>]+>", "", cells[8]).strip()


def test_queue_shows_the_working_days_left_or_overdue(client, make_user, make_complaint) -> None:
    long_ago = dt.datetime(2020, 3, 2, 2, 0, tzinfo=dt.UTC)
    fresh = make_complaint()
    late = make_complaint(created_at=long_ago)
    closed = make_complaint(status="CONFIRMED", created_at=long_ago)
    login(client, make_user("staff"))
    html = client.get("/staff/?lang=en").get_data(as_text=True)
    assert deadline_cell(html, fresh) == "7 working days"  # filed today
    assert deadline_cell(html, late) == "overdue"
    assert deadline_cell(html, closed) == ""  # a closed complaint has no deadline to meet


def test_overdue_filter(client, make_user, make_complaint, db_session) -> None:
    old = make_complaint(description="Khiếu nại cũ chưa xử lý.")
    fresh = make_complaint(description="Khiếu nại mới nhận hôm nay.")
    old.deadline_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    fresh.deadline_at = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    db_session.commit()
    login(client, make_user("staff"))
    html = client.get("/staff/?overdue=1").get_data(as_text=True)
    assert shown_code(old) in html and shown_code(fresh) not in html


def detail(client, complaint) -> str:
    response = client.get(f"/staff/complaints/{complaint.id}?lang=en")
    assert response.status_code == 200
    check_page(response, public=False)
    return response.get_data(as_text=True)


def post_form(client, url: str, html: str, **data):
    data.setdefault("csrf_token", hidden_value(html, "csrf_token"))
    return client.post(url, data=data, headers=REFERER)


def version_of(html: str, field_id: str = "move-version") -> str:
    return re.search(rf'<input id="{field_id}"[^>]* value="(\d+)"', html).group(1)


def test_legal_moves_with_a_public_note_reach_the_tracking_page(
    client, make_user, make_complaint, db_session
) -> None:
    complaint = make_complaint()
    staff = make_user("staff")
    login(client, staff)
    for target, note, public in [
        ("TRIAGED", "Đã tiếp nhận.", False),
        ("REFERRED", "Đã chuyển lực lượng QLTT kiểm tra cửa hàng.", True),
    ]:
        html = detail(client, complaint)
        response = post_form(
            client,
            f"/staff/complaints/{complaint.id}/move",
            html,
            target=target,
            note=note,
            public="y" if public else "",
            version=version_of(html),
        )
        assert response.status_code == 303, text_of(response)
    db_session.expire_all()
    assert complaint.status is Status.REFERRED
    events = db_session.scalars(
        sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == EventKind.STATUS
        )
    ).all()
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (Status.NEW, Status.TRIAGED, staff.username),
        (Status.TRIAGED, Status.REFERRED, staff.username),
    ]
    tracking = text_of(client.get(f"/track/{complaint.tracking_code}"))
    assert "Đã chuyển lực lượng QLTT kiểm tra cửa hàng." in tracking
    assert "Đã tiếp nhận." not in tracking  # internal


@pytest.mark.parametrize(
    ("start", "target"),
    [("NEW", "CONFIRMED"), ("NEW", "REFERRED"), ("CONFIRMED", "TRIAGED"), ("NEW", "DUPLICATE")],
)
def test_illegal_moves_are_refused_and_change_nothing(
    client, make_user, make_complaint, db_session, start, target
) -> None:
    complaint = make_complaint(status=start)
    login(client, make_user("staff"))
    html = detail(client, complaint)
    response = post_form(
        client,
        f"/staff/complaints/{complaint.id}/move",
        html,
        target=target,
        version=str(complaint.version),
    )
    assert response.status_code == 400
    db_session.expire_all()
    assert complaint.status is Status(start)


def test_the_second_of_two_concurrent_edits_is_refused(
    client, app, make_user, make_complaint, db_session
) -> None:
    complaint = make_complaint()
    first, second = make_user("staff", name="Chị Lan"), make_user("staff", name="Anh Minh")
    login(client, first)
    html_first = detail(client, complaint)
    other = app.test_client()
    login(other, second)
    html_second = other.get(f"/staff/complaints/{complaint.id}").get_data(as_text=True)
    ok = post_form(
        client,
        f"/staff/complaints/{complaint.id}/move",
        html_first,
        target="TRIAGED",
        version=version_of(html_first),
    )
    assert ok.status_code == 303
    late = post_form(
        other,
        f"/staff/complaints/{complaint.id}/move?lang=en",
        html_second,
        target="DISMISSED",
        version=version_of(html_second),
    )
    assert late.status_code == 409
    # Who, by name, and when, as the pages write it (27/11/2026 10:18, Vietnam's time).
    assert re.search(r"changed by Chị Lan at \d{2}/\d{2}/\d{4} \d{2}:\d{2} after", text_of(late))
    db_session.expire_all()
    assert complaint.status is Status.TRIAGED


def test_merge_duplicates_and_reporters_follow_the_survivor(
    client, make_user, make_complaint, db_session
) -> None:
    survivor = make_complaint(gtin="8936024000127")
    duplicate = make_complaint(gtin="8936024000127")
    login(client, make_user("staff"))
    html = detail(client, survivor)
    assert shown_code(duplicate) in html  # suggested
    response = client.post(
        f"/staff/complaints/{survivor.id}/merge",
        data={"csrf_token": hidden_value(html, "csrf_token"), "other": str(duplicate.id)},
        headers=REFERER,
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert duplicate.status is Status.DUPLICATE and duplicate.merged_into_id == survivor.id
    clusters = client.get("/staff/duplicates").get_data(as_text=True)
    assert shown_code(duplicate) not in clusters
    assert "Merged with another report" in text_of(
        client.get(f"/track/{duplicate.tracking_code}?lang=en")
    )


def test_duplicate_clusters_by_gtin_and_by_store(client, make_user, make_complaint) -> None:
    a = make_complaint(gtin="8934673000017")
    b = make_complaint(gtin="8934673000017")
    c = make_complaint(store_name="Tạp hoá Cô Ba")
    d = make_complaint(store_name="TẠP HOÁ CÔ BA")
    lone = make_complaint(store_name="Siêu thị khác")
    login(client, make_user("staff"))
    html = client.get("/staff/duplicates").get_data(as_text=True)
    for complaint in (a, b, c, d):
        assert shown_code(complaint) in html
    assert shown_code(lone) not in html


def test_contact_details_are_hidden_logged_and_area_limited(
    client, make_user, make_complaint, db_session
) -> None:
    complaint = make_complaint(contact_phone="0912 345 678")
    staff = make_user("staff")
    login(client, staff)
    html = detail(client, complaint)
    assert "0912 345 678" not in html
    shown = post_form(client, f"/staff/complaints/{complaint.id}/contact", html)
    assert "0912 345 678" in shown.get_data(as_text=True)
    events = db_session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.kind == EventKind.CONTACT_VIEWED)
    ).all()
    assert [e.actor for e in events] == [staff.username]


@pytest.mark.parametrize("role", ["inspector", "viewer"])
def test_other_roles_never_see_contact_details(client, make_user, make_complaint, role) -> None:
    complaint = make_complaint(contact_phone="0912 345 678")
    login(client, make_user(role))
    html = client.get(f"/staff/complaints/{complaint.id}").get_data(as_text=True)
    assert "0912 345 678" not in html and 'id="show-contact"' not in html


def test_bulk_assign_is_audited_per_complaint(
    client, make_user, make_complaint, db_session
) -> None:
    complaints = [make_complaint() for _ in range(3)]
    lead, colleague = make_user("staff"), make_user("staff", name="Đồng nghiệp")
    login(client, lead)
    html = client.get("/staff/").get_data(as_text=True)
    response = client.post(
        "/staff/bulk",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "action": "assign",
            "assignee": str(colleague.id),
            "selected": [str(c.id) for c in complaints[:2]],
        },
        headers=REFERER,
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert [c.assigned_to_id for c in complaints] == [colleague.id, colleague.id, None]
    assigned = db_session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.kind == EventKind.ASSIGNED)
    ).all()
    assert len(assigned) == 2
    mine = client.get("/staff/?assigned=" + str(colleague.id)).get_data(as_text=True)
    assert shown_code(complaints[0]) in mine and shown_code(complaints[2]) not in mine


def test_signals_hot_spots_and_opening_a_complaint(client, make_user, db_session) -> None:
    now = dt.datetime.now(dt.UTC)
    for days in (0, 1, 2, 9):
        db_session.add(
            Signal(
                gtin="08936024000127",
                code_seen="8936024000127",
                level="MISMATCH",
                created_at=now - dt.timedelta(days=days),
            )
        )
    db_session.commit()
    login(client, make_user("staff"))
    page = client.get("/staff/signals?lang=en")
    check_page(page, public=False)
    row = re.search(
        r"8936024000127</a></td>\s*<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>",
        page.get_data(as_text=True),
    )
    assert row.groups() == ("4", "3", "1")
    html = page.get_data(as_text=True)
    response = client.post(
        "/staff/signals/open",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "code": "8936024000127",
            "count": "4",
            "level": "MISMATCH",
        },
        headers=REFERER,
    )
    assert response.status_code == 303
    opened = db_session.scalar(sa.select(Complaint))
    assert opened.gtin == "08936024000127" and opened.anonymous
    assert opened.category.value == "counterfeit"


def test_response_templates_are_edited_by_administrators(client, make_user, db_session) -> None:
    login(client, make_user("admin", province_code=None))
    html = client.get("/staff/templates").get_data(as_text=True)
    response = client.post(
        "/staff/templates",
        data={
            "csrf_token": hidden_value(html, "csrf_token"),
            "body_REFERRED": "Phản ánh của bạn đã được chuyển lực lượng Quản lý thị trường.",
        },
        headers=REFERER,
    )
    assert response.status_code == 303
    assert "chuyển lực lượng Quản lý thị trường" in client.get("/staff/templates").get_data(
        as_text=True
    )


def test_users_cli(runner, db_session) -> None:
    from complaints.accounts import Role, User

    created = runner.invoke(
        args=[
            "users",
            "create",
            "lan",
            "--name",
            "Nguyễn Thị Lan",
            "--role",
            "staff",
            "--province",
            "79",
            "--password",
            "mật khẩu đủ dài",
        ]
    )
    assert created.exit_code == 0, created.output
    user = db_session.scalar(sa.select(User).where(User.username == "lan"))
    assert user.role is Role.STAFF and user.check_password("mật khẩu đủ dài")
    assert "mật khẩu" not in user.password_hash
    no_area = runner.invoke(
        args=[
            "users",
            "create",
            "x",
            "--name",
            "X",
            "--role",
            "staff",
            "--password",
            "mật khẩu đủ dài",
        ]
    )
    assert no_area.exit_code != 0 and "--province" in no_area.output
    runner.invoke(args=["users", "set-role", "lan", "--role", "inspector"])
    runner.invoke(args=["users", "disable", "lan"])
    db_session.expire_all()
    assert user.role is Role.INSPECTOR and not user.active


@pytest.mark.parametrize("typed", ["plain", "hyphen", "lower"])
def test_a_tracking_code_in_the_search_box_opens_its_complaint(
    client, db_session, make_user, make_complaint, typed
) -> None:
    complaint = make_complaint(province_code="79")
    code = complaint.tracking_code
    query = {"plain": code, "hyphen": format_tracking_code(code), "lower": code.lower()}[typed]
    login(client, make_user("staff", province_code="79"))
    response = client.get("/staff/", query_string={"q": query})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/complaints/{complaint.id}")


def test_a_tracking_code_of_another_area_opens_nothing(
    client, db_session, make_user, make_complaint
) -> None:
    complaint = make_complaint(province_code="01")
    login(client, make_user("staff", province_code="79"))
    response = client.get("/staff/", query_string={"q": complaint.tracking_code})
    assert response.status_code == 200  # the queue, searched: no match in this area
    assert f"/staff/complaints/{complaint.id}" not in response.get_data(as_text=True)
