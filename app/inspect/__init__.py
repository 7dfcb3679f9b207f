"""Market inspectors: the case list, exports (CSV, XLSX, PDF case files), recording outcomes."""

from flask import Blueprint

blueprint = Blueprint("inspect", __name__)

from app.inspect import views  # noqa: E402, F401  (routes register on import)
