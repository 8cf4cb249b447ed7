"""The report-in state machine: 待确认 → 已报到 / 已退回 / 已撤回; 已报到 → 已转出."""

import pytest

from portal import store


def test_confirm_makes_member_active(world):
    report = store.submit_report_in(world.member["uid"], "ca")
    assert report["status"] == "待确认"
    assert [r["id"] for r in store.list_report_ins("ca", "待确认")] == [report["id"]]
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    state = store.current_report_state(world.member["uid"])
    assert state["active"]["community_id"] == "ca" and state["pending"] is None
    assert store.community_member_ids("ca") == [world.member["uid"]]


def test_one_pending_at_a_time_and_not_twice_in_same(world):
    report = store.submit_report_in(world.member["uid"], "ca")
    with pytest.raises(store.StoreError, match="等待社区确认"):
        store.submit_report_in(world.member["uid"], "cb")
    store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    with pytest.raises(store.StoreError, match="已经在这个社区报到"):
        store.submit_report_in(world.member["uid"], "ca")


def test_return_needs_reason_and_is_final(world):
    report = store.submit_report_in(world.member["uid"], "ca")
    with pytest.raises(store.StoreError, match="原因"):
        store.return_report_in("ca", report["id"], world.admin_a["uid"], "  ")
    store.return_report_in("ca", report["id"], world.admin_a["uid"], "不在本社区居住")
    history = store.report_history(world.member["uid"])
    assert history[0]["status"] == "已退回" and history[0]["reason"] == "不在本社区居住"
    with pytest.raises(store.StoreError, match="已退回"):
        store.confirm_report_in("ca", report["id"], world.admin_a["uid"])
    # after a return the member may try again
    assert store.submit_report_in(world.member["uid"], "ca")["status"] == "待确认"


def test_moving_marks_old_community_transferred(world):
    first = store.submit_report_in(world.member["uid"], "ca")
    store.confirm_report_in("ca", first["id"], world.admin_a["uid"])
    second = store.submit_report_in(world.member["uid"], "cb")
    # still active in the first while the second waits
    assert store.current_report_state(world.member["uid"])["active"]["community_id"] == "ca"
    store.confirm_report_in("cb", second["id"], world.admin_b["uid"])
    assert store.get_report_in("ca", first["id"])["status"] == "已转出"
    assert store.community_member_ids("ca") == []
    assert store.community_member_ids("cb") == [world.member["uid"]]
    statuses = [r["status"] for r in store.report_history(world.member["uid"])]
    assert sorted(statuses) == ["已报到", "已转出"]


def test_withdraw_only_own_pending(world):
    report = store.submit_report_in(world.member["uid"], "ca")
    with pytest.raises(store.NotFound):
        store.withdraw_report_in(world.volunteer["uid"], "ca", report["id"])
    store.withdraw_report_in(world.member["uid"], "ca", report["id"])
    assert store.current_report_state(world.member["uid"])["pending"] is None


def test_volunteers_do_not_report_in(world):
    with pytest.raises(store.StoreError, match="只有在职党员"):
        store.submit_report_in(world.volunteer["uid"], "ca")
    assert store.list_report_ins("ca") == []


def test_unknown_community_and_report(world):
    with pytest.raises(store.NotFound):
        store.submit_report_in(world.member["uid"], "nope")
    with pytest.raises(store.NotFound):
        store.confirm_report_in("ca", "missing", world.admin_a["uid"])
    with pytest.raises(store.NotFound):
        store.get_report_in("../../etc", "x")
