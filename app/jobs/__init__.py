"""Background jobs: big exports, PDFs of many case files, report files (Huey; see queue.py)."""

from flask import Blueprint

blueprint = Blueprint("jobs", __name__)

from app.jobs import views  # noqa: E402, F401  (routes register on import)
