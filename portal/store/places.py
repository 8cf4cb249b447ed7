"""Streets and communities: streets come from content/data, communities from places.json."""

from __future__ import annotations

from tinydb import Query

from kb import data as kbdata

from . import backend as docs
from .base import NotFound, StoreError, new_id, now, places_key, stamp


def list_streets() -> list[dict]:
    """The district's streets (id, name), in the data file's order."""
    return kbdata.streets()


def get_street(street_id: str) -> dict:
    for street in kbdata.streets():
        if street["id"] == street_id:
            return street
    raise NotFound("没有找到这个街道。")


def _communities(tables) -> list[dict]:
    # Chinese names have no useful code-point order: keep the order they were added in
    # (TinyDB's document ids grow with each insert).
    rows = [
        row for _id, row in sorted(tables.get("communities", {}).items(), key=lambda kv: int(kv[0]))
    ]
    order = {s["id"]: n for n, s in enumerate(kbdata.streets())}
    return sorted(rows, key=lambda c: order.get(c["street_id"], 99))


def list_communities(street_id: str | None = None) -> list[dict]:
    """Communities, in street order then as added; optionally those of one street."""
    rows = docs.view(places_key(), "communities", _communities)
    return [c for c in rows if street_id is None or c["street_id"] == street_id]


def community_index() -> dict[str, dict]:
    """Map community id -> community."""
    return docs.view(
        places_key(),
        "community_index",
        lambda t: {c["id"]: c for c in t.get("communities", {}).values()},
    )


def get_community(cid: str) -> dict:
    """The community with this id, or NotFound."""
    community = community_index().get(cid)
    if community is None:
        raise NotFound("没有找到这个社区。")
    return community


def add_community(street_id: str, name: str, example: bool = False, cid: str | None = None) -> dict:
    """Create a community in a street; names are unique within their street."""
    get_street(street_id)
    name = (name or "").strip()
    if not name:
        raise StoreError("请填写社区名称。")
    with docs.transaction_one(places_key()) as db:
        table = db.table("communities")
        q = Query()
        if table.search((q.street_id == street_id) & (q.name == name)):
            raise StoreError("该街道下已有同名社区。")
        row = {
            "id": cid or f"c{new_id(4)}",
            "street_id": street_id,
            "name": name,
            "example": bool(example),
            "created_at": stamp(now()),
        }
        table.insert(row)
    return row
