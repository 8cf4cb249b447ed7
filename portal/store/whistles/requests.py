"""提请街道吹哨: a community asks its street to whistle for one of its needs; the street
whistles (``whistles.create_whistle(request_id=...)``) or declines with a reason.

Kept per street in ``whistles/<street_id>/requests.json`` (table ``requests``).
"""

from __future__ import annotations

from tinydb import Query

from .. import backend as docs
from .. import places
from ..lists import needs
from . import catalog as _w
from ..base import NotFound, StoreError, new_id, now, stamp


def _requests_path(street_id: str) -> str:
    return f"{_w._street_dir(street_id)}requests"


def request_whistle(
    cid: str, nid: str, actor: dict, note: str, item_id: str | None = None, at=None
) -> dict:
    """A community asks its street to whistle for one of its needs (待街道处理)."""
    community = places.get_community(cid)
    need = needs.get_need(cid, nid)
    if need["status"] == needs.DONE:
        raise StoreError("已办结的需求不需要再提请吹哨。")
    note = _w.clean_text(note, True, "提请理由")
    if item_id:
        _w.get_item(item_id)
    sid = community["street_id"]
    if any(
        r["need_id"] == nid and r["status"] == _w.R_PENDING
        for r in list_requests(sid, community_id=cid)
    ):
        raise StoreError("这条需求已经提请过，正在等待街道处理。")
    at = at or now()
    row = {
        "id": new_id(),
        "street_id": sid,
        "community_id": cid,
        "need_id": nid,
        "item_id": item_id or None,
        "note": note,
        "status": _w.R_PENDING,
        "created_by": actor["uid"],
        "created_by_name": actor["name"],
        "created_at": stamp(at),
        "decided_by": None,
        "decided_at": None,
        "reason": "",
        "whistle_id": None,
    }
    with docs.transaction_one(_requests_path(sid)) as db:
        db.table("requests").insert(row)
    return row


def list_requests(
    street_id: str, status: str | None = None, community_id: str | None = None
) -> list[dict]:
    """The street's requests, newest first, optionally of one status or community."""
    rows = docs.view(
        _requests_path(street_id), "requests", lambda t: list(t.get("requests", {}).values())
    )
    rows = sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return [
        r
        for r in rows
        if (status is None or r["status"] == status)
        and (community_id is None or r["community_id"] == community_id)
    ]


def need_requests(cid: str, nid: str) -> list[dict]:
    """The requests to whistle made for one need of a community, newest first."""
    street_id = places.get_community(cid)["street_id"]
    rows = docs.read(_requests_path(street_id)).get("requests", {})
    # Newest first by arrival (TinyDB doc ids grow with each insert): two requests made in
    # the same second keep their order.
    ordered = [rows[k] for k in sorted(rows, key=int, reverse=True)]
    return [r for r in ordered if r["community_id"] == cid and r["need_id"] == nid]


def get_request(street_id: str, rid: str) -> dict:
    for row in list_requests(street_id):
        if row["id"] == rid:
            return row
    raise NotFound("没有找到这条吹哨申请。")


def set_request(street_id: str, rid: str, **fields) -> dict:
    with docs.transaction_one(_requests_path(street_id)) as db:
        table = db.table("requests")
        found = table.get(Query().id == rid)
        if found is None:
            raise NotFound("没有找到这条吹哨申请。")
        if found["status"] != _w.R_PENDING:
            raise StoreError("这条吹哨申请已经处理过了。")
        table.update(fields, doc_ids=[found.doc_id])
    return dict(found, **fields)


def decline_request(street_id: str, rid: str, actor: dict, reason: str, at=None) -> dict:
    """The street declines to whistle (未予吹哨), with the reason the community will read."""
    reason = _w.clean_text(reason, True, "不予吹哨的理由")
    return set_request(
        street_id,
        rid,
        status=_w.R_DECLINED,
        reason=reason,
        decided_by=actor["uid"],
        decided_at=stamp(at or now()),
    )
