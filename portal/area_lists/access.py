"""Who may see and change which area's lists, the area of a URL, and the audit entry.

An *area* in a URL is ``district`` (the district's lists) or a street's id (that street's).
"""

from __future__ import annotations

from flask import abort, g, request

from .. import store

DISTRICT = "district"
# What a list page may show: the area's own rows, or with them the rows of the level below.
SHOW_OWN, SHOW_BELOW = "own", "below"


def level_scope(area: str) -> tuple[str, str]:
    """(level, scope) of the URL's area; 404 for an unknown street."""
    if area == DISTRICT:
        return "district", DISTRICT
    try:
        store.get_street(area)
    except store.NotFound:
        abort(404)
    return "street", area


def user_street(user: dict) -> str | None:
    """The street of a street admin, or of a community admin's community."""
    if user["role"] == "street_admin":
        return user.get("scope")
    if user["role"] == "community_admin":
        try:
            return store.get_community(user.get("scope") or "")["street_id"]
        except store.NotFound:
            return None
    return None


def can_manage(user: dict, level: str, scope: str) -> bool:
    """A street admin manages their street's lists; a district admin the district's."""
    role = user["role"]
    if level == "district":
        return role == "district_admin"
    return role == "street_admin" and user.get("scope") == scope


def can_view(user: dict, level: str, scope: str) -> bool:
    """Read-only: district admins every street's lists; street admins the district's;
    community admins their own street's."""
    role = user["role"]
    if can_manage(user, level, scope) or role == "district_admin":
        return True
    if level == "district":
        return role == "street_admin"
    return user_street(user) == scope


def sees_below(user: dict, level: str, scope: str) -> bool:
    """Whether the rows of the level below (a street's communities', every street's for
    the district) are shown too: only to those who administer all of them, the district's
    admins and the street's own admin."""
    if user["role"] == "district_admin":
        return True
    return level == "street" and user["role"] == "street_admin" and user.get("scope") == scope


def viewable_areas(user: dict) -> list[dict]:
    """The areas whose lists the user may open: {area, level, scope, name}."""
    rows = []
    if can_view(user, "district", DISTRICT):
        rows.append({"area": DISTRICT, "level": "district", "scope": DISTRICT, "name": "东城区"})
    for street in store.list_streets():
        if can_view(user, "street", street["id"]):
            rows.append(
                {
                    "area": street["id"],
                    "level": "street",
                    "scope": street["id"],
                    "name": street["name"],
                }
            )
    return rows


def area_or_404(area: str, manage: bool = False) -> dict:
    """The area's context for the views: {area, level, scope, name, level_name, manage,
    below, show}. 404 when the user may not see it; 403 when ``manage`` is asked of a
    user who may only read it."""
    level, scope = level_scope(area)
    user = g.user
    if not can_view(user, level, scope):
        abort(404)
    allowed = can_manage(user, level, scope)
    if manage and not allowed:
        abort(403)
    below = sees_below(user, level, scope)
    show = request.args.get("show", SHOW_OWN)
    if show != SHOW_BELOW or not below:
        show = SHOW_OWN
    return {
        "area": area,
        "level": level,
        "scope": scope,
        "name": store.area_scope_name(level, scope),
        "level_name": store.AREA_LEVEL_NAMES[level],
        "manage": allowed,
        "below": below,
        "show": show,
    }


def audit(ctx: dict, action: str, target: str, before=None, after=None) -> None:
    """Record a change of a street's (read by its street's admins and the district's) or
    the district's lists (read by the district's admins)."""
    store.record_audit(
        g.user,
        action,
        street_id=ctx["scope"] if ctx["level"] == "street" else None,
        target=f"{ctx['name']}{ctx['level_name']}{target}",
        before=before,
        after=after,
    )


def or_404(call):
    """``call()``, with a row outside the admin's scope (the store's NotFound: another
    street's item named by hand) answered as a 404 rather than flashed as a refusal."""
    try:
        return call()
    except store.NotFound:
        abort(404)
