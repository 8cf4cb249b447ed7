"""The units' open lists at scale (files and PostgreSQL): kept in 64 bucket documents so a
step rewrites about 1/64 of a unit's list, paged most urgent first with filters, the
derived sorting cached per version (a step shows at once)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import store
from portal.store import backend as docs
from portal.store.hotline import queue
from tests.test_store_hotline import T0, actor, row


@pytest.fixture
def h(world):
    class H:
        district = actor(world.district)
        street = actor(world.street)

    return H


def _categories() -> list[dict]:
    return store.hotline_config()["categories"]


def _import(h, count: int, prefix: str = "Q", minutes: int = 0) -> list[str]:
    cats = _categories()
    rows = [
        row(
            f"{prefix}{i:05d}",
            受理时间=(T0 - timedelta(minutes=minutes + i)).strftime("%Y-%m-%d %H:%M"),
            诉求类别=cats[i % 2]["name"],
            所属社区="",
        )
        for i in range(count)
    ]
    store.apply_hotline_import(rows, "district", h.district, at=T0)
    return [store.hotline_order_id_by_number(r["工单编号"]) for r in rows]


def test_page_is_the_sorted_list_cut_in_fifties_with_filters(h):
    oids = _import(h, 127)
    at = T0 + timedelta(minutes=10)
    for oid in oids[:7]:  # dispatched: off the district's list, onto the street's
        store.dispatch_hotline_order(oid, "district", h.district, "street:dongsi", at=at)
    whole = store.list_hotline_open("district", at)
    assert len(whole) == 120
    first = store.page_hotline_open("district", at)
    assert first["total"] == 120 and first["pages"] == 3 and first["all"] == 120
    assert [r["id"] for r in first["rows"]] == [r["id"] for r in whole[:50]]
    third = store.page_hotline_open("district", at, number=3)
    assert [r["id"] for r in third["rows"]] == [r["id"] for r in whole[100:]]
    assert store.page_hotline_open("district", at, number=99)["page"] == 3
    dues = [r["urgency"]["due"] for r in whole]
    assert dues == sorted(dues)  # most urgent first
    assert first["states"] == {"待派单": 120} and first["waiting"] == 120
    cat = _categories()[1]["id"]
    only = store.page_hotline_open("district", at, state="待派单", category=cat)
    assert only["total"] == 60 == first["categories"][cat]
    assert all(r["state"] == "待派单" and r["category"] == cat for r in only["rows"])
    assert store.page_hotline_open("district", at, state="已签收")["total"] == 0
    street = store.page_hotline_open("street:dongsi", at)
    assert street["total"] == 7 and street["waiting"] == 0 and street["states"] == {"已派单": 7}
    assert {r["id"] for r in street["rows"]} == set(oids[:7])
    assert all(r["mine"] for r in store.page_hotline_open("street:dongsi", at, mine=True)["rows"])
    store.sign_hotline_order(oids[0], "street:dongsi", h.street, at=at)
    store.dispatch_hotline_order(oids[0], "street:dongsi", h.street, "community:ca", at=at)
    mine = store.page_hotline_open("street:dongsi", at, mine=True)
    assert mine["total"] == 6 and oids[0] not in {r["id"] for r in mine["rows"]}
    assert store.page_hotline_open("street:dongsi", at)["total"] == 7


def test_overdue_filter_and_count_follow_the_clock(h):
    _import(h, 30)
    later = _import(h, 20, prefix="L", minutes=-600)  # received 10 hours after the others
    contact = max(c["contact_hours"] for c in _categories()[:2])
    at = T0 + timedelta(hours=contact, minutes=5)
    found = store.page_hotline_open("district", at, overdue=True)
    expected = [r for r in store.list_hotline_open("district", at) if r["urgency"]["overdue"]]
    assert found["total"] == found["overdue"] == len(expected) >= 30
    assert not {r["id"] for r in found["rows"]} & set(later)
    assert all(r["urgency"]["overdue"] for r in found["rows"])
    assert store.page_hotline_open("district", T0)["overdue"] == 0


def test_a_step_shows_at_once_through_the_cache(h):
    (oid,) = _import(h, 1)
    assert store.page_hotline_open("district", T0)["states"] == {"待派单": 1}
    store.dispatch_hotline_order(oid, "district", h.district, "street:dongsi", at=T0)
    assert store.page_hotline_open("district", T0)["total"] == 0
    assert store.page_hotline_open("street:dongsi", T0)["states"] == {"已派单": 1}
    store.sign_hotline_order(oid, "street:dongsi", h.street, at=T0)
    assert store.page_hotline_open("street:dongsi", T0)["states"] == {"已签收": 1}


def test_a_step_rewrites_one_small_bucket_of_a_long_list(h, monkeypatch):
    oids = _import(h, 640)
    written: list[tuple[str, int]] = []
    real = docs.current().transaction

    def spy(*keys, **options):
        written.extend((k, len(docs.read(k).get("open", {}))) for k in keys if "/queue/" in k)
        return real(*keys, **options)

    monkeypatch.setattr(docs.current(), "transaction", spy)
    store.dispatch_hotline_order(oids[0], "district", h.district, "street:dongsi", at=T0)
    district = [(k, n) for k, n in written if k.startswith("hotline/queue/district/")]
    assert {k for k, _n in district} == {queue.bucket_key("district", oids[0])}
    # 640 orders over 64 buckets: the one rewritten holds a few of them, not all.
    assert all(n < 640 / 8 for _k, n in district)


def test_bucket_index_follows_the_order_id():
    assert (
        queue.bucket_key("street:dongsi", "202612-0a00000000") == "hotline/queue/street/dongsi/10"
    )
    assert queue.bucket_key("district", "202612-ff00000000") == "hotline/queue/district/63"
    assert len(set(queue.unit_keys("grid:ca:g1"))) == queue.buckets("grid:ca:g1") == 4
    assert len(set(queue.unit_keys("district"))) == queue.BUCKETS == 64
    assert queue.bucket_key("community:ca", "202612-0a00000000") == "hotline/queue/community/ca/02"
