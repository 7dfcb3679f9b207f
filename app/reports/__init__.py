"""Reports to the province: the figures of a quarter, half-year or year as a page, PDF and XLSX."""

from flask import Blueprint

blueprint = Blueprint("reports", __name__)

from app.reports import views  # noqa: E402, F401  (routes register on import)
