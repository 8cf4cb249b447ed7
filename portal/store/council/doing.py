"""民事民办 and 民事民评: a passed proposal becomes a project, reports progress, is rated.

The project is a row of the community's 项目清单 (``lists/projects.py``), so posts for
volunteers (分类设岗), resources and 驻区单位 link to it as to any project; it is created
in the same transaction that moves the proposal to 实施中. Progress updates (table
``progress``: a percentage and a note, dated) form its timeline; the last one may mark
it done, which finishes the project and opens the rating window of the rules. Residents
in scope rate it once, 1–5 with a comment (table ``ratings``); a unit that took part in
the project — its contact, or a member who chose it — does not rate its own work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tinydb import Query

from .. import backend as docs
from .. import posts, units
from ..base import NotFound, StoreError, community_key, new_id, now, stamp
from ..lists import projects
from .halls import council_key, hall_of, in_scope, rules
from .proposals import DOING, DONE, PASSED, get_proposal

MAX_NOTE, MAX_RATING_COMMENT = 300, 300


def start_project(cid: str, pid: str, by: str, at=None) -> dict:
    """The passed proposal becomes a project of the 项目清单 (进行中); returns the project."""
    at = at or now()
    proposal = get_proposal(cid, pid)
    description = f"{proposal['description']}\n（来自{hall_of(cid, proposal['hall'])['name']}）"
    project = projects.new_project(
        cid, by, name=proposal["title"], description=description[:1000], at=at
    )
    project["proposal_id"] = pid
    with docs.transaction(community_key(cid), council_key(cid)) as (main, db):
        table = db.table("proposals")
        found = table.get(Query().id == pid)
        if found is None:
            raise NotFound("没有找到这条提议。")
        if found["status"] != PASSED:
            raise StoreError("只有表决通过的提议可以转为项目。")
        table.update({"status": DOING, "project_id": project["id"]}, doc_ids=[found.doc_id])
        main.table("projects").insert(project)
        progress = db.table("progress")
        progress.insert(
            {
                "id": new_id(),
                "proposal_id": pid,
                "percent": 0,
                "text": "表决通过，转为项目清单中的项目。",
                "at": stamp(at),
                "by": by,
                "seq": next_seq(progress.all()),
            }
        )
    return project


def next_seq(rows) -> int:
    """The sequence number of the next step: one past the highest stored. Taken inside
    the council document's transaction, so two steps never share one."""
    return max((r.get("seq", 0) for r in rows), default=0) + 1


def timeline_order(row: dict) -> tuple:
    """Oldest first; steps of the same second in the order they were saved (``seq``).
    Steps stored before ``seq`` existed count as 0 and keep their old order (by id)."""
    return (row["at"], row.get("seq", 0), row["id"])


def add_progress(
    cid: str, pid: str, percent, text: str, by: str, done: bool = False, at=None
) -> dict:
    """One dated step of the timeline; ``done`` (at 100%) finishes the project and opens
    the rating window."""
    at = at or now()
    try:
        percent = int(str(percent).strip())
    except ValueError:
        raise StoreError("进度应为 0 到 100 的整数。") from None
    if not 0 <= percent <= 100:
        raise StoreError("进度应为 0 到 100 的整数。")
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise StoreError(f"请填写进展说明（不超过 {MAX_NOTE} 个字）。")
    if done and percent != 100:
        raise StoreError("标记完成时进度应为 100%。")
    row = {"id": new_id(), "proposal_id": pid, "percent": percent, "text": text}
    row.update(at=stamp(at), by=by)
    with docs.transaction(community_key(cid), council_key(cid)) as (main, db):
        table = db.table("proposals")
        found = table.get(Query().id == pid)
        if found is None:
            raise NotFound("没有找到这条提议。")
        if found["status"] != DOING:
            raise StoreError("只有实施中的项目可以更新进展。")
        progress = db.table("progress")
        row["seq"] = next_seq(progress.all())
        progress.insert(row)
        if done:
            until = stamp(at + timedelta(days=rules()["rating_days"]))
            table.update(
                {"status": DONE, "done_at": stamp(at), "rating_until": until},
                doc_ids=[found.doc_id],
            )
            projects.mark_status(main, found["project_id"], projects.FINISHED, at)
    return row


