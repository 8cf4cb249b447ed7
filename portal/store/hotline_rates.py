"""接诉即办 三率 (响应率, 解决率, 满意率) per street, community and department, per month,
read from the hotline counters (one small document per unit and month, kept by every step
of an order), never from the orders themselves; the district adds up its streets and
departments. Also the rankings of streets and communities and the public per-street
figures (counts and rates only: nothing personal is in a counter).
"""

from __future__ import annotations

import re

from .base import NotFound, StoreError, valid_id
from .hotline.counters import FIELDS, unit_counts
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


def unit_figures(month: str, unit: str) -> dict:
    """``{unit, counts, rates}`` of one unit for the month; ``district`` is the sum of the
    streets' and departments' rows (an order goes to a street or to a department). Units
    are read by key (a missing counter reads as zeros): listing the month's documents
    would cost more than reading the few known units."""
    check_month(month)
    if unit == "district":
        units = [f"street:{s['id']}" for s in list_streets()] + _departments()
        counts = add_up([unit_counts(month, u) for u in units])
    else:
        counts = unit_counts(month, unit)
    return {"unit": unit, "counts": counts, "rates": rates_of(counts)}


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


def street_table(month: str) -> list[dict]:
    """Every street of the district with its figures (zero rows too), ranked."""
    check_month(month)
    rows = [
        _row(
            f"street:{s['id']}", unit_counts(month, f"street:{s['id']}"), id=s["id"], name=s["name"]
        )
        for s in list_streets()
    ]
    return ranked(rows)


def community_table(month: str, street_id: str | None = None) -> list[dict]:
    """The communities of one street (or of the district), each with its figures, ranked."""
    if street_id is not None and not valid_id(street_id):
        raise NotFound("没有找到这个街道。")
    check_month(month)
    rows = [
        _row(
            f"community:{c['id']}",
            unit_counts(month, f"community:{c['id']}"),
            id=c["id"],
            name=c["name"],
            street_id=c["street_id"],
        )
        for c in list_communities(street_id)
    ]
    return ranked(rows)


def department_table(month: str) -> list[dict]:
    """The departments that had orders in the month, with their figures, ranked."""
    check_month(month)
    rows = [_row(u, unit_counts(month, u)) for u in _departments()]
    return ranked([r for r in rows if any(r["counts"].values())])


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
