"""A need turned into a work order keeps the order's resident link token on the need
(its record, read only through the need's private status page): the token opens the
order, counts as issued for staff, and a link made again by staff replaces it on the need
in the same transaction, so the need never holds a dead link."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal import store

T0 = datetime(2026, 3, 2, 9, 0)


def _actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def _to_answered(oid: str, world) -> None:
    """The street dispatches the order to community ca, which signs, calls and answers."""
    street, community = _actor(world.street), _actor(world.admin_a)
    store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca")
    store.sign_hotline_order(oid, "community:ca", community)
    store.contact_hotline_caller(oid, "community:ca", community, "已电话联系")
    store.answer_hotline_order(oid, "community:ca", community, "已更换路灯灯泡", True)


def test_the_token_on_the_need_opens_the_order_and_follows_a_new_link(world):
    need = store.create_need(
        "ca", category="streetlight", description="路灯坏了", raised_by="resident", at=T0
    )
    made = store.hotline_order_from_need("ca", need["id"], "street:dongsi", _actor(world.street))
    kept = store.get_need("ca", need["id"])["hotline_order"]
    assert kept["id"] == made["id"] and kept["number"] == made["number"]
    assert store.hotline_order_by_token(kept["token"])["id"] == made["id"]
    shown = store.hotline_order_of_need(store.need_by_token(need["status_token"]))
    assert shown == {
        "number": made["number"],
        "state": "待派单",
        "at": kept["at"],
        "token": kept["token"],
    }
    # Issued for staff; the resident's view of the order does not show that step.
    order = store.get_hotline_order(made["id"])
    assert store.hotline_link_issued_at(order) == order["received_at"]
    assert "生成居民查询链接" not in [
        s["action"] for s in store.hotline_public_view(order)["timeline"]
    ]
    # Staff make a new link: the old one stops working, the need holds the new one.
    _again, token = store.issue_hotline_link(made["id"], "street:dongsi", _actor(world.street))
    with pytest.raises(store.NotFound):
        store.hotline_order_by_token(kept["token"])
    assert store.get_need("ca", need["id"])["hotline_order"]["token"] == token
    assert store.hotline_order_of_need(store.get_need("ca", need["id"]))["token"] == token
    # The resident rates with the token from the need.
    _to_answered(made["id"], world)
    rated = store.rate_hotline_order(token, "satisfied", "很快")
    assert rated["state"] == "已回访" and rated["rating"]["source"] == "resident"


def test_a_need_without_an_order_or_with_an_old_link_shows_no_link(world):
    need = store.create_need("ca", category="parking", description="堵门", raised_by="resident")
    assert store.hotline_order_of_need(need) is None
    store.hotline_order_from_need("ca", need["id"], "district", _actor(world.district))
    kept = store.get_need("ca", need["id"])
    # An order made before the token was kept on the need: number and state, no link.
    old = dict(kept, hotline_order={k: v for k, v in kept["hotline_order"].items() if k != "token"})
    assert store.hotline_order_of_need(old)["token"] is None
    stale = dict(kept, hotline_order=dict(kept["hotline_order"], token=kept["id"] + ".x"))
    assert store.hotline_order_of_need(stale)["token"] is None
