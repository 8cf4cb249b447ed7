"""Who is asking: the logged-in user, role checks and admin scopes."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import store

ADMIN_ROLES = ("community_admin", "street_admin", "district_admin")
ROLE_NAMES = {
    "member": "在职党员",
    "volunteer": "志愿者",
    "community_admin": "社区管理员",
    "street_admin": "街道管理员",
    "district_admin": "区级管理员",
    "dept_liaison": "部门联络员",
    # Appointed roles (任命, on top of a member's or volunteer's own role): the name an
    # audit entry or a timeline shows when someone acts in that capacity.
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "building_head": "楼门院长",
    "lane_steward": "小巷管家",
    "community_liaison": "社区专员",
}


def _load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid:
        try:
            user = store.get_user(uid)
        except store.NotFound:
            session.clear()
            return
        # The session must still be live on the server: logout, 退出所有设备, a new
        # password and disabling end it there, and a copy of the cookie with it.
        if user.get("disabled") or not store.session_is_live(user, session.get("sid")):
            session.clear()
            return
        g.user = user


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, signed by a serializer built once per key, and
    re-signed only when something changed or the cookie is older than REFRESH_AFTER.

    Flask builds a new serializer (and probes it with a trial dump) twice a request, and
    re-signs a permanent session on every response so that its expiry slides. The cookie,
    its signature and its lifetime stay exactly Flask's; only the slide moves in steps of
    REFRESH_AFTER (seconds, config SESSION_REFRESH_AFTER) instead of on every click — a
    7-day session then ends between 7 days and 7 days minus that step after the last
    visit. Whether a session is still live is decided on the server (``_load_user``)."""

    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] = ((), None)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built_for, serializer = self._built
        if built_for != keys or serializer is None:
            serializer = super().get_signing_serializer(app)
            self._built = (keys, serializer)
        return serializer

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at  # type: ignore[attr-defined]
        return opened

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        age = (datetime.now(UTC) - signed_at).total_seconds()
        return age >= app.config.get("SESSION_REFRESH_AFTER", 600)


def login(user: dict) -> None:
    """Start a new server-side session for the user in this browser."""
    token, _user = store.start_session(user["uid"])
    session.clear()
    session.permanent = True
    session["uid"] = user["uid"]
    session["sid"] = token


def logout(everywhere: bool = False) -> None:
    """End this browser's session (or every session of the user) on the server, too."""
    user, token = g.get("user"), session.get("sid")
    if user is not None:
        try:
            if everywhere:
                store.end_all_sessions(user["uid"])
            elif token:
                store.end_session(user["uid"], token)
        except store.NotFound:
            pass
    session.clear()


def client_address() -> str:
    """The client's address: the connection's, or the proxy's word for it (PROXY_HOPS)."""
    return request.remote_addr or "unknown"


def safe_next(default: str) -> str:
    """The ``next`` target only if it stays on this site (no scheme, no host)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default


def login_required(view):
    """Send anonymous visitors to the login page, then back."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            flash("请先登录。", "info")
            return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles):
    """Logged in and with one of these roles, else 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_admin_community(user: dict | None, community: dict) -> bool:
    """Whether this user administers this community (own community, street or district)."""
    if not user:
        return False
    role, scope = user["role"], user.get("scope")
    return (
        role == "district_admin"
        or (role == "street_admin" and scope == community["street_id"])
        or (role == "community_admin" and scope == community["id"])
    )


def admin_community_or_404(cid: str) -> dict:
    """The community if the current admin may manage it; 404 otherwise (no hint it exists)."""
    try:
        community = store.get_community(cid)
    except store.NotFound:
        abort(404)
    if not can_admin_community(g.user, community):
        abort(404)
    return community


def communities_in_scope(user: dict) -> list[dict]:
    role, scope = user["role"], user.get("scope")
    if role == "district_admin":
        return store.list_communities()
    if role == "street_admin":
        return store.list_communities(scope)
    if role == "community_admin":
        return [c for c in store.list_communities() if c["id"] == scope]
    return []


def register(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.before_request(_load_user)
