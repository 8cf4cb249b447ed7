"""Side paths that leave the order with its handler: 申请延期 and 升级吹哨.

申请延期: the handler asks for a later 办结 limit with a reason; the unit that dispatched
the order to it approves (the new limit holds from then) or refuses. One request at a
time; an 答复 lets a pending request lapse.

升级吹哨: a street raises a whistle (the existing whistle loop, ``whistles/core.py``) for
an order of its own in hand. The whistle and the order's link to it live in different
documents and are written one after the other under the order's named lock: the
whistle first, its description naming the order's 工单编号 and id, then the link on the
order. A crash in between leaves a whistle the order does not name; the next press of
升级吹哨 finds that whistle among the street's open ones (by the id in its description)
and links it instead of raising a second one, so the two-step repairs itself.
"""

from __future__ import annotations

from datetime import datetime

from kb import data as kbdata

from .. import backend as docs
from ..base import StoreError, now, stamp
from ..whistles import core as whistles
from . import model, orders

MARK = "【工单 {id}】"


def request_extension(
    oid: str, unit: str, actor: dict, until: datetime, reason: str, at=None
) -> dict:
    """申请延期 to ``until`` (later than the current 办结 limit), decided by the dispatcher."""
    at = at or now()
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise StoreError("请填写延期理由（500 字以内）。")

    def change(order):
        if order["holder"] != unit or order["state"] not in (model.SIGNED, model.WORKING):
            raise StoreError("只有正在办理这件工单的单位可以申请延期。")
        if order.get("extension"):
            raise StoreError("已经有一个延期申请在等待答复。")
        if not order.get("dispatcher"):
            raise StoreError("这件工单没有派单单位，不需要申请延期。")
        if stamp(until) <= order["due"]["close"]:
            raise StoreError("新的办结时限必须晚于现在的时限。")
        order["extension"] = {
            "unit": unit,
            "until": stamp(until),
            "reason": reason,
            "at": stamp(at),
            "decider": order["dispatcher"],
        }
        step = model.timeline_step(
            actor,
            unit,
            "申请延期",
            order["state"],
            at,
            note=f"申请延至 {stamp(until)[:16]}：{reason}",
        )
        return order, [step]

    return orders.step(oid, change)


def decide_extension(
    oid: str, unit: str, actor: dict, approve: bool, note: str = "", at=None
) -> dict:
    """The dispatcher approves (the new 办结 limit holds) or refuses the pending request."""
    at = at or now()
    note = (note or "").strip()[:500]

    def change(order):
        pending = order.get("extension")
        if not pending:
            raise StoreError("没有等待答复的延期申请。")
        if unit != pending["decider"]:
            raise StoreError("只有派单单位可以答复延期申请。")
        order["extension"] = None
        order["extensions"] = [
            *order["extensions"],
            dict(pending, approved=bool(approve), decided_at=stamp(at), decided_by=actor["uid"]),
        ]
        if approve:
            order["due"] = dict(order["due"], close=pending["until"])
        action = "同意延期" if approve else "不同意延期"
        text = f"办结时限延至 {pending['until'][:16]}" if approve else "维持原时限"
        step = model.timeline_step(
            actor,
            unit,
            action,
            order["state"],
            at,
            for_unit=pending["unit"],
            note=f"{text}。{note}".rstrip("。") + "。",
        )
        return order, [step]

    return orders.step(oid, change)


# ---------------------------------------------------------------- 升级吹哨


def whistle_items(order: dict) -> list[dict]:
    """The whistle items the order's category belongs to (hotline.yml), else every item."""
    items = kbdata.whistle_list()["item_by_id"]
    wanted = model.category(order["category"])["whistles"]
    return [items[i] for i in wanted] or list(items.values())


def _orphan(street_id: str, oid: str) -> dict | None:
    mark = MARK.format(id=oid)
    for whistle in whistles.open_whistles([street_id]):
        if mark in whistle["description"]:
            return whistle
    return None


def raise_whistle(
    oid: str,
    unit: str,
    actor: dict,
    *,
    item_id: str,
    description: str,
    departments=None,
    at=None,
) -> tuple[dict, dict]:
    """升级吹哨 by the street the order is routed to, while it is being handled (signed or
    in hand, by the street or one of its communities or grids). Returns (order, whistle)."""
    at = at or now()
    kind, *rest = model.unit_parts(unit)
    if kind != "street":
        raise StoreError("只有街道可以升级吹哨。")
    street_id = rest[0]
    with docs.lock(f"hotline-{oid}"):
        order = orders.order_for(oid, unit)
        if order["route"].get("street") != street_id:
            raise StoreError("只有承办这件工单的街道可以升级吹哨。")
        if order["state"] not in (model.DISPATCHED, model.SIGNED, model.WORKING):
            raise StoreError(f"工单{order['state']}，不能升级吹哨。")
        if order.get("whistle"):
            raise StoreError("这件工单已经升级吹哨了。")
        whistle = _orphan(street_id, oid)
        if whistle is None:
            text = (description or "").strip()
            if not text:
                raise StoreError("请填写问题描述。")
            whistle = whistles.create_whistle(
                street_id,
                dict(actor, role="street_admin"),
                item_id=item_id,
                description=f"{text[:950]}\n{MARK.format(id=oid)}（工单编号 {order['number']}）",
                place=(order["address"] or "见工单")[:100],
                departments=departments,
                at=at,
            )
        link = {"street_id": street_id, "whistle_id": whistle["id"], "at": stamp(at)}

        def change(current):
            current["whistle"] = link
            step = model.timeline_step(
                actor, unit, "升级吹哨", current["state"], at, whistle=whistle["id"]
            )
            return current, [step]

        return orders.step(oid, change), whistle
