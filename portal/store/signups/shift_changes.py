"""A community changes or cancels a shift after people signed up for it.

Changing keeps the shift in its month (sign-ups are partitioned by the shift's
month); a larger capacity moves the first waiters up. Cancelling moves the
shift to the community file's ``cancelled_shifts`` table, so it disappears from
every list and cannot be signed up for, and marks its active sign-ups cancelled
with the reason. Both write the community file and the month's sign-up file in
one transaction (``_files.transaction_many``).
"""

from __future__ import annotations

import contextlib

from tinydb import Query

from .. import _files, posts
from . import signup as signups
from ..base import NotFound, StoreError, community_path, now, signups_path, stamp


@contextlib.contextmanager
def _shift_and_signups(cid: str, sid: str):
    """The shift (community file) and its sign-ups (month file) in one transaction.

    Yields (shifts table, the shift's document, sign-ups table, its active sign-ups in
    arrival order). Both files are written together or not at all, and a sign-up,
    which takes the month file's lock, waits until the shift is written.
    """
    shift, _post = posts.get_shift(cid, sid)
    month_path = signups_path(cid, posts.shift_month(shift))
    with _files.transaction_many(community_path(cid), month_path) as (db, sdb):
        shifts = db.table("shifts")
        found = shifts.get(Query().id == sid)
        if found is None:
            raise NotFound("没有找到这个班次。")
        table = sdb.table("signups")
        q = Query()
        rows = sorted(
            table.search((q.shift_id == sid) & q.status.one_of(signups.ACTIVE)),
            key=lambda d: d.doc_id,
        )
        yield db, found, table, rows


def _changed(shift: dict, date, start, end, capacity, at) -> dict:
    """The shift with the new date, times and capacity, checked."""
    new = dict(shift)
    if shift["date"] is not None:
        new.update(
            date=date or shift["date"], start=start or shift["start"], end=end or shift["end"]
        )
        if new["start"] >= new["end"]:
            raise StoreError("班次的结束时间必须晚于开始时间。")
        if posts.shift_month(new) != posts.shift_month(shift):
            raise StoreError("只能在同一个月内调整日期；跨月请取消这个班次后重新发布。")
        if posts.shift_start(new) <= at:
            raise StoreError("调整后的开始时间已经过去，请选择以后的时间。")
    if capacity is not None:
        if not 1 <= int(capacity) <= 500:
            raise StoreError("名额应在 1 到 500 人之间。")
        new["capacity"] = int(capacity)
    if new == shift:
        raise StoreError("没有需要修改的内容。")
    return new


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
    """Change a shift's date/time/capacity. Returns {'before', 'shift', 'uids', 'promoted'}:
    uids are everyone on the shift (confirmed and waiting), promoted the rows moved up."""
    at = at or now()
    with _shift_and_signups(cid, sid) as (db, found, table, rows):
        shift = {k: v for k, v in found.items()}
        new = _changed(shift, date, start, end, capacity, at)
        confirmed = sum(1 for r in rows if r["status"] == signups.CONFIRMED)
        if new["capacity"] < confirmed:
            raise StoreError(f"名额不能少于已报名人数（{confirmed} 人）；请先与报名的人沟通。")
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
    with _shift_and_signups(cid, sid) as (db, found, table, rows):
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
    rows = _files.read_tables(community_path(cid)).get("cancelled_shifts", {}).values()
    return sorted(
        (r for r in rows if pid is None or r["post_id"] == pid),
        key=lambda r: r["cancelled_at"],
        reverse=True,
    )


def get_cancelled_shift(cid: str, sid: str) -> dict | None:
    return next((r for r in cancelled_shifts(cid) if r["id"] == sid), None)
