"""Service posts (服务岗位) and their shifts, kept in the community's file.

A post has dated shifts (date, start–end, capacity) or is a standing role,
stored as one undated shift. Sign-ups live elsewhere (``signups.py``).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from tinydb import Query

from kb import data as kbdata

from . import backend as docs
from . import places
from .base import NotFound, StoreError, community_key, new_id, now, stamp

OPEN, CLOSED = "open", "closed"
STANDING_KEY = "9999-99-99 99:99"  # sorts after every dated shift


def _index(tables) -> dict:
    posts = {p["id"]: p for p in tables.get("posts", {}).values()}
    shifts = {s["id"]: s for s in tables.get("shifts", {}).values()}
    by_post: dict[str, list] = {}
    for shift in sorted(shifts.values(), key=shift_sort_key):
        by_post.setdefault(shift["post_id"], []).append(shift)
    # Open shifts sorted by start (standing roles last, as always open), so that "not
    # started yet" is a bisect and a request never walks the community's past shifts.
    open_sorted, open_months = [], set()
    for shift in shifts.values():
        post = posts.get(shift["post_id"])
        if post is None or post["status"] != OPEN:
            continue
        key = f"{shift['date']} {shift['start']}" if shift["date"] else STANDING_KEY
        open_sorted.append((key, shift["id"], shift, post))
        open_months.add(shift_month(shift))
    open_sorted.sort(key=lambda row: row[:2])
    return {
        "posts": posts,
        "shifts": shifts,
        "by_post": by_post,
        "open_months": open_months,
        "open_sorted": [(key, shift, post) for key, _sid, shift, post in open_sorted],
    }


def community_index(cid: str) -> dict:
    """Posts, shifts and open shifts of a community (cached per version of its file)."""
    return docs.view(community_key(cid), "posts", _index)


def shift_sort_key(shift: dict):
    return (shift["date"] or "9999-99-99", shift["start"] or "", shift["id"])


def shift_month(shift: dict) -> str:
    """The sign-up partition of a shift: its month, or 'standing' for a standing role."""
    return shift["date"][:7] if shift["date"] else "standing"


def shift_start(shift: dict) -> datetime | None:
    if not shift["date"]:
        return None
    return datetime.strptime(f"{shift['date']} {shift['start']}", "%Y-%m-%d %H:%M")


def shift_end(shift: dict) -> datetime | None:
    if not shift["date"]:
        return None
    return datetime.strptime(f"{shift['date']} {shift['end']}", "%Y-%m-%d %H:%M")


def get_post(cid: str, pid: str) -> dict:
    """A post of the community, or NotFound."""
    post = community_index(cid)["posts"].get(pid)
    if post is None:
        raise NotFound("没有找到这个岗位。")
    return post


def post_shifts(cid: str, pid: str) -> list[dict]:
    return community_index(cid)["by_post"].get(pid, [])


def get_shift(cid: str, sid: str) -> tuple[dict, dict]:
    """(shift, post) for a shift of the community, or NotFound."""
    index = community_index(cid)
    shift = index["shifts"].get(sid)
    if shift is None:
        raise NotFound("没有找到这个班次。")
    return shift, index["posts"][shift["post_id"]]


def list_posts(cid: str, status: str | None = None) -> list[dict]:
    """A community's posts, newest first."""
    rows = sorted(
        community_index(cid)["posts"].values(), key=lambda p: p["created_at"], reverse=True
    )
    return [p for p in rows if status is None or p["status"] == status]


def _check(category: str, skills: list[dict], kind: str, shifts: list[dict]) -> None:
    tax = kbdata.taxonomy()
    if category not in tax["category_by_id"]:
        raise StoreError("请选择有效的岗位分类。")
    for item in skills:
        if item["skill"] not in tax["skill_by_id"]:
            raise StoreError("所需专长中有无效的选项。")
    if kind not in ("shifts", "standing"):
        raise StoreError("请选择岗位形式。")
    if not shifts:
        raise StoreError("请至少设置一个班次。" if kind == "shifts" else "请填写岗位名额。")
    for shift in shifts:
        if not isinstance(shift.get("capacity"), int) or shift["capacity"] < 1:
            raise StoreError("名额至少为 1 人。")
        if kind == "shifts" and shift["start"] >= shift["end"]:
            raise StoreError("班次的结束时间必须晚于开始时间。")


