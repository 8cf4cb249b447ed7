"""The monthly figures of each street, community and department, kept as counters.

Every step of an order adds its changes to the counters of the units it concerns, in
the same transaction as the step (``orders.step``). The counters of one month are ONE
document (``hotline/counts/<YYYY-MM>``, a row per unit, about 200 rows at district
scale): the 三率 pages of the district read six documents (the month and its trend)
rather than a document per unit and month, and what they derive is cached per version
of that document. A step rewrites it (a few tens of kB beside the order's bucket) and
steps on orders of the same month take its lock in turn: at district scale that is a
few steps a minute, each holding it for milliseconds. An order counts in the month it
was received (its id's month), whatever month a step happens in. Two kinds of counter:

* the unit's own work, credited to the unit that acted or was acted on: ``dispatched``
  (dispatches to it), ``signed``, ``signed_in_time`` (签收 within the limit),
  ``returned`` (退单 by it), ``extended`` (延期 approved for it);
* the outcome, credited to every unit on the order's route (street, community, or
  department): ``answered``, ``closed``, ``resolved``, ``rated``, ``satisfied``,
  ``basic``, ``unsatisfied``, ``reopened``. These follow the order's current state: a
  重办 takes back its ``answered`` and its rating.

A grid's steps count in its community's outcome only; the district has no row of its
own (district figures are the sum of the streets' and the departments' rows).
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import backend as docs
from . import model

FIELDS = (
    "dispatched",
    "signed",
    "signed_in_time",
    "answered",
    "closed",
    "resolved",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "returned",
    "extended",
    "reopened",
)
OUTCOME = (
    "answered",
    "closed",
    "resolved",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "reopened",
)


def zero() -> dict:
    return dict.fromkeys(FIELDS, 0)


def outcome(order: dict) -> dict:
    """The outcome fields an order contributes now (0 or 1 each)."""
    state = order["state"]
    rating = (order.get("rating") or {}).get("value")
    return {
        "answered": int(state in (model.ANSWERED, model.VISITED, model.CLOSED)),
        "closed": int(state == model.CLOSED),
        "resolved": int(state == model.CLOSED and bool(order.get("resolved"))),
        "rated": int(rating is not None),
        "satisfied": int(rating == "satisfied"),
        "basic": int(rating == "basic"),
        "unsatisfied": int(rating == "unsatisfied"),
        "reopened": int(bool(order.get("reopened"))),
    }


def outcome_units(order: dict) -> list[str]:
    return [u for u in model.route_units(order) if model.counted_unit(u)]


def deltas(before: dict | None, after: dict, own: dict[str, dict]) -> dict[str, dict]:
    """unit -> {field: change}: the outcome difference between the two versions of the
    order on the units of each route, plus ``own`` (the step's own-work counts)."""
    changes: dict[str, dict] = {}

    def add(unit: str, field: str, n: int) -> None:
        if n:
            row = changes.setdefault(unit, {})
            row[field] = row.get(field, 0) + n

    if before is not None:
        old = outcome(before)
        for unit in outcome_units(before):
            for field in OUTCOME:
                add(unit, field, -old[field])
    new = outcome(after)
    for unit in outcome_units(after):
        for field in OUTCOME:
            add(unit, field, new[field])
    for unit, fields in own.items():
        if model.counted_unit(unit):
            for field, n in fields.items():
                add(unit, field, n)
    return {u: f for u, f in changes.items() if any(f.values())}


def apply(handle, month: str, totals: dict[str, dict]) -> None:
    """Add each unit's ``fields`` to its row of the month (inside the step's transaction):
    one table call for the rows that exist, one for the new ones (TinyDB rewrites a
    table on each call)."""
    table = handle.table("counts")
    ids = {row["unit"]: row.doc_id for row in table.all()}

    def add(row: dict) -> None:  # TinyDB hands the stored row itself
        for field, n in totals[row["unit"]].items():
            row[field] = row.get(field, 0) + n

    known = [ids[u] for u in totals if u in ids]
    if known:
        table.update(add, doc_ids=known)
    new = [dict(zero(), unit=u, month=month, **f) for u, f in totals.items() if u not in ids]
    if new:
        table.insert_multiple(new)


def apply_all(handles: dict, changes: Iterable[tuple[str, dict[str, dict]]]) -> None:
    """Add every ``(month, {unit: field changes})`` to the months' counters, one table
    call per month (``handles``: the transaction's handles by key)."""
    totals: dict[str, dict[str, dict]] = {}
    for month, delta in changes:
        for unit, fields in delta.items():
            row = totals.setdefault(month, {}).setdefault(unit, {})
            for field, n in fields.items():
                row[field] = row.get(field, 0) + n
    for month, units in totals.items():
        apply(handles[model.counts_key(month)], month, units)


def _month_index(tables: dict) -> dict[str, dict]:
    return {
        row["unit"]: {f: row.get(f, 0) for f in FIELDS} for row in tables.get("counts", {}).values()
    }


def month_counts(month: str) -> dict[str, dict]:
    """unit -> figures of every unit with a row for the month (cached per version of the
    month's document). Do not mutate."""
    return docs.view(model.counts_key(month), "hotline-counts", _month_index)


def unit_counts(month: str, unit: str) -> dict:
    """The unit's figures for the month (all zero when nothing happened)."""
    model.unit_parts(unit)  # an impossible unit is NotFound, as its key was
    found = month_counts(month).get(unit)
    return dict(found) if found is not None else zero()


def counted_units(month: str, kind: str) -> list[str]:
    """The units of a kind (``street``, ``community``, ``dept``) that have figures for
    the month, e.g. to rank them."""
    return sorted(u for u in month_counts(month) if u.split(":")[0] == kind)


def recount(orders: Iterable[dict]) -> dict[str, dict]:
    """unit -> figures recomputed from the orders themselves (their state and timeline):
    what the counters must equal. For checks and repairs."""
    totals: dict[str, dict] = {}
    for order in orders:
        for unit, fields in deltas(None, order, own_counts(order["timeline"])).items():
            row = totals.setdefault(unit, zero())
            for field, n in fields.items():
                row[field] += n
    return totals


def own_counts(steps: Iterable[dict]) -> dict[str, dict]:
    """The own-work counts of timeline steps: 派单 counts for the unit dispatched to, 签收
    (and whether in time) and 退单 for the unit that did it, 同意延期 for the unit that
    asked."""
    own: dict[str, dict] = {}

    def add(unit: str | None, field: str, n: int = 1) -> None:
        if unit and n:
            row = own.setdefault(unit, {})
            row[field] = row.get(field, 0) + n

    for step in steps:
        action = step["action"]
        if action == "派单":
            add(step.get("to"), "dispatched")
        elif action == "签收":
            add(step["unit"], "signed")
            add(step["unit"], "signed_in_time", int(bool(step.get("in_time"))))
        elif action == "退单":
            add(step["unit"], "returned")
        elif action == "同意延期":
            add(step.get("for_unit"), "extended")
    return own
