"""街道吹哨: whistles raised by a street against the whistle list, and the communities'
requests to whistle (提请街道吹哨).

Layout under the data folder::

    whistles/<street_id>/<YYYY-MM>.json   table ``whistles``: the whistles raised that month
    whistles/<street_id>/open.json        table ``open``: {id, month} of the street's open ones
    whistles/<street_id>/requests.json    table ``requests``: requests from its communities

A whistle id is ``<YYYYMM>-<random>``, so the id names its month file and a write
touches one street's month only. The open index is a superset: an entry is added
before its whistle is written and removed after the whistle is closed, and readers
check each entry against the month file, so a crash between the two writes never
hides an open whistle. The state changes live in ``whistle_flow``, the figures in
``whistle_stats``.
"""

from __future__ import annotations


from tinydb import Query


from .. import backend as docs
from .. import photos as need_photos, places
from ..lists import needs
from . import requests as whistle_requests
from .catalog import (
    CLOSED,
    D_SUMMONED,
    MAX_PHOTOS,
    RAISED,
    R_PENDING,
    R_WHISTLED,
    _MONTH_RE,
    _WID_RE,
    _month_path,
    _open_path,
    _street_dir,
    clean_text,
    due_times,
    entry,
    get_department,
    get_item,
)
from ..base import NotFound, StoreError, new_id, now, stamp


def month_of(wid: str) -> str:
    match = _WID_RE.match(wid or "")
    if not match:
        raise NotFound("没有找到这次吹哨。")
    return f"{match.group(1)}-{match.group(2)}"


def whistle_months(street_id: str) -> list[str]:
    """Months in which the street raised whistles, oldest first."""
    prefix = _street_dir(street_id)
    months = (key[len(prefix) :] for key in docs.keys(prefix))
    return sorted(m for m in months if _MONTH_RE.match(m))


def _month_index(street_id: str, month: str) -> dict:
    return docs.view(
        _month_path(street_id, month),
        "whistles",
        lambda t: {w["id"]: w for w in t.get("whistles", {}).values()},
    )


# ---------------------------------------------------------------- reading


def get_whistle(street_id: str, wid: str) -> dict:
    """A whistle of the street, or NotFound (also for another street's id)."""
    whistle = _month_index(street_id, month_of(wid)).get(wid)
    if whistle is None:
        raise NotFound("没有找到这次吹哨。")
    return whistle


def _newest_first(rows) -> list[dict]:
    return sorted(rows, key=lambda w: (w["raised_at"], w["id"]), reverse=True)


def _street_ids(street_ids) -> list[str]:
    return [s["id"] for s in places.list_streets()] if street_ids is None else list(street_ids)


def whistles_in(street_ids=None, months=None) -> list[dict]:
    """Whistles raised in the months (all months when None) by the streets (all when None)."""
    rows: list[dict] = []
    for sid in _street_ids(street_ids):
        for month in whistle_months(sid) if months is None else months:
            if docs.exists(_month_path(sid, month)):
                rows.extend(_month_index(sid, month).values())
    return _newest_first(rows)


def open_whistles(street_ids=None) -> list[dict]:
    """Every whistle not yet 已结案 of the streets, whatever month it was raised in."""
    rows = []
    for sid in _street_ids(street_ids):
        entries = docs.view(
            _open_path(sid),
            "open",
            lambda t: sorted({(e["month"], e["id"]) for e in t.get("open", {}).values()}),
        )
        for month, wid in entries:
            whistle = (
                _month_index(sid, month).get(wid) if docs.exists(_month_path(sid, month)) else None
            )
            if whistle is not None and whistle["status"] != CLOSED:
                rows.append(whistle)
    return _newest_first(rows)


def list_whistles(
    street_ids=None,
    *,
    months=None,
    status: str | None = None,
    department: str | None = None,
    item_id: str | None = None,
) -> list[dict]:
    """Whistles newest first, filtered. With no months: the open ones plus the months given
    by ``months``; ``months=None`` and ``status=None`` means every whistle."""
    rows = whistles_in(street_ids, months)
    if months is not None:
        # Open whistles of earlier months still need attention.
        seen = {w["id"] for w in rows}
        rows = _newest_first(rows + [w for w in open_whistles(street_ids) if w["id"] not in seen])
    return [
        w
        for w in rows
        if (status is None or w["status"] == status)
        and (department is None or department in w["departments"])
        and (item_id is None or w["item_id"] == item_id)
    ]


