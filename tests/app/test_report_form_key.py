"""A report form is one report: its key is in its address, so Back or a repeat after sending
shows the receipt and files nothing again; photos sent with a form that comes back with an error
are kept for that form (and only for it), listed, removable, filed with it, and expire.

Without JavaScript (the test client); the browser's side is tests/e2e/test_report_form_back.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from complaints.models import StagedPhoto
from tests.app.test_report import (  # noqa: F401 (clean_uploads: a fixture)
    clean_uploads,
    complaints,
    fields,
    photo,
    post_report,
    report_page,
    stored_files,
)
from tests.support.pages import check_page, text_of

NO_PROVINCE = {"province": "", "commune": ""}


def form_key(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["form"][0]


def kept_names(response) -> list[str]:
    return re.findall(r'<span class="kept-name">([^<]*)</span>', response.get_data(as_text=True))


def remove_buttons(response) -> list[str]:
    return re.findall(r'name="remove_photo" value="(\d+)"', response.get_data(as_text=True))


@pytest.fixture
def new_files(app):
    """The photo files this test added (another test may have left some)."""
    before = set(stored_files(app))
    return lambda: sorted(set(stored_files(app)) - before)


def staged_rows(db_session) -> list[StagedPhoto]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(StagedPhoto)))


def test_the_form_key_is_in_the_address_and_a_reload_keeps_it(client, db_session) -> None:
    opened = client.get("/report?lang=en&code=8936024000127")
    assert opened.status_code == 302 and opened.headers["Cache-Control"] == "no-store"
    address = opened.headers["Location"]
    assert "code=8936024000127" in address  # what the verdict filled in goes along
    key = form_key(opened)
    first = client.get(address)
    again = client.get(address)  # a reload, or Back to the form before it was sent
    assert f'value="{key}"' in first.get_data(as_text=True)
    assert f'value="{key}"' in again.get_data(as_text=True)
    assert "8936024000127" in again.get_data(as_text=True)


def test_back_to_a_sent_form_shows_its_receipt_and_files_nothing(client, db_session) -> None:
    opened = client.get("/report?lang=en")
    data = fields(client.get(opened.headers["Location"]).get_data(as_text=True))
    sent = post_report(client, data)
    assert sent.status_code == 303
    [complaint] = complaints(db_session)

    back = client.get(opened.headers["Location"])  # the browser's Back to the form

    assert back.status_code == 200
    check_page(back)
    page = text_of(back)
    assert "This report was already sent" in page
    code = complaint.tracking_code
    assert f"{code[:5]}-{code[5:]}" in page
    assert 'id="report-form"' not in back.get_data(as_text=True)
    assert back.headers["Cache-Control"] == "no-store"
    assert len(complaints(db_session)) == 1


def test_sending_a_sent_form_again_gives_its_receipt(client, db_session) -> None:
    """What Back brought back (description and contact, province chosen again or not, no
    photos): sent again, the first report's receipt; one complaint."""
    data = fields(report_page(client))
    first = post_report(client, data, [(photo(), "a.jpg")])
    again = post_report(client, {**data, **NO_PROVINCE})
    changed = post_report(client, {**data, "store_name": "Cô Ba"})
    assert first.status_code == again.status_code == changed.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == changed.headers["Location"]
    assert len(complaints(db_session)) == 1


def test_a_form_address_opened_in_another_browser_is_a_new_form(app, client, db_session) -> None:
    opened = client.get("/report?lang=en")
    post_report(client, fields(client.get(opened.headers["Location"]).get_data(as_text=True)))
    [complaint] = complaints(db_session)

    other = app.test_client()
    elsewhere = other.get(opened.headers["Location"]).get_data(as_text=True)

    assert 'id="report-form"' in elsewhere and complaint.tracking_code[:5] not in elsewhere
    assert f'value="{form_key(opened)}"' not in elsewhere  # a key of its own
    assert "This report was already sent" not in elsewhere


def test_a_browser_that_keeps_no_cookie_gets_the_form_without_going_round(client) -> None:
    opened = client.get("/report?lang=en")
    client.delete_cookie("session")  # as if the browser had not kept it
    again = client.get(opened.headers["Location"])
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and 'id="report-form"' in page
    assert f'value="{form_key(opened)}"' not in page  # (the cookie was gone indeed)


def test_photos_are_kept_across_a_form_error_and_filed_with_the_report(
    client, db_session, new_files
) -> None:
    data = fields(report_page(client))
    originals = [photo(seed=n) for n in range(3)]  # with GPS in their EXIF
    sent = [(content, f"ảnh-{n}.jpg") for n, content in enumerate(originals)]

    refused = post_report(client, {**data, **NO_PROVINCE}, sent)

    assert refused.status_code == 400
    check_page(refused)
    assert "Choose the province or city." in text_of(refused)
    assert kept_names(refused) == ["ảnh-0.jpg", "ảnh-1.jpg", "ảnh-2.jpg"]
    assert "3 photos are kept with this form and will be sent with it" in text_of(refused)
    assert refused.get_data(as_text=True).count('src="data:image/jpeg;base64,') == 3
    assert complaints(db_session) == []
    kept_files = new_files()
    assert len(kept_files) == 3
    for path in kept_files:
        with Image.open(path) as kept:
            assert not kept.getexif()  # prepared as at filing: no location, no EXIF

    filed = post_report(client, data)  # province chosen; the photos are not attached again

    assert filed.status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.photo_count == 3
    assert sorted(e.sha256_original for e in complaint.evidence) == sorted(
        hashlib.sha256(content).hexdigest() for content in originals
    )
    assert new_files() == kept_files  # the same files, no copies
    assert staged_rows(db_session) == []
    assert "Photos" in text_of(client.get(filed.headers["Location"]))


