"""The registry admin: staff keep the trusted-brand registry and import the association's list."""

from flask import Blueprint

blueprint = Blueprint("registry_admin", __name__)

from app.registry_admin import views  # noqa: E402, F401  (routes register on import)
