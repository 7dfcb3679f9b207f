"""The registry admin's catalogue fields (issue 14): a company's facts (where its goods are made,
its group and that group's country, where and when they were checked), a brand's and a
product's category. The forms set them, show them back, keep them when another field is edited,
refuse bad ones under the field in the reader's language, and the history says what changed in
words."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from barcode_db import admin
from barcode_db.models import Brand, Company, Product
from complaints.accounts import Role
from tests.app.test_registry_admin import BASE, make_user, post, sign_in
from tests.support.factories import with_check_digit
from tests.support.pages import check_page, text_of

GTIN = with_check_digit("893000200001")


class _FormReader(HTMLParser):
    """What a browser would send back from one form, untouched: its inputs' values and each
    select's chosen option (the first when none is marked)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and attr.get("type") not in ("submit", "button") and "name" in attr:
            self.values[attr["name"]] = attr.get("value", "")
        elif tag == "select":
            self._select, self._first_option = attr["name"], None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = attr.get("value", "")
                self.values.setdefault(self._select, self._first_option)
            if "selected" in attr:
                self.values[self._select] = attr.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_values(html: str, form_id: str) -> dict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.values, f"no form {form_id}"
    return reader.values


def fresh(db_session, model, row_id: int):
    db_session.rollback()  # read what the requests committed, not what was loaded before
    db_session.expire_all()
    return db_session.get(model, row_id)


@pytest.fixture
def staff(client, db_session):
    sign_in(client, make_user(db_session, Role.STAFF))
    return client


FACTS = {
    "code": "SM",
    "name": "Công ty Sao Mai",
    "province_code": "79",
    "made_in": "Bình Dương; Long An",
    "owner_group": "Tập đoàn Sao Mai",
    "owner_country": "TH",
    "source": "Cổng thông tin quốc gia về đăng ký doanh nghiệp",
    "checked_on": "2026-10-01",
}


def add_company(client, **fields: str) -> int:
    response = post(client, f"{BASE}/companies/new", {**FACTS, **fields})
    assert response.status_code == 303, text_of(response)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_company_form_sets_the_facts_and_the_page_shows_them(staff, db_session) -> None:
    form = staff.get(f"{BASE}/companies/new?lang=vi")
    check_page(form, public=False)
    html = form.get_data(as_text=True)
    # Countries by their names in the reader's language, sorted as a Vietnamese reader reads.
    assert '<option value="TH">Thái Lan (TH)</option>' in html
    assert html.index(">Đức (DE)<") < html.index(">Hà Lan (NL)<")
    assert ">Liên Minh Châu Âu" not in html  # a grouping is not a country

    company_id = add_company(staff)
    company = fresh(db_session, Company, company_id)
    assert (company.made_in, company.owner_group, company.owner_country) == (
        "Bình Dương; Long An",
        "Tập đoàn Sao Mai",
        "TH",
    )
    assert (company.source, company.checked_on) == (FACTS["source"], dt.date(2026, 10, 1))

    page = staff.get(f"{BASE}/companies/{company_id}?lang=en")
    check_page(page, public=False)
    text = text_of(page)
    assert "Where its goods are made Bình Dương; Long An" in text
    assert "Group Tập đoàn Sao Mai (Thailand)" in text
    assert f"Source of these facts {FACTS['source']} · checked on 01/10/2026" in text


def stored_company(db_session) -> Company:
    """A company with every fact, a brand and a product with categories, written by the one
    write path (as an import or another page would), not by the forms under test."""
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    company = admin.create_company(
        db_session,
        admin.CompanyFields(**{k: v for k, v in FACTS.items()}),
        actor="staff1",
        now=now,
    )
    admin.add_prefix(db_session, company, "8930002", actor="staff1", now=now)
    brand = admin.add_brand(
        db_session, company, "Sao Mai", category="seasonings", actor="staff1", now=now
    )
    admin.add_product(
        db_session,
        company,
        admin.ProductFields(GTIN, "Tương ớt Sao Mai", brand.id, category="instant_food"),
        actor="staff1",
        now=now,
    )
    db_session.commit()
    return company


def test_editing_one_field_keeps_the_company_facts(staff, db_session) -> None:
    """The bug this closes: the edit form did not carry the facts, so saving it blanked them."""
    company_id = stored_company(db_session).id
    edit = staff.get(f"{BASE}/companies/{company_id}/edit")
    values = form_values(edit.get_data(as_text=True), "company-form")
    values["website"] = "https://saomai.example.vn"
    response = post(staff, f"{BASE}/companies/{company_id}/edit", values)
    assert response.status_code == 303, text_of(response)
    company = fresh(db_session, Company, company_id)
    assert company.website == "https://saomai.example.vn"
    assert (
        company.made_in,
        company.owner_group,
        company.owner_country,
        company.source,
        company.checked_on,
    ) == (
        FACTS["made_in"],
        FACTS["owner_group"],
        "TH",
        FACTS["source"],
        dt.date(2026, 10, 1),
    )


