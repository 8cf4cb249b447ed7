"""为我推荐: open shifts ranked for one person, each with the reasons why; or the same
ranking by post, each post once with its shifts.

A shift's score is (confirmed skills matched, skills matched, in the person's own
community, in their free time, date), best first. Everything but the free time is the
same for every shift of a post, so the ranking is worked out per post from an index of
the district's open shifts (``_Index``), built once per version of the district list:
the posts asking for each skill, and per post its shifts by date. Only the posts asking
for one of the person's skills are scored; the others follow in an order kept per
free-time pattern. But for the person's own sign-ups, a page depends only on their
profile (skills, confirmed skills, community, free time): the ranking and the pages
drawn are kept per profile while the index lives (members share profiles; a member
pages through the list). Rows are built for one page of posts, and for the first few
shifts of each post when the caller asks for that.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
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
        # The slot all of a post's shifts share (None: they differ, or standing roles).
        self.post_slot: list[str | None] = []
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
                self.post_slot.append(row["slot"])
                for skill in row["wanted"]:
                    self.by_skill.setdefault(skill, []).append(p)
            elif self.post_slot[p] != row["slot"]:
                self.post_slot[p] = None
            self.post_rows[p].append(n)
            self.row_post.append(p)
        for mine in self.post_rows:
            mine.sort(key=lambda n: (rows[n]["date_key"], n))
        # Per free-time pattern, built when first asked for.
        self._best: dict[int, list[tuple]] = {}
        self._post_order: dict[int, list[int]] = {}
        self._row_order: dict[int, list[int]] = {}
        self._ranked: dict[tuple, tuple[dict, list[int], dict]] = {}

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

    def ranked(self, person: _Person) -> tuple[dict[int, tuple[int, int]], list[int], dict]:
        """The person's matches per post (``_Person.counts``), the posts asking for one of
        their skills best first, and the pages of ``recommend_posts`` drawn so far; kept
        per profile (bounded: cleared when full)."""
        key = (frozenset(person.mine), frozenset(person.sure), person.own, person.mask)
        found = self._ranked.get(key)
        if found is None:
            counts = person.counts(self)
            best, cid, own = self.best(person.mask), self.post_cid, person.own
            order = sorted(counts, key=lambda p: (*counts[p], cid[p] != own, best[p]))
            if len(self._ranked) >= _PROFILES_KEPT:
                self._ranked.clear()
            found = self._ranked[key] = (counts, order, {})
        return found


_PROFILES_KEPT = 2000
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
        self.mask = sum(_SLOT_BITS.get(s, 0) for s in set(user["availability"]))
        self.own = reports.active_community_id(uid) or user.get("home_cid")
        self.uid, self.at = uid, at
        self._signed: dict | None = None

    def counts(self, index: _Index) -> dict[int, tuple[int, int]]:
        """Per post asking for one of the person's skills: (-confirmed, -declared) matches."""
        matches = Counter(p for skill in self.mine for p in index.by_skill.get(skill, ()))
        sure = Counter(p for skill in self.sure for p in index.by_skill.get(skill, ()))
        return {p: (-sure[p], -m) for p, m in matches.items()}

    def signed(self) -> dict:
        """The person's upcoming sign-ups by shift, read when a page is drawn."""
        if self._signed is None:
            self._signed = {
                s["shift_id"]: s
                for s in signups.user_signups(self.uid, upcoming_at=self.at or now())
            }
        return self._signed


def _post_reasons(row: dict, own: bool, person: _Person) -> tuple[list[str], list[str]]:
    """(skills matched, reasons) that every shift of the row's post shares."""
    skill_names = kbdata.taxonomy()["skill_by_id"]
    sure = person.sure
    matched = [s for s in row["wanted"] if s in person.mine]
    reasons = []
    confirmed = [skill_names[s]["name"] for s in matched if s in sure]
    declared = [skill_names[s]["name"] for s in matched if s not in sure]
    if confirmed:
        reasons.append("专长已确认：" + "、".join(confirmed))
    if declared:
        reasons.append("专长匹配（未确认）：" + "、".join(declared))
    if own:
        reasons.append("在您所在的社区")
    return matched, reasons


