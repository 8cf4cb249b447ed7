"""Requests to confirm a skill (申请确认专长): one row per (community, member, skill) in
the community's file, 待确认 → 已确认 / 未通过 (with a reason).

Confirming a request adds the skill to the member's confirmed skills, the same list the
community admin edits by hand (``accounts.users.confirm_skills``).
"""

from __future__ import annotations

from tinydb import Query

from kb import data as kbdata

from . import backend as docs
from . import places
from .accounts import users as accounts
from .base import NotFound, StoreError, community_key, new_id, now, stamp

SKILL_PENDING, SKILL_CONFIRMED, SKILL_DECLINED = "待确认", "已确认", "未通过"


def skill_name(skill: str) -> str:
    """The skill's name in the taxonomy."""
    found = kbdata.taxonomy()["skill_by_id"].get(skill)
    return found["name"] if found else skill


def _rows(cid: str) -> dict:
    return docs.view(
        community_key(cid),
        "skill_requests",
        lambda t: {r["id"]: r for r in t.get("skill_requests", {}).values()},
    )


def list_skill_requests(cid: str, status: str | None = None) -> list[dict]:
    """A community's skill requests, oldest first."""
    rows = sorted(_rows(cid).values(), key=lambda r: (r["created_at"], r["id"]))
    return [r for r in rows if status is None or r["status"] == status]


def member_skill_requests(cid: str, uid: str) -> dict[str, dict]:
    """The member's request per skill in this community."""
    return {r["skill"]: r for r in _rows(cid).values() if r["uid"] == uid}


def get_skill_request(cid: str, rid: str) -> dict:
    row = _rows(cid).get(rid)
    if row is None:
        raise NotFound("没有找到这条专长确认申请。")
    return row


def request_skill(cid: str, uid: str, skill: str, at=None) -> dict:
    """A member asks the community to confirm one skill; a declined request may be renewed."""
    places.get_community(cid)
    at = at or now()
    user = accounts.get_user(uid)
    name = skill_name(skill)
    if user["role"] not in ("member", "volunteer"):
        raise StoreError("只有在职党员和志愿者可以申请确认专长。")
    if skill in user.get("skills_confirmed", []):
        raise StoreError(f"您的专长“{name}”已经确认，无需再申请。")
    if skill not in user.get("skills", []):
        raise StoreError(f"请先在个人资料中填写专长“{name}”，再申请确认。")
    with docs.transaction_one(community_key(cid)) as db:
        table = db.table("skill_requests")
        q = Query()
        found = table.get((q.uid == uid) & (q.skill == skill))
        if found is not None and found["status"] == SKILL_PENDING:
            raise StoreError(f"您已申请确认专长“{name}”，请等待社区审核。")
        row = {
            "id": found["id"] if found else new_id(),
            "community_id": cid,
            "uid": uid,
            "skill": skill,
            "status": SKILL_PENDING,
            "reason": "",
            "created_at": stamp(at),
            "decided_at": None,
            "decided_by": None,
        }
        if found is None:
            table.insert(row)
        else:
            table.update(row, doc_ids=[found.doc_id])
    return row


def decide_skill_request(
    cid: str, rid: str, admin_uid: str, confirm: bool, reason: str = "", at=None
) -> dict:
    """Confirm (the skill joins the member's confirmed skills) or decline with a reason."""
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise StoreError("不通过时请填写原因。")
    at = at or now()
    found = next((r for r in list_skill_requests(cid) if r["id"] == rid), None)
    if found is None:
        raise NotFound("没有找到这条专长确认申请。")
    # The request and the member's account change together (one journalled transaction):
    # a crash never leaves a request marked confirmed without the skill, or the reverse.
    with docs.transaction(community_key(cid), accounts.user_file(found["uid"])) as (
        db,
        account_db,
    ):
        table = db.table("skill_requests")
        found = table.get(Query().id == rid)
        if found is None:
            raise NotFound("没有找到这条专长确认申请。")
        if found["status"] != SKILL_PENDING:
            raise StoreError(f"这条申请当前是“{found['status']}”，不能再做这个操作。")
        row = dict(found)
        row.update(
            status=SKILL_CONFIRMED if confirm else SKILL_DECLINED,
            reason="" if confirm else reason,
            decided_at=stamp(at),
            decided_by=admin_uid,
        )
        table.update(row, doc_ids=[found.doc_id])
        if confirm:
            accounts.add_confirmed_skill(account_db, row["uid"], row["skill"])
    return row
