"""街巷: the lanes of a street that 小巷管家 look after (``streets/<sid>/lanes``)."""

from __future__ import annotations

from tinydb import Query

from . import backend as docs
from .base import NotFound, StoreError, new_id, now, stamp, valid_id

MAX_NAME = 30


def lanes_key(sid: str) -> str:
    if not valid_id(sid):
        raise NotFound("没有找到这个街道。")
    return f"streets/{sid}/lanes"


def list_lanes(sid: str) -> list[dict]:
    rows = docs.read(lanes_key(sid)).get("lanes", {}).values()
    return sorted(rows, key=lambda r: (r["name"], r["id"]))


def get_lane(sid: str, lid: str) -> dict:
    for lane in list_lanes(sid):
        if lane["id"] == lid:
            return lane
    raise NotFound("没有找到这条街巷。")


def _clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StoreError("请填写街巷名称，例如“东四北大街”。")
    if len(name) > MAX_NAME:
        raise StoreError(f"街巷名称不能超过 {MAX_NAME} 个字。")
    return name


def add_lane(sid: str, name: str, by: str = "", at=None) -> dict:
    name = _clean(name)
    with docs.transaction_one(lanes_key(sid)) as db:
        table = db.table("lanes")
        if table.get(Query().name == name):
            raise StoreError(f"已有名为“{name}”的街巷。")
        row = {"id": new_id(), "name": name, "created_at": stamp(at or now()), "renames": []}
        table.insert(row)
    return row


def rename_lane(sid: str, lid: str, name: str, by: str, at=None) -> dict:
    name = _clean(name)
    at = at or now()
    with docs.transaction_one(lanes_key(sid)) as db:
        table = db.table("lanes")
        found = table.get(Query().id == lid)
        if found is None:
            raise NotFound("没有找到这条街巷。")
        other = table.get(Query().name == name)
        if other is not None and other["id"] != lid:
            raise StoreError(f"已有名为“{name}”的街巷。")
        entry = {"at": stamp(at), "from": found["name"], "to": name, "by": by}
        fields = {"name": name, "renames": [*found.get("renames", []), entry]}
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)
