"""New orders: the fields every order starts with, manual entry by district or street
staff, and an order made from a need (随手拍, a grid worker's report) or a 小巷管家's
finding, with the link written on both sides in the same transaction.

An order received by the district starts 待派单 with the district; one entered by a
street starts 待派单 with that street (routed to it already). 工单编号 is unique: an order
made from a need is numbered ``XQ-<community>-<need>``, from a finding
``XC-<patrol>-<finding>``, so a second press makes nothing new.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from tinydb import Query

from .. import lanes, patrols, places
from ..base import NotFound, StoreError, community_key, now, stamp
from ..lists import needs
from . import feedback, model, orders

CONTENT_MAX = 2000
NAME_MAX = 20
PHONE_MAX = 20
ADDRESS_MAX = 100


def clean(caller: str, phone: str, content: str, address: str) -> tuple[str, str, str, str]:
    caller, phone = (caller or "").strip(), (phone or "").strip().replace(" ", "")
    content, address = (content or "").strip(), (address or "").strip()
    if not content:
        raise StoreError("请填写诉求内容。")
    if len(content) > CONTENT_MAX:
        raise StoreError(f"诉求内容不能超过 {CONTENT_MAX} 个字。")
    if len(caller) > NAME_MAX:
        raise StoreError(f"诉求人不能超过 {NAME_MAX} 个字。")
    if phone and (len(phone) > PHONE_MAX or not phone.replace("-", "").isdigit()):
        raise StoreError("联系电话只能由数字和连字符组成。")
    if len(address) > ADDRESS_MAX:
        raise StoreError(f"地址不能超过 {ADDRESS_MAX} 个字。")
    return caller, phone, content, address


def new_order(
    *,
    number: str,
    channel: str,
    category: str,
    received: datetime,
    caller: str,
    phone: str,
    content: str,
    address: str,
    origin: str,
    actor: dict,
    suggest: dict | None = None,
    close_at: datetime | None = None,
    links: dict | None = None,
    at: datetime,
) -> tuple[dict, str]:
    """A complete new order (checked fields) and its resident link token."""
    cat = model.category(category)
    model.channel(channel)
    oid = model.new_order_id(received, at)
    token = f"{oid}.{secrets.token_urlsafe(18)}"
    street = origin.split(":")[1] if origin.startswith("street:") else None
    suggest = dict(suggest or {})
    if cat["level"] == "department":
        suggest.setdefault("dept", cat["department"])
    order = {
        "id": oid,
        "number": number,
        "channel": channel,
        "category": category,
        "level": cat["level"],
        "received_at": stamp(received),
        "caller": caller,
        "phone": phone,
        "content": content,
        "address": address,
        "suggest": suggest,
        "origin": origin,
        "holder": origin,
        "dispatcher": None,
        "chain": [],
        "route": {"street": street, "community": None, "grid": None, "dept": None},
        "state": model.PENDING,
        "due": model.initial_due(cat, received, close_at),
        "close_given": close_at is not None,
        "signed_at": None,
        "contacted_at": None,
        "answered_at": None,
        "answer": None,
        "resolved": None,
        "handler": None,
        "rating": None,
        "ratings": [],
        "reopened": False,
        "extension": None,
        "extensions": [],
        "whistle": None,
        "links": links or {},
        "closed_at": None,
        "token_hash": orders.digest(token),
        "created_at": stamp(at),
        "created_by": actor["uid"],
        "timeline": [
            model.timeline_step(
                actor, origin, "受理", model.PENDING, at, note=model.channel(channel)["name"]
            )
        ],
    }
    return order, token


def _origin(unit: str) -> str:
    kind = model.unit_parts(unit)[0]
    if kind not in ("district", "street"):
        raise StoreError("只有区级和街道工作人员可以录入工单。")
    return unit


def create_manual(
    unit: str,
    actor: dict,
    *,
    channel: str,
    category: str,
    caller: str,
    phone: str,
    content: str,
    address: str = "",
    community_id: str | None = None,
    received: datetime | None = None,
    at=None,
) -> tuple[dict, str]:
    """Manual entry (a call taken in person, 接待日, 民情日记 …) by the district or a street;
    returns (order, resident link token: shown once)."""
    at = at or now()
    origin = _origin(unit)
    if not model.channel(channel)["manual"]:
        raise StoreError("这个渠道的工单不能手工录入。")
    caller, phone, content, address = clean(caller, phone, content, address)
    suggest = {}
    if community_id:
        community = places.get_community(community_id)
        if origin.startswith("street:") and community["street_id"] != origin.split(":")[1]:
            raise StoreError("请选择本街道的社区。")
        suggest = {"street": community["street_id"], "community": community_id}
    number = f"SL-{at.strftime('%Y%m%d')}-{secrets.token_hex(3).upper()}"
    order, token = new_order(
        number=number,
        channel=channel,
        category=category,
        received=received or at,
        caller=caller,
        phone=phone,
        content=content,
        address=address,
        origin=origin,
        actor=actor,
        suggest=suggest,
        at=at,
    )
    if not orders.insert_orders([order]):
        raise StoreError("工单编号重复，请再提交一次。")
    return order, token


def category_for(problem: str) -> str:
    """The hotline category of a need's or a finding's category (else 其他)."""
    for cat in model.config()["categories"]:
        if cat.get("problem") == problem or cat["id"] == problem:
            return cat["id"]
    return "other"


def from_need(cid: str, nid: str, unit: str, actor: dict, at=None) -> dict:
    """Turn a need of a community into an order received by its street (or the district
    when the district does it); the need names the order and the order the need. The
    need's record keeps the order's resident link token, shown on the need's status page."""
    at = at or now()
    community = places.get_community(cid)
    street = community["street_id"]
    if unit not in ("district", f"street:{street}", f"community:{cid}"):
        raise NotFound("没有找到这条需求。")
    need = needs.get_need(cid, nid)
    if need.get("hotline_order"):
        raise StoreError("这条需求已经转为工单了。")
    channel = "grid" if need.get("grid_id") else "snapshot"
    order, token = new_order(
        number=f"XQ-{cid}-{nid}",
        channel=channel,
        category=category_for(need["category"]),
        received=at,
        caller=need.get("name") or "",
        phone=need.get("phone") or "",
        content=need["description"],
        address=need.get("address") or need.get("building") or community["name"],
        origin="district" if unit == "district" else f"street:{street}",
        actor=actor,
        suggest={"street": street, "community": cid},
        links={"need": {"community_id": cid, "need_id": nid}},
        at=at,
    )
    # The resident already holds the need's private page: the order's link is kept on
    # the need (a page only they open), so they follow and rate the order from there.
    order["timeline"].append(feedback.need_link_step(actor, order["origin"], at))
    link = {"id": order["id"], "number": order["number"], "at": stamp(at), "token": token}

    def write(by_key, stored):
        if stored:
            table = by_key[community_key(cid)].table("needs")
            table.update({"hotline_order": link}, Query().id == nid)

    if not orders.insert_orders([order], (community_key(cid),), write):
        raise StoreError("这条需求已经转为工单了。")
    return order