def create_post(
    cid: str,
    by: str,
    *,
    title: str,
    category: str,
    description: str,
    place: str,
    kind: str,
    shifts: list[dict],
    skills: list[dict] | tuple[dict, ...] = (),
    need_id: str | None = None,
    signup_opens_at: str | None = None,
    repeat: dict | None = None,
    at=None,
) -> dict:
    """Create an open post; shifts are dicts {date, start, end, capacity} (standing: one
    dict with only capacity). ``signup_opens_at`` ("YYYY-MM-DD HH:MM", optional): no
    sign-up before it. ``repeat`` ({"weekdays": [0..6], "until": "YYYY-MM-DD"}, optional,
    dated shifts only): the first shift's time and capacity on every chosen weekday from its
    date until ``until``, kept on the post as ``series``."""
    places.get_community(cid)
    at = at or now()
    series = None
    if repeat:
        if kind != "shifts" or not shifts:
            raise StoreError("只有按班次的岗位可以设置重复。")
        shifts, series = expand_repeat(shifts[0], repeat, at)
    signup_opens_at = (signup_opens_at or "").strip() or None
    if signup_opens_at is not None:
        signup_opens(signup_opens_at)
    skills = list(skills)
    if kind == "standing":
        shifts = (
            [{"date": None, "start": None, "end": None, "capacity": shifts[0]["capacity"]}]
            if shifts
            else []
        )
    _check(category, skills, kind, shifts)
    post = {
        "id": new_id(),
        "community_id": cid,
        "title": title.strip(),
        "category": category,
        "skills": skills,
        "description": description.strip(),
        "place": place.strip(),
        "kind": kind,
        "status": OPEN,
        "need_id": need_id,
        "signup_opens_at": signup_opens_at,
        "series": series,
        "created_at": stamp(at),
        "created_by": by,
    }
    rows = [
        {
            "id": new_id(),
            "post_id": post["id"],
            "community_id": cid,
            "date": s["date"],
            "start": s["start"],
            "end": s["end"],
            "capacity": int(s["capacity"]),
        }
        for s in shifts
    ]
    with docs.transaction_one(community_key(cid)) as db:
        db.table("posts").insert(post)
        db.table("shifts").insert_multiple(rows)
    return post


MAX_REPEAT_DAYS, MAX_REPEAT_SHIFTS = 180, 60
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def expand_repeat(first: dict, repeat: dict, at: datetime) -> tuple[list[dict], dict]:
    """The shifts of a weekly series from ``first`` until ``repeat['until']``, and the rule."""
    try:
        weekdays = sorted({int(d) for d in repeat.get("weekdays") or []})
        until = date.fromisoformat(str(repeat.get("until")))
        day = date.fromisoformat(first["date"])
    except (TypeError, ValueError):
        raise StoreError("重复设置无效：请选择星期并填写结束日期。") from None
    if not weekdays or not all(0 <= d <= 6 for d in weekdays):
        raise StoreError("重复设置请至少选择一个星期几。")
    if until < day:
        raise StoreError("重复的结束日期不能早于第一个班次的日期。")
    if until > at.date() + timedelta(days=MAX_REPEAT_DAYS):
        raise StoreError(f"重复的结束日期最多为 {MAX_REPEAT_DAYS} 天以后。")
    rows = []
    while day <= until:
        if day.weekday() in weekdays:
            rows.append(dict(first, date=day.isoformat()))
        day += timedelta(days=1)
    if not rows:
        raise StoreError("在结束日期之前没有所选星期的日期。")
    if len(rows) > MAX_REPEAT_SHIFTS:
        raise StoreError(f"重复最多生成 {MAX_REPEAT_SHIFTS} 个班次，请缩短结束日期或减少星期。")
    return rows, {"weekdays": weekdays, "until": until.isoformat()}


def signup_opens(value: str) -> datetime:
    """The time of a "YYYY-MM-DD HH:MM" sign-up opening, or StoreError."""
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        raise StoreError("报名开放时间的格式应为“YYYY-MM-DD HH:MM”。") from None


def set_post_status(cid: str, pid: str, status: str) -> dict:
    """Open or close a post for sign-up."""
    if status not in (OPEN, CLOSED):
        raise StoreError("无效的岗位状态。")
    with docs.transaction_one(community_key(cid)) as db:
        table = db.table("posts")
        found = table.get(Query().id == pid)
        if found is None:
            raise NotFound("没有找到这个岗位。")
        table.update({"status": status}, doc_ids=[found.doc_id])
    return dict(found, status=status)


def copy_post(cid: str, pid: str, by: str, days: int = 7, at=None) -> dict:
    """Copy a post with its shifts moved by ``days`` (weekly repeat by default)."""
    post = get_post(cid, pid)
    if post["kind"] != "shifts":
        raise StoreError("长期岗位无需复制到新日期。")
    moved = []
    for shift in post_shifts(cid, pid):
        day = date.fromisoformat(shift["date"]) + timedelta(days=days)
        moved.append(
            {
                "date": day.isoformat(),
                "start": shift["start"],
                "end": shift["end"],
                "capacity": shift["capacity"],
            }
        )
    opens = post.get("signup_opens_at")
    if opens:
        opens = (signup_opens(opens) + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")
    return create_post(
        cid,
        by,
        title=post["title"],
        category=post["category"],
        description=post["description"],
        place=post["place"],
        kind="shifts",
        shifts=moved,
        skills=post["skills"],
        need_id=post.get("need_id"),
        signup_opens_at=opens,
        at=at,
    )


@functools.lru_cache(maxsize=4096)
def _slot(day: str | None, start: str | None) -> str | None:
    if not day:
        return None
    if date.fromisoformat(day).weekday() >= 5:
        return "weekend"
    assert start is not None  # a dated shift has a start
    return "weekday_evening" if start >= "17:00" else "weekday_day"


def shift_slot(shift: dict) -> str | None:
    """Which availability slot a shift falls in (None for a standing role)."""
    return _slot(shift["date"], shift["start"])


def wanted_skills(post: dict) -> list[str]:
    """The skills a post asks for, or its category's skills when it names none."""
    named = [item["skill"] for item in post.get("skills", [])]
    if named:
        return named
    category = kbdata.taxonomy()["category_by_id"].get(post["category"])
    return list(category["skills"]) if category else []


def required_skills(post: dict) -> list[str]:
    """The skills a member must have confirmed by a community to sign up for the post
    (none for posts made before the flag existed)."""
    return [item["skill"] for item in post.get("skills", []) if item.get("confirm")]
