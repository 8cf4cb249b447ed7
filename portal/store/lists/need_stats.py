"""Figures of the needs lists: needs opened and closed per month with the mean
satisfaction, and 每月一题 — the most frequent need category of a month with its
six-month trend. Both read the communities' needs indexes and never write.
"""

from __future__ import annotations

import re

from kb import data as kbdata

from ..base import StoreError, valid_id
from .needs import DONE, _needs_index


def _month_list(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month`` (YYYY-MM), oldest first."""
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
    return out[::-1]


def _all_needs(cids: list[str]):
    for cid in cids:
        if valid_id(cid):
            yield from _needs_index(cid)["needs"].values()


def needs_stats(cids: list[str], months: list[str]) -> dict:
    """Needs opened (by created_at) and closed (by closed_at) per month, the mean
    satisfaction of the needs closed in those months, and opened needs per category."""
    wanted = set(months)
    opened = {m: 0 for m in months}
    closed = {m: 0 for m in months}
    by_category: dict[str, dict[str, int]] = {m: {} for m in months}
    scores = []
    for need in _all_needs(cids):
        month = need["created_at"][:7]
        if month in wanted:
            opened[month] += 1
            cats = by_category[month]
            cats[need["category"]] = cats.get(need["category"], 0) + 1
        if need["status"] == DONE and need.get("closed_at"):
            month = need["closed_at"][:7]
            if month in wanted:
                closed[month] += 1
                if need.get("evaluation"):
                    scores.append(need["evaluation"]["satisfaction"])
    mean = round(sum(scores) / len(scores), 2) if scores else None
    return {
        "opened": opened,
        "closed": closed,
        "mean_satisfaction": mean,
        "by_category": by_category,
    }


def top_need_category(cids: list[str], month: str) -> dict | None:
    """每月一题: the most frequent need category of the month (ties: the order of the need
    forms' categories, ``kb.data.need_categories``),
    its trend over the 6 months up to ``month`` and that month's needs of it."""
    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month or ""):
        raise StoreError("月份格式应为 YYYY-MM。")
    trend_months = _month_list(month, 6)
    counts: dict[str, dict[str, int]] = {m: {} for m in trend_months}
    of_month: list[dict] = []
    for need in _all_needs(cids):
        created = need["created_at"][:7]
        if created in counts:
            counts[created][need["category"]] = counts[created].get(need["category"], 0) + 1
        if created == month:
            of_month.append(need)
    if not counts[month]:
        return None
    order = {c: n for n, c in enumerate(kbdata.need_categories())}
    top = min(counts[month], key=lambda c: (-counts[month][c], order.get(c, 999), c))
    needs = sorted(
        (n for n in of_month if n["category"] == top), key=lambda n: (n["created_at"], n["id"])
    )
    return {
        "category": top,
        "count": counts[month][top],
        "trend": [(m, counts[m].get(top, 0)) for m in trend_months],
        "needs": needs,
    }
