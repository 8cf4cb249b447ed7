"""为我推荐: open shifts ranked for one person, each with the reasons why; or the same
ranking by post, each post once with its shifts.

A shift's score is (confirmed skills matched, skills matched, in the person's own
community, in their free time, date), best first. Everything but the free time is
the same for every shift of a post, so the ranking is worked out per post from an
index of the district's open shifts (``_Index``), built once per version of the
district list: the posts asking for each skill, and per post its shifts by date. A
request then scores only the posts that ask for one of the person's skills (a few
hundred of some two thousand open shifts); the others come after them in an order
that depends only on the person's free time and community, kept per free-time
pattern. The rows shown are built for one page only.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import datetime

from kb import data as kbdata

from ..accounts import users as accounts
from .. import reports
from . import listing
from . import signup as signups
from ..base import now

SLOT_NAMES = {"weekday_day": "工作日白天", "weekday_evening": "工作日晚间", "weekend": "周末"}
# A person's free time as a bit mask (8 patterns), so that orders can be kept per pattern.
_SLOT_BITS = {"weekday_day": 1, "weekday_evening": 2, "weekend": 4}


def _mask(free_time) -> int:
    return sum(_SLOT_BITS.get(s, 0) for s in set(free_time))


class _Index:
    """The district's open shifts (``listing.district_open_shifts``) arranged for ranking.

    Posts are numbered; ``post_rows[p]`` are the indices (into ``rows``) of post p's
    shifts in date order, ``by_skill[s]`` the posts asking for skill s (a post once per
    time it names the skill, so that counting gives what the row's ``wanted`` gives).
    """

    def __init__(self, rows: list[dict]):
        self.rows = rows
        numbers: dict[tuple[str, str], int] = {}
        self.post_rows: list[list[int]] = []
        self.post_cid: list[str] = []
        self.row_post: list[int] = []
        self.by_skill: dict[str, list[int]] = {}
        for n, row in enumerate(rows):
            cid = row["community"]["id"]
            key = (cid, row["post"]["id"])
            p = numbers.get(key)
            if p is None:
                p = numbers[key] = len(self.post_rows)
                self.post_rows.append([])
                self.post_cid.append(cid)
                for skill in row["wanted"]:
                    self.by_skill.setdefault(skill, []).append(p)
            self.post_rows[p].append(n)
            self.row_post.append(p)
        for mine in self.post_rows:
            mine.sort(key=lambda n: (rows[n]["date_key"], n))
        # Per free-time pattern, built when first asked for.
        self._best: dict[int, list[tuple]] = {}
        self._post_order: dict[int, list[int]] = {}
        self._row_order: dict[int, list[int]] = {}

    def miss(self, n: int, mask: int) -> bool:
        """Whether shift n is outside the free time (never for a standing role)."""
        slot = self.rows[n]["slot"]
        return slot is not None and not _SLOT_BITS[slot] & mask

    def best(self, mask: int) -> list[tuple]:
        """Per post, the (outside free time, date, index) of its best shift."""
        found = self._best.get(mask)
        if found is None:
            found = []
            for mine in self.post_rows:
                # Shifts are in date order: the first one in the free time, else the first.
                n = next((n for n in mine if not self.miss(n, mask)), None)
                first = mine[0] if n is None else n
                found.append((n is None, self.rows[first]["date_key"], first))
            self._best[mask] = found
        return found

    def post_order(self, mask: int) -> list[int]:
        """Every post, best shift first, for this free time."""
        found = self._post_order.get(mask)
        if found is None:
            best = self.best(mask)
            found = self._post_order[mask] = sorted(range(len(best)), key=best.__getitem__)
        return found

    def row_order(self, mask: int) -> list[int]:
        """Every shift by (outside free time, date), for this free time."""
        found = self._row_order.get(mask)
        if found is None:
            rows = self.rows
            found = sorted(
                range(len(rows)), key=lambda n: (self.miss(n, mask), rows[n]["date_key"], n)
            )
            self._row_order[mask] = found
        return found


_cached: tuple[list | None, _Index | None] = (None, None)  # (district list, its index)


def _index(rows: list[dict]) -> _Index:
    """The index of this district list (``district_open_shifts`` returns the same list
    until something in the district changes or the minute turns)."""
    global _cached
    built_from, index = _cached  # one read: another thread may replace it meanwhile
    if built_from is not rows or index is None:
        index = _Index(rows)
        _cached = (rows, index)
    return index


class _Person:
    """What the ranking needs to know about the person asking."""

    def __init__(self, uid: str, at: datetime | None):
        user = accounts.get_user(uid)
        self.mine = set(user["skills"])
        self.sure = set(user.get("skills_confirmed", [])) & self.mine
        self.mask = _mask(user["availability"])
        self.own = reports.active_community_id(uid) or user.get("home_cid")
        self.uid, self.at = uid, at
        self._signed: dict | None = None

    def counts(self, index: _Index) -> dict[int, tuple[int, int]]:
        """Per post asking for one of the person's skills: (-confirmed, -declared) matches."""
        matches: dict[int, int] = {}
        sure: dict[int, int] = {}
        for skill in self.mine:
            for p in index.by_skill.get(skill, ()):
                matches[p] = matches.get(p, 0) + 1
        for skill in self.sure:
            for p in index.by_skill.get(skill, ()):
                sure[p] = sure.get(p, 0) + 1
        return {p: (-sure.get(p, 0), -m) for p, m in matches.items()}

    def signed(self) -> dict:
        """The person's upcoming sign-ups by shift, read when a page is drawn."""
        if self._signed is None:
            self._signed = {
                s["shift_id"]: s
                for s in signups.user_signups(self.uid, upcoming_at=self.at or now())
            }
        return self._signed


def _shown(row: dict, score: tuple, person: _Person) -> dict:
    skill_names = kbdata.taxonomy()["skill_by_id"]
    mine, sure = person.mine, person.sure
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
        mine=person.signed().get(row["shift"]["id"]),
    )


