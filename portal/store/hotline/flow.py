"""The main path of an order: 派单, 签收, 联系, 答复, 结案, and the side path 退单.

Every function takes the acting ``unit`` (``model``'s unit strings; the views derive it
from the signed-in user, never from a form) and ``actor`` (``{uid, name}``), refuses
with a Chinese StoreError what the order's state or the unit does not allow, and writes
through ``orders.step`` (one transaction with the lists and counters). ``at`` is the
clock (default now), so tests move time.

Routing: the district dispatches to a street or straight to a department; a street to
one of its communities; a community to one of its grids (when the grid exists). A unit
that received an order may hand it down once it has signed it. 退单 sends it back to the
unit that dispatched it, naming the item of the street duty list (职责清单) the
matter falls outside of.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kb import data as kbdata

from .. import grids, places
from ..base import NotFound, StoreError, now, stamp
from . import model, orders, queue

REASON_MAX = 500


def _text(value: str, what: str, required: bool = True, limit: int = REASON_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise StoreError(f"请填写{what}。")
    if len(value) > limit:
        raise StoreError(f"{what}不能超过 {limit} 个字。")
    return value


def _holder(order: dict, unit: str, states: tuple[str, ...], what: str) -> None:
    if order["holder"] != unit:
        raise StoreError(f"这件工单现在不归您办理，不能{what}。")
    if order["state"] not in states:
        raise StoreError(f"工单{order['state']}，不能{what}。")


# ---------------------------------------------------------------- 派单


def dispatch_targets(order: dict, unit: str) -> list[tuple[str, str]]:
    """(unit, name) the unit may dispatch the order to now; empty when it may not."""
    if order["holder"] != unit or order["state"] not in (model.PENDING, model.SIGNED):
        return []
    kind, *rest = model.unit_parts(unit)
    if kind == "district":
        streets = [(f"street:{s['id']}", s["name"]) for s in places.list_streets()]
        depts = kbdata.whistle_list()["departments"]
        return streets + [(f"dept:{d['id']}", f"{d['name']}（区级部门）") for d in depts]
    if kind == "street":
        return [(f"community:{c['id']}", c["name"]) for c in places.list_communities(rest[0])]
    if kind == "community":
        structure = grids.structure(rest[0])
        return [(f"grid:{rest[0]}:{g['id']}", g["name"]) for g in structure["grids"]]
    return []


def _routed(order: dict, unit: str, target: str) -> dict:
    kind, *rest = model.unit_parts(target)
    route = dict(order["route"])
    if kind == "street":
        route = {"street": rest[0], "community": None, "grid": None, "dept": None}
    elif kind == "dept":
        route = {"street": None, "community": None, "grid": None, "dept": rest[0]}
    elif kind == "community":
        route["community"], route["grid"] = rest[0], None
    elif kind == "grid":
        route["grid"] = rest[1]
    return route


def _dispatch_change(unit: str, actor: dict, target: str, note: str, at, names=None):
    """The change of one 派单; ``names`` (target → name) when the caller knows them."""

    def change(order):
        _holder(order, unit, (model.PENDING, model.SIGNED), "派单")
        allowed = names if names is not None else dict(dispatch_targets(order, unit))
        if target not in allowed:
            raise StoreError("请选择可以派往的单位。")
        cat = model.category(order["category"])
        order["chain"] = [*order["chain"], {"unit": target, "by": unit, "at": stamp(at)}]
        order.update(
            route=_routed(order, unit, target),
            holder=target,
            dispatcher=unit,
            state=model.DISPATCHED,
            due=dict(order["due"], sign=stamp(at + timedelta(hours=cat["sign_hours"]))),
        )
        step = model.timeline_step(
            actor, unit, "派单", model.DISPATCHED, at, to=target, to_name=allowed[target], note=note
        )
        return order, [step]

    return change


def dispatch(oid: str, unit: str, actor: dict, target: str, note: str = "", at=None) -> dict:
    """派单: from 待派单 (or, handing down, 已签收) to ``target``: 已派单, its 签收 limit runs."""
    at = at or now()
    note = _text(note, "派单说明", required=False)
    return orders.step(oid, _dispatch_change(unit, actor, target, note, at))


def suggested_target(order: dict, offered: dict) -> str | None:
    """Where the import (所属街道 / 所属社区) or the category (a department) points, when
    that unit is among ``offered``."""
    suggest, route = order.get("suggest") or {}, order["route"]
    for target in (
        f"community:{suggest.get('community')}",
        f"street:{suggest.get('street')}",
        f"dept:{suggest.get('dept')}",
        f"grid:{route.get('community')}:{suggest.get('grid')}",
    ):
        if target in offered:
            return target
    return None


def dispatch_suggested(unit: str, actor: dict, at=None) -> int:
    """一键派单: every order waiting for the unit to dispatch it that has a suggested
    street, community or department goes there, in one transaction. Returns how many."""
    at = at or now()
    waiting = [e for _key, e in queue.queue(unit).mine if e["state"] == model.PENDING]
    if not waiting:
        return 0
    offered = dict(dispatch_targets(orders.get_order(waiting[0]["id"]), unit))
    changes = {}
    for row in waiting:
        target = suggested_target(orders.get_order(row["id"]), offered)
        if target:
            changes[row["id"]] = _dispatch_change(unit, actor, target, "按建议派单", at, offered)
    return len(orders.step_many(changes, skip_refused=True)) if changes else 0


# ---------------------------------------------------------------- 签收, 联系, 答复


def sign(oid: str, unit: str, actor: dict, at=None) -> dict:
    """签收: the unit dispatched to takes the order; in time when before its limit."""
    at = at or now()

    def change(order):
        _holder(order, unit, (model.DISPATCHED,), "签收")
        in_time = stamp(at) <= order["due"]["sign"]
        order.update(state=model.SIGNED, signed_at=stamp(at))
        step = model.timeline_step(actor, unit, "签收", model.SIGNED, at, in_time=in_time)
        return order, [step]

    return orders.step(oid, change)


def contact(oid: str, unit: str, actor: dict, note: str, at=None) -> dict:
    """联系诉求人: the first one starts 办理中 (and stops the 首次联系 clock); later ones
    are notes on the timeline."""
    at = at or now()
    note = _text(note, "联系情况")

    def change(order):
        _holder(order, unit, (model.SIGNED, model.WORKING), "记录联系")
        if not order.get("contacted_at"):
            order["contacted_at"] = stamp(at)
        order["state"] = model.WORKING
        return order, [model.timeline_step(actor, unit, "联系诉求人", model.WORKING, at, note=note)]

    return orders.step(oid, change)


def answer(oid: str, unit: str, actor: dict, text: str, resolved: bool, at=None) -> dict:
    """答复: what was done and whether the matter is solved; the resident may rate now."""
    at = at or now()
    text = _text(text, "答复内容")

    def change(order):
        _holder(order, unit, (model.WORKING,), "答复")
        order.update(
            extension=None,  # answered in time after all: the request lapses
            state=model.ANSWERED,
            answered_at=stamp(at),
            answer=text,
            resolved=bool(resolved),
            handler=unit,
        )
        what = "已解决" if resolved else "未解决"
        step = model.timeline_step(actor, unit, "答复", model.ANSWERED, at, note=text, result=what)
        return order, [step]

    return orders.step(oid, change)


# ---------------------------------------------------------------- 退单


def duty_choices() -> list[tuple[str, str]]:
    """(duty id, "id name") of the street duty list, for the 退单 form."""
    duties = model.config()["duty_by_id"]
    return [(d, f"{d} {item['name']}") for d, item in duties.items()]


def return_order(oid: str, unit: str, actor: dict, duty: str, reason: str, at=None) -> dict:
    """退单: back to the unit that dispatched it (which dispatches it again), naming the
    duty-list item whose scope the matter falls outside of."""
    at = at or now()
    reason = _text(reason, "退单理由")
    if duty not in model.config()["duty_by_id"]:
        raise StoreError("请选择诉求不属于的职责清单事项（职责准入）。")

    def change(order):
        _holder(order, unit, (model.DISPATCHED, model.SIGNED), "退单")
        back = order["dispatcher"]
        chain = order["chain"][:-1]
        route = dict(order["route"])
        kind = unit.split(":")[0]
        if kind in ("street", "dept"):
            route = {"street": None, "community": None, "grid": None, "dept": None}
        elif kind == "community":
            route["community"], route["grid"] = None, None
        elif kind == "grid":
            route["grid"] = None
        state = model.PENDING if back == order["origin"] and not chain else model.SIGNED
        order.update(
            holder=back,
            dispatcher=chain[-1]["by"] if chain else None,
            chain=chain,
            route=route,
            state=state,
            due=dict(order["due"], sign=None),
        )
        name = model.config()["duty_by_id"][duty]["name"]
        step = model.timeline_step(
            actor,
            unit,
            "退单",
            state,
            at,
            to=back,
            duty=duty,
            note=f"不属于“{duty} {name}”：{reason}",
        )
        return order, [step]

    return orders.step(oid, change)


# ---------------------------------------------------------------- 结案


def close(oid: str, unit: str, actor: dict, note: str = "", at: datetime | None = None) -> dict:
    """结案 by the unit that received the order (or the district): after 回访, or once
    the window to rate has passed with no rating."""
    at = at or now()
    note = _text(note, "结案说明", required=False)
    window = timedelta(days=model.config()["reopen_days"])

    def change(order):
        if not model.in_scope(order, unit):
            raise NotFound(model.MISSING)
        if unit not in (order["origin"], "district"):
            raise StoreError("只有受理这件工单的单位可以结案。")
        if order["state"] == model.ANSWERED:
            if at < model.parse_stamp(order["answered_at"]) + window:
                raise StoreError("诉求人还可以评价，请先回访（或等评价期限过后）再结案。")
        elif order["state"] != model.VISITED:
            raise StoreError(f"工单{order['state']}，不能结案。")
        order.update(state=model.CLOSED, closed_at=stamp(at), holder=order["origin"])
        return order, [model.timeline_step(actor, unit, "结案", model.CLOSED, at, note=note)]

    return orders.step(oid, change)
