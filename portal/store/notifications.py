"""The in-app inbox: one small file per user (``notifications/<shard>/<uid>.json``).

A notification is written by the view right after the change it reports
succeeded; each write rewrites only the one person's file. A notification made by
a scheduled job (a reminder, a digest …) carries a ``key`` so that running the job
twice never makes it twice. Its e-mail copy goes into the outbox in the same
transaction (``notify(..., email=...)``): both or neither, and never twice.

The same file keeps the person's notice settings (table ``settings``): which kinds
also come by e-mail, quiet hours in which e-mail waits, and a member's work-unit
address for the quarterly letter.
"""

from __future__ import annotations

import re

from tinydb import Query

from . import backend as docs
from . import outbox
from .base import NotFound, StoreError, new_id, now, stamp, valid_id

KINDS = {
    "report_confirmed": "报到已确认",
    "report_returned": "报到被退回",
    "skill_confirmed": "专长已确认",
    "skill_declined": "专长未通过确认",
    "promoted": "候补转正",
    "shift_changed": "班次调整",
    "shift_cancelled": "班次取消",
    "hours_confirmed": "服务时长已确认",
    "certificate": "服务证明",
    "reminder": "服务提醒",
    "message": "社区消息",
    "account": "账号通知",
    "whistle": "吹哨报到",
    "underfilled": "班次缺人",
    "digest": "每周摘要",
    "quarterly": "季度服务情况",
    "council": "议事厅",
}
KEEP = 200  # newest notifications kept per person; older ones are dropped on write


def _path(uid: str) -> str:
    if not valid_id(uid):
        raise NotFound("没有找到这个用户。")
    return f"notifications/{uid[0]}/{uid}"


def _rows(uid: str) -> list[dict]:
    def build(tables):
        # Same second: the later insert (larger TinyDB doc id) comes first.
        items = sorted(
            tables.get("items", {}).items(), key=lambda kv: (kv[1]["at"], int(kv[0])), reverse=True
        )
        return [row for _doc_id, row in items]

    return docs.view(_path(uid), "inbox", build)


def notify(
    uid: str,
    kind: str,
    text: str,
    link: str | None = None,
    at=None,
    key: str | None = None,
    email: dict | None = None,
) -> dict | None:
    """Add one notification; with ``key``, None if one with that key already exists.

    ``email`` ({to, subject, body[, personal]}) is its e-mail copy: put in the outbox in
    the same transaction, unless the person turned e-mail off for this kind; in their
    quiet hours it waits. ``personal=False`` (a letter to the work unit) skips both checks.
    """
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
    paths = [_path(uid)] + ([outbox.queue_path()] if email else [])
    with docs.transaction(*paths) as dbs:
        table = dbs[0].table("items")
        if key is not None and table.search(Query().key == key):
            return None
        message = _message(uid, dbs[0], item, email, at) if email else None
        if message is not None:
            outbox.add(dbs[1], message)
            item["mailed"] = message["id"]
        table.insert(item)
        if len(table) > KEEP:
            oldest = sorted(table.all(), key=lambda d: (d["at"], d.doc_id))[: len(table) - KEEP]
            table.remove(doc_ids=[d.doc_id for d in oldest])
    return item


def _message(uid: str, db, item: dict, email: dict, at) -> dict | None:
    """The outbox row of an item's e-mail copy, as the person's settings allow."""
    not_before = None
    if email.get("personal", True):
        prefs = _settings_of(db.table("settings").all())
        if item["kind"] not in prefs["email_kinds"]:
            return None
        not_before = outbox.quiet_until(at, prefs["quiet_from"], prefs["quiet_to"])
    return outbox.new_message(
        uid=uid,
        kind=item["kind"],
        key=f"{uid}:{item['key'] or item['id']}",
        to=email["to"],
        subject=email["subject"],
        body=email["body"],
        at=at,
        not_before=not_before,
    )


def has_key(uid: str, key: str) -> bool:
    """Whether the person already has a notification with this key (a cached read)."""
    return any(n.get("key") == key for n in _rows(uid))


def mail_notifications(uid: str, items: list[dict], compose, at=None) -> int:
    """Put e-mail copies of stored notifications in the outbox (once each);
    ``compose(item)`` gives the copy or None. Returns how many were queued."""
    at = at or now()
    copies = {i["id"]: compose(i) for i in items}
    copies = {k: v for k, v in copies.items() if v is not None}
    if not copies:
        return 0
    queued = 0
    with docs.transaction(_path(uid), outbox.queue_path()) as (db, queue):
        table = db.table("items")
        for doc in table.all():
            email = copies.get(doc["id"])
            if email is None or doc.get("mailed"):
                continue
            message = _message(uid, db, dict(doc), email, at)
            if message is not None:
                outbox.add(queue, message)
                table.update({"mailed": message["id"]}, doc_ids=[doc.doc_id])
                queued += 1
    return queued


# ---------------------------------------------------------------- the person's settings

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _settings_of(rows) -> dict:
    saved = rows[0] if rows else {}
    kinds = saved.get("email_kinds")
    return {
        "email_kinds": list(KINDS) if kinds is None else [k for k in kinds if k in KINDS],
        "quiet_from": saved.get("quiet_from"),
        "quiet_to": saved.get("quiet_to"),
        "unit_email": saved.get("unit_email", ""),
        "updated_at": saved.get("updated_at"),
    }


def notification_settings(uid: str) -> dict:
    """{email_kinds, quiet_from, quiet_to, unit_email}: by default every kind by e-mail,
    no quiet hours, no work-unit address."""
    rows = list(docs.read(_path(uid)).get("settings", {}).values())
    return _settings_of(rows)


def save_notification_settings(
    uid: str,
    email_kinds,
    quiet_from: str | None = None,
    quiet_to: str | None = None,
    unit_email: str = "",
    at=None,
) -> dict:
    """Save which kinds come by e-mail, the quiet hours (both or neither) and the
    work-unit address for the quarterly letter (empty: none)."""
    kinds = [k for k in KINDS if k in set(email_kinds or ())]
    quiet_from, quiet_to = quiet_from or None, quiet_to or None
    if (quiet_from is None) != (quiet_to is None):
        raise StoreError("免打扰时段请同时填写开始和结束时间，或都不填。")
    for value in (quiet_from, quiet_to):
        if value is not None and not _TIME_RE.match(value):
            raise StoreError("免打扰时间应为 HH:MM 格式，例如 22:00。")
    if quiet_from is not None and quiet_from == quiet_to:
        raise StoreError("免打扰的开始和结束时间不能相同。")
    unit_email = (unit_email or "").strip()
    if len(unit_email) > 120 or (
        unit_email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", unit_email)
    ):
        raise StoreError("请输入有效的单位电子邮箱，例如 dangwei@example.org。")
    row = {
        "email_kinds": kinds,
        "quiet_from": quiet_from,
        "quiet_to": quiet_to,
        "unit_email": unit_email,
        "updated_at": stamp(at or now()),
    }
    with docs.transaction_one(_path(uid)) as db:
        table = db.table("settings")
        table.truncate()
        table.insert(row)
    return _settings_of([row])


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
    if not docs.exists(_path(uid)):
        return 0
    wanted = None if ids == "all" else set(ids)
    changed = 0
    with docs.transaction_one(_path(uid)) as db:
        table = db.table("items")
        for doc in table.all():
            if not doc["read"] and (wanted is None or doc["id"] in wanted):
                table.update({"read": True}, doc_ids=[doc.doc_id])
                changed += 1
    return changed


def erase_inbox(uid: str) -> None:
    """Remove the person's inbox (account deletion)."""
    docs.current().delete(_path(uid))
