"""Shoppers' pages: scanning and verdicts (views), reports and tracking (reports)."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from app.public import reports, views  # noqa: E402, F401  (routes register on import)
