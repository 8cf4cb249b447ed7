"""A community changes or cancels a shift after people signed up for it.

Sign-ups are partitioned by the shift's month. A change within the month writes the
community file and the month's sign-up file; a new date in another month also moves
every sign-up row of the shift (in arrival order) to that month's file, so three files
change in one transaction (``backend.transaction``): all or nothing. A larger
capacity moves the first waiters up. Cancelling moves the shift to the community
file's ``cancelled_shifts`` table, so it disappears from every list and cannot be
signed up for, and marks its active sign-ups cancelled with the reason.
"""

from __future__ import annotations

import contextlib

from tinydb import Query

from .. import backend as docs
from .. import people, posts
from . import signup as signups
from ..base import NotFound, StoreError, community_key, now, signups_key, stamp

_CHANGED_MEANWHILE = "这个班次刚刚被修改过，请刷新页面后重试。"


@contextlib.contextmanager
def _shift_and_signups(cid: str, sid: str, new_month: str | None = None):
    """The shift (community file) and its sign-ups (month file) in one transaction.

    Yields (community db, the shift's document, sign-ups table, its active sign-ups in
    arrival order, the new month's sign-ups table or None). With ``new_month`` (another
    month than the shift's) that month's file is in the transaction too. Every file is
    written together or not at all, and a sign-up, which takes the month file's lock,
    waits until the shift is written.
    """
    shift, _post = posts.get_shift(cid, sid)
    month = posts.shift_month(shift)
    paths = [community_key(cid), signups_key(cid, month)]
    moving = new_month is not None and new_month != month
    if moving:
        assert new_month is not None
        paths.append(signups_key(cid, new_month))
    with docs.transaction(*paths) as dbs:
        db, sdb = dbs[0], dbs[1]
        shifts = db.table("shifts")
        found = shifts.get(Query().id == sid)
        if found is None:
            raise NotFound("没有找到这个班次。")
        if posts.shift_month(dict(found)) != month:
            raise StoreError(_CHANGED_MEANWHILE)  # moved by someone else since it was read
        table = sdb.table("signups")
        q = Query()
        rows = sorted(
            table.search((q.shift_id == sid) & q.status.one_of(signups.ACTIVE)),
            key=lambda d: d.doc_id,
        )
        yield db, found, table, rows, (dbs[2].table("signups") if moving else None)


def _changed(shift: dict, date, start, end, capacity, at) -> dict:
    """The shift with the new date, times and capacity, checked."""
    new = dict(shift)
    if shift["date"] is not None:
        new.update(
            date=date or shift["date"], start=start or shift["start"], end=end or shift["end"]
        )
        if new["start"] >= new["end"]:
            raise StoreError("班次的结束时间必须晚于开始时间。")
        if posts.shift_start(new) <= at:
            raise StoreError("调整后的开始时间已经过去，请选择以后的时间。")
    if capacity is not None:
        if not 1 <= int(capacity) <= 500:
            raise StoreError("名额应在 1 到 500 人之间。")
        new["capacity"] = int(capacity)
    if new == shift:
        raise StoreError("没有需要修改的内容。")
    return new


class _NewPeople(Exception):
    """Someone signed up between writing the pointers and taking the locks."""

    def __init__(self, uids: set[str]):
        self.uids = uids


def _move_rows(old, new, sid: str, pointed: set[str]) -> None:
    """Move every row of the shift (cancelled ones too) from the old month's table to the
    new one, in arrival order (TinyDB doc ids), so the waiting list keeps its order."""
    rows = sorted(old.search(Query().shift_id == sid), key=lambda d: d.doc_id)
    missing = {r["uid"] for r in rows} - pointed
    if missing:
        raise _NewPeople(missing)
    for row in rows:
        new.insert(dict(row))
    old.remove(doc_ids=[r.doc_id for r in rows])


def update_shift(
    cid: str,
    sid: str,
    *,
    date: str | None = None,
    start: str | None = None,
    end: str | None = None,
    capacity: int | None = None,
    at=None,
) -> dict:
    """Change a shift's date/time/capacity; a date in another month moves its sign-ups too.

    Returns {'before', 'shift', 'uids', 'promoted'}: uids are everyone on the shift
    (confirmed and waiting), promoted the rows moved up.
    """
    at = at or now()
    shift, _post = posts.get_shift(cid, sid)
    # A standing role has no date to move; a dated shift goes to its new date's month.
    new_month = posts.shift_month(dict(shift, date=(shift["date"] and date) or shift["date"]))
    pointed: set[str] = set()
    if new_month != posts.shift_month(shift):
        # Everyone on the shift gets a pointer to the new month before any row moves
        # there: a pointer to nothing is harmless, a sign-up nobody can find is not.
        pointed = {r["uid"] for r in _all_rows(cid, shift)}
    for _attempt in range(5):
        for uid in sorted(pointed):
            people.add_signup_part(uid, cid, new_month)
        try:
            return _update(cid, sid, date, start, end, capacity, at, new_month, pointed)
        except _NewPeople as late:
            pointed |= late.uids  # nothing was written: point to them too, then again
    raise StoreError(_CHANGED_MEANWHILE)


def _all_rows(cid: str, shift: dict) -> list[dict]:
    month = posts.shift_month(shift)
    rows = docs.read(signups_key(cid, month)).get("signups", {}).values()
    return [r for r in rows if r["shift_id"] == shift["id"]]


