"""The needs list (需求清单) of a community: 待处理 → 处理中 → 已办结 (→ reopened 处理中).

Needs live in the community's file (table ``needs``). A need carries its dated
status notes, the evaluation (满意度 1–5 and a comment) and the earlier evaluations
of a need that was reopened. The evaluation is the resident's: given on the private
status link after the need is closed (``rate_need_by_resident``), or taken down by staff
on a phone call (``record_phone_followup``, marked 电话回访). Closing records none;
evaluations typed by admins before this stay as they were (no ``source``: 社区登记). Whoever raised it gets a private
status link: the token is ``<cid>.<secret>`` and only a digest of it is stored.
Photos are handled in ``need_photos``, the figures in ``need_stats``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from tinydb import Query

from kb import data as kbdata

from .. import backend as docs
from .. import grid_members, places, posts
from ..base import NotFound, StoreError, community_key, new_id, now, stamp, valid_id
from ..photos import MAX_NEED_PHOTOS, _PHOTO_RE

PENDING, IN_PROGRESS, DONE = "待处理", "处理中", "已办结"
STATUSES = (PENDING, IN_PROGRESS, DONE)
RAISERS = {
    "resident": "居民",
    "building_head": "楼门院长",
    "alley_steward": "小巷管家",
    "worker": "社区工作者代提",
}
URGENCIES = {"normal": "一般", "urgent": "较急", "critical": "紧急"}

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Where a need is: a point picked on the map must lie in Beijing (forms/lists.py says the same).
NEED_LAT_RANGE = (39.4, 41.1)
NEED_LNG_RANGE = (115.4, 117.6)
ADDRESS_MAX = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _index(tables) -> dict:
    needs = {n["id"]: n for n in tables.get("needs", {}).values()}
    return {"needs": needs, "by_token": {n["token_hash"]: n["id"] for n in needs.values()}}


def _needs_index(cid: str) -> dict:
    return docs.view(community_key(cid), "needs", _index)


def get_need(cid: str, nid: str) -> dict:
    """A need of the community, or NotFound (also for a need of another community)."""
    need = _needs_index(cid)["needs"].get(nid)
    if need is None:
        raise NotFound("没有找到这条需求。")
    return need


def list_needs(cid: str, status: str | None = None, category: str | None = None) -> list[dict]:
    """A community's needs, newest first; optionally of one status or category."""
    rows = sorted(
        _needs_index(cid)["needs"].values(), key=lambda n: (n["created_at"], n["id"]), reverse=True
    )
    return [
        n
        for n in rows
        if (status is None or n["status"] == status)
        and (category is None or n["category"] == category)
    ]


def need_by_token(token: str) -> dict:
    """The need behind a private status link, or NotFound."""
    cid, _, secret = (token or "").partition(".")
    if not valid_id(cid) or not secret or len(token) > 120:
        raise NotFound("没有找到这条需求。")
    try:
        places.get_community(cid)
    except NotFound:
        raise NotFound("没有找到这条需求。") from None
    index = _needs_index(cid)
    nid = index["by_token"].get(_digest(token))
    if nid is None:
        raise NotFound("没有找到这条需求。")
    return index["needs"][nid]


def _check_category(category: str) -> None:
    """A need's category: a problem category (路灯照明 …, 其他) or a service category.
    Needs stored under a category no list knows any more stay readable as they are."""
    if category not in kbdata.need_categories():
        raise StoreError("请选择有效的需求分类。")


def _check_fields(
    category: str,
    description: str,
    raised_by: str,
    building: str,
    urgency: str,
    phone: str,
    name: str,
) -> None:
    _check_category(category)
    if not description:
        raise StoreError("请填写需求描述。")
    if len(description) > 1000:
        raise StoreError("需求描述不能超过 1000 个字。")
    if raised_by not in RAISERS:
        raise StoreError("请选择提出人身份。")
    if len(building) > 60:
        raise StoreError("楼栋/院落不能超过 60 个字。")
    if urgency not in URGENCIES:
        raise StoreError("请选择紧急程度。")
    if phone and not _PHONE_RE.match(phone):
        raise StoreError("请输入 11 位中国大陆手机号，例如 13800001234。")
    if len(name) > 20:
        raise StoreError("称呼不能超过 20 个字。")