def _unmatched(index: _Index, order: list[int], ids, person: _Person, counts) -> Iterator[int]:
    """Of ``order`` (posts or shifts, ``ids`` maps one to its post), those of posts asking
    for none of the person's skills: first those of their own community, then the rest,
    each in the given order."""
    cid = index.post_cid
    own = (x for x in order if cid[ids(x)] == person.own and ids(x) not in counts)
    other = (x for x in order if cid[ids(x)] != person.own and ids(x) not in counts)
    return itertools.chain(own, other)


def recommend_shifts(
    uid: str, at: datetime | None = None, only_matching: bool = False, limit: int = 60
) -> list[dict]:
    """Open shifts ranked by skill match, own community, availability, then date."""
    person = _Person(uid, at)
    index = _index(listing.district_open_shifts(at))
    counts = person.counts(index)
    scored = [
        (*counts[p], index.post_cid[p] != person.own, index.miss(n, person.mask))
        + (index.rows[n]["date_key"], n)
        for p in counts
        for n in index.post_rows[p]
    ]
    ranked = heapq.nsmallest(limit, scored)
    if len(ranked) < limit and not only_matching:
        rest = _unmatched(
            index, index.row_order(person.mask), index.row_post.__getitem__, person, counts
        )
        for n in itertools.islice(rest, limit - len(ranked)):
            p = index.row_post[n]
            ranked.append(
                (0, 0, index.post_cid[p] != person.own, index.miss(n, person.mask))
                + (index.rows[n]["date_key"], n)
            )
    return [_shown(index.rows[s[-1]], s, person) for s in ranked]


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
    person = _Person(uid, at)
    index = _index(listing.district_open_shifts(at))
    counts = person.counts(index)
    best = index.best(person.mask)
    own, cid = person.own, index.post_cid
    matched = sorted(counts, key=lambda p: (*counts[p], cid[p] != own, best[p]))
    total = len(matched) if only_matching else len(cid)
    page = matched[offset : offset + limit]
    if len(page) < limit and not only_matching:
        rest = _unmatched(index, index.post_order(person.mask), int, person, counts)
        start = max(offset - len(matched), 0)
        page += itertools.islice(rest, start, start + limit - len(page))
    groups = []
    for p in page:
        shared = (*counts.get(p, (0, 0)), cid[p] != own)
        shifts = [
            _shown(index.rows[n], (*shared, index.miss(n, person.mask)), person)
            for n in index.post_rows[p]
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
    return groups, total
