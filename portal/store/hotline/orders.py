"""Reading orders, the units' open lists, and the one write path of every step.

``step(oid, change)`` runs ``change`` on a copy of the order; what it returns (the
changed order and its new timeline steps) is written in ONE transaction over the
order's bucket, the open-list bucket (``queue``) of every unit that shows the order
before or after, and the month's counters (one document) when figures change. The keys
are worked out from the order as last read, then again from the order read inside the
locks; when the two differ (someone moved it in between) the step is tried again.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from tinydb import Query

from .. import backend as docs
from ..base import NotFound, StoreError, now
from . import counters, model, queue

Change = Callable[[dict], tuple[dict, list[dict]]]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bucket_index(tables: dict) -> dict:
    orders = {o["id"]: o for o in tables.get("orders", {}).values()}
    return {"orders": orders, "by_token": {o["token_hash"]: o["id"] for o in orders.values()}}


def _bucket(oid: str) -> dict:
    return docs.view(model.bucket_of(oid), "hotline-orders", _bucket_index)


# ---------------------------------------------------------------- reading


def get_order(oid: str) -> dict:
    """An order by id, whoever asks (the views check the scope with ``order_for``)."""
    order = _bucket(oid)["orders"].get(oid)
    if order is None:
        raise NotFound(model.MISSING)
    return order


def order_for(oid: str, unit: str) -> dict:
    """The order if ``unit`` may see it; NotFound otherwise (as if it did not exist)."""
    order = get_order(oid)
    if not model.in_scope(order, unit):
        raise NotFound(model.MISSING)
    return order


def order_by_token(token: str) -> dict:
    """The order of a resident's private link ``<oid>.<secret>``, or NotFound."""
    oid, _, secret = (token or "").partition(".")
    if not secret or len(token) > 120:
        raise NotFound(model.MISSING)
    found = _bucket(oid)["by_token"].get(digest(token))
    if found is None:
        raise NotFound(model.MISSING)
    return _bucket(oid)["orders"][found]


def _number_map(tables: dict) -> dict[str, str]:
    """工单编号 -> order id of one bucket of the index: its one row's ``map`` (a row per
    number was ten times the JSON to parse and write for an import that touches every
    bucket)."""
    rows = list(tables.get("numbers", {}).values())
    return rows[0]["map"] if rows else {}


def order_id_by_number(number: str) -> str | None:
    """The id of the order with this 工单编号, or None."""
    return docs.view(model.number_key(number), "numbers", _number_map).get(number)


def numbers_taken(numbers: Iterable[str]) -> set[str]:
    """Which of these 工单编号 are already used."""
    wanted: dict[str, list[str]] = {}
    for number in numbers:
        wanted.setdefault(model.number_key(number), []).append(number)
    taken: set[str] = set()
    for key, group in wanted.items():
        known = docs.view(key, "numbers", _number_map)
        taken.update(n for n in group if n in known)
    return taken


def list_open(unit: str, at: datetime | None = None) -> list[dict]:
    """The unit's open orders (list entries, no phone numbers), most urgent first: overdue
    ones, then by the next deadline; each with ``urgency`` (``model.urgency``) and ``mine``
    (whether the next move is the unit's)."""
    at = at or now()
    return [queue.shown(entry, unit, at) for _key, entry in queue.queue(unit).rows]


def page_open(unit: str, at: datetime | None = None, **filters) -> dict:
    """One page of ``list_open`` with filters and counts: see ``queue.page``."""
    return queue.page(unit, at, **filters)


def order_months() -> list[str]:
    """Months that have orders, oldest first."""
    months = {k.split("/")[2] for k in docs.keys("hotline/orders/")}
    return sorted(months)


def orders_of_month(month: str) -> list[dict]:
    """Every order received in the month (reads its buckets): for figures and checks."""
    rows: list[dict] = []
    for key in docs.keys(f"hotline/orders/{month}/"):
        rows.extend(docs.view(key, "hotline-orders", _bucket_index)["orders"].values())
    return sorted(rows, key=lambda o: (o["received_at"], o["id"]))


# ---------------------------------------------------------------- writing


def _plan(order: dict, change: Change) -> tuple[dict, list[dict], dict, set[str], set[str]]:
    new, steps = change(copy.deepcopy(order))
    new["timeline"] = [*order["timeline"], *steps]
    delta = counters.deltas(order, new, counters.own_counts(steps))
    return new, steps, delta, model.index_units(order), model.index_units(new)


def _keys(order: dict, delta: dict, before: set[str], after: set[str], extra) -> list[str]:
    month = model.month_of(order["id"])
    keys = [model.bucket_of(order["id"])]
    keys += [queue.bucket_key(u, order["id"]) for u in sorted(before | after)]
    keys += [model.counts_key(month)] if delta else []
    return list(dict.fromkeys([*keys, *extra]))


def step(oid: str, change: Change, extra_keys: Iterable[str] = (), extra=None) -> dict:
    """Apply ``change(order) -> (order, new timeline steps)`` and everything it implies,
    all or nothing. ``extra(handles_by_key)`` may write ``extra_keys`` in the same
    transaction (an audit entry). ``change`` raises StoreError to refuse."""
    return step_many({oid: change}, extra_keys, extra)[oid]


