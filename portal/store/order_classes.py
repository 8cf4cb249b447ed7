"""Hotline orders reduced to their *class*: category and place (street, community, grid,
address), for 未诉先办 and 每月一题. Each month bucket of orders is reduced once per
version of its document (``backend.view``), so a page that asks again only checks the
buckets' versions, and a question about 30 days reads at most two months of buckets,
never a year.
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from . import backend as docs
from .base import stamp

# Spaces and punctuation do not make two addresses different.
_ADDRESS_NOISE = re.compile(r"[\s,，.。、;；:：()（）\-—_#＃]+")


def normalise_address(address: str) -> str:
    """The address as compared for hot spots: no spaces or punctuation, full-width digits
    and letters as half-width, lower case."""
    text = (address or "").translate(
        {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
    )  # full-width ASCII forms → ASCII
    return _ADDRESS_NOISE.sub("", text).lower()


def _reduce(order: dict) -> dict:
    route, suggest = order.get("route") or {}, order.get("suggest") or {}
    return {
        "id": order["id"],
        "received_at": order["received_at"],
        "category": order["category"],
        "street": route.get("street") or suggest.get("street"),
        "community": route.get("community") or suggest.get("community"),
        "grid": route.get("grid") if route.get("community") else None,
        "dept": route.get("dept"),
        "address": order.get("address") or "",
        "place": normalise_address(order.get("address") or ""),
    }


# What a bucket reduces to, kept per backend beside the backend's own cache: that one
# holds whole documents within a byte budget (about 48 of these 1 MB buckets), while a
# figure over several months needs hundreds of buckets' small reductions. Checked
# against the document's version, so a changed bucket is reduced again.
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_MAX = 2048


def _reduced(key: str, name: str, build):
    kept = _KEPT.setdefault(docs.current(), OrderedDict())
    version = docs.version(key)
    hit = kept.get((key, name))
    if hit is not None and hit[0] == version:
        kept.move_to_end((key, name))
        return hit[1]
    value = docs.view(key, name, build)
    kept[(key, name)] = (version, value)
    while len(kept) > _KEPT_MAX:
        kept.popitem(last=False)
    return value


def _bucket_classes(tables: dict) -> list[dict]:
    return [_reduce(o) for o in tables.get("orders", {}).values()]


def month_classes(month: str) -> list[dict]:
    """Every order received in the month, reduced to its class (cached per bucket)."""
    keys = docs.keys(f"hotline/orders/{month}/")
    docs.prefetch(keys)
    rows: list[dict] = []
    for key in keys:
        rows.extend(_reduced(key, "hotline-classes", _bucket_classes))
    return rows


def _bucket_counts(tables: dict) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for order in tables.get("orders", {}).values():
        row = _reduce(order)
        for area in ("*", row["street"] or ""):
            cell = counts.setdefault(area, {})
            cell[row["category"]] = cell.get(row["category"], 0) + 1
    return counts


def month_category_counts(month: str, street_id: str | None = None) -> dict[str, int]:
    """category -> orders received in the month, of one street (None: the district);
    each bucket counted once per version of its document."""
    keys = docs.keys(f"hotline/orders/{month}/")
    docs.prefetch(keys)
    total: dict[str, int] = {}
    for key in keys:
        cell = _reduced(key, "hotline-category-counts", _bucket_counts).get(street_id or "*", {})
        for category, n in cell.items():
            total[category] = total.get(category, 0) + n
    return total


def months_between(start: datetime, end: datetime) -> list[str]:
    """The months (YYYY-MM) that the span touches, oldest first."""
    months, cursor = [], start.replace(day=1, hour=0, minute=0, second=0)
    while cursor <= end:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def classes_between(start: datetime, end: datetime) -> Iterator[dict]:
    """Orders received in ``[start, end)``: only the buckets of the months it touches."""
    low, high = stamp(start), stamp(end)
    for month in months_between(start, end):
        for row in month_classes(month):
            if low <= row["received_at"] < high:
                yield row


def in_area(row: dict, street_id: str | None, community_id: str | None) -> bool:
    """Whether the order belongs to the street (and community) asked for; None = any."""
    if street_id is not None and row["street"] != street_id:
        return False
    return community_id is None or row["community"] == community_id


def place_keys(row: dict) -> Iterable[tuple[str, str]]:
    """The places an order counts at for hot spots: its grid when it has one, and its
    address when it has one."""
    if row["grid"] and row["community"]:
        yield ("grid", f"{row['community']}:{row['grid']}")
    if row["place"]:
        yield ("address", row["place"])
