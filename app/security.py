"""Security headers, set in one place: a nonce-based CSP and friends; HSTS in production."""

from __future__ import annotations

import secrets

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            # 'wasm-unsafe-eval' lets the vendored ZXing WebAssembly scanner compile (no JS eval).
            f"script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


#: JSON runs no script and embeds nothing: the strictest policy, with no nonce to make.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def set_security_headers(response: Response) -> Response:
    if response.mimetype == "application/json":
        response.headers["Content-Security-Policy"] = JSON_CSP
    else:
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


#: Browsers come back over HTTPS only, for two years (production serves HTTPS only). Not
#: includeSubDomains: other hosts under the association's domain are not ours to commit.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"


def set_strict_transport_security(response: Response) -> Response:
    response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


class NoApiSessions(SecureCookieSessionInterface):
    """No cookie session under /api/: the API takes a bearer token or nothing, never a cookie
    (so it cannot be driven by a signed-in browser), and the hot path skips opening one."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)  # type: ignore[return-value]
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = NoApiSessions()
    app.after_request(set_security_headers)
    if app.config["ENV_NAME"] == "production":
        app.after_request(set_strict_transport_security)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
