"""Assessment figures of whistles (一哨一考): per department, per street, 每月一题.

The period is a list of months of raising (``YYYY-MM``); "now" figures (open,
overdue) take an injected ``at``. Rates are fractions (0–1) or None when there is
nothing to divide by, as in ``stats``.
"""

from __future__ import annotations

from datetime import datetime

from .flow import RATING_KEYS, _parse, overdue_steps, resident_ratings, was_on_time
from .catalog import _MONTH_RE, CLOSED, departments, whistle_data
from .core import open_whistles, whistles_in
from ..base import StoreError, now


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def _rating_mean(whistle: dict, dept_id: str) -> float | None:
    assessment = whistle.get("assessment") or {}
    given = (assessment.get("ratings") or {}).get(dept_id)
    return _mean(given[k] for k in RATING_KEYS) if given else None


def department_figures(dept_id: str, rows: list[dict], at=None) -> dict:
    """One department's figures over the given whistles (those summoning it count)."""
    at = at or now()
    mine = [w for w in rows if dept_id in w["departments"]]
    ack = [was_on_time(w, dept_id, "acknowledge", at) for w in mine]
    arrive = [was_on_time(w, dept_id, "arrive", at) for w in mine]
    closed = [w for w in mine if w["status"] == CLOSED]
    satisfaction = []
    for w in closed:
        a = w["assessment"]
        satisfaction.append(a.get("community_satisfaction"))
        # The residents' own ratings of the needs it came from; older whistles kept the
        # 居民满意度 the street typed at closing.
        residents = resident_ratings(w)
        satisfaction += [r["satisfaction"] for r in residents["ratings"]] or [
            residents["typed_at_closing"]
        ]
    acked = sum(1 for w in mine if w["departments"][dept_id]["acknowledged_at"])
    return {
        "dept": dept_id,
        "received": len(mine),
        "response_rate": _rate(acked, len(mine)),
        "ack_on_time": _rate(sum(1 for v in ack if v), sum(1 for v in ack if v is not None)),
        "arrive_on_time": _rate(
            sum(1 for v in arrive if v), sum(1 for v in arrive if v is not None)
        ),
        "resolved": len(closed),
        "resolution_rate": _rate(len(closed), len(mine)),
        "mean_rating": _mean(_rating_mean(w, dept_id) for w in closed),
        "mean_satisfaction": _mean(satisfaction),
        "returns": sum(w["departments"][dept_id].get("returns", 0) for w in mine),
    }


def department_scorecard(months: list[str], street_ids=None, at=None) -> list[dict]:
    """Every department's figures for whistles raised in the months, in the data file's order."""
    rows = whistles_in(street_ids, months)
    return [
        dict(department_figures(d["id"], rows, at), name=d["name"], example=d["example"])
        for d in departments()
    ]


def _hours(start: str, end: str) -> float:
    return (_parse(end) - _parse(start)).total_seconds() / 3600


def street_figures(street_id: str, months: list[str], at=None) -> dict:
    """Whistles raised in the months by category and level, mean hours to close;
    open and overdue now (whatever month they were raised in)."""
    at = at or now()
    rows = whistles_in([street_id], months)
    by_category: dict[str, int] = {}
    by_level = {1: 0, 2: 0, 3: 0}
    for w in rows:
        by_category[w["category_id"]] = by_category.get(w["category_id"], 0) + 1
        by_level[w["initial_level"]] += 1
    order = [c["id"] for c in whistle_data()["categories"]]
    closed = [w for w in rows if w["status"] == CLOSED]
    current = open_whistles([street_id])
    return {
        "street": street_id,
        "raised": len(rows),
        "closed": len(closed),
        "by_category": {c: by_category[c] for c in order if c in by_category},
        "by_level": by_level,
        "mean_hours_to_close": _mean(_hours(w["raised_at"], w["closed_at"]) for w in closed),
        "open_now": len(current),
        "overdue_now": sum(1 for w in current if overdue_steps(w, at)),
    }


def month_list(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month``, oldest first."""
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return out[::-1]


def top_whistle_item(street_ids, month: str) -> dict | None:
    """每月一题 from whistles: the month's most frequent item (ties: list order), with
    its count per month over the 6 months up to ``month`` and that month's whistles of it."""
    if not _MONTH_RE.match(month or ""):
        raise StoreError("月份格式应为 YYYY-MM。")
    months = month_list(month, 6)
    rows = whistles_in(street_ids, months)
    counts: dict[str, dict[str, int]] = {m: {} for m in months}
    for w in rows:
        cell = counts[w["month"]]
        cell[w["item_id"]] = cell.get(w["item_id"], 0) + 1
    if not counts[month]:
        return None
    order = {item_id: n for n, item_id in enumerate(whistle_data()["item_by_id"])}
    top = min(counts[month], key=lambda i: (-counts[month][i], order.get(i, 999), i))
    return {
        "item_id": top,
        "item": whistle_data()["item_by_id"][top],
        "count": counts[month][top],
        "trend": [(m, counts[m].get(top, 0)) for m in months],
        "whistles": sorted(
            (w for w in rows if w["month"] == month and w["item_id"] == top),
            key=lambda w: (w["raised_at"], w["id"]),
        ),
    }


def item_counts(item_id: str | None = None) -> dict:
    """Public counts per item (no personal data): {item_id: {"open": n, "closed": n}}."""
    counts: dict[str, dict[str, int]] = {}
    for w in whistles_in(None, None):
        if item_id is not None and w["item_id"] != item_id:
            continue
        cell = counts.setdefault(w["item_id"], {"open": 0, "closed": 0})
        cell["closed" if w["status"] == CLOSED else "open"] += 1
    return counts


def monthly_report(street_id: str, month: str, at=None) -> dict:
    """The street's printable month: its figures, the departments' scorecard and the whistles."""
    at = at or now()
    rows = whistles_in([street_id], [month])
    return {
        "street": street_id,
        "month": month,
        "figures": street_figures(street_id, [month], at),
        "scorecard": [c for c in department_scorecard([month], [street_id], at) if c["received"]],
        "top": top_whistle_item([street_id], month),
        "whistles": rows,
    }


def period_of(start: str, end: str) -> list[str]:
    """Months from start to end inclusive (at most 24), oldest first."""
    first, last = datetime.strptime(start, "%Y-%m"), datetime.strptime(end, "%Y-%m")
    if first > last:
        first, last = last, first
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > 24:
        raise StoreError("统计期间最长 24 个月。")
    return month_list(last.strftime("%Y-%m"), count)
