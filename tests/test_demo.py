"""The demo data (示例): shifts that already started (attendance, hours and certificates can
be tried at once), a liaison for every department the demo whistles summon, README's
table of demo accounts listing every one of them, and a month of 接诉即办 orders across
channels and states whose counters equal a recount."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from portal import demo, store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    import portal.store.accounts.users as users

    folder = tmp_path_factory.mktemp("demo")
    cheap, users.PASSWORD_METHOD = users.PASSWORD_METHOD, "scrypt:4096:8:1"
    try:
        store.open_store(folder)
        counts = demo.seed()
    finally:
        users.PASSWORD_METHOD = cheap
    return counts, folder


@pytest.fixture
def counts(seeded):
    """The seeded store, opened again (other tests of this worker may have moved it)."""
    store.open_store(seeded[1])
    return seeded[0]


def _rows(admin_phone="13900000003"):
    admin = store.find_user_by_phone(admin_phone)
    cid = admin["scope"]
    rows = []
    for post in store.list_posts(cid):
        for shift in store.post_shifts(cid, post["id"]):
            rows.append((post, shift, store.roster(cid, shift["id"])))
    return cid, rows


def test_demo_has_past_and_running_shifts_with_attendance(counts):
    now = store.now()
    cid, rows = _rows()
    started = [(p, s, r) for p, s, r in rows if (st := store.shift_start(s)) and st <= now]
    assert len(started) >= 3
    assert all("示例" in p["title"] for p, _s, _r in started)
    running = [x for x in started if store.shift_end(x[1]) > now]
    assert running and running[0][2]["confirmed"]  # running now, with people on it
    marked = [r for _p, _s, roster in started for r in roster["confirmed"] if r.get("attendance")]
    assert any(r.get("hours_confirmed_at") for r in marked)
    assert any(r.get("attendance") == "present" and not r.get("hours_confirmed_at") for r in marked)
    assert any(r.get("attendance") == "absent" for r in marked)
    member = store.find_user_by_phone("13900000004")
    assert store.summarize_hours(store.hours_rows(member["uid"]))["total"] > 0
    assert [c["status"] for c in store.community_certificates(cid)] == ["pending"]


def test_every_demo_whistle_department_has_a_liaison(counts):
    liaisons = {u["scope"] for u in store.list_admins("dept_liaison") if u.get("demo")}
    summoned = {d for w in store.list_whistles() for d in w["departments"]}
    assert summoned and summoned <= liaisons


def test_readme_lists_every_demo_account(counts):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 演示账号", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\b139\d{8}\b", section))
    for first, last in re.findall(r"\b(139\d{8}) – (139\d{8})\b", section):
        listed |= {str(n) for n in range(int(first), int(last) + 1)}
    phones = {u["phone"] for u in store.all_users() if u.get("demo")}
    assert phones == listed
    assert f"共 {len(phones)} 个账号" in section and counts["accounts"] == len(phones)


def test_demo_hotline_orders_cover_channels_and_states(counts):
    orders = [o for m in store.hotline_order_months() for o in store.hotline_orders_of_month(m)]
    assert counts["hotline_orders"] == len(orders) >= 12
    assert all("示例" in o["content"] for o in orders)
    # every channel but 其他, every state of the main path
    assert {o["channel"] for o in orders} >= {"hotline", "snapshot", "grid", "reception", "diary"}
    assert {o["state"] for o in orders} == set(store.HOTLINE_STATES)
    actions = [[s["action"] for s in o["timeline"]] for o in orders]
    for side in ("退单", "同意延期", "重办", "升级吹哨"):
        assert sum(side in a for a in actions) == 1, side
    assert any(o["links"].get("need") for o in orders)
    assert any(o["links"].get("finding") for o in orders)
    assert any(o["route"].get("grid") for o in orders)  # one reached a grid
    reopened = next(o for o in orders if o["reopened"])
    assert [r["value"] for r in reopened["ratings"]] == ["unsatisfied", "satisfied"]
    # the whistle the order raised exists and names the order
    raised = next(o for o in orders if o["whistle"])
    whistle = store.get_whistle(raised["whistle"]["street_id"], raised["whistle"]["whistle_id"])
    assert raised["id"] in whistle["description"]
    # a month of orders: received within the last 30 days, none in the future
    now = store.now()
    assert all(
        now - timedelta(days=30) <= datetime.fromisoformat(o["received_at"]) <= now for o in orders
    )
    # three 路灯照明 calls from one address: a 未诉先办 hot spot of the street
    spots = store.hotline_hotspots("dongsi")
    assert any(s["category"] == "streetlight" and s["count"] >= 3 for s in spots), spots
    # the street's list shows its open orders, most urgent first
    listed = store.list_hotline_open("street:dongsi")
    assert listed and all(r["state"] != "已结案" for r in listed)


def test_demo_hotline_counters_equal_a_recount(counts):
    months = store.hotline_order_months()
    assert months
    for month in months:
        expected = store.hotline_recount(store.hotline_orders_of_month(month))
        units = {
            u
            for kind in ("street", "community", "dept")
            for u in store.hotline_counted_units(month, kind)
        }
        assert set(expected) <= units
        zero = dict.fromkeys(store.HOTLINE_COUNT_FIELDS, 0)
        for unit in units:
            assert store.hotline_counts(month, unit) == expected.get(unit, zero), (month, unit)
    # the figures the 三率 are made of are there: signed in time, resolved, rated
    total = dict.fromkeys(store.HOTLINE_COUNT_FIELDS, 0)
    for month in months:
        for field, n in store.hotline_counts(month, "street:dongsi").items():
            total[field] += n
    assert total["dispatched"] >= 8 and total["signed_in_time"] >= 6
    assert total["signed"] - total["signed_in_time"] == 1  # one signed late
    assert total["closed"] == 3 and total["resolved"] == 3
    assert total["rated"] == 4 and total["unsatisfied"] == 0 and total["reopened"] == 1


def test_demo_need_made_into_an_order_shows_the_order_link(counts, seeded, tmp_path):
    from forms.lists import ResidentRatingForm
    from portal import create_app
    from portal.lists import public

    orders = [o for m in store.hotline_order_months() for o in store.hotline_orders_of_month(m)]
    order = next(o for o in orders if o["links"].get("need"))
    made_from = order["links"]["need"]
    need = store.get_need(made_from["community_id"], made_from["need_id"])
    shown = store.hotline_order_of_need(need)
    assert shown and shown["number"] == order["number"] and shown["state"] == order["state"]
    assert store.hotline_order_by_token(shown["token"])["id"] == order["id"]
    assert store.hotline_link_issued_at(order)  # staff are not told there is no link
    # The need's status page as its view renders it (the demo keeps no need token).
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(seeded[1]),
            "SECRET_KEY": "test-secret-" + "k" * 40,
            "SITE_DIR": str(tmp_path / "no-site"),
        }
    )
    with app.test_request_context():
        page, _status = public._status_page("demo", need, ResidentRatingForm(formdata=None))
    assert f"/portal/hotline/s/{shown['token']}" in page and "查看工单进度并评价" in page
