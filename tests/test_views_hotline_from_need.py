"""The resident who raised a need follows the work order made from it: the need's
private status page shows the order (number, state) and "查看工单进度并评价", which opens
the order's page where they rate it; staff are not told the resident has no link."""

from __future__ import annotations

import re

from portal import store
from tests.conftest import csrf_token

BASE = "/portal/hotline"


def _actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def _to_answered(oid: str, world) -> None:
    """The street dispatches the order to community ca, which signs, calls and answers."""
    street, community = _actor(world.street), _actor(world.admin_a)
    store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca")
    store.sign_hotline_order(oid, "community:ca", community)
    store.contact_hotline_caller(oid, "community:ca", community, "已电话联系")
    store.answer_hotline_order(oid, "community:ca", community, "已更换路灯灯泡", True)


def test_the_resident_follows_the_order_from_the_need_page_and_rates_it(world, client, auth):
    need = store.create_need(
        "ca", category="streetlight", description="楼下路灯坏了", raised_by="resident"
    )
    need_page = f"/portal/needs/status/{need['status_token']}"
    assert "查看工单进度并评价" not in client.get(need_page).get_data(as_text=True)
    auth.login(world.street["phone"])
    auth.post(f"{BASE}/from-need/ca/{need['id']}")
    oid = store.get_need("ca", need["id"])["hotline_order"]["id"]
    _to_answered(oid, world)
    # Staff are not told the resident has no link.
    auth.login(world.street["phone"])
    staff = client.get(f"{BASE}/o/{oid}").get_data(as_text=True)
    assert "请诉求人评价" in staff and "还没有生成过查询链接" not in staff
    assert "需求进度页" in staff
    client.post("/portal/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    # The resident opens the need's status link: the order, its state and the link.
    page = client.get(need_page).get_data(as_text=True)
    assert f"转为工单 XQ-ca-{need['id']}" in page and "已答复" in page
    found = re.search(r'href="(/portal/hotline/s/[^"]+)">查看工单进度并评价</a>', page)
    assert found
    order_page = found.group(1)
    status = client.get(order_page).get_data(as_text=True)
    assert "已更换路灯灯泡" in status and "请评价办理结果" in status
    done = client.post(
        order_page + "/rate",
        data={"csrf_token": csrf_token(client, order_page), "rating": "satisfied"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "感谢您的评价" in done
    assert store.get_hotline_order(oid)["rating"]["value"] == "satisfied"
    assert "已回访" in client.get(need_page).get_data(as_text=True)