def step_many(
    changes: dict[str, Change],
    extra_keys: Iterable[str] = (),
    extra=None,
    skip_refused: bool = False,
) -> dict[str, dict]:
    """``step`` for several orders in ONE transaction (a district dispatching a whole
    import at once). With ``skip_refused`` an order whose change refuses (moved in the
    meantime) is left as it is and out of the result; else the first refusal stops all."""
    extra_keys = tuple(extra_keys)
    for _attempt in range(5):
        keys: list[str] = []
        for oid in changes:
            planned = _try(get_order(oid), changes[oid], skip_refused)
            if planned is not None:
                keys += _keys(planned[0], planned[2], planned[3], planned[4], ())
        keys = list(dict.fromkeys([*keys, *extra_keys]))
        if not keys:
            return {}
        with docs.transaction(*keys) as handles:
            by_key = dict(zip(keys, handles, strict=True))
            done = _fresh_plans(by_key, changes, skip_refused)
            wanted: set[str] = set(extra_keys)
            for new, _steps, delta, before, after in done.values():
                wanted.update(_keys(new, delta, before, after, ()))
            if not wanted <= set(keys):
                continue  # moved since it was read: lock the right documents and redo
            _write(by_key, done)
            if extra is not None:
                extra(by_key)
            return {oid: plan[0] for oid, plan in done.items()}
    raise StoreError("这件工单正在被其他人处理，请刷新后再试。")


def _try(order: dict, change: Change, skip_refused: bool):
    try:
        return _plan(order, change)
    except StoreError:
        if skip_refused:
            return None
        raise


def _fresh_plans(by_key: dict, changes: dict[str, Change], skip_refused: bool) -> dict:
    """Each order as stored now (inside the locks), planned again."""
    done = {}
    for oid, change in changes.items():
        key = model.bucket_of(oid)
        if key not in by_key:
            if skip_refused:
                continue
            raise NotFound(model.MISSING)
        stored = by_key[key].table("orders").get(Query().id == oid)
        if stored is None:
            raise NotFound(model.MISSING)
        planned = _try(dict(stored), change, skip_refused)
        if planned is not None:
            done[oid] = planned
    return done


def _write(by_key: dict, done: dict) -> None:
    """Write the planned orders, their list entries and counters: one table call per
    document (TinyDB rewrites a whole table on each call)."""
    new_by_bucket: dict[str, dict[str, dict]] = {}
    removed: dict[str, set[str]] = {}
    added: dict[str, list[dict]] = {}
    for oid, (new, _steps, _delta, before, after) in done.items():
        new_by_bucket.setdefault(model.bucket_of(oid), {})[oid] = new
        for unit in before | after:
            removed.setdefault(queue.bucket_key(unit, oid), set()).add(oid)
        for unit in after:
            added.setdefault(queue.bucket_key(unit, oid), []).append(model.entry(new))
    for key, orders in new_by_bucket.items():
        table = by_key[key].table("orders")
        ids = [row.doc_id for row in table.all() if row["id"] in orders]

        def replace(doc, orders=orders):
            doc.update(orders[doc["id"]])

        table.update(replace, doc_ids=ids)
    for key, oids in removed.items():
        table = by_key[key].table("open")
        gone = [row.doc_id for row in table.all() if row["id"] in oids]
        if gone:
            table.remove(doc_ids=gone)
        if added.get(key):
            table.insert_multiple(added[key])
    counters.apply_all(by_key, ((model.month_of(oid), plan[2]) for oid, plan in done.items()))


def insert_orders(orders: list[dict], extra_keys: Iterable[str] = (), extra=None) -> list[dict]:
    """Store new orders (each 待派单 or already routed) with their 工单编号 and list
    entries, in one transaction; an order whose 工单编号 is already taken is left out
    (so the same file imported twice, or by two people at once, adds each order once).
    ``extra(handles_by_key, stored)`` may write ``extra_keys`` in the same transaction
    (the link on a need or a finding). Returns the orders stored."""
    if not orders:
        return []
    keys: list[str] = []
    for order in orders:
        keys += [model.bucket_of(order["id"]), model.number_key(order["number"])]
        keys += [queue.bucket_key(u, order["id"]) for u in sorted(model.index_units(order))]
        if counters.deltas(None, order, {}):
            keys.append(model.counts_key(model.month_of(order["id"])))
    keys = list(dict.fromkeys([*keys, *extra_keys]))
    stored: list[dict] = []
    with docs.transaction(*keys) as handles:
        by_key = dict(zip(keys, handles, strict=True))
        taken: dict[str, set[str]] = {}
        for order in orders:
            key = model.number_key(order["number"])
            if key not in taken:
                rows = by_key[key].table("numbers").all()
                taken[key] = set(rows[0]["map"]) if rows else set()
            if order["number"] in taken[key]:
                continue
            taken[key].add(order["number"])
            stored.append(order)
        _insert_grouped(by_key, stored)
        if extra is not None:
            extra(by_key, stored)
    return stored


def _insert_grouped(by_key: dict, orders: list[dict]) -> None:
    """One table call per document (TinyDB rewrites a table on each call)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    numbers: dict[str, dict[str, str]] = {}
    for order in orders:
        groups.setdefault((model.bucket_of(order["id"]), "orders"), []).append(order)
        numbers.setdefault(model.number_key(order["number"]), {})[order["number"]] = order["id"]
        for unit in model.index_units(order):
            groups.setdefault((queue.bucket_key(unit, order["id"]), "open"), []).append(
                model.entry(order)
            )
    for (key, table), rows in groups.items():
        by_key[key].table(table).insert_multiple(rows)
    for key, added in numbers.items():
        table = by_key[key].table("numbers")
        rows = table.all()
        if rows:
            table.update({"map": {**rows[0]["map"], **added}}, doc_ids=[rows[0].doc_id])
        else:
            table.insert({"map": added})
    changes = ((model.month_of(o["id"]), counters.deltas(None, o, {})) for o in orders)
    counters.apply_all(by_key, changes)
