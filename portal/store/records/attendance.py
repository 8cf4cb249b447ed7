"""Attendance and service hours, kept on the sign-up row in its community-month file.

A confirmed sign-up is marked 已到 (present) or 缺席 (absent) once its shift has
started. A present row is credited the shift's length in hours; the admin may
adjust that with a reason, and the hours stay pending until the admin confirms
them. Every write touches one ``signups-<YYYY-MM>.json`` file only.

Repeated absences (``limit`` within ``days``) block new sign-ups until an admin
clears them; clearing stamps ``no_show_cleared_at`` on the account, and only
absences from shifts that started after that stamp count again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tinydb import Query

from .. import backend as docs
from .. import people, places, posts
from ..accounts import users as accounts
from ..base import NotFound, StoreError, now, signups_key, signups_prefix, stamp

PRESENT, ABSENT = "present", "absent"
ATTENDANCE_NAMES = {PRESENT: "已到", ABSENT: "缺席"}
_CONFIRMED = "confirmed"  # signups.CONFIRMED (not imported: signups imports this module)
MAX_HOURS = 24.0


def _rows(tables) -> dict:
    """Per user and per id: the month file's sign-up rows."""
    by_user: dict[str, list] = {}
    by_id: dict[str, dict] = {}
    for row in tables.get("signups", {}).values():
        by_user.setdefault(row["uid"], []).append(row)
        by_id[row["id"]] = row
    return {"by_user": by_user, "by_id": by_id, "rows": list(by_id.values())}


def _absences(tables) -> dict[str, list]:
    """Per user: the month file's rows marked absent (most months have few or none)."""
    by_user: dict[str, list] = {}
    for row in tables.get("signups", {}).values():
        if row.get("attendance") == ABSENT:
            by_user.setdefault(row["uid"], []).append(row)
    return by_user


def month_rows(cid: str, month: str) -> dict:
    """The sign-up rows of one community-month (cached per version of the file)."""
    return docs.view(signups_key(cid, month), "attendance-rows", _rows)


def shift_hours(shift: dict) -> float:
    """The length of a dated shift in hours (the default credit)."""
    start, end = posts.shift_start(shift), posts.shift_end(shift)
    if start is None or end is None:
        return 0.0
    return round((end - start).total_seconds() / 3600, 2)


def _check_started(shift: dict, at: datetime) -> None:
    start = posts.shift_start(shift)
    if start is None:
        raise StoreError("长期岗位没有固定的班次时间，不能按班次登记到岗。")
    if at < start:
        raise StoreError("班次还没有开始，开始后才能登记到岗情况。")


def get_signup(cid: str, sid: str, signup_id: str) -> dict:
    """One sign-up row of a shift, or NotFound."""
    shift, _post = posts.get_shift(cid, sid)
    row = month_rows(cid, posts.shift_month(shift))["by_id"].get(signup_id)
    if row is None or row["shift_id"] != sid:
        raise NotFound("没有找到这条报名记录。")
    return row


def _same_month(cid: str, shift: dict) -> None:
    """Inside the month file's lock: refuse if the shift was moved to another month since
    it was read (a move holds this lock while it writes)."""
    if posts.shift_month(posts.get_shift(cid, shift["id"])[0]) != posts.shift_month(shift):
        raise StoreError("这个班次的日期刚刚调整，请刷新页面后重试。")


def _change_row(cid: str, shift: dict, signup_id: str, change) -> dict:
    with docs.transaction_one(signups_key(cid, posts.shift_month(shift))) as db:
        _same_month(cid, shift)
        table = db.table("signups")
        q = Query()
        found = table.get((q.id == signup_id) & (q.shift_id == shift["id"]))
        if found is None:
            raise NotFound("没有找到这条报名记录。")
        row = dict(found)
        change(row)
        table.update(row, doc_ids=[found.doc_id])
    return row


