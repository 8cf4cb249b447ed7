"""The public lists of open posts: the district's open shifts grouped by post.

Grouping two thousand shifts costs more than drawing a page of them, so the
grouped list is cached for as long as the district's open-shift list itself is
(``signups.district_open_shifts`` returns the same list object until something
changes); filters are applied to the cached groups.
"""

from __future__ import annotations

from datetime import datetime

from . import signup as signups

_grouped: list = [None, None]  # [the district list the groups were made from, groups]


def _group(rows: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for row in rows:
        entry = groups.setdefault(
            row["post"]["id"],
            {"post": row["post"], "community": row["community"], "shifts": [], "free": 0},
        )
        entry["shifts"].append(row)
        entry["free"] += row["free"]
    return sorted(
        groups.values(), key=lambda e: (e["shifts"][0]["shift"]["date"] or "", e["post"]["title"])
    )


def open_posts(
    street: str = "", category: str = "", community: str = "", at: datetime | None = None
) -> list[dict]:
    """Open posts with their open shifts and free places, soonest first; optionally
    only one street's, one category's or one community's."""
    rows = signups.district_open_shifts(at)
    if _grouped[0] is not rows:
        _grouped[:] = [rows, _group(rows)]
    return [
        g
        for g in _grouped[1]
        if (not street or g["community"]["street_id"] == street)
        and (not category or g["post"]["category"] == category)
        and (not community or g["community"]["id"] == community)
    ]


def open_post_count(at: datetime | None = None) -> int:
    """How many posts have a shift open for sign-up."""
    return len(open_posts(at=at))