def _rows(cid: str) -> dict:
    def build(tables):
        progress: dict[str, list] = {}
        for row in sorted(tables.get("progress", {}).values(), key=timeline_order):
            progress.setdefault(row["proposal_id"], []).append(row)
        ratings: dict[str, list] = {}
        for row in tables.get("ratings", {}).values():
            ratings.setdefault(row["proposal_id"], []).append(row)
        return {"progress": progress, "ratings": ratings}

    return docs.view(council_key(cid), "doing", build)


def progress_of(cid: str, pid: str) -> list[dict]:
    """The proposal's timeline, oldest first."""
    return _rows(cid)["progress"].get(pid, [])


def project_posts(cid: str, proposal: dict) -> list[dict]:
    """The volunteer posts (分类设岗) linked to the proposal's project, in the order they
    were linked; a post since deleted is left out."""
    if not proposal.get("project_id"):
        return []
    try:
        project = projects.get_project(cid, proposal["project_id"])
    except NotFound:
        return []
    rows = []
    for post_id in project.get("post_ids") or []:
        try:
            rows.append(posts.get_post(cid, post_id))
        except NotFound:
            continue
    return rows


def _own_unit(cid: str, project_id: str | None, uid: str) -> bool:
    """Whether the person speaks for a unit that took part in the project."""
    if not project_id:
        return False
    try:
        taking_part = set(projects.get_project(cid, project_id).get("unit_ids") or [])
    except NotFound:
        return False
    mine = {u["id"] for u in units.units_of_contact(uid)}
    chosen = units.chosen_unit(uid)
    return bool(taking_part & (mine | ({chosen} if chosen else set())))


def rate(cid: str, pid: str, uid: str, score, comment: str = "", at=None) -> dict:
    """A resident in scope rates the finished project, once, within the window."""
    at = at or now()
    try:
        score = int(str(score).strip())
    except ValueError:
        raise StoreError("请选择 1 到 5 分。") from None
    if not 1 <= score <= 5:
        raise StoreError("请选择 1 到 5 分。")
    comment = (comment or "").strip()
    if len(comment) > MAX_RATING_COMMENT:
        raise StoreError(f"评价不能超过 {MAX_RATING_COMMENT} 个字。")
    proposal = get_proposal(cid, pid)
    if proposal["status"] != DONE:
        raise StoreError("项目完成后才能评价。")
    if stamp(at) > proposal["rating_until"]:
        raise StoreError("评价时间已过。")
    if not in_scope(cid, hall_of(cid, proposal["hall"]), uid):
        raise StoreError("只有登记在本议事厅范围内并经确认的居民可以评价。")
    if _own_unit(cid, proposal["project_id"], uid):
        raise StoreError("参与实施的驻区单位不能评价自己承办的项目。")
    row = {"id": new_id(), "proposal_id": pid, "uid": uid, "score": score}
    row.update(comment=comment, at=stamp(at))
    with docs.transaction_one(council_key(cid)) as db:
        table = db.table("ratings")
        if table.get((Query().proposal_id == pid) & (Query().uid == uid)):
            raise StoreError("你已经评价过这个项目。")
        table.insert(row)
    return row


def rating_summary(cid: str, pid: str) -> dict:
    """{count, average (one decimal, None without ratings), comments: [(score, text)]}."""
    rows = sorted(_rows(cid)["ratings"].get(pid, []), key=lambda r: r["at"], reverse=True)
    average = round(sum(r["score"] for r in rows) / len(rows), 1) if rows else None
    comments = [(r["score"], r["comment"]) for r in rows if r["comment"]]
    return {"count": len(rows), "average": average, "comments": comments}


def has_rated(cid: str, pid: str, uid: str) -> bool:
    return any(r["uid"] == uid for r in _rows(cid)["ratings"].get(pid, []))


def rating_open(proposal: dict, at: datetime | None = None) -> bool:
    return proposal["status"] == DONE and stamp(at or now()) <= (proposal["rating_until"] or "")
