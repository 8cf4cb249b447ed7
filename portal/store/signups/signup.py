"""Sign-ups for shifts: capacity, FIFO waiting list, overlap, deadlines.

Sign-ups are kept per community and month of the shift (``signups-YYYY-MM.json``).
A sign-up's transaction locks the month's sign-ups (no two people race past the
capacity check) and the person's document (no two of their own sign-ups race past
the overlap check, made again inside), in the backends' one fixed order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tinydb import Query

from .. import backend as docs
from .. import people, places, posts, skill_requests
from ..accounts import users as accounts
from ..records import attendance
from ..base import (
    NotFound,
    StoreError,
    community_key,
    new_id,
    now,
    person_key,
    signups_key,
    stamp,
)

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
ACTIVE = (CONFIRMED, WAITING)


def _partition(tables) -> dict:
    """Per shift: confirmed rows and the waiting list in FIFO order; per user: their rows."""
    by_shift: dict[str, dict] = {}
    by_user: dict[str, list] = {}
    # TinyDB doc ids grow with each insert under the file lock: they are the arrival order.
    # The rows are this process's cached copy: annotate them in place rather than copy.
    for doc_id, row in sorted(tables.get("signups", {}).items(), key=lambda kv: int(kv[0])):
        row["seq"] = int(doc_id)
        by_user.setdefault(row["uid"], []).append(row)
        if row["status"] in ACTIVE:
            slot = by_shift.setdefault(row["shift_id"], {CONFIRMED: [], WAITING: []})
            slot[row["status"]].append(row)
    return {"by_shift": by_shift, "by_user": by_user}


def _view(cid: str, month: str) -> dict:
    return docs.view(signups_key(cid, month), "partition", _partition)


def shift_counts(cid: str, shift: dict) -> dict:
    """{'confirmed': n, 'waiting': n, 'free': n} for one shift."""
    slot = _view(cid, posts.shift_month(shift))["by_shift"].get(shift["id"])
    taken = len(slot[CONFIRMED]) if slot else 0
    return {
        "confirmed": taken,
        "waiting": len(slot[WAITING]) if slot else 0,
        "free": max(shift["capacity"] - taken, 0),
    }


def roster(cid: str, sid: str) -> dict:
    """The confirmed list and the waiting list of a shift, with each person's account."""
    shift, post = posts.get_shift(cid, sid)
    slot = _view(cid, posts.shift_month(shift))["by_shift"].get(sid, {CONFIRMED: [], WAITING: []})
    uids = {r["uid"] for r in slot[CONFIRMED] + slot[WAITING]}
    # Their account documents looked up together (up to sixteen shards: one query on
    # PostgreSQL instead of one each).
    docs.prefetch(_account_keys(uids))
    users = accounts.users_by_ids(uids)

    def attach(rows):
        return [dict(r, user=users.get(r["uid"])) for r in rows]

    return {
        "shift": shift,
        "post": post,
        "confirmed": attach(slot[CONFIRMED]),
        "waiting": attach(slot[WAITING]),
    }


def _account_keys(uids) -> set[str]:
    """The account documents holding these users (ids of another shape are left out)."""
    found = set()
    for uid in uids:
        try:
            found.add(accounts.user_file(uid))
        except NotFound:
            continue
    return found


def user_signups(
    uid: str, include_cancelled: bool = False, months=None, upcoming_at: datetime | None = None
) -> list[dict]:
    """The user's sign-ups with shift, post, community and waiting position, by start time.

    ``months`` (a set of "YYYY-MM" / "standing") limits the search to those partitions;
    ``upcoming_at`` to the partitions that can hold shifts not over at that time.
    """
    rows = []
    since = upcoming_at.strftime("%Y-%m") if upcoming_at is not None else None
    parts = [
        (cid, month)
        for cid, month in people.signup_parts(uid, months)
        if since is None or is_upcoming(month, since)
    ]
    _prefetch(parts)
    for cid, month in parts:
        view = _view(cid, month)
        for row in view["by_user"].get(uid, []):
            if row["status"] == CANCELLED and not include_cancelled:
                continue
            try:
                shift, post = posts.get_shift(cid, row["shift_id"])
            except NotFound:
                continue
            position = None
            if row["status"] == WAITING:
                waiting = view["by_shift"][row["shift_id"]][WAITING]
                position = 1 + [w["id"] for w in waiting].index(row["id"])
            rows.append(
                dict(
                    row,
                    shift=shift,
                    post=post,
                    position=position,
                    community=places.get_community(cid),
                )
            )
    return sorted(rows, key=lambda r: posts.shift_sort_key(r["shift"]))


