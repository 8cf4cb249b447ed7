"""Figures of the needs lists: needs opened and closed per month with the mean
satisfaction and the needs opened per category (which 每月一题 counts across channels
with orders and whistles, ``monthly_topic.py``). Reads the communities' needs indexes
and never writes.
"""

from __future__ import annotations

from ..base import valid_id
from .needs import DONE, _needs_index


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