def _free_time(slot: str | None, miss: bool) -> list[str]:
    return [] if miss or not slot else ["符合您的空闲时间：" + SLOT_NAMES[slot]]


def _shown(row: dict, person: _Person, own: bool, miss: bool) -> dict:
    matched, reasons = _post_reasons(row, own, person)
    mine = person.signed().get(row["shift"]["id"])
    reasons += _free_time(row["slot"], miss)
    return dict(row, reasons=reasons, matched=matched, required=list(row["required"]), mine=mine)


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
    counts, cid, mask = person.counts(index), index.post_cid, person.mask

    def score(p: int, n: int, matches: tuple) -> tuple:
        miss = index.miss(n, mask)
        return (*matches, cid[p] != person.own, miss, index.rows[n]["date_key"], n)

    ranked = heapq.nsmallest(
        limit, [score(p, n, counts[p]) for p in counts for n in index.post_rows[p]]
    )
    if len(ranked) < limit and not only_matching:
        rest = _unmatched(index, index.row_order(mask), index.row_post.__getitem__, person, counts)
        for n in itertools.islice(rest, limit - len(ranked)):
            ranked.append(score(index.row_post[n], n, (0, 0)))
    return [_shown(index.rows[s[-1]], person, not s[2], s[3]) for s in ranked]


def recommend_posts(
    uid: str,
    at: datetime | None = None,
    only_matching: bool = False,
    limit: int = 12,
    offset: int = 0,
    shown: int | None = None,
) -> tuple[list[dict], int]:
    """The same ranking by post: each post once, placed by its best shift, with its open
    shifts by date (all, or the first ``shown``). Returns (posts ``offset`` to
    ``offset + limit``, how many posts in all).

    A post is {post, community, reasons (those every shift shares, shown once), matched,
    required, shifts, count (of all its open shifts)}; each shift row is as in
    ``recommend_shifts`` plus ``extra``: its own other reasons. The lists in them are
    shared (kept for the next page drawn): copy one before changing it.
    """
    person = _Person(uid, at)
    index = _index(listing.district_open_shifts(at))
    pages = index.ranked(person)[2]
    key = (only_matching, offset, limit, shown)
    if key not in pages:
        if len(pages) >= 20:  # a member pages through, with the filter on and off
            pages.clear()
        pages[key] = _page(index, person, *key)
    groups, total = pages[key]
    # The person's own sign-ups are theirs alone: read for every page drawn.
    mine = person.signed().get
    return [
        dict(g, shifts=[dict(row, mine=mine(row["shift"]["id"])) for row in g["shifts"]])
        for g in groups
    ], total


def _page(index: _Index, person: _Person, only: bool, offset: int, limit: int, shown):
    """``recommend_posts`` without the person's own sign-ups: the same for their profile."""
    counts, matched, _pages = index.ranked(person)
    own, cid, mask = person.own, index.post_cid, person.mask
    total = len(matched) if only else len(cid)
    page = matched[offset : offset + limit]
    if len(page) < limit and not only:
        rest = _unmatched(index, index.post_order(mask), int, person, counts)
        start = max(offset - len(matched), 0)
        page += itertools.islice(rest, start, start + limit - len(page))
    # The free-time reason of a shift by its slot (none outside the person's free time).
    free_time: dict[str | None, list[str]] = {
        slot: _free_time(slot, not bit & mask) for slot, bit in _SLOT_BITS.items()
    }
    groups = []
    for p in page:
        numbers = index.post_rows[p]
        first = index.rows[numbers[0]]
        matched_skills, shared = _post_reasons(first, cid[p] == own, person)
        # Only the free-time reason differs between a post's shifts: it is shared when
        # all of them are in the same slot, and that slot is in the person's free time.
        common = shared + free_time.get(index.post_slot[p], [])
        same = {"matched": matched_skills, "required": list(first["required"])}
        shifts = []
        for n in numbers[:shown]:
            row = index.rows[n]
            own_time = free_time.get(row["slot"], [])
            extra = [] if len(common) > len(shared) else own_time
            shifts.append(dict(row, reasons=shared + own_time, extra=extra, **same))
        group = {"post": first["post"], "community": first["community"], "reasons": common}
        groups.append(dict(group, shifts=shifts, count=len(numbers), **same))
    return groups, total
