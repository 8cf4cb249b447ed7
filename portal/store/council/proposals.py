"""民事民提: a matter proposed to a 议事厅, supported by residents in scope, merged or declined.

A proposal (table ``proposals`` of the council document) moves through the five stages::

    征集中 → 议事中 (enough support: on the agenda) → 表决中 → 已通过 / 未通过
           → 实施中 (a project of the 项目清单) → 已完成 (residents rate it)

Staff take a proposal out on the way: 已合并 (into a duplicate, its supporters carried
over) or 未采纳 (with a reason). Each change is one transaction on the council document.
"""

from __future__ import annotations

from tinydb import Query

from .. import backend as docs
from .. import photos
from ..accounts import users as accounts
from ..base import NotFound, StoreError, new_id, now, stamp
from .halls import council_key, hall_of, head_covers, in_scope, rules

COLLECTING, AGENDA, VOTING = "征集中", "议事中", "表决中"
PASSED, FAILED, DOING, DONE = "已通过", "未通过", "实施中", "已完成"
MERGED, DECLINED = "已合并", "未采纳"
OPEN_TO_SUPPORT = (COLLECTING, AGENDA)
# The five stages of 五民工作法 and the statuses each holds.
STAGES = (
    ("propose", "民事民提", (COLLECTING,)),
    ("discuss", "民事民议", (AGENDA,)),
    ("decide", "民事民决", (VOTING, PASSED, FAILED)),
    ("do", "民事民办", (DOING,)),
    ("judge", "民事民评", (DONE,)),
)
STAGE_OF = {status: stage for stage, _name, statuses in STAGES for status in statuses}
MAX_TITLE, MAX_TEXT, MAX_REASON = 40, 1000, 200


def stage_of(proposal: dict) -> str | None:
    """propose / discuss / decide / do / judge, or None once merged or declined."""
    return STAGE_OF.get(proposal["status"])


def threshold(level: str) -> int:
    return rules()["levels"][level]["support"]


def _proposals(cid: str) -> dict:
    return docs.view(
        council_key(cid),
        "proposals",
        lambda t: {p["id"]: p for p in t.get("proposals", {}).values()},
    )


def get_proposal(cid: str, pid: str) -> dict:
    found = _proposals(cid).get(pid)
    if found is None:
        raise NotFound("没有找到这条提议。")
    return found


def list_proposals(cid: str, hall: str | None = None) -> list[dict]:
    """The community's proposals (of one hall), newest first."""
    rows = [p for p in _proposals(cid).values() if hall is None or p["hall"] == hall]
    return sorted(rows, key=lambda p: (p["created_at"], p["id"]), reverse=True)


