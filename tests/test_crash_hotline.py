"""A 接诉即办 step killed after each of its file writes: the store ends all-or-nothing.

A dispatch from the district to a street writes the order's month bucket, a bucket of
the district's open list, a bucket of the street's list and the street's counters; 一键派单
writes those of several orders at once. Each case kills the step's process right after
its k-th write (k = 1, 2, … until the step finishes), opens the store again (start-up
finishes the transaction from its journal or drops it) and checks that every order is
either untouched or moved completely: on exactly the right list, and the counters equal
to a recount of the orders.
"""

from __future__ import annotations

import pytest

from portal import store
from tests.test_crash_between_writes import _each_kill_point
from tests.test_store_hotline import _check_counters, actor

pytestmark = pytest.mark.processes


def _new_order(district: dict, n: int) -> str:
    order, _token = store.create_hotline_order(
        "district",
        district,
        channel="reception",
        category="streetlight",
        caller="张先生",
        phone="13812345678",
        content=f"路灯不亮 {n}",
        community_id="ca",  # suggests 东四街道: 一键派单 sends it there
    )
    return order["id"]


def _check_moved_completely(oids: list[str]) -> None:
    district = {r["id"] for r in store.list_hotline_open("district")}
    street = {r["id"] for r in store.list_hotline_open("street:dongsi")}
    states = {store.get_hotline_order(oid)["state"] for oid in oids}
    assert len(states) == 1, states  # one transaction: all of them or none
    for oid in oids:
        order = store.get_hotline_order(oid)
        if order["state"] == "待派单":
            assert oid in district and oid not in street
            assert order["holder"] == "district" and order["route"]["street"] is None
        else:
            assert order["state"] == "已派单" and order["holder"] == "street:dongsi"
            assert oid in street and oid not in district
            assert [s["action"] for s in order["timeline"]].count("派单") == 1
    _check_counters((store.now().strftime("%Y-%m"),))


def test_a_dispatch_killed_between_writes_is_all_or_nothing(world, data_dir):
    district = actor(world.district)
    numbers = iter(range(100))

    def setup():
        return [_new_order(district, next(numbers))]

    def dispatch(oids):
        store.dispatch_hotline_order(oids[0], "district", district, "street:dongsi")

    writes = _each_kill_point(data_dir, setup, dispatch, _check_moved_completely)
    # the journal, the month bucket, two list buckets, the street's counters
    assert writes == 5


def test_a_dispatch_of_many_killed_between_writes_is_all_or_nothing(world, data_dir):
    district = actor(world.district)
    numbers = iter(range(100, 400))

    def setup():
        # Orders a killed run left waiting are dispatched by the next run with these.
        return [_new_order(district, next(numbers)) for _ in range(6)]

    writes = _each_kill_point(
        data_dir,
        setup,
        lambda oids: store.dispatch_hotline_suggested("district", district),
        _check_moved_completely,
        # Six orders: their month buckets, a queue bucket each at the district and at
        # each street, the counters and the journal.
        most_writes=40,
    )
    assert writes >= 5
    assert store.list_hotline_open("district") == []
