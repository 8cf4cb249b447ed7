"""为我推荐: open shifts ranked for one person, each with the reasons why."""

from __future__ import annotations

import heapq
from datetime import datetime

from kb import data as kbdata

from ..accounts import users as accounts
from .. import reports
from . import signup as signups
from ..base import now

SLOT_NAMES = {"weekday_day": "工作日白天", "weekday_evening": "工作日晚间", "weekend": "周末"}


def recommend_shifts(
    uid: str, at: datetime | None = None, only_matching: bool = False, limit: int = 60
) -> list[dict]:
    """Open shifts ranked by skill match, own community, availability, then date."""
    user = accounts.get_user(uid)
    mine, free_time = set(user["skills"]), set(user["availability"])
    own = reports.active_community_id(uid) or user.get("home_cid")
    signed = {s["shift_id"]: s for s in signups.user_signups(uid, upcoming_at=at or now())}
    rows = signups.district_open_shifts(at)
    scored = []
    # Score every open shift cheaply (its wanted skills and time slot were worked out
    # when the district list was cached); build the shown rows for the best ones only.
    for n, row in enumerate(rows):
        matches = sum(1 for s in row["wanted"] if s in mine)
        if only_matching and not matches:
            continue
        slot = row["slot"]
        scored.append(
            (
                -matches,
                row["community"]["id"] != own,
                slot is not None and slot not in free_time,
                row["date_key"],
                n,
            )
        )
    skill_names = kbdata.taxonomy()["skill_by_id"]
    result = []
    for score in heapq.nsmallest(limit, scored):
        row = rows[score[-1]]
        matched = [s for s in row["wanted"] if s in mine]
        slot = row["slot"]
        reasons = []
        if matched:
            reasons.append("匹配您的专长：" + "、".join(skill_names[s]["name"] for s in matched))
        if not score[1]:
            reasons.append("在您所在的社区")
        if not score[2] and slot:
            reasons.append("符合您的空闲时间：" + SLOT_NAMES[slot])
        result.append(
            dict(row, reasons=reasons, matched=matched, mine=signed.get(row["shift"]["id"]))
        )
    return result
