"""The units' open lists, split into small bucket documents, and the handler's pages.

A unit's open orders are kept as list entries (``model.entry``) in 64 documents
``hotline/queue/<unit>/<NN>``, NN from the order id as for the month buckets. A step
rewrites one bucket per unit it touches (about 1/64 of the unit's list), so its cost
does not grow with the number of orders the unit holds: with 5,000 orders waiting at
the district a bucket holds about 80 entries, where one list document held them all and
every step rewrote 1.5 MB.

There is no per-unit summary document on purpose: every step of the unit would have to
lock and rewrite it, which would queue all the district's steps behind one key again.
What a summary would hold (counts by state and category, the number overdue) is derived
instead, with the sorting, and cached per version of the buckets: each bucket's sorted
entries through the backend's ``view()``, their merge per unit while no bucket changed.
"""

from __future__ import annotations

import heapq
import threading
import weakref
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime


from .. import backend as docs
from ..base import now, stamp
from . import model

BUCKETS = 64
_CACHED_UNITS = 512  # merged lists kept per process and backend


def bucket_index(oid: str) -> int:
    return int(oid[7:9], 16) % BUCKETS


def bucket_key(unit: str, oid: str) -> str:
    """The document of ``unit``'s open list that holds the entry of order ``oid``."""
    return "hotline/queue/" + "/".join(model.unit_parts(unit)) + f"/{bucket_index(oid):02d}"


def unit_keys(unit: str) -> list[str]:
    base = "hotline/queue/" + "/".join(model.unit_parts(unit))
    return [f"{base}/{n:02d}" for n in range(BUCKETS)]


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


def shown(entry: dict, unit: str, at: datetime) -> dict:
    return dict(entry, urgency=model.urgency(entry, at), mine=entry["holder"] == unit)


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
    category, "the unit's move" and overdue. Returns ``{rows, total, page, pages,
    overdue (of the filtered rows), all, states, categories, waiting}``; only the rows
    of the page get their ``urgency`` worked out."""
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
    late = bisect_left(rows, (False, stamp(at)), key=lambda p: p[0][:2])
    if overdue:
        rows = rows[:late]
    pages = max(1, -(-len(rows) // per_page))
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    return {
        "rows": [shown(e, unit, at) for _k, e in rows[start : start + per_page]],
        "total": len(rows),
        "page": number,
        "pages": pages,
        "overdue": late,
        "all": len(found.rows),
        "states": {s: len(v) for s, v in found.by_state.items()},
        "categories": {c: len(v) for c, v in found.by_category.items()},
        "waiting": found.waiting,
    }
