"""The survey fixtures (``catalogue``, ``make_survey``) live in tests/support/surveys.py, loaded
for every test by the root conftest; the constants are re-exported here for older imports."""

from tests.support.surveys import NOW, TODAY

__all__ = ["NOW", "TODAY"]
