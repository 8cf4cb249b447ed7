"""网格 and 楼门院: a community's grids, their buildings and courtyards, and who is placed where.

One document per community, ``communities/<cid>/grids``::

    grids       {id, number, name, secretary (网格党支部书记), created_at, renames: [...]}
    buildings   {id, grid_id, kind (楼/单元/院), name, households, leader (党小组长), renames}

Members are placed on their report-in (``reports`` of ``communities/<cid>/main``: a
``grid_id`` and a ``building_id``), so "每名党员都在网格内" is a count over the
community's active report-ins. A change that checks people against the structure
(placing a member, deleting a grid) holds both documents' locks.
"""

from __future__ import annotations

from datetime import datetime

from tinydb import Query

from . import backend as docs
from .base import NotFound, StoreError, community_key, new_id, now, stamp

KINDS = {"building": "楼", "unit": "单元", "courtyard": "院"}
KIND_BY_NAME = {name: kind for kind, name in KINDS.items()}
MAX_NAME, MAX_GRIDS, MAX_HOUSEHOLDS = 30, 999, 5000
ACTIVE_REPORT = "已报到"  # reports.ACTIVE (not imported: reports imports this module)
PENDING_REPORT = "待确认"  # reports.PENDING: a report-in waiting may name a grid already


def structure_key(cid: str) -> str:
    return community_key(cid).rpartition("/")[0] + "/grids"


def _index(tables: dict) -> dict:
    grids = sorted(tables.get("grids", {}).values(), key=lambda g: (g["number"], g["id"]))
    buildings = sorted(
        tables.get("buildings", {}).values(), key=lambda b: (b["grid_id"], b["name"], b["id"])
    )
    return {
        "grids": grids,
        "buildings": buildings,
        "grid": {g["id"]: g for g in grids},
        "building": {b["id"]: b for b in buildings},
    }


def structure(cid: str) -> dict:
    """{"grids": [...] by number, "buildings": [...], "grid": by id, "building": by id}."""
    return docs.view(structure_key(cid), "structure", _index)


def get_grid(cid: str, gid: str) -> dict:
    grid = structure(cid)["grid"].get(gid)
    if grid is None:
        raise NotFound("没有找到这个网格。")
    return grid


def get_building(cid: str, bid: str) -> dict:
    building = structure(cid)["building"].get(bid)
    if building is None:
        raise NotFound("没有找到这个楼门院。")
    return building


def building_label(cid: str, bid: str | None) -> str:
    """ "第3网格 · 5号楼" for a building id of the community, "" for none."""
    if not bid:
        return ""
    index = structure(cid)
    building = index["building"].get(bid)
    if building is None:
        return ""
    grid = index["grid"][building["grid_id"]]
    return f"{grid['name']} · {building['name']}"


# ---------------------------------------------------------------- checks


def clean_grid(number, name: str, secretary: str = "") -> dict:
    """The fields of a grid, checked; StoreError with a Chinese message otherwise."""
    try:
        number = int(str(number).strip())
    except ValueError:
        raise StoreError("网格编号应为 1 到 999 的整数。") from None
    if not 1 <= number <= MAX_GRIDS:
        raise StoreError("网格编号应为 1 到 999 的整数。")
    name = (name or "").strip() or f"第{number}网格"
    if len(name) > MAX_NAME:
        raise StoreError(f"网格名称不能超过 {MAX_NAME} 个字。")
    secretary = (secretary or "").strip()
    if len(secretary) > MAX_NAME:
        raise StoreError(f"网格党支部书记的姓名不能超过 {MAX_NAME} 个字。")
    return {"number": number, "name": name, "secretary": secretary}


def clean_building(kind: str, name: str, households=None, leader: str = "") -> dict:
    kind = KIND_BY_NAME.get((kind or "").strip(), (kind or "").strip())
    if kind not in KINDS:
        raise StoreError("楼门院的类型应为“楼”“单元”或“院”。")
    name = (name or "").strip()
    if not name:
        raise StoreError("请填写楼门院名称，例如“5号楼”或“西四北三条7号院”。")
    if len(name) > MAX_NAME:
        raise StoreError(f"楼门院名称不能超过 {MAX_NAME} 个字。")
    if households in (None, ""):
        count = None
    else:
        try:
            count = int(str(households).strip())
        except ValueError:
            raise StoreError("户数应为整数（不知道可以不填）。") from None
        if not 0 <= count <= MAX_HOUSEHOLDS:
            raise StoreError(f"户数应在 0 到 {MAX_HOUSEHOLDS} 之间。")
    leader = (leader or "").strip()
    if len(leader) > MAX_NAME:
        raise StoreError(f"党小组长的姓名不能超过 {MAX_NAME} 个字。")
    return {"kind": kind, "name": name, "households": count, "leader": leader}


def _renamed(row: dict, fields: dict, by: str, at: datetime) -> dict:
    """The fields, plus the old name in ``renames`` when the name changes (history kept)."""
    if fields.get("name") and fields["name"] != row["name"]:
        entry = {"at": stamp(at), "from": row["name"], "to": fields["name"], "by": by}
        return dict(fields, renames=[*row.get("renames", []), entry])
    return fields


# ---------------------------------------------------------------- grids


