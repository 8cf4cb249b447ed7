"""接诉即办 三率 (响应率, 解决率, 满意率) per street, community and department, per month,
read from the hotline counters (one document per month, a row per unit, kept by every
step of an order), never from the orders themselves; the district adds up its streets
and departments. Also the rankings of streets and communities and the public per-street
figures (counts and rates only: nothing personal is in a counter).

Everything a month's pages show (every unit's figures, the district's sum, the ranked
tables) is derived once per version of the month's counters and of the places, and
kept per process: a page reads it, it does not add up and rank on every visit. The
rows handed out are shared: callers must not change them.
"""

from __future__ import annotations

import re
import threading
import weakref

from . import backend as docs
from .base import NotFound, StoreError, places_key, valid_id
from .hotline import model
from .hotline.counters import FIELDS, month_counts, zero
from .places import list_communities, list_streets
from .whistles.catalog import departments
from .whistles.stats import month_list

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
RATE_FIELDS = ("response", "resolution", "satisfaction")
# Printed beside the figures (the views and the monthly report show them as they are).
RATE_DEFINITIONS = {
    "response": ("响应率", "时限内签收的件数 ÷ 派单件数"),
    "resolution": ("解决率", "已解决的件数 ÷ 已结案件数"),
    "satisfaction": ("满意率", "（满意 + 基本满意）÷ 已评价件数"),
}
RANK_RULE = "按满意率、解决率、响应率依次从高到低排序；当月没有可计算比率的单位排在最后。"


def check_month(month: str) -> str:
    if not _MONTH_RE.match(month or ""):
        raise StoreError("月份格式应为 YYYY-MM。")
    return month


def rates_of(counts: dict) -> dict:
    """The three rates (0–1, or None when there is nothing to divide by) of a counter row."""

    def ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "response": ratio(counts["signed_in_time"], counts["dispatched"]),
        "resolution": ratio(counts["resolved"], counts["closed"]),
        "satisfaction": ratio(counts["satisfied"] + counts["basic"], counts["rated"]),
    }


def add_up(rows: list[dict]) -> dict:
    total = dict.fromkeys(FIELDS, 0)
    for row in rows:
        for field in FIELDS:
            total[field] += row.get(field, 0)
    return total


def _departments() -> list[str]:
    return [f"dept:{d['id']}" for d in departments()]


def _rank_key(row: dict) -> tuple:
    rates = row["rates"]
    known = [rates[f] for f in ("satisfaction", "resolution", "response")]
    return (all(v is None for v in known), *(-(v if v is not None else -1) for v in known))


def ranked(rows: list[dict], by: str | None = None) -> list[dict]:
    """Rows ranked (``rank`` 1, 2, …; equal figures share a rank): by one rate when ``by``
    names one, else by ``RANK_RULE``. Rows with no figure to rank by come last, unranked."""
    if by in RATE_FIELDS:

        def key(row: dict) -> tuple:
            value = row["rates"][by]
            return (value is None, -(value or 0))

    else:
        key = _rank_key
    out = sorted(rows, key=key)
    previous, rank = None, 0
    for n, row in enumerate(out, start=1):
        value = key(row)
        if value[0]:
            row["rank"] = None
            continue
        if value != previous:
            rank, previous = n, value
        row["rank"] = rank
    return out


def _row(unit: str, counts: dict, **more) -> dict:
    return {"unit": unit, "counts": counts, "rates": rates_of(counts), **more}


