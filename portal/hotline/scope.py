"""Who acts for which unit, and the blueprints the feature's views fill.

A unit (``district``, ``street:<sid>``, ``community:<cid>``, ``grid:<cid>:<gid>``,
``dept:<id>``) comes from the signed-in user: the district admin, a street or community
admin by their scope, a department liaison by their department, a member or volunteer by
their 网格员 / 网格长 appointments. An order outside every unit of the user is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from .. import auth, store

bp = Blueprint("hotline", __name__, template_folder="templates", url_prefix="/portal/hotline")
public_bp = Blueprint(
    "hotline_public", __name__, template_folder="templates", url_prefix="/portal/hotline/s"
)
GRID_ROLES = ("grid_worker", "grid_leader")
OPEN_TO_STEWARDS = ("hotline.from_finding",)
ADMIN_UNITS = {
    "district_admin": "district",
    "street_admin": "street",
    "community_admin": "community",
}


def user_units(user: dict | None) -> list[tuple[str, str]]:
    """(unit, name) the user handles orders for; read once per request."""
    if not user:
        return []
    if "hotline_units" in g:
        return g.hotline_units
    role, scope = user["role"], user.get("scope")
    units: list[tuple[str, str]] = []
    if role == "district_admin":
        units = [("district", "区级（东城区）")]
    elif role == "street_admin" and scope:
        units = [(f"street:{scope}", _street_name(scope))]
    elif role == "community_admin" and scope:
        units = [(f"community:{scope}", _community_name(scope))]
    elif role == "dept_liaison" and scope:
        units = [(f"dept:{scope}", _dept_name(scope))]
    elif role in ("member", "volunteer"):
        for row in store.appointments_of(user["uid"]):
            if row["role"] in GRID_ROLES and row["scope"] == "community":
                grids = store.grid_structure(row["scope_id"])["grid"]
                for gid in row["targets"]:
                    if gid in grids:
                        name = f"{_community_name(row['scope_id'])} · {grids[gid]['name']}"
                        units.append((f"grid:{row['scope_id']}:{gid}", name))
    g.hotline_units = sorted(set(units))
    return g.hotline_units


@bp.app_template_global("hotline_units")
def current_units() -> list[tuple[str, str]]:
    """For the nav and the member home: the units the signed-in user handles orders for."""
    return user_units(g.get("user"))


def _street_name(sid: str) -> str:
    try:
        return store.get_street(sid)["name"]
    except store.NotFound:
        return sid


def _community_name(cid: str) -> str:
    try:
        return store.get_community(cid)["name"]
    except store.NotFound:
        return cid


def _dept_name(dept: str) -> str:
    try:
        return store.get_department(dept)["name"]
    except store.NotFound:
        return dept


def unit_name(unit: str | None) -> str:
    """A unit as people call it: 东四街道, 测试甲社区 · 北片网格, 园林绿化 …"""
    if not unit:
        return "—"
    kind, _, rest = unit.partition(":")
    if kind == "district":
        return "区级"
    if kind == "street":
        return _street_name(rest)
    if kind == "community":
        return _community_name(rest)
    if kind == "dept":
        return _dept_name(rest)
    cid, _, gid = rest.partition(":")
    grid = store.grid_structure(cid)["grid"].get(gid) if store.valid_id(cid) else None
    return f"{_community_name(cid)} · {grid['name'] if grid else '网格'}"


@bp.before_request
@auth.login_required
def _handlers_only():
    """Only someone who handles orders for a unit gets in (the intake views may narrow);
    a 小巷管家 turning their own finding into an order is checked by the store."""
    if request.endpoint in OPEN_TO_STEWARDS:
        return
    if not user_units(g.user):
        abort(403)


def chosen_unit(wanted: str | None) -> str:
    """The unit asked for (a list's ``?unit=``) if it is the user's, else their first."""
    units = [u for u, _n in user_units(g.user)]
    if wanted and wanted in units:
        return wanted
    if wanted:
        abort(404)
    return units[0]


def order_or_404(oid: str) -> tuple[dict, str]:
    """The order and the user's unit that sees it (the one holding it when they have it)."""
    try:
        order = store.get_hotline_order(oid)
    except store.NotFound:
        abort(404)
    units = [u for u, _n in user_units(g.user) if store.hotline_in_scope(order, u)]
    if not units:
        abort(404)
    return order, (order["holder"] if order["holder"] in units else units[0])


def actor() -> dict:
    return {"uid": g.user["uid"], "name": g.user["name"], "role": g.user["role"]}