def _clean(title: str, description: str, on_behalf: str) -> tuple[str, str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    on_behalf = (on_behalf or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise StoreError(f"请填写提议标题（不超过 {MAX_TITLE} 个字）。")
    if not description or len(description) > MAX_TEXT:
        raise StoreError(f"请说明提议的内容（不超过 {MAX_TEXT} 个字）。")
    if len(on_behalf) > 20:
        raise StoreError("代提居民的称呼不能超过 20 个字。")
    return title, description, on_behalf


def propose(
    cid: str,
    hall: str,
    uid: str,
    *,
    title: str,
    description: str,
    photo: str | None = None,
    on_behalf: str = "",
    at=None,
) -> dict:
    """A resident in the hall's scope proposes a matter; a 楼门院长 of a building in scope
    may propose for a resident (``on_behalf`` names them). ``photo`` is a name the photos
    store gave."""
    info = hall_of(cid, hall)
    title, description, on_behalf = _clean(title, description, on_behalf)
    if photo is not None and not photos.is_photo_name(photo):
        raise StoreError("照片无效，请重新上传。")
    if on_behalf:
        if not head_covers(cid, info, uid):
            raise StoreError("只有本范围的楼门院长可以替居民提议。")
        by_role = "building_head"
    elif in_scope(cid, info, uid):
        by_role = "resident"
    elif head_covers(cid, info, uid):
        raise StoreError("替居民提议时请填写居民的称呼。")
    else:
        raise StoreError("只有登记在本议事厅范围内并经确认的居民可以提议。")
    at = at or now()
    row = {
        "id": new_id(),
        "community_id": cid,
        "hall": hall,
        "level": info["level"],
        "title": title,
        "description": description,
        "photo": photo,
        "proposer_uid": uid,
        "proposer_name": accounts.get_user(uid)["name"],
        "on_behalf": on_behalf,
        "by_role": by_role,
        "status": COLLECTING,
        "supporters": [],
        "created_at": stamp(at),
        "agenda_at": None,
        "merged_into": None,
        "merged_from": [],
        "decline_reason": "",
        "closed_by": None,
        "closed_at": None,
        "vote_id": None,
        "project_id": None,
        "done_at": None,
        "rating_until": None,
    }
    with docs.transaction_one(council_key(cid)) as db:
        db.table("proposals").insert(row)
    return row


def _change(cid: str, pid: str, change) -> dict:
    return docs.change_row(council_key(cid), "proposals", pid, change, "没有找到这条提议。")


def _with_supporters(row: dict, supporters: list[str], at) -> dict:
    """The fields after a change of supporters: on the agenda once the level's threshold
    is reached while still collecting."""
    fields: dict = {"supporters": supporters}
    if row["status"] == COLLECTING and len(supporters) >= threshold(row["level"]):
        fields.update(status=AGENDA, agenda_at=stamp(at))
    return fields


def support(cid: str, pid: str, uid: str, at=None) -> dict:
    """A resident in scope supports the proposal, once."""
    at = at or now()
    proposal = get_proposal(cid, pid)
    if not in_scope(cid, hall_of(cid, proposal["hall"]), uid):
        raise StoreError("只有登记在本议事厅范围内并经确认的居民可以附议。")

    def change(row):
        if row["status"] not in OPEN_TO_SUPPORT:
            raise StoreError("这条提议已不再征集附议。")
        if uid in row["supporters"]:
            raise StoreError("你已经附议过这条提议。")
        if uid == row["proposer_uid"] and row["by_role"] == "resident":
            raise StoreError("提议人不需要再附议自己的提议。")
        return _with_supporters(row, [*row["supporters"], uid], at)

    return _change(cid, pid, change)


def merge(cid: str, pid: str, into: str, by: str, at=None) -> dict:
    """Staff merge a duplicate into another proposal of the same hall: its supporters
    (and its proposer, if a resident) are carried over. Returns the merged proposal."""
    at = at or now()
    if pid == into:
        raise StoreError("不能把提议合并到它自己。")
    with docs.transaction_one(council_key(cid)) as db:
        table = db.table("proposals")
        source, target = table.get(Query().id == pid), table.get(Query().id == into)
        if source is None:
            raise NotFound("没有找到这条提议。")
        if target is None or target["hall"] != source["hall"]:
            raise StoreError("请选择同一议事厅里的另一条提议。")
        if source["status"] not in OPEN_TO_SUPPORT or target["status"] not in OPEN_TO_SUPPORT:
            raise StoreError("只能合并还在征集附议或议事中的提议。")
        carried = list(source["supporters"])
        if source["by_role"] == "resident":
            carried.append(source["proposer_uid"])
        supporters = list(target["supporters"])
        supporters += [u for u in dict.fromkeys(carried) if u not in supporters]
        supporters = [u for u in supporters if u != target["proposer_uid"]]
        fields = _with_supporters(dict(target), supporters, at)
        fields["merged_from"] = [*target["merged_from"], pid]
        table.update(fields, doc_ids=[target.doc_id])
        closed = {"status": MERGED, "merged_into": into, "closed_by": by, "closed_at": stamp(at)}
        table.update(closed, doc_ids=[source.doc_id])
    return dict(source, **closed)


def decline(cid: str, pid: str, reason: str, by: str, at=None) -> dict:
    """Staff decline a proposal with a reason the proposer is told."""
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > MAX_REASON:
        raise StoreError(f"请写明不予采纳的理由（2 到 {MAX_REASON} 个字）。")
    at = at or now()

    def change(row):
        if row["status"] not in OPEN_TO_SUPPORT:
            raise StoreError("只能对征集附议或议事中的提议作出不予采纳的决定。")
        return {
            "status": DECLINED,
            "decline_reason": reason,
            "closed_by": by,
            "closed_at": stamp(at),
        }

    return _change(cid, pid, change)


def proposal_photo(cid: str, pid: str) -> bytes:
    """The proposal's photo as JPEG, or NotFound."""
    proposal = get_proposal(cid, pid)
    if not proposal["photo"]:
        raise NotFound("这条提议没有照片。")
    return photos.photo_bytes(cid, proposal["photo"], "这条提议没有照片。")
