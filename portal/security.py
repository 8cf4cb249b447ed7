"""CSRF on every state-changing request, and security headers on every response."""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

csrf = CSRFProtect()

# A session's signed CSRF token, reused by this process for TOKEN_REUSE_SECONDS: signing
# it (an HMAC over a timestamped value) is a noticeable part of a signed-in page, and a
# token signed a few minutes ago is as good as a new one (it stays valid for
# WTF_CSRF_TIME_LIMIT from its own timestamp). Keyed by the secret too, so a new key
# never serves a token signed with the old one.
TOKEN_REUSE_SECONDS = 300
_MAX_REUSED = 20_000
_signed_tokens: dict[tuple, tuple[str, float]] = {}

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


def _reuse_signed_token() -> None:
    """Hand Flask-WTF this session's signed token from the cache (it keeps the request's
    token in ``g.csrf_token``, documented for tests), or sign one and remember it."""
    raw = session.get("csrf_token")
    if not raw:
        return  # no form shown to this browser yet: Flask-WTF makes one when needed
    key = (raw, current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key)
    now = time.monotonic()
    hit = _signed_tokens.get(key)
    if hit is not None and now - hit[1] < TOKEN_REUSE_SECONDS:
        g.csrf_token = hit[0]
        return
    if len(_signed_tokens) >= _MAX_REUSED:
        _signed_tokens.clear()
    _signed_tokens[key] = (generate_csrf(), now)


def register(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_reuse_signed_token)
    app.after_request(_headers)