def create_need(
    cid: str,
    *,
    category: str,
    description: str,
    raised_by: str,
    building: str = "",
    building_id: str | None = None,
    grid_id: str | None = None,
    urgency: str = "normal",
    phone: str = "",
    name: str = "",
    by: str | None = None,
    photo: str | None = None,
    photos=(),
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    at=None,
) -> dict:
    """Record a need (status 待处理). ``by`` is the admin's uid, None for the public form.
    ``photos`` are the names ``save_need_photo`` gave (at most MAX_NEED_PHOTOS; ``photo`` is
    one, as before); ``address`` is typed, ``lat``/``lng`` a point picked on the map.
    ``building_id`` / ``grid_id`` place it in the community's structure: a need whose grid
    is known goes to that grid first (小事不出网格), its ``level`` is ``grid``.

    The returned dict carries ``status_token``, the private status link's token; it
    is not stored (only its digest is) and cannot be shown again.
    """
    places.get_community(cid)
    description, building = (description or "").strip(), (building or "").strip()
    phone, name = (phone or "").strip(), (name or "").strip()
    _check_fields(category, description, raised_by, building, urgency, phone, name)
    names = _check_photos(([photo] if photo is not None else []) + list(photos or ()))
    address = (address or "").strip()
    lat, lng = _check_location(address, lat, lng)
    grid_id, building_id = grid_members.check_place(cid, grid_id, building_id)
    at = at or now()
    token = f"{cid}.{secrets.token_urlsafe(18)}"
    need: dict
    need = {
        "id": new_id(),
        "community_id": cid,
        "category": category,
        "description": description,
        "raised_by": raised_by,
        "name": name,
        "phone": phone,
        "building": building,
        "building_id": building_id,
        "grid_id": grid_id,
        "level": "grid" if grid_id else "community",
        "urgency": urgency,
        "status": PENDING,
        "photo": names[0] if names else None,
        "photos": names,
        "address": address,
        "lat": lat,
        "lng": lng,
        "source": "public" if by is None else "admin",
        "created_by": by,
        "created_at": stamp(at),
        "updated_at": stamp(at),
        "closed_at": None,
        "notes": [],
        "evaluation": None,
        "evaluation_history": [],
        "project_id": None,
        "post_ids": [],
        "token_hash": _digest(token),
    }
    with docs.transaction_one(community_key(cid)) as db:
        db.table("needs").insert(need)
    return dict(need, status_token=token)


def _check_photos(names: list) -> list[str]:
    if len(names) > MAX_NEED_PHOTOS:
        raise StoreError(f"一条需求最多 {MAX_NEED_PHOTOS} 张照片。")
    if not all(isinstance(n, str) and _PHOTO_RE.match(n) for n in names):
        raise StoreError("照片无效。")
    return list(names)


def _check_location(address: str, lat, lng) -> tuple[float | None, float | None]:
    """The typed address's length, and the map point: both or neither, inside Beijing."""
    if len(address) > ADDRESS_MAX:
        raise StoreError(f"地址不能超过 {ADDRESS_MAX} 个字。")
    if lat is None and lng is None:
        return None, None
    try:
        lat, lng = round(float(lat), 6), round(float(lng), 6)
    except (TypeError, ValueError):
        raise StoreError("地图上选的位置无效，请重新选择。") from None
    (south, north), (west, east) = NEED_LAT_RANGE, NEED_LNG_RANGE
    if not (south <= lat <= north and west <= lng <= east):
        raise StoreError("地图上选的位置不在北京市范围内，请重新选择。")
    return lat, lng


def _note(by: str, text: str, status: str, at) -> dict:
    return {"at": stamp(at), "by": by, "text": text, "status": status}


def _change(cid: str, nid: str, change) -> dict:
    """Apply change(need) -> fields to one need under the file's lock; return the new need."""
    return docs.change_row(community_key(cid), "needs", nid, change, "没有找到这条需求。")


def _clean_note(text: str, required: bool, what: str = "说明") -> str:
    text = (text or "").strip()
    if required and not text:
        raise StoreError(f"请填写{what}。")
    if len(text) > 500:
        raise StoreError(f"{what}不能超过 500 个字。")
    return text


def start_need(cid: str, nid: str, by: str, note: str = "", at=None) -> dict:
    """待处理 → 处理中, with an optional note for whoever raised it."""
    note = _clean_note(note, False)
    at = at or now()

    def change(need):
        if need["status"] != PENDING:
            raise StoreError("只有待处理的需求可以开始处理。")
        text = note or "社区已受理，正在处理。"
        return {
            "status": IN_PROGRESS,
            "updated_at": stamp(at),
            "notes": need["notes"] + [_note(by, text, IN_PROGRESS, at)],
        }

    return _change(cid, nid, change)


def add_need_note(cid: str, nid: str, by: str, text: str, at=None) -> dict:
    """A dated progress note (the status does not change)."""
    text = _clean_note(text, True, "进展说明")
    at = at or now()
    return _change(
        cid,
        nid,
        lambda need: {
            "updated_at": stamp(at),
            "notes": need["notes"] + [_note(by, text, need["status"], at)],
        },
    )


def _check_evaluation(satisfaction, comment: str) -> tuple[int, str]:
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, (int, str)):
        raise StoreError("请选择满意度（1 到 5 分）。")
    try:
        value = int(satisfaction)
    except ValueError:
        raise StoreError("请选择满意度（1 到 5 分）。") from None
    if not 1 <= value <= 5:
        raise StoreError("满意度应为 1 到 5 分。")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise StoreError("评价不能超过 500 个字。")
    return value, comment


