"""Appointed roles (任命): 网格员, 网格长, 楼门院长 in a community; 小巷管家, 社区专员 in a street.

An appointment gives a registered member or volunteer a role over some places of one
community or street, on top of their own role: it is made by that community's (or
street's) admin, is audited by the view that makes it, and can be revoked (kept, with
who and when). Documents::

    communities/<cid>/appointments   appointments   {id, uid, role, targets, …}
    streets/<sid>/appointments       appointments   {id, uid, role, targets, …}

and a pointer in the person's document, so ``appointments_of(uid)`` reads one small
document per scope the person holds a role in.
"""

from __future__ import annotations

from tinydb import Query

from . import backend as docs
from . import grids, lanes, people, places
from .accounts import users as accounts
from .base import NotFound, StoreError, community_key, new_id, now, person_key, stamp, valid_id

COMMUNITY_ROLES = {
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "building_head": "楼门院长",
}
STREET_ROLES = {
    "lane_steward": "小巷管家",
    "community_liaison": "社区专员",
}
ROLE_NAMES = COMMUNITY_ROLES | STREET_ROLES
ELIGIBLE = ("member", "volunteer")
MAX_LIAISON_COMMUNITIES = 3


def scope_key(scope: str, sid: str) -> str:
    if scope == "community":
        return community_key(sid).rpartition("/")[0] + "/appointments"
    if scope == "street" and valid_id(sid):
        return f"streets/{sid}/appointments"
    raise NotFound("没有找到这个街道。")


def _check_targets(scope: str, sid: str, role: str, targets: list[str]) -> list[str]:
    targets = sorted(set(targets or []))
    if not targets:
        raise StoreError("请至少选择一个负责的范围。")
    if role in ("grid_worker", "grid_leader"):
        known = grids.structure(sid)["grid"]
        what = "网格"
    elif role == "building_head":
        known = grids.structure(sid)["building"]
        what = "楼门院"
    elif role == "lane_steward":
        known = {lane["id"]: lane for lane in lanes.list_lanes(sid)}
        what = "街巷"
    else:
        known = {c["id"]: c for c in places.list_communities() if c["street_id"] == sid}
        what = "社区"
        if len(targets) > MAX_LIAISON_COMMUNITIES:
            raise StoreError(f"一位社区专员联系 1 到 {MAX_LIAISON_COMMUNITIES} 个社区。")
    missing = [t for t in targets if t not in known]
    if missing:
        raise StoreError(f"所选{what}不在这里，请刷新页面后重新选择。")
    return targets


def appoint(scope: str, sid: str, uid: str, role: str, targets, by: str, at=None) -> dict:
    """Give ``uid`` the role over ``targets`` (grid, building, lane or community ids)."""
    roles = COMMUNITY_ROLES if scope == "community" else STREET_ROLES
    if role not in roles:
        raise StoreError("未知的任命角色。")
    user = accounts.get_user(uid)
    if user["role"] not in ELIGIBLE or user.get("disabled"):
        raise StoreError("只能任命已注册的在职党员或志愿者（账号未停用）。")
    targets = _check_targets(scope, sid, role, list(targets or []))
    at = at or now()
    key = scope_key(scope, sid)
    with docs.transaction(key, person_key(uid)) as (db, person):
        table = db.table("appointments")
        q = Query()
        if table.get((q.uid == uid) & (q.role == role) & (q.revoked_at == None)):  # noqa: E711
            raise StoreError(f"{user['name']}已经是{ROLE_NAMES[role]}，请修改原任命的范围。")
        row = {
            "id": new_id(),
            "uid": uid,
            "role": role,
            "scope": scope,
            "scope_id": sid,
            "targets": targets,
            "appointed_by": by,
            "appointed_at": stamp(at),
            "revoked_at": None,
            "revoked_by": None,
        }
        table.insert(row)
        people.note(person, "appointments", (scope, sid))
    return row


def change_targets(scope: str, sid: str, aid: str, targets, by: str) -> dict:
    """Change what an active appointment covers."""

    def change(row):
        if row["revoked_at"]:
            raise StoreError("这项任命已经撤销。")
        return {"targets": _check_targets(scope, sid, row["role"], list(targets or []))}

    return docs.change_row(scope_key(scope, sid), "appointments", aid, change, "没有找到这项任命。")


def revoke(scope: str, sid: str, aid: str, by: str, at=None) -> dict:
    at = at or now()

    def change(row):
        if row["revoked_at"]:
            raise StoreError("这项任命已经撤销。")
        return {"revoked_at": stamp(at), "revoked_by": by}

    return docs.change_row(scope_key(scope, sid), "appointments", aid, change, "没有找到这项任命。")


def list_appointments(scope: str, sid: str, active: bool = True) -> list[dict]:
    rows = docs.read(scope_key(scope, sid)).get("appointments", {}).values()
    rows = [r for r in rows if not active or not r["revoked_at"]]
    return sorted(rows, key=lambda r: (r["role"], r["appointed_at"], r["id"]))


def appointments_of(uid: str) -> list[dict]:
    """The person's active appointments, wherever they are."""
    rows = []
    for scope, sid in people.pointed(uid, "appointments"):
        rows += [r for r in list_appointments(scope, sid) if r["uid"] == uid]
    return rows


def holds(uid: str, role: str, target: str | None = None) -> list[dict]:
    """The person's active appointments in ``role`` (covering ``target`` when given)."""
    return [
        a
        for a in appointments_of(uid)
        if a["role"] == role and (target is None or target in a["targets"])
    ]
