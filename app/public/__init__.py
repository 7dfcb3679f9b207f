"""Shoppers' pages: scanning and verdicts (views), reports and tracking (reports), the
catalogue of the registry: brand directory, company, brand and product pages (catalogue)."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from app.public import catalogue, reports, views  # noqa: E402, F401  (routes register on import)