def add_grid(cid: str, number, name: str = "", secretary: str = "", by: str = "", at=None):
    fields = clean_grid(number, name, secretary)
    at = at or now()
    with docs.transaction_one(structure_key(cid)) as db:
        table = db.table("grids")
        _unique_grid(table.all(), fields, None)
        row = {"id": new_id(), **fields, "created_at": stamp(at), "created_by": by, "renames": []}
        table.insert(row)
    return row


def _unique_grid(rows, fields: dict, gid: str | None) -> None:
    for other in rows:
        if other["id"] == gid:
            continue
        if other["number"] == fields["number"]:
            raise StoreError(f"已有编号为 {fields['number']} 的网格。")
        if other["name"] == fields["name"]:
            raise StoreError(f"已有名为“{fields['name']}”的网格。")


def update_grid(cid: str, gid: str, number, name: str, secretary: str, by: str, at=None):
    fields = clean_grid(number, name, secretary)
    at = at or now()
    with docs.transaction_one(structure_key(cid)) as db:
        table = db.table("grids")
        found = table.get(Query().id == gid)
        if found is None:
            raise NotFound("没有找到这个网格。")
        _unique_grid(table.all(), fields, gid)
        fields = _renamed(dict(found), fields, by, at)
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def _placed(main_tables: dict, *, grid_id=None, building_id=None) -> int:
    """Members whose active or pending report-in places them in this grid (or building):
    a pending one names the grid its member chose, and keeps it on confirmation."""
    count = 0
    for report in main_tables.get("reports", {}).values():
        if report["status"] not in (ACTIVE_REPORT, PENDING_REPORT):
            continue
        if grid_id and report.get("grid_id") == grid_id:
            count += 1
        elif building_id and report.get("building_id") == building_id:
            count += 1
    return count


def _open_needs(main_tables: dict, *, grid_id=None, building_ids=()) -> int:
    return sum(
        1
        for need in main_tables.get("needs", {}).values()
        if need["status"] != "已办结"
        and (
            (grid_id and need.get("grid_id") == grid_id)
            or (need.get("building_id") and need.get("building_id") in building_ids)
        )
    )


def delete_grid(cid: str, gid: str) -> dict:
    """Remove an empty grid and its buildings; refused while members are placed in it or
    needs of it are open (move them first)."""
    with docs.transaction(structure_key(cid), community_key(cid)) as (db, main):
        grids, buildings = db.table("grids"), db.table("buildings")
        found = grids.get(Query().id == gid)
        if found is None:
            raise NotFound("没有找到这个网格。")
        main_tables = main.storage.read() or {}
        members = _placed(main_tables, grid_id=gid)
        inside = [b["id"] for b in buildings.search(Query().grid_id == gid)]
        open_needs = _open_needs(main_tables, grid_id=gid, building_ids=inside)
        if members or open_needs:
            raise StoreError(
                f"“{found['name']}”还有 {members} 名党员、{open_needs} 条未办结的需求，不能删除："
                "请先把党员调整到其他网格、办结或转交这些需求。"
            )
        buildings.remove(Query().grid_id == gid)
        grids.remove(doc_ids=[found.doc_id])
    return dict(found)


# ---------------------------------------------------------------- buildings


def _unique_building(rows, grid_id: str, name: str, bid: str | None) -> None:
    for other in rows:
        if other["id"] != bid and other["grid_id"] == grid_id and other["name"] == name:
            raise StoreError(f"这个网格里已有“{name}”。")


def add_building(
    cid: str, gid: str, kind: str, name: str, households=None, leader="", by="", at=None
):
    fields = clean_building(kind, name, households, leader)
    at = at or now()
    with docs.transaction_one(structure_key(cid)) as db:
        if db.table("grids").get(Query().id == gid) is None:
            raise NotFound("没有找到这个网格。")
        table = db.table("buildings")
        _unique_building(table.all(), gid, fields["name"], None)
        row = {"id": new_id(), "grid_id": gid, **fields, "created_at": stamp(at), "renames": []}
        table.insert(row)
    return row


def update_building(
    cid: str, bid: str, kind: str, name: str, households, leader: str, by: str, at=None
):
    fields = clean_building(kind, name, households, leader)
    at = at or now()
    with docs.transaction_one(structure_key(cid)) as db:
        table = db.table("buildings")
        found = table.get(Query().id == bid)
        if found is None:
            raise NotFound("没有找到这个楼门院。")
        _unique_building(table.all(), found["grid_id"], fields["name"], bid)
        fields = _renamed(dict(found), fields, by, at)
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def delete_building(cid: str, bid: str) -> dict:
    with docs.transaction(structure_key(cid), community_key(cid)) as (db, main):
        table = db.table("buildings")
        found = table.get(Query().id == bid)
        if found is None:
            raise NotFound("没有找到这个楼门院。")
        main_tables = main.storage.read() or {}
        members = _placed(main_tables, building_id=bid)
        open_needs = _open_needs(main_tables, building_ids=(bid,))
        if members or open_needs:
            raise StoreError(
                f"“{found['name']}”还有 {members} 名党员、{open_needs} 条未办结的需求，不能删除。"
            )
        table.remove(doc_ids=[found.doc_id])
    return dict(found)
