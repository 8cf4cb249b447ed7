"""The district's open shifts (for 为我推荐 and the public lists), and the public lists of
open posts: those shifts grouped by post.

Grouping two thousand shifts costs more than drawing a page of them, so the
grouped list is cached for as long as the district's open-shift list itself is
(``district_open_shifts`` returns the same list object until something
changes); filters are applied to the cached groups.
"""

from __future__ import annotations

import bisect
from datetime import datetime

from .. import backend as docs
from .. import places, posts
from ..base import now, signups_key
from .signup import is_upcoming, shift_counts

_blocks: dict[str, tuple] = {}


def _open_block(community: dict, this_month: str) -> tuple[list[str], list[dict]]:
    """A community's open shifts with their counts, sorted by start, cached per process
    until the community's file or one of the month files involved changes."""
    cid = community["id"]
    index = posts.community_index(cid)
    # Only months not over yet: the cost does not grow with the community's history.
    months = sorted(m for m in index["open_months"] if is_upcoming(m, this_month))
    stamps = tuple(docs.version(signups_key(cid, m)) for m in months)
    hit = _blocks.get(cid)
    if hit and hit[0] is index and hit[1] == stamps:
        return hit[2], hit[3]
    keys, rows = [], []
    for key, shift, post in index["open_sorted"]:
        if posts.shift_month(shift) not in months:
            continue
        keys.append(key)
        rows.append(
            {"shift": shift, "post": post, "community": community, **shift_counts(cid, shift)}
        )
        rows[-1]["date_key"] = (shift["date"] or "9999", shift["start"] or "")
        rows[-1]["slot"] = posts.shift_slot(shift)
        rows[-1]["wanted"] = tuple(posts.wanted_skills(post))
        rows[-1]["required"] = tuple(posts.required_skills(post))
    _blocks[cid] = (index, stamps, keys, rows)
    return keys, rows


_district: list = [None, None]  # [(district stamp, minute), rows]


def district_open_shifts(at: datetime | None = None) -> list[dict]:
    """Every shift open for sign-up in the district, with post, community and free places.

    Cached per process until a community's file changes anywhere (one ``stat`` of the
    district stamp) or the minute turns. The rows are shared: copy one before changing it.
    """
    at = at or now()
    moment = at.strftime("%Y-%m-%d %H:%M")
    # A new community also changes it (the places document is one of those it watches).
    key = (docs.district_version(), moment)
    if _district[0] == key and key[0] is not None:
        return _district[1]
    rows = []
    for community in places.list_communities():
        keys, block = _open_block(community, moment[:7])
        rows.extend(block[bisect.bisect_right(keys, moment) :])
    _district[:] = [key, rows]
    return rows


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
    rows = district_open_shifts(at)
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