def _part_keys(parts) -> list[str]:
    """The documents reading these community-months takes: their sign-ups and their
    communities' documents (for the shifts)."""
    keys = [signups_key(cid, month) for cid, month in parts]
    return keys + [community_key(cid) for cid in {cid for cid, _month in parts}]


def _prefetch(parts, *more: str) -> None:
    """Look up these community-months and their communities' documents together (one
    query on PostgreSQL instead of one per document as each is first read)."""
    docs.prefetch([*_part_keys(parts), *more])


def is_upcoming(month: str, at: datetime | str) -> bool:
    """Whether a partition can hold shifts not over yet: this month on, or standing roles.

    ``at`` is a time or, to save formatting it per call, its "YYYY-MM".
    """
    return month == "standing" or month >= (at if isinstance(at, str) else at.strftime("%Y-%m"))


def _overlaps(a: dict, b: dict) -> bool:
    if not a["date"] or not b["date"] or a["date"] != b["date"]:
        return False
    return a["start"] < b["end"] and b["start"] < a["end"]


def _current_shift(cid: str, sid: str, at: datetime) -> tuple[dict, dict]:
    """The shift and its post as stored now, if they still take sign-ups at ``at``."""
    try:
        shift, post = posts.get_shift(cid, sid)
    except NotFound:
        raise StoreError("这个班次已经取消或不存在，不能报名。") from None
    if post["status"] != posts.OPEN:
        raise StoreError("这个岗位已经停止报名。")
    opens = post.get("signup_opens_at")
    if opens and at < posts.signup_opens(opens):
        raise StoreError(f"报名将于 {opens} 开放。")
    start = posts.shift_start(shift)
    if start is not None and at >= start:
        raise StoreError("这个班次已经开始，报名已截止。")
    return shift, post


def _refuse_twice_or_overlapping(uid: str, month: str, shift: dict) -> None:
    """Refuse a second sign-up for the shift, or one for a shift at the same time.

    Overlaps happen on one date, so the shift's own month is all there is to look at;
    only the person's active rows are looked at, and a row's shift only when it is
    another one (a member who signs up in many communities has many rows there)."""
    for cid, part in people.signup_parts(uid, {month}):
        view = _view(cid, part)
        for row in view["by_user"].get(uid, ()):
            if row["status"] not in ACTIVE:
                continue
            if row["shift_id"] == shift["id"]:
                if row["status"] == CONFIRMED:
                    raise StoreError("您已经报名了这个班次。")
                waiting = view["by_shift"][row["shift_id"]][WAITING]
                position = 1 + [w["id"] for w in waiting].index(row["id"])
                raise StoreError(f"您已在这个班次的候补名单上（第 {position} 位）。")
            try:
                other, post = posts.get_shift(cid, row["shift_id"])
            except NotFound:
                continue
            if _overlaps(other, shift):
                raise StoreError(
                    f"与您已报名的“{post['title']}”"
                    f"（{other['date']} {other['start']}–{other['end']}）时间冲突。"
                )


def promote_waiters(table, sid: str, places_free: int, at: datetime) -> list[dict]:
    """Move the first ``places_free`` waiters of a shift up, in arrival order; the rows moved.

    The one place where the waiting list moves: cancelling a sign-up, raising a shift's
    capacity and deleting an account all come through here, inside their transaction.
    """
    q = Query()
    waiting = sorted(
        table.search((q.shift_id == sid) & (q.status == WAITING)), key=lambda d: d.doc_id
    )
    promoted = []
    for row in waiting[: max(places_free, 0)]:
        table.update({"status": CONFIRMED, "promoted_at": stamp(at)}, doc_ids=[row.doc_id])
        promoted.append(dict(row, status=CONFIRMED, promoted_at=stamp(at)))
    return promoted