def _build(month: str) -> dict:
    """What the month's pages show, from its counters: ``units`` (unit -> row), the
    ``district`` row, and the ranked ``streets``, ``communities`` (all, and ``by_street``)
    and ``departments`` (those with any figure)."""
    counts = month_counts(month)
    units: dict[str, dict] = {u: _row(u, dict(c)) for u, c in counts.items()}

    def row(unit: str, **more) -> dict:
        found = units.get(unit)
        counts_of = dict(found["counts"]) if found else zero()
        return _row(unit, counts_of, **more)

    streets = ranked([row(f"street:{s['id']}", id=s["id"], name=s["name"]) for s in list_streets()])
    communities = [
        row(f"community:{c['id']}", id=c["id"], name=c["name"], street_id=c["street_id"])
        for c in list_communities()
    ]
    by_street: dict[str, list[dict]] = {}
    for community in communities:
        by_street.setdefault(community["street_id"], []).append(dict(community))
    depts = [row(u) for u in _departments()]
    district = add_up([r["counts"] for r in streets] + [r["counts"] for r in depts])
    return {
        "units": units,
        "district": _row("district", district),
        "streets": streets,
        "communities": ranked(communities),
        "by_street": {sid: ranked(rows) for sid, rows in by_street.items()},
        "departments": ranked([r for r in depts if any(r["counts"].values())]),
    }


_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_built_lock = threading.Lock()
_CACHED_MONTHS = 48  # per process and backend


def _month(month: str) -> dict:
    """``_build(month)``, rebuilt only when the month's counters, the places or the
    departments changed."""
    check_month(month)
    backend = docs.current()
    stamp = (
        backend.version(model.counts_key(month)),
        backend.version(places_key()),
        tuple(_departments()),
    )
    with _built_lock:
        cache = _built.setdefault(backend, {})
        hit = cache.get(month)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    # Built after the versions were read: at least as new as the stamp it is kept under.
    built = _build(month)
    with _built_lock:
        cache.pop(month, None)
        cache[month] = (stamp, built)
        while len(cache) > _CACHED_MONTHS:
            cache.pop(next(iter(cache)))
    return built


def basis(month: str, count: int = 6) -> tuple:
    """What the pages of ``month`` (with its ``count``-month trend) are derived from, as
    opaque objects: the same objects while nothing those pages show has changed, new
    ones after. A view may cache what it renders under their identities, keeping them
    referenced (so that no other object takes one of their ids)."""
    return tuple(_month(m) for m in month_list(check_month(month), count))


def unit_figures(month: str, unit: str) -> dict:
    """``{unit, counts, rates}`` of one unit for the month; ``district`` is the sum of the
    streets' and departments' rows (an order goes to a street or to a department)."""
    built = _month(month)
    if unit == "district":
        return dict(built["district"])
    found = built["units"].get(unit)
    if found is None:
        model.unit_parts(unit)  # an impossible unit is NotFound
        return _row(unit, zero())
    return dict(found)


def street_table(month: str) -> list[dict]:
    """Every street of the district with its figures (zero rows too), ranked."""
    return list(_month(month)["streets"])


def community_table(month: str, street_id: str | None = None) -> list[dict]:
    """The communities of one street (or of the district), each with its figures, ranked."""
    if street_id is not None and not valid_id(street_id):
        raise NotFound("没有找到这个街道。")
    built = _month(month)
    if street_id is None:
        return list(built["communities"])
    return list(built["by_street"].get(street_id, []))


def department_table(month: str) -> list[dict]:
    """The departments that had orders in the month, with their figures, ranked."""
    return list(_month(month)["departments"])


def trend(unit: str, month: str, count: int = 6) -> list[dict]:
    """The unit's figures for the ``count`` months up to ``month``, oldest first."""
    return [dict(unit_figures(m, unit), month=m) for m in month_list(check_month(month), count)]


def public_figures(month: str) -> dict:
    """For the public page: per street, the orders dispatched, answered, closed and rated
    and the three rates, with the district's totals. Counts only, nothing personal."""
    streets = street_table(month)
    return {
        "month": month,
        "streets": [
            {
                "id": row["id"],
                "name": row["name"],
                "rank": row["rank"],
                "counts": {
                    f: row["counts"][f] for f in ("dispatched", "answered", "closed", "rated")
                },
                "rates": row["rates"],
            }
            for row in streets
        ],
        "district": unit_figures(month, "district"),
    }
