"""民事民议: comments on a proposal and the 议事会 where it is discussed.

Comments (table ``comments``) come from residents in the proposal's scope; the community
admin hides one with a reason (the view audits it), and a hidden comment stays stored.
A meeting (table ``meetings``) has a time, a place, the agenda's proposals and the roles
invited; people sign in on arrival with the meeting's token (in the QR code's URL) or
its six-digit code, within the window of the rules; the minutes keep, per proposal, what
was said and decided.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from .. import backend as docs
from ..accounts import users as accounts
from ..base import NotFound, StoreError, new_id, now, stamp
from .halls import council_key, hall_of, in_scope, rules
from .proposals import DECLINED, MERGED, STAGE_OF, get_proposal

MAX_COMMENT, MAX_PLACE, MAX_MINUTES, MAX_DECISION = 500, 60, 2000, 200


def _tables(cid: str) -> dict:
    def build(tables):
        comments: dict[str, list] = {}
        for row in sorted(tables.get("comments", {}).values(), key=lambda c: (c["at"], c["id"])):
            comments.setdefault(row["proposal_id"], []).append(row)
        meetings = {m["id"]: m for m in tables.get("meetings", {}).values()}
        return {"comments": comments, "meetings": meetings}

    return docs.view(council_key(cid), "discussion", build)


# ---------------------------------------------------------------- comments


def comment(cid: str, pid: str, uid: str, text: str, at=None) -> dict:
    proposal = get_proposal(cid, pid)
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT:
        raise StoreError(f"请填写留言（不超过 {MAX_COMMENT} 个字）。")
    if proposal["status"] in (MERGED, DECLINED):
        raise StoreError("这条提议已经结束，不能再留言。")
    if not in_scope(cid, hall_of(cid, proposal["hall"]), uid):
        raise StoreError("只有登记在本议事厅范围内并经确认的居民可以留言。")
    row = {
        "id": new_id(),
        "proposal_id": pid,
        "uid": uid,
        "name": accounts.get_user(uid)["name"],
        "text": text,
        "at": stamp(at or now()),
        "hidden_at": None,
        "hidden_by": None,
        "hidden_reason": "",
    }
    with docs.transaction_one(council_key(cid)) as db:
        db.table("comments").insert(row)
    return row


def hide_comment(cid: str, coid: str, reason: str, by: str, at=None) -> dict:
    """Hide a comment with a reason (kept: shown to staff, not to the public)."""
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > MAX_DECISION:
        raise StoreError(f"请写明隐藏的理由（2 到 {MAX_DECISION} 个字）。")
    at = at or now()

    def change(row):
        if row["hidden_at"]:
            raise StoreError("这条留言已经隐藏。")
        return {"hidden_at": stamp(at), "hidden_by": by, "hidden_reason": reason}

    return docs.change_row(council_key(cid), "comments", coid, change, "没有找到这条留言。")


def comments_of(cid: str, pid: str, hidden: bool = False) -> list[dict]:
    """The proposal's comments, oldest first; hidden ones only when asked (staff)."""
    rows = _tables(cid)["comments"].get(pid, [])
    return [c for c in rows if hidden or not c["hidden_at"]]


# ---------------------------------------------------------------- meetings


