"""小事不出网格: a need whose grid is known goes to that grid first.

A need created with a grid (from its building) has ``level`` ``grid``: the grid's 网格员
or 网格长 sees it, and either closes it in the grid or passes it up to the community
(``level`` ``community``, with a reason). Closing records the level it was closed at
(``closed_level``), so the month's figures tell how many needs were closed in the grid,
in the community, or passed on to the street (a whistle raised from them).
"""

from __future__ import annotations

from .. import backend as docs
from ..base import StoreError, community_key, now, stamp
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


def close_in_grid(cid: str, nid: str, by: str, note: str, at=None) -> dict:
    """The grid closes its need (from 待处理 or 处理中): 已办结, closed at the grid's level."""
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

    return docs.change_row(community_key(cid), "needs", nid, change, "没有找到这条需求。")


def pass_up(cid: str, nid: str, by: str, reason: str, at=None) -> dict:
    """The grid cannot solve it: the community takes it over (the reason is kept)."""
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

    return docs.change_row(community_key(cid), "needs", nid, change, "没有找到这条需求。")


def routing_figures(community: dict, month: str) -> dict:
    """Of the community's needs closed in ``month`` (YYYY-MM): how many were closed in the
    grid, in the community, and how many of its needs went on to the street as a whistle
    raised that month. {"grid", "community", "street", "closed", "grid_share"}."""
    cid = community["id"]
    closed = [
        n for n in needs.list_needs(cid, needs.DONE) if (n.get("closed_at") or "").startswith(month)
    ]
    in_grid = sum(1 for n in closed if n.get("closed_level") == "grid")
    whistled = {
        ref["need_id"]
        for w in whistles.whistles_in([community["street_id"]], [month])
        for ref in w.get("needs", [])
        if ref["community_id"] == cid
    }
    street = len(whistled)
    in_community = sum(
        1 for n in closed if n.get("closed_level") != "grid" and n["id"] not in whistled
    )
    total = in_grid + in_community + street
    return {
        "grid": in_grid,
        "community": in_community,
        "street": street,
        "closed": total,
        "grid_share": round(100 * in_grid / total) if total else None,
    }