def sign_up(
    cid: str,
    sid: str,
    uid: str,
    at: datetime | None = None,
    *,
    no_show_limit: int = 2,
    no_show_days: int = 90,
) -> dict:
    """Sign the user up: confirmed while places are free, else on the waiting list.

    Refused while the user has ``no_show_limit`` absences within ``no_show_days``."""
    at = at or now()
    # The shift's community and the person's pointers, looked up together.
    docs.prefetch([community_key(cid), person_key(uid)])
    shift, post = posts.get_shift(cid, sid)
    user = accounts.get_user(uid)
    if user["role"] not in ("member", "volunteer"):
        raise StoreError("只有在职党员和志愿者可以报名服务岗位。")
    if user.get("disabled"):
        raise StoreError("您的账号已停用，不能报名。")
    # What the checks below read, looked up at once: the months of the absence window,
    # and the shift's month in every community with the person's sign-ups (for
    # overlaps) with those communities.
    first, last = (at - timedelta(days=no_show_days)).strftime("%Y-%m"), at.strftime("%Y-%m")
    parts = people.signup_parts(uid)
    window = [signups_key(c, m) for c, m in parts if first <= m <= last]
    month = posts.shift_month(shift)
    same = [p for p in parts if p[1] == month]
    _prefetch(same, community_key(cid), *window)
    attendance.no_show_block(uid, at, no_show_limit, no_show_days)
    shift, post = _current_shift(cid, sid, at)
    missing = [s for s in posts.required_skills(post) if s not in user.get("skills_confirmed", [])]
    if missing:
        raise StoreError(
            "这个岗位需要经社区确认的专长："
            + "、".join(skill_requests.skill_name(s) for s in missing)
            + "。请先在岗位页面申请确认专长，社区确认后再报名。"
        )
    month = posts.shift_month(shift)
    _refuse_twice_or_overlapping(uid, month, shift)  # most refusals end here, unlocked
    # One transaction on the month's sign-ups and the person's document. The person's
    # document is locked even when it is not written, so no two sign-ups of one person
    # run this block at once: the overlap check is made again inside, on their sign-ups
    # as they are now, and the second of two overlapping sign-ups is refused. What it
    # reads (those months, their communities) comes with the locked rows.
    reading = [community_key(cid), *_part_keys(people.signup_parts(uid, {month}))]
    with docs.transaction(signups_key(cid, month), person_key(uid), reading=reading) as (
        db,
        person,
    ):
        # Decided under the month's lock, on the shift as it is now: a change of
        # capacity or a cancellation holds this lock while it writes the shift.
        shift, post = _current_shift(cid, sid, at)
        if posts.shift_month(shift) != month:  # moved to another month meanwhile
            raise StoreError("这个班次的日期刚刚调整，请刷新页面后重新报名。")
        _refuse_twice_or_overlapping(uid, month, shift)
        # The person's pointer to this month, the first time only.
        people.note(person, "signups", (cid, month))
        table = db.table("signups")
        statuses = [r["status"] for r in table.search(Query().shift_id == sid)]
        taken, queue = statuses.count(CONFIRMED), statuses.count(WAITING)
        # A free place goes to whoever waits first, never to a newcomer.
        confirmed = taken < shift["capacity"] and queue == 0
        row = {
            "id": new_id(),
            "shift_id": sid,
            "post_id": post["id"],
            "uid": uid,
            "status": CONFIRMED if confirmed else WAITING,
            "created_at": stamp(at),
            "cancelled_at": None,
            "promoted_at": None,
        }
        table.insert(row)
        waiting = 0 if confirmed else queue + 1
    # The caller learns the place on the waiting list without reading the file again.
    return dict(row, position=waiting or None)


def cancel_signup(
    cid: str, sid: str, uid: str, at: datetime | None = None, deadline_hours: float = 2
) -> dict:
    """Cancel the user's sign-up; a freed place goes to the first on the waiting list.

    Returns {'cancelled': row, 'promoted': row or None}.
    """
    at = at or now()
    shift, _post = posts.get_shift(cid, sid)
    start = posts.shift_start(shift)
    month_key = signups_key(cid, posts.shift_month(shift))
    with docs.transaction_one(month_key, reading=[community_key(cid)]) as db:
        # The shift as stored now, read once: a change of its date or capacity holds this
        # file's lock to write it, so it cannot change while the block runs.
        fresh = posts.get_shift(cid, sid)[0]
        if posts.shift_month(fresh) != posts.shift_month(shift):
            raise StoreError("这个班次的日期刚刚调整，请刷新页面后重试。")
        table = db.table("signups")
        q = Query()
        mine = table.get((q.shift_id == sid) & (q.uid == uid) & q.status.one_of(ACTIVE))
        if mine is None:
            raise StoreError("您没有报名这个班次。")
        if (
            mine["status"] == CONFIRMED
            and start is not None
            and at > start - timedelta(hours=deadline_hours)
        ):
            raise StoreError(f"班次开始前 {deadline_hours:g} 小时内不能在线取消，请直接联系社区。")
        table.update({"status": CANCELLED, "cancelled_at": stamp(at)}, doc_ids=[mine.doc_id])
        promoted = []
        if mine["status"] == CONFIRMED:
            capacity = fresh["capacity"]
            taken = table.count((q.shift_id == sid) & (q.status == CONFIRMED))
            promoted = promote_waiters(table, sid, capacity - taken, at)
    # The cancellation and the promotion are one write: a crash leaves both or neither.
    return {
        "cancelled": dict(mine, status=CANCELLED),
        "promoted": promoted[0] if promoted else None,
    }
