"""The three levels of 议事厅 and who sits in them.

A hall is named by a short id inside its community: ``community`` (社区议事厅),
``g-<grid id>`` (网格议事厅) or ``b-<building id>`` (小院议事厅 of a 楼门院). Residents
record where they live (a 楼门院 and a room, table ``residents`` of the council document);
the community admin or the building's 楼门院长 confirms it. A confirmed resident is in
scope of their building's hall, their grid's and their community's. A household is a
room of a 楼门院: ``<building id>/<room>``.
"""

from __future__ import annotations

import re

from tinydb import Query

from kb import data as kbdata

from .. import appointments, grids, places
from .. import backend as docs
from ..accounts import users as accounts
from ..base import NotFound, StoreError, community_key, now, stamp, valid_id

LEVELS = ("building", "grid", "community")
PENDING, CONFIRMED = "待确认", "已确认"
MODES = {"household": "一户一票", "person": "一人一票"}
_ROOM_RE = re.compile(r"^[0-9A-Za-z\-]{1,12}$")


def council_key(cid: str) -> str:
    return community_key(cid).rpartition("/")[0] + "/council"


def rules() -> dict:
    """The checked rules of ``content/data/council.yml``."""
    return kbdata.council_rules()


def _grid_hall(grid: dict, names: dict) -> dict:
    name = f"{grid['name']}{names['grid']['name']}"
    gid = grid["id"]
    return {"id": f"g-{gid}", "level": "grid", "target": gid, "grid_id": gid, "name": name}


def _building_hall(building: dict, names: dict) -> dict:
    return {
        "id": f"b-{building['id']}",
        "level": "building",
        "target": building["id"],
        "grid_id": building["grid_id"],
        "name": f"{building['name']}{names['building']['name']}",
    }


def hall_of(cid: str, hall: str) -> dict:
    """{id, level, target, grid_id, name} of a hall of the community, or NotFound."""
    names = rules()["levels"]
    if hall == "community":
        community = places.get_community(cid)
        name = f"{community['name']}{names['community']['name']}"
        return {"id": hall, "level": "community", "target": cid, "grid_id": None, "name": name}
    index = grids.structure(cid)
    kind, _dash, target = hall.partition("-")
    if kind == "g" and target in index["grid"]:
        return _grid_hall(index["grid"][target], names)
    if kind == "b" and target in index["building"]:
        return _building_hall(index["building"][target], names)
    raise NotFound("没有找到这个议事厅。")


def scope_of(hall: str) -> dict:
    """What ``covers`` needs of a hall, read from its id alone (no document): for a hall
    already known to exist, such as a vote's, where a page's hot path should not read
    the grid structure again."""
    if hall == "community":
        return {"id": hall, "level": "community", "target": None}
    kind, _dash, target = hall.partition("-")
    return {"id": hall, "level": "grid" if kind == "g" else "building", "target": target}


def _grid_halls(index: dict) -> list[dict]:
    names = rules()["levels"]
    halls = []
    by_grid: dict[str, list[dict]] = {}
    for building in index["buildings"]:
        by_grid.setdefault(building["grid_id"], []).append(building)
    for grid in index["grids"]:
        halls.append(_grid_hall(grid, names))
        halls += [_building_hall(b, names) for b in by_grid.get(grid["id"], [])]
    return halls


def list_halls(cid: str) -> list[dict]:
    """The community's hall, then each grid's followed by its buildings' (the grid and
    building halls derived once per version of the grid structure)."""
    rows = docs.view(
        grids.structure_key(cid), "council-halls", lambda t: _grid_halls(grids.structure(cid))
    )
    return [hall_of(cid, "community"), *rows]


def _index(tables: dict) -> dict:
    residents = {r["uid"]: r for r in tables.get("residents", {}).values()}
    modes = {h["hall"]: h["vote_mode"] for h in tables.get("halls", {}).values()}
    return {"residents": residents, "modes": modes}


def council_index(cid: str) -> dict:
    """Residents by uid and the halls' own vote modes (cached per version)."""
    return docs.view(council_key(cid), "council-index", _index)


def vote_mode(cid: str, hall: str) -> str:
    """The hall's own vote mode, else its level's default from the rules."""
    level = hall_of(cid, hall)["level"]
    return council_index(cid)["modes"].get(hall) or rules()["levels"][level]["vote_mode"]


def set_vote_mode(cid: str, hall: str, mode: str, by: str, at=None) -> dict:
    hall_of(cid, hall)
    if mode not in MODES:
        raise StoreError("表决方式应为“一户一票”或“一人一票”。")
    row = {"hall": hall, "vote_mode": mode, "by": by, "at": stamp(at or now())}
    with docs.transaction_one(council_key(cid)) as db:
        db.table("halls").upsert(row, Query().hall == hall)
    return row


