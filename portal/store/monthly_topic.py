"""每月一题 across channels: the month's most frequent problem over hotline orders, needs
and whistles, per street and for the district, and the topic staff choose with its plan,
owner, linked orders and result.

Orders, needs and whistles have lists of their own; ``hotline.yml`` maps them once: each
hotline category names its problem category (``problem``), the other need categories it
covers (``needs``) and its whistle items (``whistles``). A need category or whistle item
that no hotline category names counts under 其他 (``other``), which is the month's topic
only when nothing else was reported.

Documents: ``topics/<YYYY-MM>`` (table ``topics``): one row per scope (``district`` or a
street id) and month. Each write is one transaction on that document.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime

from kb import data as kbdata

from . import backend as docs
from .base import NotFound, StoreError, now, stamp, valid_id
from .hotline.model import in_scope, valid_order_id
from .hotline.orders import get_order
from .lists.need_stats import needs_stats
from .order_classes import month_category_counts
from .places import list_communities
from .whistles.core import whistles_in
from .whistles.stats import month_list

OTHER = "other"
CHANNELS = ("orders", "needs", "whistles")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@functools.cache
def category_map() -> dict:
    """``{"needs": {need category: hotline category}, "whistles": {item: category},
    "order": [hotline category ids in the file's order]}``."""
    needs: dict[str, str] = {}
    whistles: dict[str, str] = {}
    categories = kbdata.hotline()["categories"]
    for cat in categories:
        for need in ([cat["problem"]] if cat.get("problem") else []) + cat.get("needs", []):
            needs.setdefault(need, cat["id"])
        for item in cat["whistles"]:
            whistles.setdefault(item, cat["id"])
    return {"needs": needs, "whistles": whistles, "order": [c["id"] for c in categories]}


def _scope(scope: str) -> str | None:
    """``district`` → None (every street); a street id → itself."""
    if scope == "district":
        return None
    if not valid_id(scope):
        raise NotFound("没有找到这个街道。")
    return scope


def _check_month(month: str) -> str:
    if not _MONTH_RE.match(month or ""):
        raise StoreError("月份格式应为 YYYY-MM。")
    return month


def topic_counts(scope: str, months: list[str]) -> dict[str, dict[str, dict]]:
    """month → hotline category → ``{orders, needs, whistles, total}`` for the scope."""
    street = _scope(scope)
    mapping = category_map()
    table: dict[str, dict[str, dict]] = {m: {} for m in months}

    def add(month: str, category: str, channel: str, n: int = 1) -> None:
        cell = table[month].setdefault(category, dict.fromkeys((*CHANNELS, "total"), 0))
        cell[channel] += n
        cell["total"] += n

    for month in months:
        for category, n in month_category_counts(month, street).items():
            add(month, category, "orders", n)
    cids = [c["id"] for c in list_communities(street)]
    by_need = needs_stats(cids, months)["by_category"]
    for month in months:
        for need_category, n in by_need[month].items():
            add(month, mapping["needs"].get(need_category, OTHER), "needs", n)
    for whistle in whistles_in(None if street is None else [street], months):
        add(whistle["month"], mapping["whistles"].get(whistle["item_id"], OTHER), "whistles")
    return table


def top_topic(scope: str, month: str, trend_months: int = 6) -> dict | None:
    """The month's topic for the scope: the category with most orders + needs + whistles
    (ties: hotline.yml's order; 其他 only when nothing else), its count per channel, the
    runners-up and its trend over the months up to ``month``; None when nothing came in."""
    months = month_list(_check_month(month), trend_months)
    table = topic_counts(scope, months)
    cells = table[month]
    if not cells:
        return None
    order = {c: n for n, c in enumerate(category_map()["order"])}
    ranked = sorted(
        cells, key=lambda c: (c == OTHER and len(cells) > 1, -cells[c]["total"], order.get(c, 999))
    )
    top = ranked[0]
    return {
        "category": top,
        "count": cells[top]["total"],
        "by_channel": cells[top],
        "ranking": [(c, cells[c]) for c in ranked[:5]],
        "trend": [(m, table[m].get(top, {}).get("total", 0)) for m in months],
        "record": get_topic(scope, month),
    }


def _key(month: str) -> str:
    return f"topics/{_check_month(month)}"


def get_topic(scope: str, month: str) -> dict | None:
    """The topic recorded for the scope and month, or None."""
    _scope(scope)
    for row in docs.read(_key(month)).get("topics", {}).values():
        if row["scope"] == scope:
            return row
    return None


def list_topics(scope: str, months: list[str]) -> list[dict]:
    """The topics recorded for the scope in these months, newest first."""
    rows = [get_topic(scope, m) for m in months]
    return [r for r in reversed(rows) if r]


def _linked_orders(scope: str, order_ids: list[str]) -> list[str]:
    unit = "district" if scope == "district" else f"street:{scope}"
    out: list[str] = []
    for oid in order_ids:
        oid = oid.strip()
        if not oid or oid in out:
            continue
        try:
            if not valid_order_id(oid) or not in_scope(get_order(oid), unit):
                raise NotFound("")
        except NotFound:
            raise StoreError(f"没有找到工单 {oid[:20]}（或不在本辖区）。") from None
        out.append(oid)
    if len(out) > 100:
        raise StoreError("关联工单最多 100 件。")
    return out


def _text(value: str | None, what: str, required: bool, limit: int = 500) -> str:
    text = (value or "").strip()
    if required and not text:
        raise StoreError(f"请填写{what}。")
    if len(text) > limit:
        raise StoreError(f"{what}不能超过 {limit} 个字。")
    return text


def set_topic(
    scope: str,
    month: str,
    category: str,
    plan: str,
    owner: str,
    order_ids: list[str],
    actor: dict,
    at: datetime | None = None,
) -> dict:
    """Record (or change) the scope's topic of the month: category, plan, owner and the
    linked orders (each must be in the scope). A result already recorded is kept."""
    at = at or now()
    if category not in category_map()["order"]:
        raise StoreError("请选择诉求类别。")
    fields = {
        "scope": scope,
        "month": _check_month(month),
        "category": category,
        "plan": _text(plan, "治理方案", True),
        "owner": _text(owner, "责任人", True, 50),
        "order_ids": _linked_orders(scope, order_ids),
        "recorded_at": stamp(at),
        "recorded_by": {"uid": actor["uid"], "name": actor["name"]},
    }
    with docs.transaction(_key(month)) as (db,):
        table = db.table("topics")
        found = [r for r in table.all() if r["scope"] == scope]
        if found:
            table.update(fields, doc_ids=[found[0].doc_id])
            return dict(found[0], **fields)
        row = dict(fields, result=None, result_at=None, result_by=None)
        table.insert(row)
        return row


def record_topic_result(
    scope: str, month: str, result: str, actor: dict, at: datetime | None = None
) -> dict:
    """Record what came of the month's topic."""
    at = at or now()
    result = _text(result, "治理结果", True)
    with docs.transaction(_key(month)) as (db,):
        table = db.table("topics")
        for row in table.all():
            if row["scope"] == scope:
                change = {
                    "result": result,
                    "result_at": stamp(at),
                    "result_by": {"uid": actor["uid"], "name": actor["name"]},
                }
                table.update(change, doc_ids=[row.doc_id])
                return dict(row, **change)
    raise StoreError("请先确定本月的“每月一题”。")


def topic_trend(scope: str, month: str, category: str, at: datetime | None = None) -> dict:
    """The category's count per month (all channels) for 3 months before the topic month
    and up to 3 after it (never past the current month), with the mean before and after."""
    last = (at or now()).strftime("%Y-%m")
    months = month_list(_check_month(month), 4)
    after = [m for m in _following(month, 3) if m <= last]
    table = topic_counts(scope, months + after)
    rows = [(m, table[m].get(category, {}).get("total", 0)) for m in months + after]
    before_n = [n for m, n in rows if m < month]
    after_n = [n for m, n in rows if m > month]
    return {
        "rows": rows,
        "before": round(sum(before_n) / len(before_n), 1) if before_n else None,
        "after": round(sum(after_n) / len(after_n), 1) if after_n else None,
    }


def _following(month: str, count: int) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        year, mon = (year, mon + 1) if mon < 12 else (year + 1, 1)
        out.append(f"{year:04d}-{mon:02d}")
    return out
