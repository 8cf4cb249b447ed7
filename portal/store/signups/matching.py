"""为我推荐: open shifts ranked for one person, each with the reasons why; or the same
ranking by post, each post once with its shifts."""

from __future__ import annotations

import heapq
from datetime import datetime

from kb import data as kbdata

from ..accounts import users as accounts
from .. import reports
from . import signup as signups
from ..base import now

SLOT_NAMES = {"weekday_day": "工作日白天", "weekday_evening": "工作日晚间", "weekend": "周末"}


def _scored(uid: str, at: datetime | None, only_matching: bool):
    """(the district's open rows, one score tuple per row kept, the person's skills, their
    sign-ups by shift). A score sorts best first and ends with the row's index."""
    user = accounts.get_user(uid)
    mine, free_time = set(user["skills"]), set(user["availability"])
    sure = set(user.get("skills_confirmed", [])) & mine
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
        # Confirmed skills first, then declared ones.
        scored.append(
            (
                -sum(1 for s in row["wanted"] if s in sure),
                -matches,
                row["community"]["id"] != own,
                slot is not None and slot not in free_time,
                row["date_key"],
                n,
            )
        )
    return rows, scored, (mine, sure), signed


def _shown(row: dict, score: tuple, skills: tuple[set, set], signed: dict) -> dict:
    skill_names = kbdata.taxonomy()["skill_by_id"]
    mine, sure = skills
    matched = [s for s in row["wanted"] if s in mine]
    slot = row["slot"]
    reasons = []
    confirmed = [skill_names[s]["name"] for s in matched if s in sure]
    declared = [skill_names[s]["name"] for s in matched if s not in sure]
    if confirmed:
        reasons.append("专长已确认：" + "、".join(confirmed))
    if declared:
        reasons.append("专长匹配（未确认）：" + "、".join(declared))
    if not score[2]:
        reasons.append("在您所在的社区")
    if not score[3] and slot:
        reasons.append("符合您的空闲时间：" + SLOT_NAMES[slot])
    return dict(
        row,
        reasons=reasons,
        matched=matched,
        required=list(row.get("required", ())),
        mine=signed.get(row["shift"]["id"]),
    )


def recommend_shifts(
    uid: str, at: datetime | None = None, only_matching: bool = False, limit: int = 60
) -> list[dict]:
    """Open shifts ranked by skill match, own community, availability, then date."""
    rows, scored, skills, signed = _scored(uid, at, only_matching)
    return [_shown(rows[s[-1]], s, skills, signed) for s in heapq.nsmallest(limit, scored)]


def recommend_posts(
    uid: str,
    at: datetime | None = None,
    only_matching: bool = False,
    limit: int = 12,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """The same ranking by post: each post once, placed by its best shift, with all its open
    shifts by date. Returns (posts ``offset`` to ``offset + limit``, how many posts in all).

    A post is {post, community, reasons (those every shift shares, shown once), shifts};
    each shift row is as in ``recommend_shifts`` plus ``extra``: its own other reasons.
    """
    rows, scored, skills, signed = _scored(uid, at, only_matching)
    by_post: dict[tuple[str, str], list[tuple]] = {}
    for score in scored:
        row = rows[score[-1]]
        by_post.setdefault((row["community"]["id"], row["post"]["id"]), []).append(score)
    order = sorted(by_post, key=lambda key: min(by_post[key]))
    groups = []
    for key in order[offset : offset + limit]:
        shifts = [
            _shown(rows[s[-1]], s, skills, signed)
            for s in sorted(by_post[key], key=lambda s: s[4:])
        ]
        common = [r for r in shifts[0]["reasons"] if all(r in s["reasons"] for s in shifts)]
        for shift in shifts:
            shift["extra"] = [r for r in shift["reasons"] if r not in common]
        first = shifts[0]
        groups.append(
            {
                "post": first["post"],
                "community": first["community"],
                "reasons": common,
                "matched": first["matched"],
                "required": first["required"],
                "shifts": shifts,
            }
        )
    return groups, len(order)
