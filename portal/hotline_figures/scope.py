"""Whose figures a signed-in user may see, as hotline units (``district``, ``street:<sid>``,
``community:<cid>``, ``dept:<id>``), and the month asked for.

The district admin sees every unit; a street admin its street and the street's
communities; a community admin its community; a department liaison its department.
Any other unit, or one that does not exist, is a 404 — the same answer, so that a URL
tells nothing about another street.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, g, request, url_for

from .. import store
from ..templating import fixed_url

FIGURE_ROLES = ("district_admin", "street_admin", "community_admin", "dept_liaison")
AREA_ROLES = ("district_admin", "street_admin")
STAFF_ROLES = ("district_admin", "street_admin", "community_admin")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_PLAIN = re.compile(r"[A-Za-z0-9._~:-]+\Z")  # query values url_for leaves as they are


def link(endpoint: str, path: tuple[tuple[str, str], ...] = (), **args: str | None) -> str:
    """``url_for(endpoint, **dict(path), **args)`` for the figures' links: the path (with
    the ``path`` arguments, e.g. an export's kind and format) is built once per app, the
    query (unit, month, sort …; None leaves one out) here, the same text ``url_for``
    writes. A value it would quote goes through ``url_for`` itself. A 三率 page has a
    dozen such links: a ``url_for`` each was a tenth of its time."""
    given: dict[str, Any] = {k: v for k, v in args.items() if v is not None}
    if not all(isinstance(v, str) and _PLAIN.match(v) for v in given.values()):
        return url_for(endpoint, **{**dict(path), **given})
    paths = current_app.extensions.setdefault("hotline_figure_paths", {})
    key = (request.script_root, endpoint, path)
    base = paths.get(key)
    if base is None:
        values: dict[str, Any] = dict(path)
        base = paths[key] = url_for(endpoint, **values) if path else fixed_url(endpoint)
    query = "&".join(f"{k}={v}" for k, v in given.items())
    return base + ("?" + query if query else "")


def own_unit(user: dict) -> str:
    """The unit a user's figures open on."""
    role, scope = user["role"], user.get("scope")
    if role == "district_admin":
        return "district"
    kind = {"street_admin": "street", "community_admin": "community", "dept_liaison": "dept"}
    if role not in kind or not scope:
        abort(403)
    return f"{kind[role]}:{scope}"


def _exists(unit: str) -> bool:
    kind, _, ident = unit.partition(":")
    if unit == "district":
        return True
    try:
        if kind == "street":
            store.get_street(ident)
        elif kind == "community":
            store.get_community(ident)
        elif kind == "dept":
            store.get_department(ident)
        else:
            return False
    except store.NotFound:
        return False
    return True


def may_see(user: dict, unit: str) -> bool:
    mine = own_unit(user)
    if mine == "district" or unit == mine:
        return True
    if mine.startswith("street:") and unit.startswith("community:"):
        community = store.community_index().get(unit.partition(":")[2])
        return community is not None and f"street:{community['street_id']}" == mine
    return False


def chosen_unit() -> str:
    """``?unit=`` when the user may see it (else 404), or the user's own unit."""
    wanted = request.args.get("unit") or own_unit(g.user)
    if not _exists(wanted) or not may_see(g.user, wanted):
        abort(404)
    return wanted


def chosen_month() -> str:
    month = request.args.get("month") or store.now().strftime("%Y-%m")
    if not MONTH_RE.match(month):
        abort(404)
    return month


def area_of(unit: str) -> tuple[str | None, str | None]:
    """(street id, community id) of a unit for hot spots; None = every."""
    kind, _, ident = unit.partition(":")
    if kind == "street":
        return ident, None
    if kind == "community":
        return store.get_community(ident)["street_id"], ident
    return None, None


def unit_label(unit: str) -> str:
    """A unit as people call it: 东城区, 东四街道, 测试甲社区, a department's name."""
    kind, _, ident = unit.partition(":")
    try:
        if unit == "district":
            return "东城区（全区）"
        if kind == "street":
            return store.get_street(ident)["name"]
        if kind == "community":
            return store.get_community(ident)["name"]
        if kind == "dept":
            return store.get_department(ident)["name"]
        if kind == "grid":
            cid, _, gid = ident.partition(":")
            grid = store.grid_structure(cid)["grid"].get(gid) if store.valid_id(cid) else None
            return f"{store.get_community(cid)['name']} · {grid['name'] if grid else '网格'}"
    except store.NotFound:
        pass
    return ident or unit


def category_label(category: str) -> str:
    found = store.hotline_config()["category_by_id"].get(category)
    return found["name"] if found else category


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def actor() -> dict:
    return {"uid": g.user["uid"], "name": g.user["name"], "role": g.user["role"]}
