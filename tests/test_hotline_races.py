"""接诉即办 races through gunicorn with three workers, on the file store and on PostgreSQL:
several handlers of one community press 签收 on the same order at the same moment (exactly
one signs it, the timeline and the counters hold one 签收), two district admins confirm
the same import at once (each order lands once), and district admins dispatch different
orders of one list at once (every dispatch lands: no list bucket loses an entry)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from portal import store
from tests.conftest import PASSWORD, make_user
from tests.test_production_server import TOKEN, Browser, gunicorn  # noqa: F401 (fixture)

pytestmark = pytest.mark.processes
ROUNDS = 3
BATCH = re.compile(r'name="batch" type="hidden" value="([0-9a-f]+)"')


def _login(base, phone) -> Browser:
    b = Browser(base)
    b.post("/portal/login", {"phone": phone, "password": PASSWORD}, "/portal/login")
    return b


def _all_at_once(jobs) -> list[str]:
    """POST every (browser, path, data) at the same moment; the pages they end on."""
    barrier = threading.Barrier(len(jobs))
    pages: list[str] = []

    def send(b, path, data):
        barrier.wait()
        body = urllib.parse.urlencode(data).encode()
        try:
            with b.opener.open(b.base + path, body, timeout=60) as r:
                pages.append(r.read().decode())
        except urllib.error.HTTPError as exc:
            pages.append(f"HTTP {exc.code}")

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return pages


def _actor(user):
    return {"uid": user["uid"], "name": user["name"], "role": user["role"]}


def test_handlers_signing_the_same_order_at_once_sign_it_once(world, gunicorn):  # noqa: F811
    admins = [world.admin_a] + [
        make_user(f"1365000{n:04d}", "community_admin", scope="ca") for n in range(4)
    ]
    browsers = [_login(gunicorn, a["phone"]) for a in admins]
    district, street = _actor(world.district), _actor(world.street)
    for _round in range(ROUNDS):
        order, _token = store.create_hotline_order(
            "district",
            district,
            channel="reception",
            category="streetlight",
            caller="张",
            phone="13812345678",
            content="路灯不亮",
        )
        oid = order["id"]
        store.dispatch_hotline_order(oid, "district", district, "street:dongsi")
        store.sign_hotline_order(oid, "street:dongsi", street)
        store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca")
        jobs = []
        for b in browsers:
            token = TOKEN.search(b.get(f"/portal/hotline/o/{oid}")).group(1)
            jobs.append((b, f"/portal/hotline/o/{oid}/sign", {"csrf_token": token}))
        pages = _all_at_once(jobs)
        signed = [p for p in pages if "已签收。" in p]
        refused = [p for p in pages if "工单已签收，不能签收" in p]
        assert len(signed) == 1 and len(refused) == len(browsers) - 1, pages
        store.current_backend().check()
        stored = store.get_hotline_order(oid)
        assert [s["action"] for s in stored["timeline"]].count("签收") == 2  # street, community
    month = store.now().strftime("%Y-%m")
    assert store.hotline_counts(month, "community:ca")["signed"] == ROUNDS
    assert (
        store.hotline_counts(month, "community:ca")
        == store.hotline_recount(store.hotline_orders_of_month(month))["community:ca"]
    )


def test_two_district_admins_importing_the_same_file_at_once_add_each_order_once(
    world,
    gunicorn,  # noqa: F811
):
    other = make_user("13650009999", "district_admin")
    browsers = [_login(gunicorn, p) for p in (world.district["phone"], other["phone"])]
    day = store.now().strftime("%Y-%m-%d 08:00")
    header = "工单编号,受理时间,诉求人,联系电话,诉求内容,诉求类别,地址,所属街道,所属社区,办理时限"
    lines = [header] + [
        f"R{n:05d},{day},张,13812345678,路灯不亮,路灯照明,东四北大街,东四街道,," for n in range(300)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    jobs = []
    for b in browsers:
        page = b.get("/portal/hotline/import")
        token = TOKEN.search(page).group(1)
        preview = _upload(b, data, token)
        batch = BATCH.search(preview).group(1)
        token = TOKEN.search(preview).group(1)
        jobs.append((b, "/portal/hotline/import/confirm", {"csrf_token": token, "batch": batch}))
    pages = _all_at_once(jobs)
    added = sorted(int(re.search(r"新增工单 (\d+) 件", p).group(1)) for p in pages)
    assert added == [0, 300], pages
    store.current_backend().check()
    rows = store.list_hotline_open("district")
    assert len(rows) == 300 and len({r["number"] for r in rows}) == 300
    assert len(store.hotline_orders_of_month(store.now().strftime("%Y-%m"))) == 300


def test_dispatching_different_orders_of_one_list_at_once_loses_none(
    world,
    gunicorn,  # noqa: F811
):
    admins = [world.district] + [make_user(f"1365100{n:04d}", "district_admin") for n in range(5)]
    browsers = [_login(gunicorn, a["phone"]) for a in admins]
    district = _actor(world.district)
    # Twelve orders over the district's list buckets; two per admin, sent together, so
    # several writes land on the same buckets (and the same month buckets) at once.
    oids = [
        store.create_hotline_order(
            "district",
            district,
            channel="reception",
            category="streetlight",
            caller="张",
            phone="13812345678",
            content=f"路灯不亮 {n}",
        )[0]["id"]
        for n in range(12)
    ]
    for half in (0, 1):
        jobs = []
        for n, b in enumerate(browsers):
            oid = oids[2 * n + half]
            token = TOKEN.search(b.get(f"/portal/hotline/o/{oid}")).group(1)
            data = {"csrf_token": token, "d-target": "street:dongsi", "d-note": ""}
            jobs.append((b, f"/portal/hotline/o/{oid}/dispatch", data))
        pages = _all_at_once(jobs)
        assert all("已派单。" in p for p in pages), pages
    store.current_backend().check()
    assert store.list_hotline_open("district") == []
    street = store.list_hotline_open("street:dongsi")
    assert sorted(r["id"] for r in street) == sorted(oids)
    assert all(store.get_hotline_order(o)["state"] == "已派单" for o in oids)
    month = store.now().strftime("%Y-%m")
    assert store.hotline_counts(month, "street:dongsi")["dispatched"] == 12


def _upload(b: Browser, data: bytes, token: str) -> str:
    boundary = "----hotline-race"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="o.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        b.base + "/portal/hotline/import",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with b.opener.open(request, timeout=60) as r:
        return r.read().decode()
