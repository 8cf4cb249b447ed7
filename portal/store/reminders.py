"""Reminders of shifts (24 hours and 2 hours before) and shifts short of people.

A confirmed sign-up gets the reminder whose time has come: the 24-hour one from 24
hours before the start, the 2-hour one from 2 hours before; when both are due (the
worker was down, or the person signed up late) only the 2-hour one is sent, since
it says the same and more. Each is made once, keyed by the sign-up and the shift's
start (``reminder:24h:<signup id>:<date start>``), so a job run twice, two workers, a
restart, and the reminder made when the person opens the portal never give two.

``shift_reminders`` walks the district's shifts of today and tomorrow (the worker);
``remind_upcoming`` one person's sign-ups (when they open a page).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import notifications, places, posts
from .signups import signup as signups
from .base import now

REMINDER_HOURS = (2, 24)  # the reminders before a shift, nearest first


def due_reminder(start: datetime | None, at: datetime, within: int = 24) -> int | None:
    """Which reminder (hours before) is due at ``at`` for a shift starting at ``start``:
    the nearest whose time has come; None when the shift started or is further ahead."""
    if start is None or at >= start:
        return None
    for hours in REMINDER_HOURS:
        if hours <= within and at >= start - timedelta(hours=hours):
            return hours
    return None


def _key(hours: int, signup_id: str, shift: dict) -> str:
    return f"reminder:{hours}h:{signup_id}:{shift['date']} {shift['start']}"


def _sent(uid: str, hours: int, signup_id: str, shift: dict) -> bool:
    if notifications.has_key(uid, _key(hours, signup_id, shift)):
        return True
    # Made before these keys (one 24-hour reminder per shift, when the portal was opened).
    legacy = f"reminder:{shift['id']}:{shift['date']}:{shift['start']}"
    return hours == 24 and notifications.has_key(uid, legacy)


def _text(hours: int, shift: dict, post: dict, community: dict) -> str:
    soon = f"（约 {hours} 小时后）" if hours < 24 else ""
    return (
        f"提醒：您报名的“{post['title']}”将于 {shift['date']} {shift['start']} 开始{soon}，"
        f"地点：{post['place']}（{community['name']}）。"
    )


def _remind(uid, hours, signup_id, shift, post, community, at, link, compose) -> dict | None:
    if _sent(uid, hours, signup_id, shift):
        return None
    text = _text(hours, shift, post, community)
    email = compose(uid, "reminder", text, link) if compose else None
    return notifications.notify(
        uid, "reminder", text, link=link, at=at, key=_key(hours, signup_id, shift), email=email
    )


def remind_upcoming(
    uid: str, at=None, hours: int = 24, link: str | None = None, compose=None
) -> list[dict]:
    """The due reminder of each of the person's confirmed shifts starting within
    ``hours``, once each; returns the reminders made now. ``compose(uid, kind, text,
    link)`` gives each one's e-mail copy (or None)."""
    at = at or now()
    made = []
    for row in signups.user_signups(uid, upcoming_at=at):
        if row["status"] != signups.CONFIRMED:
            continue
        due = due_reminder(posts.shift_start(row["shift"]), at, hours)
        if due is None:
            continue
        item = _remind(
            uid, due, row["id"], row["shift"], row["post"], row["community"], at, link, compose
        )
        if item:
            made.append(item)
    return made


def _shifts_between(first: datetime, last: datetime, cids=None):
    """(community, shift, post, start) of dated shifts starting in [first, last]."""
    days = {
        (first.date() + timedelta(days=n)).isoformat()
        for n in range((last.date() - first.date()).days + 1)
    }
    wanted = None if cids is None else set(cids)
    for community in places.list_communities():
        if wanted is not None and community["id"] not in wanted:
            continue
        index = posts.community_index(community["id"])
        for shift in index["shifts"].values():
            if shift["date"] not in days:
                continue
            start = posts.shift_start(shift)
            if start is not None and first <= start <= last:
                yield community, shift, index["posts"][shift["post_id"]], start


def _confirmed(cid: str, shift: dict) -> list[dict]:
    slot = signups._view(cid, posts.shift_month(shift))["by_shift"].get(shift["id"])
    return list(slot[signups.CONFIRMED]) if slot else []


def shift_reminders(at=None, link: str | None = None, compose=None) -> list[dict]:
    """Every due reminder of the district's confirmed sign-ups, once each (the worker's
    job); returns the reminders made now."""
    at = at or now()
    made = []
    for community, shift, post, start in _shifts_between(at, at + timedelta(hours=24)):
        due = due_reminder(start, at)
        if due is None:
            continue
        for row in _confirmed(community["id"], shift):
            item = _remind(row["uid"], due, row["id"], shift, post, community, at, link, compose)
            if item:
                made.append(item)
    return made


def underfilled_shifts(at=None, hours: int = 24, cids=None) -> list[dict]:
    """Shifts not started yet that start within ``hours`` and have fewer confirmed people
    than places: {community, post, shift, start, confirmed, capacity}, soonest first."""
    at = at or now()
    rows = []
    for community, shift, post, start in _shifts_between(at, at + timedelta(hours=hours), cids):
        if start <= at:
            continue
        confirmed = len(_confirmed(community["id"], shift))
        if confirmed < shift["capacity"]:
            rows.append(
                {
                    "community": community,
                    "post": post,
                    "shift": shift,
                    "start": start,
                    "confirmed": confirmed,
                    "capacity": shift["capacity"],
                }
            )
    return sorted(rows, key=lambda r: (r["start"], r["shift"]["id"]))
