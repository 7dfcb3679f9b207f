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


@pytest.fixture
def sample_registry(db_session):
    """The bundled sample registry, imported as ``flask registry load-sample`` does."""
    text = resources.files("barcode_db").joinpath("data/sample_registry.csv").read_text("utf-8")
    rows, errors = read_rows(text)
    assert not errors
    report = import_registry(db_session, rows, is_sample=True)
    assert report.ok, report.errors
    db_session.commit()
    return report
