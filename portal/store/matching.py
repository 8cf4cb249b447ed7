"""为我推荐: open shifts ranked for one person, each with the reasons why."""
from __future__ import annotations

from datetime import date, datetime

from kb import data as kbdata

from . import accounts, reports, signups

SLOT_NAMES = {"weekday_day": "工作日白天", "weekday_evening": "工作日晚间", "weekend": "周末"}


def shift_slot(shift: dict) -> str | None:
    """Which availability slot a shift falls in (None for a standing role)."""
    if not shift["date"]:
        return None
    if date.fromisoformat(shift["date"]).weekday() >= 5:
        return "weekend"
    return "weekday_evening" if shift["start"] >= "17:00" else "weekday_day"


def wanted_skills(post: dict) -> list[str]:
    """The skills a post asks for, or its category's skills when it names none."""
    named = [item["skill"] for item in post.get("skills", [])]
    if named:
        return named
    category = kbdata.taxonomy()["category_by_id"].get(post["category"])
    return list(category["skills"]) if category else []


def recommend_shifts(uid: str, at: datetime | None = None, only_matching: bool = False,
                     limit: int = 60) -> list[dict]:
    """Open shifts ranked by skill match, own community, availability, then date."""
    user = accounts.get_user(uid)
    skill_names = kbdata.taxonomy()["skill_by_id"]
    mine = set(user["skills"])
    own = reports.active_community_id(uid) or user.get("home_cid")
    signed = {s["shift_id"]: s for s in signups.user_signups(uid)}
    ranked = []
    for row in signups.district_open_shifts(at):
        matched = [s for s in wanted_skills(row["post"]) if s in mine]
        if only_matching and not matched:
            continue
        slot = shift_slot(row["shift"])
        in_own = row["community"]["id"] == own
        fits_time = slot is None or slot in user["availability"]
        reasons = []
        if matched:
            reasons.append("匹配您的专长：" + "、".join(skill_names[s]["name"] for s in matched))
        if in_own:
            reasons.append("在您所在的社区")
        if fits_time and slot:
            reasons.append("符合您的空闲时间：" + SLOT_NAMES[slot])
        key = (-len(matched), not in_own, not fits_time,
               row["shift"]["date"] or "", row["shift"]["start"] or "")
        ranked.append((key, dict(row, reasons=reasons, matched=matched,
                                 mine=signed.get(row["shift"]["id"]))))
    ranked.sort(key=lambda pair: pair[0])
    return [row for _key, row in ranked[:limit]]