def _update(cid, sid, date, start, end, capacity, at, new_month, pointed) -> dict:
    with _shift_and_signups(cid, sid, new_month) as (db, found, table, rows, moved_to):
        shift = {k: v for k, v in found.items()}
        new = _changed(shift, date, start, end, capacity, at)
        if posts.shift_month(new) != new_month:
            raise StoreError(_CHANGED_MEANWHILE)
        confirmed = sum(1 for r in rows if r["status"] == signups.CONFIRMED)
        if new["capacity"] < confirmed:
            raise StoreError(f"名额不能少于已报名人数（{confirmed} 人）；请先与报名的人沟通。")
        if moved_to is not None:
            _move_rows(table, moved_to, sid, pointed)
            table = moved_to
        promoted = signups.promote_waiters(table, sid, new["capacity"] - confirmed, at)
        db.table("shifts").update(
            {k: new[k] for k in ("date", "start", "end", "capacity")}, doc_ids=[found.doc_id]
        )
    return {"before": shift, "shift": new, "uids": [r["uid"] for r in rows], "promoted": promoted}


def cancel_shift(cid: str, sid: str, reason: str, by: str | None = None, at=None) -> dict:
    """Cancel a shift with a reason; returns {'shift', 'cancelled': rows that were active}."""
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("取消班次时请填写原因，报名的人会看到。")
    at = at or now()
    with _shift_and_signups(cid, sid) as (db, found, table, rows, _moved_to):
        for row in rows:
            table.update(
                {
                    "status": signups.CANCELLED,
                    "cancelled_at": stamp(at),
                    "cancel_reason": reason,
                    "cancelled_by_community": True,
                },
                doc_ids=[row.doc_id],
            )
        gone = dict(found, cancelled_at=stamp(at), cancel_reason=reason, cancelled_by=by)
        db.table("cancelled_shifts").insert(gone)
        db.table("shifts").remove(doc_ids=[found.doc_id])
    return {"shift": gone, "cancelled": [dict(r) for r in rows]}


def cancelled_shifts(cid: str, pid: str | None = None) -> list[dict]:
    """Cancelled shifts of a community (optionally of one post), newest cancellation first."""
    rows = docs.read(community_key(cid)).get("cancelled_shifts", {}).values()
    return sorted(
        (r for r in rows if pid is None or r["post_id"] == pid),
        key=lambda r: r["cancelled_at"],
        reverse=True,
    )


def get_cancelled_shift(cid: str, sid: str) -> dict | None:
    return next((r for r in cancelled_shifts(cid) if r["id"] == sid), None)


def update_series(
    cid: str,
    pid: str,
    *,
    start: str | None = None,
    end: str | None = None,
    capacity: int | None = None,
    at=None,
) -> dict:
    """Change the time and/or capacity of every future shift of a repeating post.

    One transaction over the community file and every month file involved: all shifts
    change or none. A larger capacity moves waiters up; a capacity below a shift's
    confirmed count refuses the whole change, naming that date. Returns {'changes': [
    {'before', 'shift', 'uids', 'promoted'} per changed shift]}.
    """
    at = at or now()
    post = posts.get_post(cid, pid)
    if not post.get("series"):
        raise StoreError("这个岗位不是重复系列。")
    if capacity is not None and not 1 <= int(capacity) <= 500:
        raise StoreError("名额应在 1 到 500 人之间。")
    future = [s for s in posts.post_shifts(cid, pid) if (posts.shift_start(s) or at) > at]
    if not future:
        raise StoreError("这个系列没有尚未开始的班次。")
    months = sorted({posts.shift_month(s) for s in future})
    paths = [community_key(cid)] + [signups_key(cid, m) for m in months]
    changes = []
    with docs.transaction(*paths) as dbs:
        db = dbs[0]
        tables = {m: d.table("signups") for m, d in zip(months, dbs[1:], strict=True)}
        shifts = db.table("shifts")
        q = Query()
        for old in future:
            found = shifts.get(q.id == old["id"])
            if found is None or posts.shift_month(dict(found)) != posts.shift_month(old):
                raise StoreError("这个系列的班次刚刚被修改过，请刷新页面后重试。")
            before = dict(found)
            new = dict(before, start=start or before["start"], end=end or before["end"])
            if capacity is not None:
                new["capacity"] = int(capacity)
            if new["start"] >= new["end"]:
                raise StoreError("班次的结束时间必须晚于开始时间。")
            if new == before:
                continue
            if posts.shift_start(new) <= at:
                raise StoreError(f"{new['date']} 的班次调整后的开始时间已经过去。")
            table = tables[posts.shift_month(before)]
            rows = sorted(
                table.search((q.shift_id == before["id"]) & q.status.one_of(signups.ACTIVE)),
                key=lambda d: d.doc_id,
            )
            confirmed = sum(1 for r in rows if r["status"] == signups.CONFIRMED)
            if new["capacity"] < confirmed:
                raise StoreError(
                    f"{before['date']} 的班次已有 {confirmed} 人报名，名额不能少于已报名人数；"
                    "请先与报名的人沟通。"
                )
            promoted = signups.promote_waiters(table, before["id"], new["capacity"] - confirmed, at)
            shifts.update({k: new[k] for k in ("start", "end", "capacity")}, doc_ids=[found.doc_id])
            changes.append(
                {
                    "before": before,
                    "shift": new,
                    "uids": [r["uid"] for r in rows],
                    "promoted": promoted,
                }
            )
        if not changes:
            raise StoreError("没有需要修改的内容。")
    return {"changes": changes}
