"""Sign-up rules at the store level: capacity, FIFO waiting list, overlap, deadlines."""

from datetime import timedelta

import pytest

from portal import store
from tests.conftest import make_user


def _start(shift):
    return store.shift_start(shift)


def test_capacity_then_waiting_list_in_order(world):
    _post, shift = world.post(capacity=1)
    others = [make_user(f"1370000000{n}", "volunteer") for n in range(3)]
    assert store.sign_up("ca", shift["id"], world.member["uid"])["status"] == "confirmed"
    rows = [store.sign_up("ca", shift["id"], u["uid"]) for u in others]
    assert [r["status"] for r in rows] == ["waiting"] * 3
    roster = store.roster("ca", shift["id"])
    assert [r["uid"] for r in roster["confirmed"]] == [world.member["uid"]]
    assert [r["uid"] for r in roster["waiting"]] == [u["uid"] for u in others]
    positions = [store.user_signups(u["uid"])[0]["position"] for u in others]
    assert positions == [1, 2, 3]
    assert store.shift_counts("ca", shift) == {"confirmed": 1, "waiting": 3, "free": 0}


def test_cancel_promotes_first_waiter(world):
    _post, shift = world.post(capacity=1)
    first, second = make_user("13700000001", "volunteer"), make_user("13700000002", "volunteer")
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], first["uid"])
    store.sign_up("ca", shift["id"], second["uid"])
    result = store.cancel_signup(
        "ca", shift["id"], world.member["uid"], at=_start(shift) - timedelta(hours=5)
    )
    assert result["promoted"]["uid"] == first["uid"]
    assert store.user_signups(first["uid"])[0]["status"] == "confirmed"
    assert store.user_signups(second["uid"])[0]["position"] == 1
    assert store.user_signups(world.member["uid"]) == []


def test_cancel_from_waiting_list_promotes_nobody(world):
    _post, shift = world.post(capacity=1)
    waiter = make_user("13700000001", "volunteer")
    store.sign_up("ca", shift["id"], world.member["uid"])
    store.sign_up("ca", shift["id"], waiter["uid"])
    result = store.cancel_signup("ca", shift["id"], waiter["uid"])
    assert result["promoted"] is None
    assert store.shift_counts("ca", shift)["confirmed"] == 1


def test_cancel_deadline(world):
    _post, shift = world.post(capacity=2)
    store.sign_up("ca", shift["id"], world.member["uid"])
    late = _start(shift) - timedelta(minutes=90)
    with pytest.raises(store.StoreError, match="2 小时内不能在线取消"):
        store.cancel_signup("ca", shift["id"], world.member["uid"], at=late, deadline_hours=2)
    assert store.user_signups(world.member["uid"])[0]["status"] == "confirmed"
    # a shorter configured deadline allows it
    store.cancel_signup("ca", shift["id"], world.member["uid"], at=late, deadline_hours=1)
    assert store.user_signups(world.member["uid"]) == []


def test_sign_up_closes_at_start(world):
    _post, shift = world.post()
    with pytest.raises(store.StoreError, match="已经开始"):
        store.sign_up("ca", shift["id"], world.member["uid"], at=_start(shift))
    ok = store.sign_up(
        "ca", shift["id"], world.member["uid"], at=_start(shift) - timedelta(minutes=1)
    )
    assert ok["status"] == "confirmed"


def test_no_double_sign_up_and_no_overlap(world):
    _p1, morning = world.post(start="09:00", end="11:00")
    _p2, overlapping = world.post(cid="cb", start="10:30", end="12:00", day=morning["date"])
    _p3, after = world.post(cid="cc", start="11:00", end="12:00", day=morning["date"])
    store.sign_up("ca", morning["id"], world.member["uid"])
    with pytest.raises(store.StoreError, match="已经报名"):
        store.sign_up("ca", morning["id"], world.member["uid"])
    with pytest.raises(store.StoreError, match="时间冲突"):
        store.sign_up("cb", overlapping["id"], world.member["uid"])
    # back-to-back is not an overlap
    assert store.sign_up("cc", after["id"], world.member["uid"])["status"] == "confirmed"
    assert len(store.user_signups(world.member["uid"])) == 2


def test_waiting_list_counts_for_overlap(world):
    _p1, full = world.post(capacity=1)
    _p2, same_time = world.post(cid="cb", day=full["date"])
    store.sign_up("ca", full["id"], world.volunteer["uid"])
    assert store.sign_up("ca", full["id"], world.member["uid"])["status"] == "waiting"
    with pytest.raises(store.StoreError, match="时间冲突"):
        store.sign_up("cb", same_time["id"], world.member["uid"])


def test_closed_post_and_admin_refused(world):
    post, shift = world.post()
    with pytest.raises(store.StoreError, match="只有在职党员和志愿者"):
        store.sign_up("ca", shift["id"], world.admin_a["uid"])
    store.set_post_status("ca", post["id"], "closed")
    with pytest.raises(store.StoreError, match="停止报名"):
        store.sign_up("ca", shift["id"], world.member["uid"])
    assert store.shift_counts("ca", shift)["confirmed"] == 0


def test_cancel_without_sign_up(world):
    _post, shift = world.post()
    with pytest.raises(store.StoreError, match="没有报名"):
        store.cancel_signup("ca", shift["id"], world.member["uid"])


def test_signups_are_partitioned_by_month(world, data_dir):
    _p1, december = world.post(day="2099-12-05")
    _p2, january = world.post(day="2100-01-09")
    store.sign_up("ca", december["id"], world.member["uid"])
    store.sign_up("ca", january["id"], world.member["uid"])
    keys = store.current_backend().keys("communities/ca/signups-")
    assert keys == ["communities/ca/signups-2099-12", "communities/ca/signups-2100-01"]
    assert [s["shift"]["date"] for s in store.user_signups(world.member["uid"])] == [
        "2099-12-05",
        "2100-01-09",
    ]


def test_standing_role_has_capacity_and_no_deadline(world):
    post = store.create_post(
        "ca",
        world.admin_a["uid"],
        title="楼门长",
        category="mediation",
        description="d",
        place="p",
        kind="standing",
        shifts=[{"capacity": 1}],
    )
    shift = store.post_shifts("ca", post["id"])[0]
    assert shift["date"] is None
    assert store.sign_up("ca", shift["id"], world.member["uid"])["status"] == "confirmed"
    assert store.sign_up("ca", shift["id"], world.volunteer["uid"])["status"] == "waiting"
    assert (
        store.cancel_signup("ca", shift["id"], world.member["uid"])["promoted"]["uid"]
        == world.volunteer["uid"]
    )


def test_open_shifts_leave_out_started_and_closed(world):
    post, shift = world.post()
    _closed, closed_shift = world.post(cid="cb")
    store.set_post_status("cb", _closed["id"], "closed")
    ids = {r["shift"]["id"] for r in store.district_open_shifts()}
    assert shift["id"] in ids and closed_shift["id"] not in ids
    later = store.district_open_shifts(at=_start(shift))
    assert shift["id"] not in {r["shift"]["id"] for r in later}