# ---------------------------------------------------------------- residents


def register_home(cid: str, uid: str, building_id: str, room: str, at=None) -> dict:
    """The person records the 楼门院 and room they live in (waiting for confirmation);
    a changed home waits again."""
    user = accounts.get_user(uid)
    if user["role"] not in ("member", "volunteer") or user.get("disabled"):
        raise StoreError("请先以居民（志愿者）或在职党员身份注册并登录。")
    building = grids.structure(cid)["building"].get(building_id or "")
    if building is None:
        raise StoreError("请从列表中选择所住的楼门院。")
    room = (room or "").strip().upper()
    if not _ROOM_RE.match(room):
        raise StoreError("房间号只能由数字、字母和“-”组成，最多 12 位，例如 3-201。")
    row = {
        "uid": uid,
        "name": user["name"],
        "building_id": building_id,
        "grid_id": building["grid_id"],
        "room": room,
        "status": PENDING,
        "at": stamp(at or now()),
        "confirmed_by": None,
        "confirmed_at": None,
    }
    with docs.transaction_one(council_key(cid)) as db:
        table = db.table("residents")
        found = table.get(Query().uid == uid)
        if found and found["building_id"] == building_id and found["room"] == room:
            return dict(found)
        table.upsert(row, Query().uid == uid)
    return row


def may_confirm(cid: str, uid: str, by: str, is_admin: bool) -> bool:
    """The community admin, or the 楼门院长 of the resident's building."""
    row = council_index(cid)["residents"].get(uid)
    if row is None:
        return False
    return is_admin or row["building_id"] in heads_buildings(cid, by)


def confirm_resident(cid: str, uid: str, by: str, at=None) -> dict:
    fields = {"status": CONFIRMED, "confirmed_by": by, "confirmed_at": stamp(at or now())}
    with docs.transaction_one(council_key(cid)) as db:
        table = db.table("residents")
        found = table.get(Query().uid == uid)
        if found is None:
            raise NotFound("没有找到这位居民的登记。")
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def remove_resident(cid: str, uid: str) -> dict:
    with docs.transaction_one(council_key(cid)) as db:
        table = db.table("residents")
        found = table.get(Query().uid == uid)
        if found is None:
            raise NotFound("没有找到这位居民的登记。")
        table.remove(doc_ids=[found.doc_id])
    return dict(found)


def resident(cid: str, uid: str) -> dict | None:
    """The person's registration in the community (confirmed or not), or None."""
    return council_index(cid)["residents"].get(uid)


def list_residents(cid: str, status: str | None = None) -> list[dict]:
    rows = council_index(cid)["residents"].values()
    rows = [r for r in rows if status is None or r["status"] == status]
    return sorted(rows, key=lambda r: (r["building_id"], r["room"], r["uid"]))


def covers(hall: dict, row: dict) -> bool:
    """Whether a resident's home lies in the hall's scope."""
    if hall["level"] == "community":
        return True
    if hall["level"] == "grid":
        return row["grid_id"] == hall["target"]
    return row["building_id"] == hall["target"]


def in_scope(cid: str, hall: dict, uid: str) -> dict | None:
    """The confirmed resident row of ``uid`` if their home is in the hall's scope."""
    row = council_index(cid)["residents"].get(uid)
    if row is None or row["status"] != CONFIRMED or not covers(hall, row):
        return None
    return row


def household(row: dict) -> str:
    return f"{row['building_id']}/{row['room']}"


def electorate(cid: str, hall: dict, mode: str) -> int:
    """How many households (or persons) may vote in the hall now."""
    rows = [
        r
        for r in council_index(cid)["residents"].values()
        if r["status"] == CONFIRMED and covers(hall, r)
    ]
    return len({household(r) for r in rows}) if mode == "household" else len(rows)


def heads_buildings(cid: str, uid: str) -> set[str]:
    """The buildings of the community whose 楼门院长 the person is."""
    if not valid_id(uid):
        return set()
    return {
        bid
        for row in appointments.holds(uid, "building_head")
        if row["scope_id"] == cid
        for bid in row["targets"]
    }


def head_covers(cid: str, hall: dict, uid: str) -> bool:
    """Whether the person is 楼门院长 of a building in the hall's scope."""
    index = grids.structure(cid)["building"]
    for bid in heads_buildings(cid, uid):
        building = index.get(bid)
        if building and covers(hall, {"building_id": bid, "grid_id": building["grid_id"]}):
            return True
    return False
