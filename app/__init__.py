"""Hàng Việt: the Flask application factory."""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure(app, config)
    configure_logging(app)
    register_observability(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    serve_static_files(app)
    trust_proxies(app)
    # What start-up made (modules, templates, the prefix and area tables) lives as long as the
    # process: move it out of the garbage collector's full sweeps, which otherwise walk it all
    # again and again and stall requests that make many objects (a survey's results: 100 ms+).
    gc.freeze()
    return app


def serve_static_files(app: Flask) -> None:
    from app import static_files

    static_files.init_app(app)


def trust_proxies(app: Flask) -> None:
    """Behind nginx, the client address (rate limits) and scheme come from X-Forwarded-*."""
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    from app.config import default_config, from_environment

    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_prefixed_env()
    app.config.from_mapping(from_environment())
    if overrides:
        app.config.from_mapping(overrides)
    if app.config["ENV_NAME"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production (see .env.example).")
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def _instance_secret(path: Path) -> str:
    """A development secret kept in the instance folder, shared by all local workers."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        os.chmod(path, 0o600)
    return path.read_text(encoding="utf-8").strip()


def configure_logging(app: Flask) -> None:
    """Text or JSON lines (LOG_FORMAT), each with its request id (app/observability.py)."""
    from app import observability

    observability.configure_logging(app)


def register_observability(app: Flask) -> None:
    """Request ids, request metrics and /metrics (app/observability.py)."""
    from app import observability

    observability.init_app(app)


def register_extensions(app: Flask) -> None:
    from app import campaign, i18n, input_guard, security
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    # Before CSRFProtect (registered below), which reads the body: per-endpoint size limits.
    app.before_request(apply_body_limit)
    # Then the one check of every text input (before CSRF and the views read the form).
    input_guard.init_app(app)
    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=True, directory=str(Path(app.root_path).parent / "migrations")
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)  # time zone: BABEL_DEFAULT_TIMEZONE
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    security.init_app(app)
    i18n.init_app(app)
    campaign.init_app(app)


def apply_body_limit() -> None:
    from flask import current_app, request

    limit = current_app.config["BODY_LIMITS"].get(request.endpoint)
    if limit is not None:
        request.max_content_length = limit


def register_converters(app: Flask) -> None:
    """``<int:…>`` in a route is a database id: ASCII digits and at most 2³¹ − 1 (a bigger
    number, or "²", is a 404 like any other address that names nothing, never a 500)."""
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        regex = r"[0-9]{1,10}"

        def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from app.api.views import api
    from app.api.views import blueprint as api_blueprint
    from app.auth.views import blueprint as auth
    from app.extensions import csrf
    from app.inspect import blueprint as inspect
    from app.jobs import blueprint as jobs
    from app.public import blueprint as public
    from app.registry_admin import blueprint as registry_admin
    from app.reports import blueprint as reports
    from app.staff import blueprint as staff
    from app.surveys import blueprint as surveys

    app.register_blueprint(public)
    app.register_blueprint(auth, url_prefix="/staff")
    app.register_blueprint(staff, url_prefix="/staff")
    app.register_blueprint(registry_admin, url_prefix="/staff/registry")
    app.register_blueprint(inspect, url_prefix="/inspect")
    app.register_blueprint(jobs, url_prefix="/staff/jobs")
    app.register_blueprint(reports, url_prefix="/reports")
    # Public pages under /s/ (the short link of a survey), staff pages under /staff/surveys.
    app.register_blueprint(surveys)
    # The JSON API takes no cookies and changes nothing on a user's behalf, so it needs no CSRF
    # token; it is rate-limited like the public forms.
    csrf.exempt(api_blueprint)
    api.init_app(app, spec_kwargs=api_spec_options())
    csrf.exempt(app.blueprints["api-docs"])
    api.register_blueprint(api_blueprint, url_prefix="/api")


def api_spec_options() -> dict[str, Any]:
    """The OpenAPI document's header (flask-smorest builds the rest from the schemas)."""
    return {
        "info": {
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "description": "Checks a product barcode: check digit, GS1 prefix, the trusted-brand "
            "registry and the label's claims. A GS1 prefix says where a number was "
            "licensed, not where goods were made; a barcode check cannot prove a "
            "product genuine or fake. The registry is published as open data under the "
            "licence CC BY 4.0: GET /api/v1/catalogue (JSON pages) and "
            "/api/v1/catalogue.csv (the import format of `flask registry import`).",
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token made by an administrator (hv_...).",
                }
            }
        },
    }


def register_error_handlers(app: Flask) -> None:
    from app import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from app import cli

    cli.init_app(app)
