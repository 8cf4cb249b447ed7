"""The resident's side: the private status link, the rating (民评), 电话回访, 重办, and the
caller's phone number (masked; opening it is audited).

Once an order is answered the resident rates it through the link: 满意, 基本满意 or
不满意, with a comment. 不满意 within ``reopen_days`` (hotline.yml) of the answer reopens
the order for 重办 once: back to 办理中 with the unit that answered, with a new 办结
limit; the rating stays in ``ratings`` (history), the current one is cleared. A caller
without a link is rated by staff of the receiving unit on the phone (电话回访), marked
``source: phone`` and recorded in the audit log in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tinydb import Query

from .. import audit
from ..base import NotFound, StoreError, community_key, now, stamp
from . import model, orders

COMMENT_MAX = 300


def _audit_place(order: dict) -> dict:
    route = order["route"]
    return {"community_id": route.get("community"), "street_id": route.get("street")}


def may_reveal(order: dict, unit: str) -> bool:
    """Who handles the order may see the caller's full number: the district, the unit
    that received it, the one holding it now and the one that answered it."""
    return unit in ("district", order["origin"], order["holder"], order.get("handler"))


def reveal_phone(oid: str, unit: str, actor: dict, at=None) -> str:
    """The caller's full number for a handler in scope, recorded in the audit log."""
    order = orders.order_for(oid, unit)
    if not may_reveal(order, unit):
        raise StoreError("您不是这件工单的承办单位，不能查看完整号码。")
    audit.record_audit(
        actor, "查看诉求人完整电话", target=f"工单 {order['number']}", at=at, **_audit_place(order)
    )
    return order["phone"]


LINK_ACTION = "生成居民查询链接"
# A caller has no account and the portal sends no SMS: the link reaches them only
# through the staff who made it, which the timeline says.
ANSWERED_LINK_NOTE = "答复后生成，由工作人员电话或短信转告诉求人，请其评价。"


NEED_LINK_NOTE = "诉求人可在其需求进度页打开本工单的查询链接并评价。"


def need_link_step(actor: dict, unit: str, at) -> dict:
    """The timeline line of an order made from a need: its resident link was made with it
    and put on the need's private status page, so the resident has it (``link_issued_at``)."""
    return model.timeline_step(actor, unit, LINK_ACTION, model.PENDING, at, note=NEED_LINK_NOTE)


def link_issued_at(order: dict) -> str | None:
    """When the resident's link was last made by staff or, for an order made from a need,
    put on the need's status page (None: never; the one made at manual entry was shown
    once to whoever entered it)."""
    made = [s["at"] for s in order["timeline"] if s["action"] == LINK_ACTION]
    return made[-1] if made else None


def issue_status_link(oid: str, unit: str, actor: dict, at=None) -> tuple[dict, str]:
    """A new private link for the resident (the old one stops working), for the unit
    that received the order; returns (order, token). Audited."""
    at = at or now()
    token = f"{oid}.{secrets.token_urlsafe(18)}"

    def change(order):
        if unit not in ("district", order["origin"]):
            raise StoreError("只有受理这件工单的单位可以生成查询链接。")
        order["token_hash"] = orders.digest(token)
        more = {"note": ANSWERED_LINK_NOTE} if order["state"] == model.ANSWERED else {}
        step = model.timeline_step(actor, unit, LINK_ACTION, order["state"], at, **more)
        return order, [step]

    audited = _audited(oid, actor, "生成工单查询链接", at)
    need = orders.get_order(oid)["links"].get("need")
    if need:
        # The need's status page shows the order's link: it must show the new one, in the
        # same transaction, or the resident who raised the need is left with a dead link.
        need_key, write_audit = community_key(need["community_id"]), audited["extra"]

        def write(by_key):
            write_audit(by_key)
            _keep_on_need(by_key[need_key].table("needs"), need["need_id"], oid, token)

        audited = {"extra_keys": (*audited["extra_keys"], need_key), "extra": write}
    order = orders.step(oid, change, **audited)
    return order, token


def _keep_on_need(table, nid: str, oid: str, token: str) -> None:
    row = table.get(Query().id == nid)
    if row is not None and (row.get("hotline_order") or {}).get("id") == oid:
        table.update(
            {"hotline_order": dict(row["hotline_order"], token=token)}, doc_ids=[row.doc_id]
        )