@pytest.mark.parametrize(
    ("field", "typed", "vietnamese"),
    [
        # Not an option of the select (a hand-made request, an old page): the rules refuse it.
        ("owner_country", "ZZ", "không phải mã quốc gia"),
        ("owner_country", "EU", "không phải mã quốc gia"),
        ("checked_on", "1/10/2026", "YYYY-MM-DD"),
    ],
)
def test_bad_company_facts_are_refused_under_their_field(
    staff, db_session, field, typed, vietnamese
) -> None:
    response = post(staff, f"{BASE}/companies/new?lang=vi", {**FACTS, field: typed})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The message is the field's own, right after its input, in Vietnamese.
    after_field = html[html.index(f'id="{field}"') :]
    error = after_field[: after_field.index("</div>")]
    assert 'class="error"' in error and vietnamese in error
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_the_brand_and_product_forms_set_a_category(staff, db_session) -> None:
    company_id = add_company(staff)
    page = staff.get(f"{BASE}/companies/{company_id}?lang=vi").get_data(as_text=True)
    assert '<option value="seasonings">Nước mắm, nước chấm và gia vị</option>' in page
    response = post(
        staff,
        f"{BASE}/companies/{company_id}/brands",
        {"brand-name": "Sao Mai", "brand-category": "seasonings"},
    )
    assert response.status_code == 303, text_of(response)
    brand = db_session.scalar(sa.select(Brand))
    assert brand.category == "seasonings"

    post(staff, f"{BASE}/companies/{company_id}/prefixes", {"prefix-prefix": "8930002"})
    response = post(
        staff,
        f"{BASE}/companies/{company_id}/products",
        {
            "product-gtin": GTIN,
            "product-name": "Tương ớt Sao Mai",
            "product-brand_id": str(brand.id),
            "product-category": "instant_food",
        },
    )
    assert response.status_code == 303, text_of(response)
    assert db_session.scalar(sa.select(Product.category)) == "instant_food"
    page = text_of(staff.get(f"{BASE}/companies/{company_id}?lang=vi"))
    assert "Mì ăn liền và thực phẩm chế biến sẵn" in page


def test_renaming_a_brand_keeps_its_category(staff, db_session) -> None:
    brand = stored_company(db_session).brands[0]
    # Renaming as a browser sends the form: the category it shows goes back with it.
    edit = staff.get(f"{BASE}/brands/{brand.id}/edit").get_data(as_text=True)
    values = form_values(edit, "brand-form")
    values["name"] = "Sao Mai Xanh"
    response = post(staff, f"{BASE}/brands/{brand.id}/edit", values)
    assert response.status_code == 303, text_of(response)
    brand = fresh(db_session, Brand, brand.id)
    assert (brand.name, brand.category) == ("Sao Mai Xanh", "seasonings")


def test_an_unknown_category_is_refused_under_the_select(staff, db_session) -> None:
    brand = stored_company(db_session).brands[0]
    # No option offers it (a hand-made request, an old page): the rules refuse it, in Vietnamese.
    response = post(
        staff, f"{BASE}/brands/{brand.id}/edit?lang=vi", {"name": "Sao Mai 2", "category": "milk"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    after_field = html[html.index('id="category"') :]
    assert "không nằm trong danh sách" in after_field[: after_field.index("</div>")]
    assert fresh(db_session, Brand, brand.id).name == "Sao Mai"


def test_editing_a_product_keeps_its_category_until_it_is_set_back_to_the_brands(
    staff, db_session
) -> None:
    company = stored_company(db_session)
    product = db_session.scalar(sa.select(Product))
    edit = staff.get(f"{BASE}/products/{product.id}/edit").get_data(as_text=True)
    values = form_values(edit, "product-form")
    values["name"] = "Tương ớt Sao Mai 250 g"
    response = post(staff, f"{BASE}/products/{product.id}/edit", values)
    assert response.status_code == 303, text_of(response)
    product = fresh(db_session, Product, product.id)
    assert (product.name, product.category) == ("Tương ớt Sao Mai 250 g", "instant_food")

    # "— the brand's —": the product takes its brand's category again, and the page says so.
    values["category"] = ""
    post(staff, f"{BASE}/products/{product.id}/edit", values)
    assert fresh(db_session, Product, product.id).category is None
    page = text_of(staff.get(f"{BASE}/companies/{company.id}?lang=en"))
    assert "Fish sauce, sauces and seasonings (the brand’s)" in page


def test_history_tells_the_new_facts_in_words(staff, db_session) -> None:
    company_id = add_company(staff)
    edit = staff.get(f"{BASE}/companies/{company_id}/edit").get_data(as_text=True)
    values = {**form_values(edit, "company-form"), "owner_country": "JP", "checked_on": ""}
    post(staff, f"{BASE}/companies/{company_id}/edit", values)
    post(
        staff,
        f"{BASE}/companies/{company_id}/brands",
        {"brand-name": "Sao Mai", "brand-category": "seasonings"},
    )
    page = text_of(staff.get(f"{BASE}/companies/{company_id}?lang=en"))
    history = page[page.index("History") :]
    assert "Country of that group: Thailand → Japan" in history
    assert "Checked on: 01/10/2026 → —" in history
    assert "Category: Fish sauce, sauces and seasonings" in history
    assert "Where its goods are made: Bình Dương; Long An" in history
