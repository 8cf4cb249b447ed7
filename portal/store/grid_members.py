"""Who is in which grid: placing members, the party tree with its counts, coverage.

A member's place is on their active report-in (``grid_id``, ``building_id``): chosen when
reporting in, or set by the community admin (on confirmation or later). The tree a
community shows — 社区党组织 → 网格党支部 → 楼门院党小组 — counts the members placed at
each node, and ``coverage`` tells how many are not in a grid yet (每名党员都在网格内).
"""

from __future__ import annotations

from tinydb import Query

from . import backend as docs
from . import grids
from .base import NotFound, StoreError, community_key, now, stamp


def check_place(cid: str, grid_id: str | None, building_id: str | None) -> tuple:
    """(grid_id, building_id) checked against the community's structure: a building
    decides its grid; a grid alone is fine; both empty means "not placed"."""
    return check_place_in(grids.structure(cid), grid_id, building_id)


def check_place_in(index: dict, grid_id: str | None, building_id: str | None) -> tuple:
    """``check_place`` against a structure index (``grids._index``): a writer that holds
    the structure's lock checks against the structure as stored now, so a grid deleted
    meanwhile is refused rather than pointed at."""
    if building_id:
        building = index["building"].get(building_id)
        if building is None:
            raise StoreError("所选楼门院不属于这个社区，请重新选择。")
        if grid_id and grid_id != building["grid_id"]:
            raise StoreError("所选楼门院不在所选网格里，请重新选择。")
        return building["grid_id"], building_id
    if grid_id:
        if grid_id not in index["grid"]:
            raise StoreError("所选网格不属于这个社区，请重新选择。")
        return grid_id, None
    return None, None


def place_member(
    cid: str, rid: str, grid_id: str | None, building_id: str | None, by: str, at=None
):
    """Put the member of a pending or active report-in into a grid (and building)."""
    at = at or now()
    # The structure's lock too: a grid being deleted meanwhile cannot gain a member.
    with docs.transaction(community_key(cid), grids.structure_key(cid)) as (main, structure):
        index = grids._index(structure.storage.read() or {})
        grid_id, building_id = check_place_in(index, grid_id, building_id)
        table = main.table("reports")
        found = table.get(Query().id == rid)
        if found is None:
            raise NotFound("没有找到这条报到记录。")
        if found["status"] not in ("待确认", "已报到"):
            raise StoreError("这条报到记录已结束，不能再调整网格。")
        fields = {
            "grid_id": grid_id,
            "building_id": building_id,
            "placed_at": stamp(at),
            "placed_by": by,
        }
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def _coverage(tables: dict) -> dict:
    active = [r for r in tables.get("reports", {}).values() if r["status"] == grids.ACTIVE_REPORT]
    by_grid: dict[str, int] = {}
    by_building: dict[str, int] = {}
    unplaced = []
    for report in active:
        gid, bid = report.get("grid_id"), report.get("building_id")
        if not gid:
            unplaced.append(report)
            continue
        by_grid[gid] = by_grid.get(gid, 0) + 1
        if bid:
            by_building[bid] = by_building.get(bid, 0) + 1
    return {
        "members": len(active),
        "placed": len(active) - len(unplaced),
        "unplaced": sorted(unplaced, key=lambda r: (r["created_at"], r["id"])),
        "by_grid": by_grid,
        "by_building": by_building,
    }


def coverage(cid: str) -> dict:
    """{"members", "placed", "unplaced": [report, …], "by_grid": {gid: n}, "by_building"};
    counted once per version of the community's document (the dashboards, the grid page
    and every 社区专员's home read it)."""
    return docs.view(community_key(cid), "grid-coverage", _coverage)


def tree_version(cid: str) -> tuple:
    """What the party tree (``grid_tree``) is computed from, as it is stored now: the
    versions of the structure and of the community's document. Equal versions, equal
    tree — the grid page keeps its rendered tree by this."""
    return (docs.version(grids.structure_key(cid)), docs.version(community_key(cid)))


def grid_tree(cid: str) -> dict:
    """The community's party tree with member counts at each node::

    {"grids": [{"grid", "members", "buildings": [{"building", "members"}]}], "coverage"}
    """
    index = grids.structure(cid)
    counts = coverage(cid)
    rows = []
    for grid in index["grids"]:
        inside = [b for b in index["buildings"] if b["grid_id"] == grid["id"]]
        rows.append(
            {
                "grid": grid,
                "members": counts["by_grid"].get(grid["id"], 0),
                "households": sum(b["households"] or 0 for b in inside),
                "buildings": [
                    {"building": b, "members": counts["by_building"].get(b["id"], 0)}
                    for b in inside
                ],
            }
        )
    return {"grids": rows, "coverage": counts}
