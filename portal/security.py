"""CSRF on every state-changing request, and security headers on every response."""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# Portal pages run no inline script and load nothing from other hosts.
PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
# The KB is Material's output, which carries small inline scripts of its own;
# it still may load nothing from another host.
KB_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; object-src 'none'"
)


def _headers(response):
    portal = request.path.startswith("/portal")
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PORTAL_CSP if portal else KB_CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY" if portal else "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if portal and request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response


def register(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)
