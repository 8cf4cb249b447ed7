"""The units' open lists, split into small bucket documents, and the handler's pages.

A unit's open orders are kept as list entries (``model.entry``) in bucket documents
``hotline/queue/<unit>/<NN>``, NN from the order id as for the month buckets: 64 for the
district and a department, whose lists run to thousands, fewer for a street (16), a
community (8) and a grid (4), whose lists are a street's or a community's share. A step
rewrites one bucket per unit it touches (a small part of the unit's list), so its cost
does not grow with the number of orders the unit holds: with 5,000 orders waiting at
the district a bucket holds about 80 entries, where one list document held them all and
every step rewrote 1.5 MB. A page checks every bucket of its unit (a ``stat`` each on
the file store): a community's list checks 8, not 64.

There is no per-unit summary document on purpose: every step of the unit would have to
lock and rewrite it, which would queue all the district's steps behind one key again.
What a summary would hold (counts by state and category, the number overdue) is derived
instead, with the sorting, and cached per version of the buckets: each bucket's sorted
entries through the backend's ``view()``, their merge per unit while no bucket changed.
"""

from __future__ import annotations

import functools
import heapq
import threading
import weakref
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime


from .. import backend as docs
from ..base import now, stamp
from . import model

BUCKETS = 64  # the district's and a department's list
SMALLER = {"street": 16, "community": 8, "grid": 4}
_CACHED_UNITS = 512  # merged lists kept per process and backend


def buckets(unit: str) -> int:
    """How many documents the unit's list is split in."""
    return min(BUCKETS, SMALLER.get(unit.partition(":")[0], BUCKETS))


def bucket_index(oid: str, count: int = BUCKETS) -> int:
    return int(oid[-10:-8], 16) % count  # the first two of the id's random digits


def bucket_key(unit: str, oid: str) -> str:
    """The document of ``unit``'s open list that holds the entry of order ``oid``."""
    index = bucket_index(oid, buckets(unit))
    return "hotline/queue/" + "/".join(model.unit_parts(unit)) + f"/{index:02d}"


@functools.lru_cache(maxsize=4096)
def unit_keys(unit: str) -> tuple[str, ...]:
    """Every bucket of the unit's list (worked out once per unit: every page needs them)."""
    base = "hotline/queue/" + "/".join(model.unit_parts(unit))
    return tuple(f"{base}/{n:02d}" for n in range(buckets(unit)))


def sort_key(entry: dict) -> tuple:
    """Most urgent first: by the next limit (orders with none last), then receipt."""
    due = model.next_due(entry)
    return (due is None, due or "", entry["received_at"], entry["id"])


def _sorted_bucket(tables: dict) -> list[tuple[tuple, dict]]:
    return sorted(((sort_key(e), e) for e in tables.get("open", {}).values()), key=_first)


def _first(pair: tuple) -> tuple:
    return pair[0]


@dataclass
class Queue:
    """A unit's open list, sorted, with the indexes its page filters by."""

    rows: list[tuple[tuple, dict]]
    by_state: dict[str, list] = field(default_factory=dict)
    by_category: dict[str, list] = field(default_factory=dict)
    mine: list = field(default_factory=list)
    waiting: int = 0  # the unit's own 待派单 orders (一键派单)


def _build(unit: str, parts: list[list]) -> Queue:
    queue = Queue(list(heapq.merge(*parts, key=_first)))
    for pair in queue.rows:
        entry = pair[1]
        queue.by_state.setdefault(entry["state"], []).append(pair)
        queue.by_category.setdefault(entry["category"], []).append(pair)
        if entry["holder"] == unit:
            queue.mine.append(pair)
            queue.waiting += entry["state"] == model.PENDING
    return queue


_merged: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_merged_lock = threading.Lock()


def queue(unit: str) -> Queue:
    """The unit's sorted open list, rebuilt only when one of its buckets changed."""
    keys = unit_keys(unit)
    backend = docs.current()
    backend.prefetch(keys)
    versions = tuple(backend.version(k) for k in keys)
    with _merged_lock:
        cache = _merged.setdefault(backend, {})
        hit = cache.get(unit)
    if hit is not None and hit[0] == versions:
        return hit[1]
    # Read after the versions: what is built is at least as new as the versions it is
    # kept under, so a later change of any bucket rebuilds it; it is never stale.
    built = _build(unit, [backend.view(k, "hotline-queue", _sorted_bucket) for k in keys])
    with _merged_lock:
        cache.pop(unit, None)
        cache[unit] = (versions, built)
        while len(cache) > _CACHED_UNITS:
            cache.pop(next(iter(cache)))
    return built


def shown(entry: dict, unit: str, at: datetime, now_s: str | None = None) -> dict:
    urgency = model.urgency(entry, at, now_s)
    return dict(entry, urgency=urgency, mine=entry["holder"] == unit)


def page(
    unit: str,
    at: datetime | None = None,
    *,
    state: str = "",
    category: str = "",
    mine: bool = False,
    overdue: bool = False,
    number: int = 1,
    per_page: int = 50,
) -> dict:
    """One page of the unit's open orders, most urgent first, filtered by state,
    category, "the unit's move" and overdue. Returns ``{rows, entries, total, page,
    pages, overdue (of the filtered rows), all, states, categories, waiting}``; only the
    rows of the page get their ``urgency`` worked out. ``entries`` are the page's list
    entries themselves, shared and never changed (a new version of a bucket brings new
    ones), for a view that caches what it draws of each: do not mutate."""
    at = at or now()
    found = queue(unit)
    chosen = [found.rows]
    if state:
        chosen.append(found.by_state.get(state, []))
    if category:
        chosen.append(found.by_category.get(category, []))
    if mine:
        chosen.append(found.mine)
    rows = min(chosen, key=len)
    if len(chosen) > 2 or (len(chosen) == 2 and rows is found.rows):
        rows = [
            p
            for p in rows
            if (not state or p[1]["state"] == state)
            and (not category or p[1]["category"] == category)
            and (not mine or p[1]["holder"] == unit)
        ]
    # Sorted by the next limit: the overdue ones are the rows before "now".
    now_s = stamp(at)
    late = bisect_left(rows, (False, now_s), key=lambda p: p[0][:2])
    if overdue:
        rows = rows[:late]
    pages = max(1, -(-len(rows) // per_page))
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    entries = [e for _k, e in rows[start : start + per_page]]
    return {
        "rows": [shown(e, unit, at, now_s) for e in entries],
        "entries": entries,
        "total": len(rows),
        "page": number,
        "pages": pages,
        "overdue": late,
        "all": len(found.rows),
        "states": {s: len(v) for s, v in found.by_state.items()},
        "categories": {c: len(v) for c, v in found.by_category.items()},
        "waiting": found.waiting,
    }
