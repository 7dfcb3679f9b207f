"""Fixtures of the survey tests: a small registry (two brands, three products), surveys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from barcode_db.models import Brand, Company, Product
from surveys.design import Design, create_survey
from surveys.models import Survey
from surveys.questions import Subject
from tests.support.factories import with_check_digit

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)


@dataclass
class Catalogue:
    company: Company
    milk: Brand
    sauce: Brand
    milk_a: Product
    milk_b: Product
    sauce_a: Product


@pytest.fixture
def catalogue(registry) -> Catalogue:
    company = registry.company("Công ty Sữa và Nước mắm", prefix="8930001")
    milk = registry.brand(company, "Sữa Quê")
    milk.category = "dairy"
    sauce = registry.brand(company, "Mắm Biển")
    sauce.category = "seasonings"
    milk_a = registry.product(company, with_check_digit("893000100001"), "Sữa tươi 1 L", milk)
    milk_b = registry.product(company, with_check_digit("893000100002"), "Sữa chua", milk)
    sauce_a = registry.product(company, with_check_digit("893000100003"), "Nước mắm 500 ml", sauce)
    registry.session.commit()
    return Catalogue(company, milk, sauce, milk_a, milk_b, sauce_a)


@pytest.fixture
def make_survey(db_session):
    def make(**changes) -> Survey:
        values = {
            "title": "Hài lòng với hàng Việt, quý 4/2026",
            "opens_on": dt.date(2026, 10, 1),
            "closes_on": dt.date(2026, 12, 31),
            "subject": Subject.GENERAL,
        }
        values.update(changes)
        survey = create_survey(db_session, Design(**values), actor="admin", now=NOW)
        db_session.commit()
        return survey

    return make