def mark_attendance(
    cid: str,
    sid: str,
    signup_id: str,
    status: str,
    by: str,
    note: str = "",
    at: datetime | None = None,
) -> dict:
    """Mark a confirmed sign-up 已到 or 缺席; present rows get the shift's length as hours."""
    at = at or now()
    if status not in ATTENDANCE_NAMES:
        raise StoreError("请选择“已到”或“缺席”。")
    note = (note or "").strip()
    if len(note) > 200:
        raise StoreError("备注不能超过 200 个字。")
    shift, _post = posts.get_shift(cid, sid)
    _check_started(shift, at)

    def change(row):
        if row["status"] != _CONFIRMED:
            raise StoreError("只能为已报名（非候补、未取消）的人员登记到岗。")
        if row.get("hours_confirmed_at"):
            raise StoreError("这条记录的工时已经确认，不能再修改到岗情况。")
        row.update(
            attendance=status,
            attendance_note=note,
            marked_by=by,
            marked_at=stamp(at),
            hours=shift_hours(shift) if status == PRESENT else 0.0,
            hours_reason="",
            hours_confirmed_at=None,
            hours_confirmed_by=None,
        )

    return _change_row(cid, shift, signup_id, change)


def adjust_hours(
    cid: str,
    sid: str,
    signup_id: str,
    hours: float,
    reason: str,
    by: str,
    at: datetime | None = None,
) -> dict:
    """Credit other hours than the shift's length; a reason is required."""
    at = at or now()
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("调整工时请填写原因。")
    if len(reason) > 200:
        raise StoreError("原因不能超过 200 个字。")
    try:
        hours = round(float(hours), 2)
    except (TypeError, ValueError):
        raise StoreError("请填写有效的工时数。") from None
    if not 0 < hours <= MAX_HOURS:
        raise StoreError("工时应大于 0 且不超过 24 小时。")
    shift, _post = posts.get_shift(cid, sid)

    def change(row):
        if row.get("attendance") != PRESENT:
            raise StoreError("请先登记为“已到”，再调整工时。")
        if row.get("hours_confirmed_at"):
            raise StoreError("这条记录的工时已经确认，不能再调整。")
        row.update(
            hours=hours, hours_reason=reason, hours_adjusted_by=by, hours_adjusted_at=stamp(at)
        )

    return _change_row(cid, shift, signup_id, change)


def confirm_hours(cid: str, sid: str, by: str, at: datetime | None = None) -> list[dict]:
    """Confirm the pending hours of every present sign-up of the shift; returns those rows."""
    at = at or now()
    shift, _post = posts.get_shift(cid, sid)
    with docs.transaction_one(signups_key(cid, posts.shift_month(shift))) as db:
        _same_month(cid, shift)
        table = db.table("signups")
        q = Query()
        pending = table.search(
            (q.shift_id == sid)
            & (q.status == _CONFIRMED)
            & (q.attendance == PRESENT)
            & (q.hours_confirmed_at == None)  # noqa: E711 (a TinyDB query)
        )
        if not pending:
            raise StoreError("这个班次没有待确认的工时。")
        table.update(
            {"hours_confirmed_at": stamp(at), "hours_confirmed_by": by},
            doc_ids=[d.doc_id for d in pending],
        )
    return [dict(d, hours_confirmed_at=stamp(at), hours_confirmed_by=by) for d in pending]


# --- no-shows ---------------------------------------------------------------------------


def _window_months(since: datetime, until: datetime) -> tuple[str, str]:
    return since.strftime("%Y-%m"), until.strftime("%Y-%m")


def user_no_shows(uid: str, at: datetime | None = None, days: int = 90) -> list[dict]:
    """The user's counted absences: shifts started in the last ``days`` and after clearing."""
    at = at or now()
    user = accounts.get_user(uid)
    since = at - timedelta(days=days)
    cleared = user.get("no_show_cleared_at")
    first, last = _window_months(since, at)
    found = []
    for cid, month in people.signup_parts(uid):
        if month == "standing" or not first <= month <= last:
            continue
        # Every sign-up checks this, and the month's file changes with every sign-up in
        # the community: a view of its absences alone is quick to build again.
        absent = docs.view(signups_key(cid, month), "absences", _absences)
        for row in absent.get(uid, []):
            try:
                shift, post = posts.get_shift(cid, row["shift_id"])
            except NotFound:
                continue
            start = posts.shift_start(shift)
            if start is None or not since <= start <= at:
                continue
            if cleared and stamp(start) <= cleared:
                continue
            found.append(dict(row, shift=shift, post=post, community_id=cid))
    return sorted(found, key=lambda r: posts.shift_sort_key(r["shift"]))


