"""小事不出网格: a need whose grid is known goes to that grid first.

A need created with a grid (from its building) has ``level`` ``grid``: the grid's 网格员
or 网格长 sees it, and either closes it in the grid or passes it up to the community
(``level`` ``community``, with a reason). Closing records the level it was closed at
(``closed_level``), so the month's figures tell how many needs were closed in the grid,
in the community, or passed on to the street (a whistle raised from them).
"""

from __future__ import annotations

from tinydb import Query

from .. import appointments
from .. import backend as docs
from ..base import NotFound, StoreError, community_key, now, stamp
from ..whistles import core as whistles
from . import needs

LEVEL_NAMES = {"grid": "网格", "community": "社区", "street": "街道（吹哨）"}


def grid_needs(cid: str, grid_ids) -> list[dict]:
    """The needs of these grids still at the grid's level (open first, newest first),
    and the ones the grid closed."""
    wanted = set(grid_ids)
    rows = [n for n in needs.list_needs(cid) if n.get("grid_id") in wanted]
    return sorted(rows, key=lambda n: (n["status"] == needs.DONE, n["created_at"]), reverse=False)


def _at_grid(need: dict) -> None:
    if need["status"] == needs.DONE:
        raise StoreError("这条需求已经办结。")
    if need.get("level", "community") != "grid":
        raise StoreError("这条需求已经转交社区处理。")


GRID_ROLES = ("grid_worker", "grid_leader")
_MISSING = "没有找到这条需求。"


def _holds_grid(roles_tables: dict, uid: str, grid_id: str | None) -> bool:
    """Whether ``uid`` holds an active 网格员/网格长 appointment covering ``grid_id``."""
    return any(
        row["uid"] == uid
        and row["role"] in GRID_ROLES
        and not row["revoked_at"]
        and grid_id in row["targets"]
        for row in roles_tables.get("appointments", {}).values()
    )


def _grid_change(cid: str, nid: str, by: str, change, appointed: bool) -> dict:
    """Apply ``change(need) -> fields`` to one need. With ``appointed`` the need's
    document and the community's appointments are locked together and ``by`` must hold
    a grid appointment covering the need's grid as stored now: a revocation racing the
    worker's action lands either before it (refused) or after it, never in between."""
    if not appointed:
        return docs.change_row(community_key(cid), "needs", nid, change, _MISSING)
    roles_key = appointments.scope_key("community", cid)
    with docs.transaction(roles_key, community_key(cid)) as (roles, main):
        rows = main.table("needs")
        found = rows.get(Query().id == nid)
        if found is None:
            raise NotFound(_MISSING)
        if not _holds_grid(roles.storage.read() or {}, by, found.get("grid_id")):
            raise StoreError("您已不再负责这个网格，不能处理这条需求。")
        fields = change(dict(found))
        rows.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def close_in_grid(
    cid: str, nid: str, by: str, note: str, at=None, *, appointed: bool = False
) -> dict:
    """The grid closes its need (from 待处理 or 处理中): 已办结, closed at the grid's level.
    ``appointed``: ``by`` acts as the grid's 网格员/网格长 (checked inside the write)."""
    note = needs._clean_note(note, True, "办结说明")
    at = at or now()

    def change(need):
        _at_grid(need)
        return {
            "status": needs.DONE,
            "closed_at": stamp(at),
            "closed_level": "grid",
            "updated_at": stamp(at),
            "evaluation": None,
            "notes": need["notes"] + [needs._note(by, f"网格内办结：{note}", needs.DONE, at)],
        }

    return _grid_change(cid, nid, by, change, appointed)


def pass_up(cid: str, nid: str, by: str, reason: str, at=None, *, appointed: bool = False) -> dict:
    """The grid cannot solve it: the community takes it over (the reason is kept).
    ``appointed`` as for ``close_in_grid``."""
    reason = needs._clean_note(reason, True, "转交原因")
    at = at or now()

    def change(need):
        _at_grid(need)
        return {
            "level": "community",
            "passed_up_at": stamp(at),
            "updated_at": stamp(at),
            "notes": need["notes"] + [needs._note(by, f"转交社区：{reason}", need["status"], at)],
        }

    return _grid_change(cid, nid, by, change, appointed)


def routing_figures(community: dict, month: str) -> dict:
    """Of the community's needs closed in ``month`` (YYYY-MM): how many were closed in the
    grid, in the community, and how many of its needs went on to the street as a whistle
    raised that month. {"grid", "community", "street", "closed", "grid_share"}."""
    return routing_by_month([community], [month])[community["id"]][month]


def _figures(in_grid: int, in_community: int, street: int) -> dict:
    total = in_grid + in_community + street
    return {
        "grid": in_grid,
        "community": in_community,
        "street": street,
        "closed": total,
        "grid_share": round(100 * in_grid / total) if total else None,
    }


def routing_by_month(communities: list[dict], months: list[str]) -> dict[str, dict]:
    """``routing_figures`` of each community for each month: {cid: {month: figures}}.
    Each community's needs and each street's whistles of those months are read once."""
    whistled: dict[tuple[str, str], set[str]] = {}  # (cid, month) -> need ids whistled
    for sid in sorted({c["street_id"] for c in communities}):
        for w in whistles.whistles_in([sid], months):
            month = whistles.month_of(w["id"])
            for ref in w.get("needs", []):
                whistled.setdefault((ref["community_id"], month), set()).add(ref["need_id"])
    out: dict[str, dict] = {}
    for community in communities:
        cid = community["id"]
        closed = needs.list_needs(cid, needs.DONE)
        out[cid] = {}
        for month in months:
            done = [n for n in closed if (n.get("closed_at") or "").startswith(month)]
            sent = whistled.get((cid, month), set())
            in_grid = sum(1 for n in done if n.get("closed_level") == "grid")
            in_community = sum(
                1 for n in done if n.get("closed_level") != "grid" and n["id"] not in sent
            )
            out[cid][month] = _figures(in_grid, in_community, len(sent))
    return out


def add_up_routing(rows: list[dict]) -> dict:
    """The sum of several ``routing_figures`` (a street's communities, a street's months)."""
    return _figures(
        sum(r["grid"] for r in rows),
        sum(r["community"] for r in rows),
        sum(r["street"] for r in rows),
    )
