"""接诉即办's caches and document layout (files and PostgreSQL): the month's figures and
rankings kept per version of its counters follow every step and every new community;
the 三率 page and the order list, drawn once per version, show each step at once; an
order lives in a bucket of the day it was made, so a day's import rewrites that day's
buckets only; the 工单编号 index keeps an import idempotent."""

from __future__ import annotations

from datetime import timedelta

from portal import store
from portal.store import backend as docs
from portal.store.hotline import model, queue

# The same clock, month, actor and import row as the figures' tests.
from tests.test_store_hotline_figures import MONTH, T0, actor, row


def _street(month: str = MONTH) -> dict:
    return next(r for r in store.hotline_street_rates(month) if r["id"] == "dongsi")


def test_month_figures_follow_each_step_and_new_communities(world):
    district, street = actor(world.district), actor(world.street)
    store.apply_hotline_import([row("C1")], "district", district, at=T0)
    oid = store.hotline_order_id_by_number("C1")
    before = store.hotline_rates_basis(MONTH)
    assert _street()["counts"]["dispatched"] == 0
    assert store.hotline_rates_basis(MONTH) == before  # nothing changed: the same objects
    assert all(a is b for a, b in zip(store.hotline_rates_basis(MONTH), before, strict=True))

    store.dispatch_hotline_order(oid, "district", district, "street:dongsi", at=T0)
    assert _street()["counts"]["dispatched"] == 1
    assert store.hotline_unit_rates(MONTH, "district")["counts"]["dispatched"] == 1
    assert store.hotline_rates_basis(MONTH)[-1] is not before[-1]
    # The trend's earlier months did not change: still the objects read before.
    assert store.hotline_rates_basis(MONTH)[0] is before[0]

    store.sign_hotline_order(oid, "street:dongsi", street, at=T0 + timedelta(minutes=20))
    figures = store.hotline_unit_rates(MONTH, "street:dongsi")
    assert figures["counts"]["signed_in_time"] == 1 and figures["rates"]["response"] == 1.0
    assert store.hotline_rates_trend("street:dongsi", MONTH)[-1]["counts"] == figures["counts"]

    names = {r["name"] for r in store.hotline_community_rates(MONTH, "dongsi")}
    assert "缓存新社区" not in names
    store.add_community("dongsi", "缓存新社区")
    names = {r["name"] for r in store.hotline_community_rates(MONTH, "dongsi")}
    assert "缓存新社区" in names


def test_counters_are_one_document_a_month_matching_a_recount(world):
    district, street = actor(world.district), actor(world.street)
    store.apply_hotline_import([row("C1"), row("C2")], "district", district, at=T0)
    for number in ("C1", "C2"):
        oid = store.hotline_order_id_by_number(number)
        store.dispatch_hotline_order(oid, "district", district, "street:dongsi", at=T0)
        store.sign_hotline_order(oid, "street:dongsi", street, at=T0 + timedelta(hours=5))
    assert docs.keys("hotline/counts/") == [f"hotline/counts/{MONTH}"]
    rows = docs.read(f"hotline/counts/{MONTH}")["counts"].values()
    assert {r["unit"] for r in rows} == {"street:dongsi"}
    expected = store.hotline_recount(store.hotline_orders_of_month(MONTH))
    assert store.hotline_counts(MONTH, "street:dongsi") == expected["street:dongsi"]
    assert expected["street:dongsi"]["signed"] == 2
    assert expected["street:dongsi"]["signed_in_time"] == 0  # five hours: late
    assert store.hotline_counted_units(MONTH, "street") == ["street:dongsi"]
    assert store.hotline_counts(MONTH, "community:ca") == dict.fromkeys(
        expected["street:dongsi"], 0
    )


def test_an_import_rewrites_the_buckets_of_its_day_only(world, monkeypatch):
    district = actor(world.district)
    earlier, later = T0, T0 + timedelta(days=3)
    store.apply_hotline_import(
        [row(f"E{n}", earlier) for n in range(40)], "district", district, at=earlier
    )
    old = store.hotline_order_id_by_number("E0")
    assert model.bucket_of(old).startswith(f"hotline/orders/{MONTH}/{earlier:%d}-")
    written: list[str] = []
    real = docs.current().transaction

    def spy(*keys, **options):
        written.extend(keys)
        return real(*keys, **options)

    monkeypatch.setattr(docs.current(), "transaction", spy)
    rows = [row(f"N{n}", later) for n in range(40)]
    store.apply_hotline_import(rows, "district", district, at=later)
    buckets = {k for k in written if k.startswith("hotline/orders/")}
    assert buckets and all(k.startswith(f"hotline/orders/{MONTH}/{later:%d}-") for k in buckets)
    assert len(buckets) <= model.DAY_BUCKETS
    # received that month, made that day: both orders still read by id and by number
    new = store.hotline_order_id_by_number("N0")
    assert store.get_hotline_order(new)["number"] == "N0"
    assert store.get_hotline_order(old)["number"] == "E0"
    # the same file again adds nothing (the 工单编号 index)
    again = store.apply_hotline_import(rows, "district", district, at=later)
    assert again["added"] == 0 and again["skipped"] == 40


def test_ids_made_before_the_day_buckets_still_name_their_bucket():
    assert model.bucket_of("202612-0a00000000") == "hotline/orders/2026-12/10"
    assert model.bucket_of("202612-05-0a00000000") == "hotline/orders/2026-12/05-10"
    assert model.month_of("202612-05-0a00000000") == MONTH
    assert queue.bucket_index("202612-05-0a00000000") == queue.bucket_index("202612-0a00000000")
    for bad in ("202612-32-0a00000000", "202612-05-0a0000000", "202613-0a00000000"):
        assert not model.valid_order_id(bad)


def test_list_rows_and_the_rates_page_show_each_step_at_once(world, client, auth):
    district = actor(world.district)
    at = store.now() - timedelta(hours=2)
    month = at.strftime("%Y-%m")
    store.apply_hotline_import([row("H1", at)], "district", district, at=at)
    oid = store.hotline_order_id_by_number("H1")
    auth.login(world.district["phone"])
    listing = client.get("/portal/hotline/").get_data(as_text=True)
    assert f'href="/portal/hotline/o/{oid}"' in listing and ">待派单<" in listing
    page = client.get(f"/portal/hotline-figures/?month={month}").get_data(as_text=True)
    assert 'data-unit="street:dongsi"' in page
    assert "（0 ÷ 0）" in page

    store.dispatch_hotline_order(oid, "district", district, "street:dongsi", at=at)
    assert oid not in client.get("/portal/hotline/").get_data(as_text=True)  # the street's now
    page = client.get(f"/portal/hotline-figures/?month={month}").get_data(as_text=True)
    assert "（0 ÷ 1）" in page  # the district's response: 0 signed in time of 1 dispatched

    auth.login(world.street["phone"])
    listing = client.get("/portal/hotline/").get_data(as_text=True)
    assert f'href="/portal/hotline/o/{oid}"' in listing and ">已派单<" in listing
    assert "现由" not in listing  # the street's own move
    street = actor(world.street)
    store.sign_hotline_order(oid, "street:dongsi", street, at=at)
    store.dispatch_hotline_order(oid, "street:dongsi", street, "community:ca", at=at)
    listing = client.get("/portal/hotline/").get_data(as_text=True)
    assert "现由测试甲社区办理" in listing and ">已签收<" not in listing