def no_show_block(uid: str, at: datetime | None = None, limit: int = 2, days: int = 90) -> None:
    """Raise StoreError when the user has ``limit`` or more counted absences."""
    if not limit:
        return
    count = len(user_no_shows(uid, at, days))
    if count >= limit:
        raise StoreError(f"您近 {days} 天内缺席 {count} 次，暂时不能报名，请联系社区管理员解除。")


def blocked_members(
    cid: str, at: datetime | None = None, limit: int = 2, days: int = 90
) -> list[dict]:
    """Users blocked by absences of whom at least one counted absence is in this community."""
    at = at or now()
    since = at - timedelta(days=days)
    first, last = _window_months(since, at)
    prefix = signups_prefix(cid)
    uids: set[str] = set()
    for key in docs.keys(prefix):
        month = key[len(prefix) :]
        if month != "standing" and first <= month <= last:
            uids.update(
                r["uid"] for r in month_rows(cid, month)["rows"] if r.get("attendance") == ABSENT
            )
    rows = []
    for uid, user in accounts.users_by_ids(uids).items():
        counted = user_no_shows(uid, at, days)
        if len(counted) >= limit and any(r["community_id"] == cid for r in counted):
            rows.append({"user": user, "no_shows": counted})
    return sorted(rows, key=lambda r: r["user"]["name"])


def clear_no_show_block(uid: str, at: datetime | None = None) -> dict:
    """Forgive the user's absences so far: they no longer block sign-ups."""
    return accounts.clear_no_shows(uid, at or now())


# --- hours ------------------------------------------------------------------------------


def hours_rows(uid: str) -> list[dict]:
    """Every present sign-up of the user with shift, post, community and hours, by date."""
    rows = []
    for cid, month in people.signup_parts(uid):
        for row in month_rows(cid, month)["by_user"].get(uid, []):
            if row.get("attendance") != PRESENT or row["status"] != _CONFIRMED:
                continue
            try:
                shift, post = posts.get_shift(cid, row["shift_id"])
            except NotFound:
                continue
            rows.append(
                dict(
                    row,
                    shift=shift,
                    post=post,
                    category=post["category"],
                    community=places.community_index().get(cid),
                    confirmed=bool(row.get("hours_confirmed_at")),
                    month=posts.shift_month(shift),
                    date=shift["date"],
                )
            )
    return sorted(rows, key=lambda r: posts.shift_sort_key(r["shift"]))


def summarize_hours(rows: list[dict]) -> dict:
    """Confirmed totals by category and by month, and the pending total."""
    by_category: dict[str, float] = {}
    by_month: dict[str, float] = {}
    total = pending = 0.0
    for row in rows:
        hours = float(row.get("hours") or 0)
        if not row["confirmed"]:
            pending += hours
            continue
        total += hours
        by_category[row["category"]] = by_category.get(row["category"], 0) + hours
        by_month[row["month"]] = by_month.get(row["month"], 0) + hours
    return {
        "total": round(total, 2),
        "pending": round(pending, 2),
        "by_category": {k: round(v, 2) for k, v in by_category.items()},
        "by_month": {k: round(v, 2) for k, v in sorted(by_month.items())},
        "count": sum(1 for r in rows if r["confirmed"]),
    }


def confirmed_hours_between(uid: str, first: str, last: str) -> list[dict]:
    """Confirmed service rows of the user whose shift date is within [first, last] (ISO dates)."""
    return [
        r for r in hours_rows(uid) if r["confirmed"] and r["date"] and first <= r["date"] <= last
    ]
