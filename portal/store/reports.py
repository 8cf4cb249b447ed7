"""Report-ins (在职党员回社区报到): 待确认 → 已报到 / 已退回; 已报到 → 已转出.

A report-in lives in its community's file (the admin's queue); the member's
account keeps pointers to their report-ins, so each side reads one small file.
"""

from __future__ import annotations

from tinydb import Query

from . import backend as docs
from . import grid_members, grids, people, places
from .accounts import users as accounts
from .base import NotFound, StoreError, community_key, new_id, now, person_key, stamp

PENDING, ACTIVE, RETURNED, MOVED, WITHDRAWN = "待确认", "已报到", "已退回", "已转出", "已撤回"


def _reports(cid: str) -> dict:
    return docs.view(
        community_key(cid),
        "reports",
        lambda t: {r["id"]: r for r in t.get("reports", {}).values()},
    )


def get_report_in(cid: str, rid: str) -> dict:
    """One report-in of a community, or NotFound."""
    report = _reports(cid).get(rid)
    if report is None:
        raise NotFound("没有找到这条报到记录。")
    return report


def list_report_ins(cid: str, status: str | None = None) -> list[dict]:
    """A community's report-ins, oldest first (the queue order)."""
    rows = sorted(_reports(cid).values(), key=lambda r: (r["created_at"], r["id"]))
    return [r for r in rows if status is None or r["status"] == status]


def report_history(uid: str) -> list[dict]:
    """The user's report-ins, newest first, each with its community."""
    rows = []
    for cid, rid in people.report_pointers(uid):
        report = _reports(cid).get(rid)
        if report:  # a pointer is written first; a crash may leave it without a report
            rows.append(dict(report, community=places.get_community(cid)))
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)


def current_report_state(uid: str) -> dict:
    """{'active': report or None, 'pending': report or None} for the member home."""
    history = report_history(uid)
    active = next((r for r in history if r["status"] == ACTIVE), None)
    pending = next((r for r in history if r["status"] == PENDING), None)
    return {"active": active, "pending": pending, "history": history}


def active_community_id(uid: str) -> str | None:
    active = current_report_state(uid)["active"]
    return active["community_id"] if active else None


def submit_report_in(
    uid: str, cid: str, at=None, *, grid_id: str | None = None, building_id: str | None = None
) -> dict:
    """A member asks to report in to a community; one pending request at a time. They may
    name their grid or building (楼门院) there; the admin can place them later too."""
    places.get_community(cid)
    grid_id, building_id = grid_members.check_place(cid, grid_id, building_id)
    at = at or now()
    with docs.lock(f"user-{uid}"):
        user = accounts.get_user(uid)
        if user["role"] != "member":
            raise StoreError("只有在职党员需要回社区报到。")
        state = current_report_state(uid)
        if state["pending"]:
            raise StoreError(
                f"您已向{state['pending']['community']['name']}提交了报到申请，"
                "请等待社区确认，或先撤回该申请。"
            )
        if state["active"] and state["active"]["community_id"] == cid:
            raise StoreError("您已经在这个社区报到了。")
        rid = new_id()
        report = {
            "id": rid,
            "uid": uid,
            "community_id": cid,
            "grid_id": grid_id,
            "building_id": building_id,
            "status": PENDING,
            "reason": "",
            "created_at": stamp(at),
            "decided_at": None,
            "decided_by": None,
            "history": [{"at": stamp(at), "status": PENDING, "by": uid}],
        }
        # The structure's lock too, and the place checked again inside it: a grid or
        # building deleted since the form was checked is refused, never pointed at.
        keys = (community_key(cid), person_key(uid), grids.structure_key(cid))
        with docs.transaction(*keys) as (db, person, structure):
            if grid_id or building_id:
                index = grids._index(structure.storage.read() or {})
                grid_members.check_place_in(index, grid_id, building_id)
            db.table("reports").insert(report)
            people.note(person, "reports", (cid, rid))
    return report


def _set_status(
    cid: str, rid: str, expect: str, status: str, by: str, at, reason: str = ""
) -> dict:
    with docs.transaction_one(community_key(cid)) as db:
        table = db.table("reports")
        found = table.get(Query().id == rid)
        if found is None:
            raise NotFound("没有找到这条报到记录。")
        if found["status"] != expect:
            raise StoreError(f"这条报到记录当前是“{found['status']}”，不能再做这个操作。")
        report = dict(found)
        report.update(status=status, reason=reason, decided_at=stamp(at), decided_by=by)
        report["history"] = report["history"] + [
            {"at": stamp(at), "status": status, "by": by, "reason": reason}
        ]
        table.update(report, doc_ids=[found.doc_id])
    return report


def confirm_report_in(cid: str, rid: str, admin_uid: str, at=None) -> dict:
    """Confirm a pending report-in; the member's earlier community marks them 已转出."""
    at = at or now()
    report = _set_status(cid, rid, PENDING, ACTIVE, admin_uid, at)
    for other in report_history(report["uid"]):
        if other["status"] == ACTIVE and other["id"] != rid:
            _set_status(
                other["community_id"],
                other["id"],
                ACTIVE,
                MOVED,
                admin_uid,
                at,
                reason=f"已转至{places.get_community(cid)['name']}",
            )
    return report


def return_report_in(cid: str, rid: str, admin_uid: str, reason: str, at=None) -> dict:
    """Return a pending report-in with a reason the member will see."""
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("退回时请填写原因。")
    return _set_status(cid, rid, PENDING, RETURNED, admin_uid, at or now(), reason)


def withdraw_report_in(uid: str, cid: str, rid: str, at=None) -> dict:
    """The member withdraws their own pending report-in."""
    if get_report_in(cid, rid)["uid"] != uid:
        raise NotFound("没有找到这条报到记录。")
    return _set_status(cid, rid, PENDING, WITHDRAWN, uid, at or now())


def community_member_ids(cid: str) -> list[str]:
    """Ids of members currently reported in to the community."""
    return [r["uid"] for r in list_report_ins(cid, ACTIVE)]