def schedule_meeting(
    cid: str,
    hall: str,
    *,
    starts_at: datetime,
    place: str,
    proposal_ids,
    roles,
    by: str,
    at=None,
) -> dict:
    """A 议事会 of a hall: its agenda holds proposals of that hall past collecting support."""
    hall_of(cid, hall)
    place = (place or "").strip()
    if not place or len(place) > MAX_PLACE:
        raise StoreError(f"请填写议事会地点（不超过 {MAX_PLACE} 个字）。")
    agenda = list(dict.fromkeys(proposal_ids or []))
    if not agenda:
        raise StoreError("请至少选择一条列入议程的提议。")
    for pid in agenda:
        proposal = get_proposal(cid, pid)
        if proposal["hall"] != hall or STAGE_OF.get(proposal["status"]) in (None, "propose"):
            raise StoreError(f"“{proposal['title']}”不在本议事厅的议程里。")
    known = rules()["role_by_id"]
    roles = [r for r in dict.fromkeys(roles or []) if r in known]
    row = {
        "id": new_id(),
        "hall": hall,
        "starts_at": stamp(starts_at),
        "place": place,
        "proposal_ids": agenda,
        "roles": roles,
        "token": secrets.token_hex(12),
        "code": f"{secrets.randbelow(10**6):06d}",
        "signins": [],
        "minutes": {},
        "created_by": by,
        "created_at": stamp(at or now()),
    }
    with docs.transaction_one(council_key(cid)) as db:
        db.table("meetings").insert(row)
    return row


def get_meeting(cid: str, mid: str) -> dict:
    found = _tables(cid)["meetings"].get(mid)
    if found is None:
        raise NotFound("没有找到这次议事会。")
    return found


def list_meetings(cid: str, hall: str | None = None) -> list[dict]:
    rows = [m for m in _tables(cid)["meetings"].values() if hall is None or m["hall"] == hall]
    return sorted(rows, key=lambda m: (m["starts_at"], m["id"]), reverse=True)


def signin_window(meeting: dict) -> tuple[datetime, datetime]:
    start = datetime.strptime(meeting["starts_at"], "%Y-%m-%d %H:%M:%S")
    window = rules()["meeting"]
    return (
        start - timedelta(minutes=window["before_minutes"]),
        start + timedelta(minutes=window["after_minutes"]),
    )


def sign_in(cid: str, mid: str, uid: str, code: str, at=None) -> tuple[dict, bool]:
    """Record the person's arrival; (meeting, True) the first time, (meeting, False) again."""
    at = at or now()
    code = (code or "").strip()
    user = accounts.get_user(uid)

    first = []

    def change(row):
        if not code or code not in (row["token"], row["code"]):
            raise StoreError("签到码不对，请扫描会场的二维码或核对 6 位签到码。")
        opens, closes = signin_window(row)
        if not opens <= at <= closes:
            raise StoreError("不在签到时间内：会议开始前后一段时间内才能签到。")
        if any(s["uid"] == uid for s in row["signins"]):
            return {}
        first.append(True)
        entry = {"uid": uid, "name": user["name"], "at": stamp(at)}
        return {"signins": [*row["signins"], entry]}

    after = docs.change_row(council_key(cid), "meetings", mid, change, "没有找到这次议事会。")
    return after, bool(first)


def record_minutes(
    cid: str, mid: str, pid: str, text: str, decision: str, by: str, at=None
) -> dict:
    """What was said and decided on one proposal of the agenda (written again: replaced)."""
    text, decision = (text or "").strip(), (decision or "").strip()
    if not text or len(text) > MAX_MINUTES:
        raise StoreError(f"请填写会议记录（不超过 {MAX_MINUTES} 个字）。")
    if len(decision) > MAX_DECISION:
        raise StoreError(f"议定事项不能超过 {MAX_DECISION} 个字。")
    entry = {"text": text, "decision": decision, "by": by, "at": stamp(at or now())}

    def change(row):
        if pid not in row["proposal_ids"]:
            raise StoreError("这条提议不在本次议事会的议程里。")
        return {"minutes": dict(row["minutes"], **{pid: entry})}

    return docs.change_row(council_key(cid), "meetings", mid, change, "没有找到这次议事会。")


def meetings_of_proposal(cid: str, pid: str) -> list[dict]:
    return [m for m in list_meetings(cid) if pid in m["proposal_ids"]]


def find_meeting_by_code(cid: str, code: str) -> dict | None:
    """The meeting of the community whose six-digit code this is (newest first)."""
    code = (code or "").strip()
    for meeting in list_meetings(cid):
        if code and code in (meeting["code"], meeting["token"]):
            return meeting
    return None
