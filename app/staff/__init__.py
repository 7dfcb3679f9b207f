"""Association staff: the complaint queue, complaint pages, duplicates, signals, templates."""

from flask import Blueprint

blueprint = Blueprint("staff", __name__)

from app.staff import views  # noqa: E402, F401  (routes register on import)
