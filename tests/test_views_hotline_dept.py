"""Every 接诉即办 route for department liaisons (dept_liaison, scope = a department): the
liaison of the department an order is routed to is let in to its page and steps, the
liaison of another department gets a 404 for the order (its list does not show it) and
nothing changes; district and street intake is refused to both. The access matrix has no
department role (adding one would mean a verdict for it on every route of the portal),
so this file covers the hotline's routes for it, and fails when a hotline route is added
without a row here."""

from __future__ import annotations

import pytest

from portal import store
from tests.conftest import PASSWORD, csrf_token, make_user

OTHER, OWN = "other", "own"  # another department's liaison, the order's department's


def _actor(user: dict) -> dict:
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


@pytest.fixture
def dept(world):
    district = _actor(world.district)
    order, token = store.create_hotline_order(
        "district",
        district,
        channel="reception",
        category="streetlight",
        caller="张先生",
        phone="13812345678",
        content="公园路灯不亮",
    )
    store.dispatch_hotline_order(order["id"], "district", district, "dept:yuanlin")
    need = store.create_need(
        "ca", category="legal", description="需求", raised_by="resident", phone="13600000001"
    )

    class D:
        oid = order["id"]
        number = order["number"]
        link = token
        need_id = need["id"]
        own = make_user("13800000071", "dept_liaison", scope="yuanlin")
        other = make_user("13800000072", "dept_liaison", scope="gongan")

    return D


def _routes(d) -> dict:
    """endpoint -> (method, url, {who: "in" | "out"}), "out" meaning 404 for the order's
    routes and 403/404/login for intake."""
    h, oid = "/portal/hotline", d.oid
    order_routes = {
        "hotline.order": ("GET", f"{h}/o/{oid}"),
        "hotline.dispatch": ("POST", f"{h}/o/{oid}/dispatch"),
        "hotline.sign": ("POST", f"{h}/o/{oid}/sign"),
        "hotline.contact": ("POST", f"{h}/o/{oid}/contact"),
        "hotline.answer": ("POST", f"{h}/o/{oid}/answer"),
        "hotline.return_order": ("POST", f"{h}/o/{oid}/return"),
        "hotline.extension": ("POST", f"{h}/o/{oid}/extension"),
        "hotline.decide": ("POST", f"{h}/o/{oid}/extension/decide"),
        "hotline.whistle": ("POST", f"{h}/o/{oid}/whistle"),
        "hotline.followup": ("POST", f"{h}/o/{oid}/followup"),
        "hotline.close": ("POST", f"{h}/o/{oid}/close"),
        "hotline.link": ("POST", f"{h}/o/{oid}/link"),
        "hotline.phone": ("POST", f"{h}/o/{oid}/phone"),
    }
    routes = {e: (m, u, {OWN: "in", OTHER: "404"}) for e, (m, u) in order_routes.items()}
    refused = {OWN: "out", OTHER: "out"}
    return routes | {
        "hotline.index": ("GET", f"{h}/", {OWN: "in", OTHER: "in"}),
        "hotline.template": ("GET", f"{h}/template.xlsx", refused),
        "hotline.import_page": ("GET", f"{h}/import", refused),
        "hotline.import_confirm": ("POST", f"{h}/import/confirm", refused),
        "hotline.new": ("GET", f"{h}/new", refused),
        "hotline.dispatch_suggested": ("POST", f"{h}/dispatch-suggested", refused),
        "hotline.from_need": ("POST", f"{h}/from-need/ca/{d.need_id}", refused),
        "hotline.from_finding": ("POST", f"{h}/from-finding/dongsi/p1/f1", refused),
        # The resident's private link: whoever holds it, logged in or not.
        "hotline_public.status": ("GET", f"{h}/s/{d.link}", {OWN: "in", OTHER: "in"}),
        "hotline_public.rate": ("POST", f"{h}/s/{d.link}/rate", {OWN: "in", OTHER: "in"}),
    }


def _let_in(response) -> bool:
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code in (301, 302, 303):
        return "/portal/login" not in response.headers.get("Location", "")
    return response.status_code < 400


def test_every_hotline_route_has_a_row(app, world, dept):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("hotline", "hotline_public")
    }
    assert endpoints == set(_routes(dept))


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client)})


def _login(app, phone: str):
    client = app.test_client()
    response = client.post(
        "/portal/login",
        data={"phone": phone, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return client


def _shown_again(response) -> bool:
    """A form shown again with its errors (400, the error summary): let in too."""
    return response.status_code == 400 and "error-summary" in response.get_data(as_text=True)


def test_another_departments_liaison_gets_404_and_changes_nothing(app, world, dept):
    client = _login(app, dept.other["phone"])
    before = store.get_hotline_order(dept.oid)
    wrong = []
    for endpoint, (method, url, verdict) in _routes(dept).items():
        response = _request(client, method, url)
        html = response.get_data(as_text=True)
        expected = verdict[OTHER]
        if expected == "404" and response.status_code != 404:
            wrong.append(f"{endpoint}: {response.status_code}, expected 404")
        if expected == "out" and _let_in(response):
            wrong.append(f"{endpoint}: let in ({response.status_code})")
        if expected == "in" and not (_let_in(response) or _shown_again(response)):
            wrong.append(f"{endpoint}: refused ({response.status_code})")
        if not endpoint.startswith("hotline_public."):
            assert dept.number not in html and "13812345678" not in html, endpoint
    assert not wrong, "; ".join(wrong)
    assert store.get_hotline_order(dept.oid) == before


def test_the_orders_departments_liaison_is_let_in_where_it_should(app, world, dept):
    client = _login(app, dept.own["phone"])
    listed = client.get("/portal/hotline/").get_data(as_text=True)
    assert dept.number in listed and "138****5678" not in listed
    wrong = []
    for endpoint, (method, url, verdict) in _routes(dept).items():
        response = _request(client, method, url)
        if (verdict[OWN] == "in") != (_let_in(response) or _shown_again(response)):
            wrong.append(f"{endpoint}: {response.status_code}")
    assert not wrong, "; ".join(wrong)
    # The one step a bare POST can take: 签收 by the department, on the timeline.
    order = store.get_hotline_order(dept.oid)
    assert order["state"] == "已签收" and order["timeline"][-1]["unit"] == "dept:yuanlin"