def order_of_need(need: dict) -> dict | None:
    """What the need's status page says about the order made from it: number, state and
    the resident link token (None when the need was turned into an order before the
    token was kept, or the token no longer opens the order); None without an order."""
    link = need.get("hotline_order")
    if not link:
        return None
    try:
        order = orders.get_order(link["id"])
    except NotFound:
        return None  # the need page stays readable whatever happened to the order
    token = link.get("token")
    if token and orders.digest(token) != order["token_hash"]:
        token = None
    return {"number": order["number"], "state": order["state"], "at": link["at"], "token": token}


def _audited(oid: str, actor: dict, action: str, at, after=None) -> dict:
    """``extra_keys``/``extra`` for ``orders.step``: the audit entry in the same transaction."""
    key = audit.audit_key(at)

    def write(by_key):
        order = orders.get_order(oid)
        entry = audit.new_entry(
            actor,
            action,
            target=f"工单 {order['number']}",
            after=after,
            at=at,
            **_audit_place(order),
        )
        by_key[key].table("entries").insert(entry)

    return {"extra_keys": (key,), "extra": write}


def _rate(
    order: dict, value: str, comment: str, source: str, who: dict | None, at
) -> tuple[dict, list]:
    if value not in model.RATINGS:
        raise StoreError("请选择满意、基本满意或不满意。")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise StoreError(f"评价意见不能超过 {COMMENT_MAX} 个字。")
    if order["state"] != model.ANSWERED:
        raise StoreError("工单答复后才能评价，而且每次答复只评价一次。")
    by = who["uid"] if who else None
    rating = {"value": value, "comment": comment, "source": source, "by": by, "at": stamp(at)}
    order["ratings"] = [*order["ratings"], rating]
    window = timedelta(days=model.config()["reopen_days"])
    in_window = at <= model.parse_stamp(order["answered_at"]) + window
    label = ("电话回访：" if source == "phone" else "诉求人评价：") + model.RATINGS[value]
    steps = [model.timeline_step(who, None, label, model.VISITED, at, note=comment)]
    if value == "unsatisfied" and in_window and not order.get("reopened"):
        cat = model.category(order["category"])
        order.update(
            state=model.WORKING,
            holder=order["handler"],
            reopened=True,
            rating=None,
            due=dict(order["due"], close=stamp(at + timedelta(days=cat["close_days"]))),
        )
        steps.append(model.timeline_step(None, None, "重办", model.WORKING, at, note=comment))
    else:
        order.update(state=model.VISITED, rating=rating)
    return order, steps


def rate_by_resident(token: str, value: str, comment: str = "", at=None) -> dict:
    """The resident's rating through the private link; 不满意 in the window reopens once."""
    at = at or now()
    order = orders.order_by_token(token)
    token_hash = orders.digest(token)

    def change(current):
        if current["token_hash"] != token_hash:
            raise NotFound(model.MISSING)  # a new link was issued in between
        return _rate(current, value, comment, "resident", None, at)

    return orders.step(order["id"], change)


def record_followup(
    oid: str, unit: str, actor: dict, value: str, comment: str = "", at=None
) -> dict:
    """电话回访 recorded by the receiving unit (or the district) for a caller without a
    link: counts as the rating, marked as a phone follow-up, audited."""
    at = at or now()

    def change(order):
        if unit not in ("district", order["origin"]):
            raise StoreError("只有受理这件工单的单位可以记录电话回访。")
        new, steps = _rate(order, value, comment, "phone", actor, at)
        steps[0]["unit"] = unit
        return new, steps

    after = {"rating": model.RATINGS.get(value, value), "comment": (comment or "")[:COMMENT_MAX]}
    return orders.step(oid, change, **_audited(oid, actor, "记录电话回访", at, after))


def public_view(order: dict, at=None) -> dict:
    """What the resident's page shows: no staff names, no phone, no address."""
    at = at or now()
    # Staff notes stay inside; the resident sees the answer and their own words.
    steps = [
        {
            "at": s["at"],
            "action": s["action"],
            "note": s.get("note", "") if s["uid"] is None or s["action"] == "答复" else "",
        }
        for s in order["timeline"]
        if s["action"] != "生成居民查询链接"
    ]
    window = timedelta(days=model.config()["reopen_days"])
    answered = order.get("answered_at")
    return {
        "number": order["number"],
        "category": model.category(order["category"])["name"],
        "content": order["content"],
        "state": order["state"],
        "received_at": order["received_at"],
        "answer": order.get("answer") if order.get("answered_at") else None,
        "can_rate": order["state"] == model.ANSWERED,
        "reopen_open": bool(
            answered and not order.get("reopened") and at <= model.parse_stamp(answered) + window
        ),
        "rating": order.get("rating"),
        "reopened": bool(order.get("reopened")),
        "timeline": steps,
    }