def close_need(cid: str, nid: str, by: str, note: str = "", at=None) -> dict:
    """处理中 → 已办结. No evaluation: the resident rates it on the status link, or staff
    record a phone follow-up."""
    note = _clean_note(note, False)
    at = at or now()

    def change(need):
        if need["status"] == PENDING:
            raise StoreError("请先开始处理这条需求，再办结。")
        if need["status"] == DONE:
            raise StoreError("这条需求已经办结。")
        return {
            "status": DONE,
            "closed_at": stamp(at),
            "updated_at": stamp(at),
            "evaluation": None,
            "notes": need["notes"] + [_note(by, note or "需求已办结。", DONE, at)],
        }

    return _change(cid, nid, change)


# Where an evaluation came from; one stored without a source was typed by an admin at closing.
RATING_SOURCES = {"resident": "居民评价", "phone": "电话回访", "": "社区登记"}


def rating_source(evaluation: dict | None) -> str:
    """The label of an evaluation's source: 居民评价, 电话回访 or 社区登记 (older ones)."""
    return RATING_SOURCES.get((evaluation or {}).get("source") or "", "社区登记")


def _evaluate(cid: str, nid: str, evaluation: dict, window_from=None) -> dict:
    """Store a closed need's one evaluation; ``window_from`` (the earliest closing time
    still open to rating) applies to the resident's own rating."""

    def change(need):
        if need["status"] != DONE:
            raise StoreError("需求办结后才能评价。")
        if need.get("evaluation"):
            raise StoreError("这条需求已经评价过了。")
        if window_from is not None and (need.get("closed_at") or "") < stamp(window_from):
            raise StoreError("评价期已过，如有意见请联系社区。")
        return {"evaluation": evaluation, "updated_at": evaluation["at"]}

    return _change(cid, nid, change)


def rate_need_by_resident(
    token: str, satisfaction, comment: str = "", window_days: int = 14, at=None
) -> dict:
    """The resident rates their closed need on its private status link: once, within
    ``window_days`` of the closing."""
    need = need_by_token(token)
    satisfaction, comment = _check_evaluation(satisfaction, comment)
    at = at or now()
    evaluation = {
        "satisfaction": satisfaction,
        "comment": comment,
        "at": stamp(at),
        "by": "",
        "source": "resident",
    }
    cid = token.partition(".")[0]
    return _evaluate(cid, need["id"], evaluation, at - timedelta(days=window_days))


def record_phone_followup(
    cid: str, nid: str, by: str, satisfaction, comment: str = "", at=None
) -> dict:
    """Staff take down the resident's rating on a phone call (电话回访), with who did."""
    satisfaction, comment = _check_evaluation(satisfaction, comment)
    at = at or now()
    evaluation = {
        "satisfaction": satisfaction,
        "comment": comment,
        "at": stamp(at),
        "by": by,
        "source": "phone",
    }
    return _evaluate(cid, nid, evaluation)


def reopen_need(cid: str, nid: str, by: str, note: str, at=None) -> dict:
    """已办结 → 处理中 with a note; the evaluation moves to the history."""
    note = _clean_note(note, True, "重新打开的原因")
    at = at or now()

    def change(need):
        if need["status"] != DONE:
            raise StoreError("只有已办结的需求可以重新打开。")
        return {
            "status": IN_PROGRESS,
            "closed_at": None,
            "updated_at": stamp(at),
            "evaluation": None,
            "evaluation_history": need["evaluation_history"]
            + ([need["evaluation"]] if need.get("evaluation") else []),
            "notes": need["notes"] + [_note(by, note, IN_PROGRESS, at)],
        }

    return _change(cid, nid, change)


def recategorise_need(cid: str, nid: str, by: str, category: str, at=None) -> dict:
    """Staff move a need to another category (say from 其他 to 路灯照明); the change is
    kept in the need's ``category_history``, not shown on the resident's status page."""
    _check_category(category)
    at = at or now()

    def change(need):
        if need["category"] == category:
            raise StoreError("分类没有变化。")
        entry = {"at": stamp(at), "by": by, "from": need["category"], "to": category}
        return {
            "category": category,
            "updated_at": stamp(at),
            "category_history": list(need.get("category_history") or []) + [entry],
        }

    return _change(cid, nid, change)


def create_post_for_need(cid: str, nid: str, by: str, *, at=None, **post_fields) -> dict:
    """Create a post for a need (``posts.create_post`` fields) and link it to the need and
    to the need's project, if it is in one."""
    need = get_need(cid, nid)
    if need["status"] == DONE:
        raise StoreError("已办结的需求不能再发布岗位，如需继续请先重新打开。")
    post = posts.create_post(cid, by, need_id=nid, at=at, **post_fields)
    with docs.transaction_one(community_key(cid)) as db:
        table = db.table("needs")
        found = table.get(Query().id == nid)
        if found is not None:
            table.update({"post_ids": found["post_ids"] + [post["id"]]}, doc_ids=[found.doc_id])
            project_id = found.get("project_id")
            if project_id:
                projects = db.table("projects")
                project = projects.get(Query().id == project_id)
                if project is not None and post["id"] not in project["post_ids"]:
                    projects.update(
                        {"post_ids": project["post_ids"] + [post["id"]]}, doc_ids=[project.doc_id]
                    )
    return post
