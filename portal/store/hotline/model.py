"""What every hotline module shares: document keys, handler units, states, time limits
from ``content/data/hotline.yml`` and the entry an order leaves in the open lists.

A *unit* is who handles an order at one level, written as a string:
``district``, ``street:<sid>``, ``community:<cid>``, ``grid:<cid>:<gid>``, ``dept:<id>``.
Documents (the key of a unit replaces ``:`` by ``/``)::

    hotline/orders/<YYYY-MM>/<DD>-<NN> orders  orders received that month and made on day DD,
                                               bucket NN (00–15) (ids made before: <NN> 00–63)
    hotline/queue/<unit>/<NN>         open     the unit's open orders (list entries), bucket NN
    hotline/numbers/<NN>              numbers  one row {"map": {工单编号: order id}} (bucket 00–63)
    hotline/counts/<YYYY-MM>          counts   a row per unit: its figures for that month
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from kb import data as kbdata

from ..base import NotFound, StoreError, stamp, valid_id

BUCKETS = 64  # of a month's orders whose id names no day (made before day buckets)
DAY_BUCKETS = 16  # of the orders of a month made on one day
MISSING = "没有找到这件工单。"
# <received YYYYMM>-<made DD>-<10 hex>; ids without the day were made before it was added
_OID_RE = re.compile(r"^(\d{4})(0[1-9]|1[0-2])-(?:(0[1-9]|[12]\d|3[01])-)?([0-9a-f]{10})$")

# The states, in the order of the main path.
PENDING, DISPATCHED, SIGNED, WORKING, ANSWERED, VISITED, CLOSED = (
    "待派单",
    "已派单",
    "已签收",
    "办理中",
    "已答复",
    "已回访",
    "已结案",
)
STATES = (PENDING, DISPATCHED, SIGNED, WORKING, ANSWERED, VISITED, CLOSED)
RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
LEVEL_KINDS = ("street", "community", "dept")  # the units that have figures


# ---------------------------------------------------------------- configuration


def config() -> dict:
    return kbdata.hotline()


def category(cat_id: str) -> dict:
    found = config()["category_by_id"].get(cat_id)
    if found is None:
        raise StoreError("请选择诉求类别。")
    return found


def category_by_name(name: str) -> dict | None:
    for cat in config()["categories"]:
        if name in (cat["name"], cat["id"]):
            return cat
    return None


def channel(channel_id: str) -> dict:
    found = config()["channel_by_id"].get(channel_id)
    if found is None:
        raise StoreError("请选择工单来源渠道。")
    return found


# ---------------------------------------------------------------- ids and keys


def new_order_id(received: datetime, made: datetime) -> str:
    """An order's id: the month it was received (what its figures count in), the day it
    was made (which bucket keeps it) and 10 random hex digits."""
    return f"{received.strftime('%Y%m')}-{made.strftime('%d')}-{secrets.token_hex(5)}"


def valid_order_id(oid: str) -> bool:
    return bool(_OID_RE.match(oid or ""))


def month_of(oid: str) -> str:
    match = _OID_RE.match(oid or "")
    if not match:
        raise NotFound(MISSING)
    return f"{match.group(1)}-{match.group(2)}"


def bucket_of(oid: str) -> str:
    """The document that keeps the order. The orders made on one day share 16 buckets of
    their month: a day's import rewrites that day's buckets only, not the whole month
    (at 20,000 orders a month, 40 MB), and a step rewrites a bucket of a few dozen."""
    match = _OID_RE.match(oid or "")
    if not match:
        raise NotFound(MISSING)
    month, day, tail = f"{match.group(1)}-{match.group(2)}", match.group(3), match.group(4)
    if day is None:
        return f"hotline/orders/{month}/{int(tail[:2], 16) % BUCKETS:02d}"
    return f"hotline/orders/{month}/{day}-{int(tail[:2], 16) % DAY_BUCKETS:02d}"


def number_key(number: str) -> str:
    digest = hashlib.sha1(number.encode("utf-8")).hexdigest()
    return f"hotline/numbers/{int(digest[:4], 16) % BUCKETS:02d}"


def unit_parts(unit: str) -> list[str]:
    parts = (unit or "").split(":")
    kinds = {"district": 1, "street": 2, "community": 2, "grid": 3, "dept": 2}
    if parts[0] not in kinds or len(parts) != kinds[parts[0]] or not all(map(valid_id, parts)):
        raise NotFound(MISSING)
    return parts


def counts_key(month: str) -> str:
    """The month's counters (``counters``): one document, a row per unit."""
    return f"hotline/counts/{month}"