def test_six_photos_and_a_form_error_keep_five_and_name_the_sixth(client, db_session) -> None:
    data = fields(report_page(client))
    sent = [(photo(seed=n, gps=False), f"p{n}.jpg") for n in range(6)]

    refused = post_report(client, {**data, **NO_PROVINCE}, sent)

    assert refused.status_code == 400
    assert "At most 5 photos can be sent with a report. Not kept: p5.jpg." in text_of(refused)
    assert kept_names(refused) == [f"p{n}.jpg" for n in range(5)]
    assert post_report(client, data).status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.photo_count == 5


def test_a_kept_photo_can_be_removed(client, db_session, new_files) -> None:
    data = fields(report_page(client))
    sent = [(photo(seed=1, gps=False), "giu.jpg"), (photo(seed=2, gps=False), "bo.jpg")]
    refused = post_report(client, {**data, **NO_PROVINCE}, sent)
    keep, drop = remove_buttons(refused)

    removed = post_report(client, {**data, **NO_PROVINCE, "remove_photo": drop})

    assert removed.status_code == 200
    assert kept_names(removed) == ["giu.jpg"] and remove_buttons(removed) == [keep]
    assert "1 photo is kept with this form and will be sent with it" in text_of(removed)
    assert len(new_files()) == 1
    assert post_report(client, data).status_code == 303
    [complaint] = complaints(db_session)
    [evidence] = complaint.evidence
    assert evidence.sha256_original == hashlib.sha256(photo(seed=1, gps=False)).hexdigest()


def test_a_bad_photo_is_named_and_the_good_ones_kept(client, db_session) -> None:
    data = fields(report_page(client))
    sent = [(photo(seed=3, gps=False), "tot.jpg"), (b"GIF89a not really", "anh.gif")]

    refused = post_report(client, data, sent)

    assert refused.status_code == 400
    assert "Photo 2 (anh.gif)" in text_of(refused)
    assert kept_names(refused) == ["tot.jpg"]
    assert complaints(db_session) == []
    assert post_report(client, data).status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.photo_count == 1


def test_kept_photos_count_towards_the_limit(client, db_session) -> None:
    data = fields(report_page(client))
    post_report(client, {**data, **NO_PROVINCE}, [(photo(seed=n), f"a{n}.jpg") for n in range(3)])

    refused = post_report(client, data, [(photo(seed=n), f"b{n}.jpg") for n in range(3, 6)])

    assert refused.status_code == 400
    assert "Not kept: b5.jpg." in text_of(refused)
    assert complaints(db_session) == []
    assert kept_names(refused) == ["a0.jpg", "a1.jpg", "a2.jpg", "b3.jpg", "b4.jpg"]


def test_photos_attached_again_are_not_doubled(client, db_session) -> None:
    """Not seeing that they were kept, the shopper attaches the same photos again."""
    data = fields(report_page(client))
    sent = [(photo(seed=n), f"d{n}.jpg") for n in range(2)]
    post_report(client, {**data, **NO_PROVINCE}, sent)

    again = post_report(client, {**data, **NO_PROVINCE}, sent)
    assert kept_names(again) == ["d0.jpg", "d1.jpg"]
    assert post_report(client, data, sent).status_code == 303

    [complaint] = complaints(db_session)
    assert complaint.photo_count == 2


def test_another_browser_never_sees_nor_files_the_photos_kept_for_a_form(
    app, client, db_session
) -> None:
    data = fields(report_page(client))
    post_report(client, {**data, **NO_PROVINCE}, [(photo(seed=4), "rieng.jpg")])
    other = app.test_client()
    other_data = fields(report_page(other), idempotency_key=data["idempotency_key"])

    refused = post_report(other, {**other_data, **NO_PROVINCE}, [(photo(seed=5), "x.jpg")])

    assert kept_names(refused) == [] and "rieng.jpg" not in refused.get_data(as_text=True)
    assert "Your photos were not kept: attach them again before sending." in text_of(refused)
    assert post_report(other, other_data).status_code == 303
    [complaint] = complaints(db_session)
    assert complaint.photo_count == 0
    assert [p.filename for p in staged_rows(db_session)] == ["rieng.jpg"]


def test_expired_kept_photos_are_removed_by_the_hourly_housekeeping(
    client, runner, db_session, new_files
) -> None:
    data = fields(report_page(client))
    post_report(client, {**data, **NO_PROVINCE}, [(photo(seed=n), f"c{n}.jpg") for n in range(2)])
    assert len(new_files()) == 2
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    db_session.execute(sa.update(StagedPhoto).values(staged_at=long_ago))
    db_session.commit()

    shown = client.get(f"/report?lang=en&form={data['idempotency_key']}")
    assert kept_names(shown) == []  # expired: never listed (nor filed), even before the clean-up

    result = runner.invoke(args=["complaints", "refresh"])

    assert result.exit_code == 0, result.output
    assert "Removed 2 expired photo(s) kept for report forms." in result.output
    assert staged_rows(db_session) == [] and new_files() == []