# ---------------------------------------------------------------- photos


def _photo_folder(street_id: str) -> str:
    _street_dir(street_id)
    return f"w-{street_id}"


def save_whistle_photo(street_id: str, data, label: str = "") -> str:
    """Re-encode an upload (bytes or a binary file) exactly like a need's photo (no EXIF)
    and return its name."""
    return need_photos.save_need_photo(_photo_folder(street_id), data, label=label)


def delete_whistle_photo(street_id: str, name: str) -> None:
    need_photos.delete_need_photo(_photo_folder(street_id), name)


def whistle_photo(whistle: dict, name: str) -> bytes:
    """One of the whistle's photos (raised with it or added on the timeline), as JPEG."""
    names = set(whistle.get("photos") or [])
    for step in whistle["timeline"]:
        names.update(step.get("photos") or [])
    if name not in names:
        raise NotFound("没有找到这张照片。")
    return need_photos.photo_bytes(_photo_folder(whistle["street_id"]), name)


def check_photos(photos) -> list[str]:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise StoreError(f"最多上传 {MAX_PHOTOS} 张照片。")
    if not all(need_photos.is_photo_name(p) for p in photos):
        raise StoreError("照片无效。")
    return photos


# ---------------------------------------------------------------- raising


def create_whistle(
    street_id: str,
    actor: dict,
    *,
    item_id: str,
    description: str,
    place: str,
    departments=None,
    photos=(),
    need_refs=(),
    request_id: str | None = None,
    at=None,
) -> dict:
    """Raise a whistle (已吹哨). ``departments`` are department ids (default: the item's);
    ``need_refs`` are (community_id, need_id) of the street's needs it comes from."""
    places.get_street(street_id)
    item = get_item(item_id)
    description = clean_text(description, True, "问题描述", 1000)
    place = clean_text(place, True, "地点", 100)
    dept_ids = list(
        dict.fromkeys(departments if departments is not None else item["department_ids"])
    )
    if not dept_ids:
        raise StoreError("请至少召集一个部门。")
    for dept_id in dept_ids:
        get_department(dept_id)
    photos = check_photos(photos)
    refs = []
    for cid, nid in need_refs:
        community = places.get_community(cid)
        if community["street_id"] != street_id:
            raise StoreError("只能关联本街道社区的需求。")
        needs.get_need(cid, nid)
        refs.append({"community_id": cid, "need_id": nid})
    request = whistle_requests.get_request(street_id, request_id) if request_id else None
    if request is not None and request["status"] != R_PENDING:
        raise StoreError("这条吹哨申请已经处理过了。")
    at = at or now()
    month = at.strftime("%Y-%m")
    wid = f"{at.strftime('%Y%m')}-{new_id()}"
    community_id = (
        request["community_id"] if request else (refs[0]["community_id"] if refs else None)
    )
    whistle = {
        "id": wid,
        "street_id": street_id,
        "month": month,
        "item_id": item_id,
        "category_id": item["category_id"],
        "level": item["level"],
        "initial_level": item["level"],
        "description": description,
        "place": place,
        "photos": photos,
        "needs": refs,
        "request_id": request_id,
        "community_id": community_id,
        "departments": {
            d: {
                "state": D_SUMMONED,
                "acknowledged_at": None,
                "arrived_at": None,
                "done_at": None,
                "returns": 0,
            }
            for d in dept_ids
        },
        "status": RAISED,
        "raised_at": stamp(at),
        "raised_by": actor["uid"],
        "due": due_times(at, item["level"]),
        "updated_at": stamp(at),
        "closed_at": None,
        "returns": 0,
        "escalations": [],
        "assessment": None,
        "timeline": [entry(actor, "街道吹哨", RAISED, description, at)],
    }
    keys = (_open_path(street_id), _month_path(street_id, month))
    with docs.transaction(*keys) as (index, db):
        index.table("open").insert({"id": wid, "month": month})
        db.table("whistles").insert(whistle)
    if request is not None:
        assert request_id is not None  # the request was found by it
        whistle_requests.set_request(
            street_id,
            request_id,
            status=R_WHISTLED,
            whistle_id=wid,
            decided_by=actor["uid"],
            decided_at=stamp(at),
        )
    return whistle


def forget_open(street_id: str, wid: str) -> None:
    """Drop a closed whistle from the street's open index."""
    with docs.transaction_one(_open_path(street_id)) as db:
        db.table("open").remove(Query().id == wid)
