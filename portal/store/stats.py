"""Figures for the street and district dashboards; each function computes one thing.

All take the communities in the admin's scope (``cids``) and, where it matters,
the months to cover (``YYYY-MM``); they read the cached community and
community-month files only.
"""

from __future__ import annotations

from datetime import datetime

from .records import attendance
from . import posts, reports
from .base import NotFound, now


def last_months(n: int = 6, at: datetime | None = None) -> list[str]:
    """The n months up to and including the current one, oldest first."""
    at = at or now()
    year, month = at.year, at.month
    months = []
    for _ in range(n):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def reported_members_by_community(cids: list[str]) -> dict[str, int]:
    """Members currently reported in (已报到), per community."""
    return {cid: len(reports.community_member_ids(cid)) for cid in cids}


def pending_report_ins_by_community(cids: list[str]) -> dict[str, int]:
    """Report-ins waiting for the community's decision, per community."""
    return {cid: len(reports.list_report_ins(cid, reports.PENDING)) for cid in cids}


def _shifts_in(cid: str, months: set[str]):
    for post in posts.list_posts(cid):
        for shift in posts.post_shifts(cid, post["id"]):
            if shift["date"] and shift["date"][:7] in months:
                yield shift, post


def posts_fill_rate(cids: list[str], months: list[str]) -> dict:
    """Places taken (confirmed sign-ups) over places offered, for dated shifts in the months."""
    wanted = set(months)
    capacity = taken = 0
    for cid in cids:
        for shift, _post in _shifts_in(cid, wanted):
            capacity += shift["capacity"]
            rows = attendance.month_rows(cid, shift["date"][:7])["rows"]
            taken += min(
                shift["capacity"],
                sum(1 for r in rows if r["shift_id"] == shift["id"] and r["status"] == "confirmed"),
            )
    return {
        "capacity": capacity,
        "confirmed": taken,
        "rate": round(taken / capacity, 3) if capacity else None,
    }


def _marked_rows(cids: list[str], months: list[str]):
    """(month, row, post) for every sign-up with attendance recorded, in the months' files."""
    for cid in cids:
        for month in months:
            for row in attendance.month_rows(cid, month)["rows"]:
                if row["status"] != "confirmed" or not row.get("attendance"):
                    continue
                try:
                    _shift, post = posts.get_shift(cid, row["shift_id"])
                except NotFound:
                    continue
                yield month, row, post


def hours_by_category_and_month(cids: list[str], months: list[str]) -> dict:
    """Confirmed hours: {month: {category_id: hours}} (every month present, maybe empty)."""
    table: dict[str, dict[str, float]] = {m: {} for m in months}
    for month, row, post in _marked_rows(cids, months):
        if row["attendance"] != attendance.PRESENT or not row.get("hours_confirmed_at"):
            continue
        cell = table[month]
        cell[post["category"]] = round(cell.get(post["category"], 0) + float(row["hours"]), 2)
    return table


def hours_by_month(table: dict) -> list[tuple[str, float]]:
    """[(month, total hours)] from hours_by_category_and_month's table."""
    return [(month, round(sum(cells.values()), 2)) for month, cells in table.items()]


def hours_by_category(table: dict) -> dict[str, float]:
    """{category_id: total hours} over all months of the table, largest first."""
    totals: dict[str, float] = {}
    for cells in table.values():
        for category, hours in cells.items():
            totals[category] = round(totals.get(category, 0) + hours, 2)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def no_show_rate(cids: list[str], months: list[str]) -> dict:
    """Absent over all sign-ups with attendance recorded, in the months."""
    marked = absent = 0
    for _month, row, _post in _marked_rows(cids, months):
        marked += 1
        absent += row["attendance"] == attendance.ABSENT
    return {
        "marked": marked,
        "absent": absent,
        "rate": round(absent / marked, 3) if marked else None,
    }


def month_label(month: str) -> str:
    """'2026-03' -> '3月' (with the year when it is not the current one)."""
    year, mon = month.split("-")
    return f"{int(mon)}月" if int(year) == now().year else f"{year}年{int(mon)}月"


def _rates(row: dict) -> dict:
    row["fill"] = round(row["confirmed"] / row["capacity"], 3) if row["capacity"] else None
    row["no_show"] = round(row["absent"] / row["marked"], 3) if row["marked"] else None
    return row


def figures_by_community(cids: list[str], months: list[str]) -> dict[str, dict]:
    """Per community: members reported (已报到), pending report-ins, places offered and taken
    (fill rate), confirmed hours, sign-ups marked and absent (no-show rate), in the months."""
    members = reported_members_by_community(cids)
    pending = pending_report_ins_by_community(cids)
    out: dict[str, dict] = {}
    for cid in cids:
        fill = posts_fill_rate([cid], months)
        absent = no_show_rate([cid], months)
        table = hours_by_category_and_month([cid], months)
        out[cid] = _rates(
            {
                "members": members[cid],
                "pending": pending[cid],
                "capacity": fill["capacity"],
                "confirmed": fill["confirmed"],
                "hours": round(sum(h for _m, h in hours_by_month(table)), 2),
                "marked": absent["marked"],
                "absent": absent["absent"],
            }
        )
    return out


def add_up_figures(rows: list[dict]) -> dict:
    """The figures of several communities together (rates recomputed from the counts)."""
    total = {
        key: sum(r[key] for r in rows)
        for key in ("members", "pending", "capacity", "confirmed", "marked", "absent")
    }
    total["hours"] = round(sum(r["hours"] for r in rows), 2)
    return _rates(total)


def figures_by_street(communities: list[dict], by_community: dict[str, dict]) -> dict[str, dict]:
    """{street_id: figures added up over its communities} (communities as stored: id, street_id)."""
    groups: dict[str, list[dict]] = {}
    for community in communities:
        groups.setdefault(community["street_id"], []).append(by_community[community["id"]])
    return {street: add_up_figures(rows) for street, rows in groups.items()}