def from_finding(sid: str, pid: str, fid: str, uid: str, actor: dict, at=None) -> dict:
    """Turn the steward's own finding into an order received by the street (channel
    网格巡查), the finding naming the order."""
    at = at or now()
    patrol = patrols.own_patrol(sid, pid, uid)
    finding = patrols.get_finding(patrol, fid)
    if finding.get("order"):
        raise StoreError("这条发现已经转为工单了。")
    lane = lanes.get_lane(sid, patrol["lane_id"])
    order, _token = new_order(
        number=f"XC-{pid}-{fid}",
        channel="grid",
        category=category_for(finding["category"]),
        received=at,
        caller=actor["name"][:NAME_MAX],
        phone="",
        content=finding["note"],
        address=f"{lane['name']} {finding.get('place') or ''}".strip()[:ADDRESS_MAX],
        origin=f"street:{sid}",
        actor=actor,
        links={"finding": {"street_id": sid, "patrol_id": pid, "finding_id": fid}},
        at=at,
    )
    key = patrols._month_key(sid, patrols.month_of(pid))
    link = {"id": order["id"], "number": order["number"], "at": stamp(at)}

    def write(by_key, stored):
        if not stored:
            return
        table = by_key[key].table("patrols")
        row = table.get(Query().id == pid)
        if row is None:
            raise NotFound(patrols.MISSING)
        findings = [dict(f, order=link) if f["id"] == fid else f for f in row["findings"]]
        table.update({"findings": findings}, doc_ids=[row.doc_id])

    if not orders.insert_orders([order], (key,), write):
        raise StoreError("这条发现已经转为工单了。")
    return order
