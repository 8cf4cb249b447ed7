"""The in-app inbox: one small file per user (``notifications/<shard>/<uid>.json``).

A notification is written by the view right after the change it reports
succeeded; each write rewrites only the one person's file. Reminders of
upcoming shifts carry a ``key`` so that opening the portal twice never makes
two reminders for the same shift.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tinydb import Query

from . import _files, posts
from .signups import signup as signups
from .base import NotFound, StoreError, _under, new_id, now, root, stamp, valid_id

KINDS = {
    "report_confirmed": "报到已确认",
    "report_returned": "报到被退回",
    "promoted": "候补转正",
    "shift_changed": "班次调整",
    "shift_cancelled": "班次取消",
    "hours_confirmed": "服务时长已确认",
    "reminder": "服务提醒",
    "message": "社区消息",
    "account": "账号通知",
    "whistle": "吹哨报到",
}
KEEP = 200  # newest notifications kept per person; older ones are dropped on write


def _path(uid: str) -> Path:
    if not valid_id(uid):
        raise NotFound("没有找到这个用户。")
    return _under(root(), "notifications", uid[0], f"{uid}.json")


def _rows(uid: str) -> list[dict]:
    def build(tables):
        # Same second: the later insert (larger TinyDB doc id) comes first.
        items = sorted(
            tables.get("items", {}).items(), key=lambda kv: (kv[1]["at"], int(kv[0])), reverse=True
        )
        return [row for _doc_id, row in items]

    return _files.view(_path(uid), "inbox", build)


def notify(
    uid: str, kind: str, text: str, link: str | None = None, at=None, key: str | None = None
) -> dict | None:
    """Add one notification; with ``key``, None if one with that key already exists."""
    if kind not in KINDS:
        raise StoreError("未知的通知类型。")
    at = at or now()
    item = {
        "id": new_id(),
        "kind": kind,
        "text": text.strip(),
        "link": link,
        "at": stamp(at),
        "read": False,
        "key": key,
    }
    with _files.transaction(_path(uid)) as db:
        table = db.table("items")
        if key is not None and table.search(Query().key == key):
            return None
        table.insert(item)
        if len(table) > KEEP:
            oldest = sorted(table.all(), key=lambda d: (d["at"], d.doc_id))[: len(table) - KEEP]
            table.remove(doc_ids=[d.doc_id for d in oldest])
    return item


def inbox(uid: str) -> list[dict]:
    """The person's notifications, newest first, each with its kind's name."""
    return [dict(n, kind_name=KINDS.get(n["kind"], n["kind"])) for n in _rows(uid)]


def unread_count(uid: str) -> int:
    return sum(1 for n in _rows(uid) if not n["read"])


def get_notification(uid: str, nid: str) -> dict:
    for row in _rows(uid):
        if row["id"] == nid:
            return row
    raise NotFound("没有找到这条消息。")


def mark_read(uid: str, ids="all") -> int:
    """Mark the given notification ids (or "all") as read; returns how many changed."""
    if not _path(uid).exists():
        return 0
    wanted = None if ids == "all" else set(ids)
    changed = 0
    with _files.transaction(_path(uid)) as db:
        table = db.table("items")
        for doc in table.all():
            if not doc["read"] and (wanted is None or doc["id"] in wanted):
                table.update({"read": True}, doc_ids=[doc.doc_id])
                changed += 1
    return changed


def erase_inbox(uid: str) -> None:
    """Remove the person's inbox (account deletion)."""
    path = _path(uid)
    with _files.file_lock(path.with_name(path.name + ".lock")):
        path.unlink(missing_ok=True)


def remind_upcoming(uid: str, at=None, hours: int = 24, link: str | None = None) -> list[dict]:
    """A reminder for each confirmed shift starting within ``hours``, once per shift.

    Called when the person opens the portal (no background worker); returns the
    reminders created now (empty when all were made before).
    """
    at = at or now()
    made = []
    for row in signups.user_signups(uid, upcoming_at=at):
        if row["status"] != signups.CONFIRMED:
            continue
        start = posts.shift_start(row["shift"])
        if start is None or not at <= start <= at + timedelta(hours=hours):
            continue
        key = f"reminder:{row['shift']['id']}:{row['shift']['date']}:{row['shift']['start']}"
        if any(n.get("key") == key for n in _rows(uid)):
            continue
        text = (
            f"提醒：您报名的“{row['post']['title']}”将于 {row['shift']['date']} "
            f"{row['shift']['start']} 开始，地点：{row['post']['place']}（{row['community']['name']}）。"
        )
        item = notify(uid, "reminder", text, link=link, at=at, key=key)
        if item:
            made.append(item)
    return made
