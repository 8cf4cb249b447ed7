"""Demo 议事厅 matters (示例): one matter in each stage of 五民工作法 at the first building
of 东四示例社区一, through the store.

Called by ``demo.seed`` after the grids exist. Five demo accounts record their homes in
1号楼 (confirmed by the community admin); the matters stand at 征集中, 议事中 (with a
past meeting and its minutes), 表决中, 实施中 (a passed vote, its project and progress)
and 已完成 (rated). Dates lie in the past and in order, so windows and tallies are those
of real steps. Every title says 示例.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import store

RESIDENTS = ("13900000005", "13900000004", "13900000006", "13900000007", "13900000008")


def _matter(cid, hall, uid, title, description, at):
    return store.propose(cid, hall, uid, title=title, description=description, at=at)


def _agenda(cid, matter, uids, at):
    for uid in uids:
        store.support_proposal(cid, matter["id"], uid, at=at)


def seed_matters(cid: str, users: dict, at: datetime) -> int:
    """The five matters; returns how many were made."""
    admin = users["13900000003"]["uid"]
    building = store.grid_structure(cid)["buildings"][0]
    hall = f"b-{building['id']}"
    uids = [users[phone]["uid"] for phone in RESIDENTS]
    for n, uid in enumerate(uids):
        store.register_home(cid, uid, building["id"], f"10{n + 1}", at=at - timedelta(days=40))
        store.confirm_resident(cid, uid, admin, at=at - timedelta(days=40))
    day = timedelta(days=1)

    collecting = _matter(
        cid, hall, uids[0], "楼道加装扶手（示例）", "老人上下楼吃力，希望加装扶手。", at - day
    )
    store.support_proposal(cid, collecting["id"], uids[1], at=at)

    talking = _matter(
        cid, hall, uids[1], "院内增设电动自行车充电桩（示例）", "楼道充电不安全。", at - 6 * day
    )
    _agenda(cid, talking, uids[2:5], at - 5 * day)
    meeting = store.schedule_meeting(
        cid,
        hall,
        starts_at=at - 2 * day,
        place="1号楼前小院（示例）",
        proposal_ids=[talking["id"]],
        roles=["building_head", "property", "resident_rep"],
        by=admin,
        at=at - 4 * day,
    )
    store.meeting_sign_in(cid, meeting["id"], uids[1], meeting["code"], at=at - 2 * day)
    store.record_minutes(
        cid,
        meeting["id"],
        talking["id"],
        "物业说明了电路容量，居民同意在车棚一侧安装（示例）。",
        "请物业出方案后提交表决",
        admin,
        at=at - 2 * day,
    )

    voting = _matter(cid, hall, uids[2], "单元门禁维修（示例）", "门禁坏了半个月。", at - 8 * day)
    _agenda(cid, voting, [uids[0], uids[1], uids[3]], at - 7 * day)
    vote = store.open_vote(cid, voting["id"], admin, 7, at=at - 2 * day)
    for uid, choice in zip(uids[:2], ("yes", "no"), strict=True):
        store.cast_vote(cid, vote["id"], uid, choice, at=at - day)

    doing = _passed(cid, hall, uids, admin, "楼前空地改建花坛（示例）", at - 30 * day)
    store.start_council_project(cid, doing["id"], admin, at=at - 20 * day)
    store.add_project_progress(
        cid, doing["id"], 60, "花坛砌好，等待栽种（示例）", admin, at=at - 3 * day
    )

    done = _passed(cid, hall, uids, admin, "楼道杂物清理（示例）", at - 35 * day)
    store.start_council_project(cid, done["id"], admin, at=at - 25 * day)
    store.add_project_progress(
        cid, done["id"], 100, "杂物清理完毕（示例）", admin, done=True, at=at - 4 * day
    )
    for uid, score in zip(uids[:3], (5, 4, 5), strict=True):
        store.rate_project(cid, done["id"], uid, score, "楼道亮堂多了（示例）", at=at - 2 * day)
    return 5


def _passed(cid, hall, uids, admin, title, at):
    """A matter put on the agenda, voted on by every household and passed."""
    day = timedelta(days=1)
    matter = _matter(cid, hall, uids[0], title, "大家一起商量决定（示例）。", at)
    _agenda(cid, matter, uids[1:4], at + day)
    vote = store.open_vote(cid, matter["id"], admin, 3, at=at + 2 * day)
    for uid in uids:
        store.cast_vote(cid, vote["id"], uid, "yes", at=at + 3 * day)
    store.close_vote(cid, vote["id"], admin, at=at + 5 * day)
    return matter