def counted_unit(unit: str | None) -> str | None:
    """The unit whose figures a step of ``unit`` counts in: a grid's work is its
    community's own business (not counted), the district has no row of its own."""
    if unit and unit.split(":")[0] in LEVEL_KINDS:
        return unit
    return None


def route_units(order: dict) -> list[str]:
    """The street, community, grid and department the order is routed to now."""
    route = order["route"]
    units = []
    if route.get("street"):
        units.append(f"street:{route['street']}")
    if route.get("community"):
        units.append(f"community:{route['community']}")
        if route.get("grid"):
            units.append(f"grid:{route['community']}:{route['grid']}")
    if route.get("dept"):
        units.append(f"dept:{route['dept']}")
    return units


def index_units(order: dict) -> set[str]:
    """The units whose open list shows the order: everyone on its route while it is open,
    and the unit that received it while it is theirs to move (dispatch, decide an
    extension, visit, close)."""
    if order["state"] == CLOSED:
        return set()
    units = set(route_units(order)) | {order["holder"]}
    pending = order.get("extension")
    if pending:
        units.add(pending["decider"])
    if order["state"] in (ANSWERED, VISITED):
        units.add(order["origin"])
    return units


def in_scope(order: dict, unit: str) -> bool:
    """Whether ``unit`` may see the order at all (others get NotFound): the district, the
    receiver, the units it is routed to, and the community whose need it was made from."""
    need = (order.get("links") or {}).get("need") or {}
    return (
        unit == "district"
        or unit == order["origin"]
        or unit in route_units(order)
        or unit == order["holder"]
        or (bool(need) and unit == f"community:{need['community_id']}")
    )


# ---------------------------------------------------------------- time limits


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def initial_due(cat: dict, received: datetime, close_at: datetime | None = None) -> dict:
    """首次联系 and 办结 count from receipt; 签收 from each dispatch (set then)."""
    close = close_at or received + timedelta(days=cat["close_days"])
    return {
        "sign": None,
        "contact": stamp(received + timedelta(hours=cat["contact_hours"])),
        "close": stamp(close),
    }


def deadlines(row: dict) -> list[tuple[str, str]]:
    """The limits still ahead of an order (or its list entry) in its state, as
    ``(what, stamp)``: they do not depend on the clock, so lists sort by them once."""
    due, state = row["due"], row["state"]
    pending: list[tuple[str, str]] = []
    if state == DISPATCHED and due.get("sign"):
        pending.append(("签收", due["sign"]))
    if state in (PENDING, DISPATCHED, SIGNED) and not row.get("contacted_at"):
        pending.append(("首次联系", due["contact"]))
    if state in (PENDING, DISPATCHED, SIGNED, WORKING):
        pending.append(("办结", due["close"]))
    return pending


def next_due(row: dict) -> str | None:
    """The earliest limit still ahead (None when nothing is due): what lists sort by."""
    return min((when for _what, when in deadlines(row)), default=None)


def urgency(row: dict, at: datetime, now_s: str | None = None) -> dict:
    """The next deadline of an order (or its list entry) against the clock ``at``:
    ``{"what", "due", "left" (seconds, negative when overdue), "overdue", "late": [what…]}``
    where ``late`` names every limit already passed; ``what`` is None when nothing is due.
    ``now_s`` is ``stamp(at)`` when the caller has it (a list works it out once)."""
    pending = deadlines(row)
    now_s = now_s or stamp(at)
    late = [what for what, when in pending if when < now_s]
    if not pending:
        return {"what": None, "due": None, "left": None, "overdue": False, "late": []}
    what, when = min(pending, key=lambda p: p[1])
    left = int((parse_stamp(when) - at).total_seconds())
    return {"what": what, "due": when, "left": left, "overdue": left < 0, "late": late}


def entry(order: dict) -> dict:
    """What an open list shows of an order (no phone number, a short excerpt)."""
    return {
        "id": order["id"],
        "number": order["number"],
        "state": order["state"],
        "holder": order["holder"],
        "channel": order["channel"],
        "category": order["category"],
        "excerpt": order["content"][:40],
        "address": order["address"],
        "received_at": order["received_at"],
        "due": order["due"],
        "contacted_at": order.get("contacted_at"),
        "extension": bool(order.get("extension")),
        "route": order["route"],
    }


def timeline_step(actor: dict | None, unit: str | None, action: str, state: str, at, **more):
    """One line of the timeline: who (uid and name; None for the resident), when, what."""
    return {
        "at": stamp(at),
        "uid": actor["uid"] if actor else None,
        "name": actor["name"] if actor else "诉求人",
        "unit": unit,
        "action": action,
        "state": state,
        **more,
    }


def mask_phone(phone: str) -> str:
    digits = phone or ""
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
