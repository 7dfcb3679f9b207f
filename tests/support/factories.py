"""Small factories with defaults, building parents when not given."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from itertools import count

import pytest

from barcode_db.gtin import check_digit
from barcode_db.importer import import_registry, read_rows
from barcode_db.models import Brand, Certification, Company, CompanyPrefix, Product, Programme
from barcode_db.registry import bump_registry_version
from barcode_db.textkey import match_key, search_key

_numbers = count(1)


def with_check_digit(payload: str) -> str:
    """A GTIN made valid by appending its check digit."""
    return payload + str(check_digit(payload))


class RegistryFactory:
    """Registry rows, committed so that requests (each with its own session) see them."""

    def __init__(self, session) -> None:
        self.session = session

    def _changed(self) -> None:
        bump_registry_version(self.session)
        self.session.commit()

    def company(
        self,
        name: str | None = None,
        *,
        prefix: str | None = None,
        brands: tuple[str, ...] = (),
        code: str | None = None,
        province_code: str | None = "79",
        is_sample: bool = False,
    ) -> Company:
        n = next(_numbers)
        name = name or f"Công ty Thử nghiệm {n}"
        company = Company(
            code=code or f"T{n:04d}",
            name=name,
            name_key=search_key(name),
            address="",
            province_code=province_code,
            website="",
            is_sample=is_sample,
        )
        self.session.add(company)
        self.session.flush()
        if prefix:
            self.session.add(CompanyPrefix(prefix=prefix, company_id=company.id))
        for brand in brands:
            self.brand(company, brand)
        self._changed()
        return company

    def brand(self, company: Company, name: str) -> Brand:
        brand = Brand(company_id=company.id, name=name, name_key=match_key(name))
        self.session.add(brand)
        self._changed()
        return brand

    def product(
        self, company: Company, gtin: str, name: str = "Sản phẩm thử", brand: Brand | None = None
    ) -> Product:
        product = Product(
            gtin=gtin.zfill(14),
            name=name,
            company_id=company.id,
            brand_id=brand.id if brand else None,
        )
        self.session.add(product)
        self._changed()
        return product

    def certification(
        self,
        company: Company,
        programme: Programme = Programme.HVNCLC,
        *,
        year: int = 2025,
        valid_until: dt.date | None = None,
        stars: int | None = None,
    ) -> Certification:
        cert = Certification(
            company_id=company.id,
            programme=programme,
            year=year,
            valid_until=valid_until,
            stars=stars,
            subject_key="",
            evidence_ref="test",
        )
        self.session.add(cert)
        self._changed()
        return cert


@pytest.fixture
def registry(db_session) -> RegistryFactory:
    return RegistryFactory(db_session)


#: The day the sample registry's certification dates were written for: tests that load it see
#: this day as today, so that what they expect of its certifications (most current until
#: 31/12/2026, one ended) holds whatever the wall clock says.
SAMPLE_TODAY = dt.date(2026, 11, 27)


def freeze_today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Make ``app.clock.local_today`` answer ``day`` everywhere, in the modules that imported it
    by name too (the web layer's one reading of the date; the cores are given it) — unless the
    test travels in time (time_machine): then it has chosen its clock, and that one answers."""
    import sys

    import time_machine

    import app.clock

    current = app.clock.local_today

    def today() -> dt.date:
        return current() if time_machine.escape_hatch.is_travelling() else day

    for module in list(sys.modules.values()):
        if getattr(module, "local_today", None) is current:
            monkeypatch.setattr(module, "local_today", today)


@pytest.fixture
def sample_registry(db_session, monkeypatch):
    """The bundled sample registry, imported as ``flask registry load-sample`` does, on the day
    its certification dates were written for (:data:`SAMPLE_TODAY`)."""
    freeze_today(monkeypatch, SAMPLE_TODAY)
    text = resources.files("barcode_db").joinpath("data/sample_registry.csv").read_text("utf-8")
    rows, errors = read_rows(text)
    assert not errors
    report = import_registry(db_session, rows, is_sample=True)
    assert report.ok, report.errors
    db_session.commit()
    return report


PASSWORD = "correct horse battery"


class UserFactory:
    def __init__(self, session) -> None:
        self.session = session

    def __call__(
        self,
        role: str = "staff",
        *,
        username: str | None = None,
        province_code: str | None = "79",
        communes: tuple[str, ...] = (),
        name: str | None = None,
    ):
        from complaints.accounts import Role, User

        n = next(_numbers)
        user = User(
            username=username or f"{role}{n}",
            name=name or f"Cán bộ {n}",
            role=Role(role),
            province_code=province_code,
            commune_codes=list(communes),
        )
        user.set_password(PASSWORD)
        self.session.add(user)
        self.session.commit()
        return user


@pytest.fixture
def make_user(db_session) -> UserFactory:
    return UserFactory(db_session)


def login(client, user, password: str = PASSWORD):
    """Sign in through the real form, as a person would."""
    from tests.support.forms import REFERER, hidden_value

    page = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "username": user.username,
            "password": password,
        },
        headers=REFERER,
    )


class ComplaintFactory:
    """Complaints inserted directly (the report form has its own tests)."""

    def __init__(self, session) -> None:
        self.session = session

    def __call__(
        self,
        *,
        status: str = "NEW",
        province_code: str = "79",
        commune_code: str | None = None,
        gtin: str | None = None,
        store_name: str = "",
        category: str = "counterfeit",
        description: str = "Hàng có dấu hiệu làm giả.",
        product_name: str = "",
        verdict_level: str | None = None,
        created_at=None,
        contact_phone: str = "",
    ):
        from barcode_db.textkey import search_key
        from complaints.models import Complaint, ComplaintEvent, EventKind
        from complaints.operations import complaint_search_text
        from complaints.tracking import new_tracking_code
        from complaints.workflow import Category, Status

        complaint = Complaint(
            tracking_code=new_tracking_code(),
            status=Status(status),
            category=Category(category),
            province_code=province_code,
            commune_code=commune_code,
            gtin=gtin.zfill(14) if gtin else None,
            code_seen=gtin or "",
            store_name=store_name,
            store_name_key=search_key(store_name),
            description=description,
            product_name=product_name,
            verdict_level=verdict_level,
            anonymous=not contact_phone,
            contact_phone=contact_phone,
            contact_name="Trần Thị Bình" if contact_phone else "",
        )
        if created_at is not None:
            complaint.created_at = created_at
        complaint.search_text = complaint_search_text(complaint)
        self.session.add(complaint)
        self.session.flush()
        self.session.add(
            ComplaintEvent(
                complaint_id=complaint.id,
                kind=EventKind.FILED,
                to_status=Status.NEW,
                created_at=complaint.created_at or dt.datetime.now(dt.UTC),
            )
        )
        self.session.commit()
        return complaint


@pytest.fixture
def make_complaint(db_session) -> ComplaintFactory:
    return ComplaintFactory(db_session)
